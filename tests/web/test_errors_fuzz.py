"""No input produces a 500: bad input thrown at every route of the full app.

The routes are read from the app when the test runs, so routes other rooms and plugins add
later are covered without touching this file. For each route and method:

* malformed path parameters (huge and negative numbers, text, NUL, unicode, traversal);
* junk query strings (bad dates, weeks, pages, NUL);
* bodies: malformed JSON, JSON of the wrong shape, wrong content types, form junk, no body;
* as an anonymous client without CSRF token, and as an admin (session + CSRF on pages,
  bearer token on the API), so guards do not hide the handlers from the junk.

A hypothesis property then sends generated JSON documents, shaped after each JSON route's
body type, to the JSON API routes.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import re
import typing
from collections.abc import Iterator
from typing import Any

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from litestar import Litestar
from litestar.response import ServerSentEvent
from litestar.routes import HTTPRoute

from podium.core.testing import DEFAULT_PASSWORD, PodiumClient

ADMIN = "fuzzadmin"
# Path parameter values; percent-escapes stay as written in the URL.
BAD_PATH_VALUES = [
    "0", "-1", "99999999999999999999999999", "9223372036854775808", "abc", "a%00b",
    "%C3%A9t%C3%A9%F0%9F%8F%86", "%FF%FE", "x" * 300, "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "%27%20OR%201%3D1--", "2026-W99",
]
BAD_QUERIES = [
    "",
    "?page=-1&limit=999999999999999999999&offset=-5&per_page=0",
    "?start=not-a-date&end=2026-02-30&from=yesterday&to=%00&date=9999-99-99",
    "?week=2026-W99&week=1999-W00&space=abc&kind=%00&venue=-1",
    "?next=%2F%2Fevil.example&next=javascript:alert(1)&q=" + "x" * 3000,
    "?id=%F0%9F%8F%86&topics=&space=99999999999999999999",
]
JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
BODIES: list[tuple[str, bytes | None, str | None]] = [
    ("no body", None, None),
    ("malformed json", b'{"title": ', JSON),
    ("json list", b"[1, 2, 3]", JSON),
    ("json string", b'"x"', JSON),
    ("json nulls", b'{"title": null, "start": null, "capacity": null, "space_ids": null}', JSON),
    ("json wrong types", b'{"title": 5, "start": "soon", "end": [], "capacity": "many", '
                         b'"space_ids": "all", "username": {}, "password": 1}', JSON),
    ("json huge numbers", b'{"capacity": 1e400, "space_id": 99999999999999999999999999, '
                          b'"page": -99999999999999999999}', JSON),
    ("json unicode", '{"title": "\ud83c\udfc6 \u202e\u0301", "name": "\uffff"}'
                     .encode("utf-8", "surrogatepass"), JSON),
    ("json deep", b"[" * 2000 + b"]" * 2000, JSON),
    ("text/plain", b"hello", "text/plain"),
    ("xml", b"<a>1</a>", "application/xml"),
    ("form junk", b"title=&start=yesterday&capacity=-1&username=%FF&&&=x", FORM),
    ("form long", b"title=" + b"x" * 20000, FORM),
    ("binary", bytes(range(256)), "application/octet-stream"),
]
BODY_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
REQUEST_TIMEOUT = 20.0


@dataclasses.dataclass
class Failure:
    """One request that answered 5xx (or hung)."""

    who: str
    method: str
    url: str
    what: str
    status: int | str
    body: str

    cause: str = ""

    def __str__(self) -> str:
        url = self.url if len(self.url) < 120 else self.url[:117] + "..."
        return f"{self.who} {self.method} {url} [{self.what}] -> {self.status}: {self.cause or self.body}"


class _LastError(logging.Handler):
    """Remembers the last exception the app logged, to name the cause of each 500."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.last = ""

    def emit(self, record: logging.LogRecord) -> None:
        """Keep the exception's type and message."""
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            while exc.__cause__ is not None:
                exc = exc.__cause__
            self.last = f"{type(exc).__name__}: {str(exc)[:200]}"


