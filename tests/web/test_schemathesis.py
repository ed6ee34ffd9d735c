"""Schemathesis over the whole JSON API: the OpenAPI document tells the truth (issue 8,
point 10).

Every operation of ``/schema/openapi.json`` gets a bounded number of generated requests
(valid ones and ones that break the schema), sent as an organiser and as an admin (bearer
tokens from ``POST /api/v1/auth/token``) to the app in this process, on a seeded demo
venue. The bar: no 5xx, and every answer conforms to the document (status code documented,
content type, headers, body schema).

How it runs, and why not ``schemathesis.openapi.from_asgi``'s own transport: that one
drives the app through a synchronous client in a thread with its own event loop, while the
test database's pool (PostgreSQL) belongs to the test session's loop. Schemathesis here
generates the cases (``operation.as_strategy``) and validates the answers
(``case.validate_response``); the requests go through the suite's in-process httpx client,
in the test's loop, exactly as the other web tests send theirs.

Deterministic: hypothesis runs derandomized (a fixed seed), without its example database;
operations run in a fixed order, reads before writes and deletions last, so a random
``DELETE`` cannot take away what a later operation's examples need; each role starts from
the same freshly seeded venue.

Run alone: ``.venv/bin/python -m pytest -q -m schemathesis tests/web/test_schemathesis.py``
(``PODIUM_SCHEMATHESIS_EXAMPLES`` sets the examples per operation and mode, default 5:
about 960 requests per role, two minutes for both roles on a quiet 2-core machine).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.core.result import Err
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from podium.core.testing import PodiumClient

pytestmark = pytest.mark.schemathesis

EXAMPLES = int(os.environ.get("PODIUM_SCHEMATHESIS_EXAMPLES", "5"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance]
# Reads first, deletions last (see the module's docstring).
METHOD_ORDER = {"GET": 0, "HEAD": 0, "POST": 1, "PUT": 2, "PATCH": 3, "DELETE": 4}
BASE_URL = "http://testserver.local"
ADMIN_PASSWORD = "schemathesis-admin-pw"


def _cases(operation: Any, mode: GenerationMode, count: int) -> list[Any]:
    """``count`` cases of one operation, the same ones on every run."""
    found: list[Any] = []

    @settings(max_examples=count, derandomize=True, database=None, deadline=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(operation.as_strategy(generation_mode=mode))
    def collect(case: Any) -> None:
        found.append(case)

    try:
        collect()
    except Unsatisfiable:  # nothing to break: a GET without parameters has no negative case
        pass
    return found


def _httpx_kwargs(case: Any, headers: dict[str, str]) -> dict[str, Any]:
    """The case as arguments of ``httpx.AsyncClient.request`` (schemathesis serialises
    for ``requests``: ``data`` holding bytes is ``content`` for httpx)."""
    kwargs = case.as_transport_kwargs(base_url=BASE_URL, headers=headers)
    kwargs.pop("cookies", None)
    out: dict[str, Any] = {key: kwargs[key] for key in ("method", "url", "headers", "params")
                           if key in kwargs}
    if "json" in kwargs:
        out["json"] = kwargs["json"]
    if "data" in kwargs:
        data = kwargs["data"]
        out["content" if isinstance(data, (bytes, str)) else "data"] = data
    if kwargs.get("files") is not None:
        out["files"] = _renderable_files(kwargs["files"])
    return out


def _as_bytes(value: Any) -> Any:
    """A multipart part's content as httpx can send it: a negative case may put a number
    or a list where a file goes; what a client would send then is its text."""
    if isinstance(value, (bytes, str)) or hasattr(value, "read"):
        return value
    return json.dumps(value).encode()


def _renderable_files(files: Any) -> Any:
    """``files`` with every part's content made sendable (see :func:`_as_bytes`)."""
    items = files.items() if isinstance(files, dict) else files
    out = []
    for name, part in items:
        if isinstance(part, tuple):
            part = (part[0], _as_bytes(part[1]), *part[2:])
        else:
            part = _as_bytes(part)
        out.append((name, part))
    return out


async def _seeded_client(podium_app_factory: Any, podium_client_factory: Any,
                         podium_users: Any) -> tuple[PodiumClient, dict[str, dict[str, str]]]:
    """A client on the full app, the demo venue seeded, organiser and admin tokens."""
    from podium.web.demo import seed_demo

    await seed_demo(admin_password=ADMIN_PASSWORD)
    await podium_users("st-organiser", "organiser")
    await podium_users("st-admin", "admin")
    client = await podium_client_factory(podium_app_factory())
    tokens = {role: await client.bearer(name, "correct-horse-42")
              for role, name in (("organiser", "st-organiser"), ("admin", "st-admin"))}
    return client, tokens


# The cases of one document, generated once for both roles (generation is a tenth of the
# run): (operation, mode, cases), in the order they are sent.
_PLANS: dict[str, list[tuple[Any, GenerationMode, list[Any]]]] = {}


def _plan(document: dict[str, Any]) -> list[tuple[Any, GenerationMode, list[Any]]]:
    """Every operation's cases in sending order (reads, then writes, deletions last)."""
    key = json.dumps(document, sort_keys=True)
    if key not in _PLANS:
        schema = schemathesis.openapi.from_dict(document)
        operations = []
        for result in schema.get_all_operations():
            if isinstance(result, Err):  # an operation schemathesis cannot read fails the run
                raise result.err()
            operations.append(result.ok())
        operations.sort(key=lambda op: (METHOD_ORDER.get(op.method.upper(), 5), op.path))
        _PLANS[key] = [(op, mode, _cases(op, mode, EXAMPLES)) for op in operations
                       for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)]
    return _PLANS[key]


async def _run(client: PodiumClient, document: dict[str, Any], headers: dict[str, str],
               report: Callable[[str], None]) -> int:
    """Send every operation's cases; returns how many requests were sent."""
    sent = 0
    for operation, mode, cases in _plan(document):
        for case in cases:
            kwargs = _httpx_kwargs(case, headers)
            response = await client.request(kwargs.pop("method"), kwargs.pop("url"), **kwargs)
            sent += 1
            # A multipart body is sent as a stream; schemathesis reads the request's bytes
            # to report a case, so read them (a multipart stream can be read again).
            if not hasattr(response.request, "_content"):
                response.request.read()
            try:
                case.validate_response(response, checks=CHECKS)
            except FailureGroup as exc:  # every failed check of one case
                report(f"{operation.method.upper()} {operation.path} [{mode.value}] "
                       f"-> {response.status_code}: {str(exc)[:1500]}")
    return sent


@pytest.mark.parametrize("role", ["organiser", "admin"])
async def test_api_conforms_to_its_openapi_document(
    role: str, podium_app_factory: Any, podium_client_factory: Any, podium_users: Any
) -> None:
    """No server error and no schema violation, for each role, over every operation."""
    client, tokens = await _seeded_client(podium_app_factory, podium_client_factory, podium_users)
    document = (await client.get("/schema/openapi.json")).json()
    failures: list[str] = []
    sent = await _run(client, document, tokens[role], failures.append)
    if os.environ.get("PODIUM_SCHEMATHESIS_REPORT"):  # the whole list, for whoever fixes them
        with open(os.environ["PODIUM_SCHEMATHESIS_REPORT"], "a", encoding="utf-8") as out:
            out.write(f"== {role}: {sent} requests, {len(failures)} failing\n\n" + "\n\n".join(failures))
    assert sent > 100
    assert not failures, f"{len(failures)} failing cases of {sent}:\n\n" + "\n\n".join(failures[:25])