def http_routes(app: Litestar) -> Iterator[tuple[HTTPRoute, str, Any]]:
    """Every (route, method, handler) of the app except OPTIONS and streaming endpoints."""
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for method, (handler, _kwargs_model) in route.route_handler_map.items():
            if method == "OPTIONS":
                continue
            returns = handler.parsed_fn_signature.return_type.annotation
            if isinstance(returns, type) and issubclass(returns, ServerSentEvent):
                continue  # an open stream never finishes; tests/web/test_sse.py covers it
            yield route, method, handler


_PARAM = re.compile(r"\{[^}]+\}")


def fill_path(path: str, value: str) -> str:
    """The route path with every ``{param}`` replaced by ``value``."""
    return _PARAM.sub(value, path)


def is_api(path: str) -> bool:
    """JSON API paths authenticate by bearer token, not by session."""
    return path.startswith("/api/")


async def _send(client: PodiumClient, method: str, url: str, body: bytes | None,
                content_type: str | None, headers: dict[str, str]) -> tuple[int | str, str]:
    hdrs = dict(headers)
    if content_type:
        hdrs["content-type"] = content_type
    try:
        async with asyncio.timeout(REQUEST_TIMEOUT):
            response = await client.request(method, url, content=body, headers=hdrs,
                                             follow_redirects=False)
    except TimeoutError:
        return "timeout", ""
    return response.status_code, " ".join(response.text[:200].split())


async def sweep(app: Litestar, client: PodiumClient, who: str,
                headers_for: typing.Callable[[str], dict[str, str]]) -> tuple[list[Failure], int]:
    """Send every malformed variant to every route; return the 5xx answers and the count."""
    failures: list[Failure] = []
    sent = 0
    errors = _LastError()
    logger = logging.getLogger("podium.web")
    logger.addHandler(errors)

    async def hit(method: str, url: str, what: str, body: bytes | None = None,
                  content_type: str | None = None) -> None:
        nonlocal sent
        sent += 1
        errors.last = ""
        status, text = await _send(client, method, url, body, content_type, headers_for(url))
        if status == "timeout" or int(status) >= 500:
            failures.append(Failure(who, method, url, what, status, text, errors.last))

    for route, method, _handler in http_routes(app):
        has_params = bool(route.path_parameters)
        paths = [fill_path(route.path, v) for v in BAD_PATH_VALUES] if has_params else [route.path]
        for path in paths:
            await hit(method, path, "path")
        base = fill_path(route.path, "1")
        if method == "GET":
            for query in BAD_QUERIES[1:]:
                await hit(method, base + query, "query")
        if method in BODY_METHODS:
            for what, body, content_type in BODIES:
                await hit(method, base, what, body, content_type)
            if has_params:
                await hit(method, fill_path(route.path, "99999999999999999999999999"),
                          "json on huge id", b'{"title": "x"}', JSON)
        if "logout" in route.path and who == "admin":
            await client.login(ADMIN, DEFAULT_PASSWORD)  # the sweep just logged itself out
    logger.removeHandler(errors)
    return failures, sent


async def _admin_client(podium_client_factory: Any, app: Litestar) -> tuple[PodiumClient, dict[str, str]]:
    client = await podium_client_factory(app)
    await client.login(ADMIN, DEFAULT_PASSWORD)
    return client, await client.bearer(ADMIN, DEFAULT_PASSWORD)


async def _seed_demo() -> None:
    """Seed the demo venue, so ids exist and pages have content to trip over."""
    from podium.web.demo import seed_demo

    await seed_demo(admin_password="fuzz-admin-password")


async def test_no_route_answers_500_to_bad_input(
    podium_app_factory: Any, podium_client_factory: Any, podium_users: Any
) -> None:
    """Anonymous (no CSRF token) and admin clients: every malformed request answers < 500."""
    await _seed_demo()
    await podium_users(ADMIN, "admin")
    app = podium_app_factory()

    anonymous = await podium_client_factory(app)
    failures, sent_anon = await sweep(app, anonymous, "anonymous", lambda url: {})

    admin, bearer = await _admin_client(podium_client_factory, app)
    csrf = await admin.csrf_token()

    def admin_headers(url: str) -> dict[str, str]:
        return dict(bearer) if is_api(url) else {"x-csrftoken": csrf}

    more, sent_admin = await sweep(app, admin, "admin", admin_headers)
    failures += more
    assert sent_anon > 50 and sent_admin > 50
    assert not failures, f"{len(failures)} requests answered 5xx:\n" + "\n".join(
        str(f) for f in failures[:40])


# -- hypothesis: generated JSON bodies to the JSON API routes ----------------------------

_text = st.text(max_size=40) | st.sampled_from(
    ["", " ", "x" * 5000, "\u0000", "a\u0000b", "\ud7ff", "\U0001f3c6", "null", "2026-02-30",
     "2026-11-22T10:00:00", "2026-11-22T10:00:00+01:00", "9999-12-31T23:59:59Z", "-1"])
_numbers = (st.integers() | st.sampled_from([0, -1, 2**31, 2**63, -(2**63) - 1, 10**30])
            | st.floats(allow_nan=False))
_scalars = st.none() | st.booleans() | _numbers | _text
_json_values = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)


def _body_fields(handler: Any) -> list[str]:
    """Field names of a handler's JSON body type (dataclass, msgspec Struct or TypedDict)."""
    data = handler.parsed_fn_signature.parameters.get("data")
    if data is None:
        return []
    kind = data.annotation
    for arg in typing.get_args(kind) or (kind,):
        if dataclasses.is_dataclass(arg):
            return [f.name for f in dataclasses.fields(arg)]
        if isinstance(arg, type) and issubclass(arg, msgspec.Struct):
            return list(arg.__struct_fields__)
        hints = getattr(arg, "__annotations__", None)
        if isinstance(arg, type) and issubclass(arg, dict) and hints:
            return list(hints)
    return []


def json_body_routes(app: Litestar) -> list[tuple[str, str, list[str]]]:
    """(method, path, body field names) of API routes that take a JSON body."""
    found = []
    for route, method, handler in http_routes(app):
        if is_api(route.path) and method in BODY_METHODS and "data" in handler.parsed_fn_signature.parameters:
            found.append((method, fill_path(route.path, "1"), _body_fields(handler)))
    return found


def _documents(fields: list[str]) -> st.SearchStrategy[Any]:
    shaped = (
        st.fixed_dictionaries({}, optional={name: _json_values for name in fields})
        if fields else st.dictionaries(st.text(max_size=8), _json_values, max_size=5)
    )
    return shaped | _json_values


@pytest.fixture
async def api_fuzz_target(
    podium_app_factory: Any, podium_client_factory: Any, podium_users: Any
) -> tuple[PodiumClient, dict[str, str], list[tuple[str, str, list[str]]]]:
    """An admin API client on the full app and the JSON body routes to fuzz."""
    await _seed_demo()
    await podium_users(ADMIN, "admin")
    app = podium_app_factory()
    client, bearer = await _admin_client(podium_client_factory, app)
    return client, bearer, json_body_routes(app)


@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
async def test_generated_json_bodies_never_500(api_fuzz_target: Any, data: st.DataObject) -> None:
    """Whatever JSON document a JSON API route receives, it answers below 500."""
    client, bearer, routes = api_fuzz_target
    assert routes, "the app should have JSON API routes with bodies"
    method, path, fields = data.draw(st.sampled_from(routes), label="route")
    document = data.draw(_documents(fields), label="body")
    body = json.dumps(document, ensure_ascii=data.draw(st.booleans(), label="ascii")).encode(
        "utf-8", "surrogatepass")
    status, text = await _send(client, method, path, body, JSON, bearer)
    assert status != "timeout" and int(status) < 500, f"{method} {path} {body[:200]!r} -> {status}: {text}"
