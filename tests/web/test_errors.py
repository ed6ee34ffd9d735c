"""Error answers of the web shell: JSON ``{"code", "detail"}`` under ``/api/`` and ``/-/``,
friendly pages elsewhere, log-in redirects, htmx partials, NUL characters refused at the
edge, and an unexpected exception turned into a calm 500 without internals.

The "no input produces a 500" sweep over every route lives in ``test_errors_fuzz.py``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from litestar import get, post
from litestar.params import FromPath, JSONBody

from podium.core import PluginMeta, hookimpl
from podium.core.accounts.auth import requires_role
from podium.core.errors import Conflict, NotFound
from podium.core.testing import DEFAULT_PASSWORD


class Boom(RuntimeError):
    """A bug in a handler."""


@get("/test-errors/conflict", sync_to_thread=False)
def _conflict_page() -> None:
    raise Conflict("the arena is booked then", conflicts=[{"id": 3}])


@get("/api/v1/test-errors/conflict", sync_to_thread=False)
def _conflict_api() -> None:
    raise Conflict("the arena is booked then", conflicts=[{"id": 3}])


@get("/api/v1/test-errors/missing/{item_id:int}", sync_to_thread=False)
def _missing_api(item_id: FromPath[int]) -> None:
    raise NotFound(f"no item {item_id}")


@get("/test-errors/boom", sync_to_thread=False)
def _boom_page() -> None:
    raise Boom("secret internals: password=hunter2")


@get("/api/v1/test-errors/boom", sync_to_thread=False)
def _boom_api() -> None:
    raise Boom("secret internals: password=hunter2")


@get("/test-errors/members", guards=[requires_role()], sync_to_thread=False)
def _members_page() -> str:
    return "members only"


@get("/test-errors/organisers", guards=[requires_role("organiser")], sync_to_thread=False)
def _organisers_page() -> str:
    return "organisers only"


@post("/api/v1/test-errors/echo", sync_to_thread=False)
def _echo_api(data: JSONBody[dict[str, Any]]) -> dict[str, Any]:
    return data


@post("/test-errors/form", sync_to_thread=False)
def _form_page() -> str:
    return "form accepted"


class ErrorRoutesPlugin:
    """Test-only routes that fail in every way the shell must answer."""

    PODIUM_PLUGIN = PluginMeta(name="test-error-routes", scope="global",
                               description="routes that fail on purpose")

    @hookimpl
    def podium_routes(self) -> list[Any]:
        """The failing routes."""
        return [_conflict_page, _conflict_api, _missing_api, _boom_page, _boom_api,
                _members_page, _organisers_page, _echo_api, _form_page]


@pytest.fixture
async def client(podium_app_factory: Any, podium_client_factory: Any) -> Any:
    """A client on the full app plus the failing routes."""
    return await podium_client_factory(podium_app_factory(extra=[ErrorRoutesPlugin()]))


def assert_json_error(response: Any, status: int, code: str) -> dict[str, Any]:
    """The response is a JSON error with the given status and code and a detail."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["code"] == code
    assert isinstance(body["detail"], str) and body["detail"]
    return body


def assert_html_page(response: Any, status: int, *, full: bool = True) -> str:
    """The response is a friendly HTML error page (full layout or htmx partial)."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("text/html")
    text = response.text
    assert 'data-testid="error-page"' in text
    assert f'data-status="{status}"' in text
    assert ("<html" in text) is full
    return text


# -- JSON under /api/ and /-/ ---------------------------------------------------------------

async def test_api_unknown_path_is_json_404(client: Any) -> None:
    """Unknown API paths answer JSON, not an HTML page."""
    assert_json_error(await client.get("/api/v1/no-such-thing"), 404, "not_found")
    assert_json_error(await client.get("/-/no-such-thing"), 404, "not_found")


async def test_litestar_reason_phrases_are_said_in_the_clients_language(client: Any) -> None:
    """Where Litestar gives only its English reason phrase ("Not Found", "Method Not
    Allowed"), a JSON error says it in the client's language; the code stays English."""
    english = await client.get("/api/v1/no-such-thing", headers={"accept-language": "en"})
    assert english.json() == {"code": "not_found", "detail": "not found"}
    french = await client.get("/api/v1/no-such-thing", headers={"accept-language": "fr"})
    assert french.json() == {"code": "not_found", "detail": "introuvable"}
    wrong_method = await client.request("PUT", "/healthz", headers={"accept": "application/json",
                                                                    "accept-language": "fr"})
    assert wrong_method.status_code == 405
    assert wrong_method.json()["detail"] == "méthode non autorisée"


async def test_api_domain_error_keeps_extra_fields(client: Any) -> None:
    """A ``Conflict`` with extra fields answers 409 with them in the JSON body."""
    body = assert_json_error(await client.get("/api/v1/test-errors/conflict"), 409, "conflict")
    assert body["conflicts"] == [{"id": 3}]
    assert_json_error(await client.get("/api/v1/test-errors/missing/5"), 404, "not_found")


async def test_api_validation_errors(client: Any) -> None:
    """Bad path params, malformed JSON and wrong content types are 4xx JSON errors."""
    # a path that does not fit the parameter's type matches no route
    assert_json_error(await client.get("/api/v1/test-errors/missing/abc"), 404, "not_found")
    assert_json_error(
        await client.post("/api/v1/test-errors/echo", content=b'{"a": ',
                          headers={"content-type": "application/json"}),
        400, "bad_request")
    response = await client.post("/api/v1/test-errors/echo", content=b"[1, 2]",
                                 headers={"content-type": "application/json"})
    assert_json_error(response, 400, "invalid")
    assert_json_error(await client.delete("/api/v1/test-errors/echo"), 405, "method_not_allowed")


async def test_api_wants_bearer_not_redirect(client: Any) -> None:
    """The API never redirects to the log-in page: it answers 401 JSON."""
    assert_json_error(await client.get("/api/v1/me"), 401, "unauthenticated")
    response = await client.get("/api/v1/me", headers={"Authorization": "Bearer nope"})
    assert_json_error(response, 401, "unauthenticated")


async def test_unexpected_exception_is_a_calm_500(client: Any, caplog: Any) -> None:
    """A bug answers 500 with no internals (JSON on the API, a page elsewhere) and is logged."""
    body = assert_json_error(await client.get("/api/v1/test-errors/boom"), 500, "server_error")
    assert "hunter2" not in str(body)
    text = assert_html_page(await client.get("/test-errors/boom"), 500)
    assert "hunter2" not in text and "Traceback" not in text
    assert any("unhandled error" in r.getMessage() for r in caplog.records)


# -- HTML elsewhere ------------------------------------------------------------------------

async def test_page_not_found_is_a_friendly_page(client: Any) -> None:
    """Unknown pages show the layout with a readable message and a way back."""
    text = assert_html_page(await client.get("/no/such/page"), 404)
    assert "Page not found" in text
    assert 'href="/"' in text


async def test_page_domain_error_is_a_page(client: Any) -> None:
    """Domain errors on pages render the error page with their detail."""
    text = assert_html_page(await client.get("/test-errors/conflict"), 409)
    assert "the arena is booked then" in text


async def test_json_for_clients_that_ask_for_it(client: Any) -> None:
    """A page path answers JSON when the client accepts only JSON."""
    response = await client.get("/no/such/page", headers={"accept": "application/json"})
    assert_json_error(response, 404, "not_found")


async def test_htmx_request_gets_a_partial(client: Any) -> None:
    """An htmx request gets the error as a fragment, without the layout."""
    text = assert_html_page(await client.htmx("GET", "/test-errors/conflict"), 409, full=False)
    assert "the arena is booked then" in text
    # a boosted link is a full navigation: the whole page
    response = await client.get("/no/such/page", headers={"HX-Request": "true", "HX-Boosted": "true"})
    assert_html_page(response, 404, full=True)


async def test_anonymous_page_get_redirects_to_login_with_next(client: Any) -> None:
    """A page that needs a user sends an anonymous browser to log in, then back."""
    response = await client.get("/test-errors/members?tab=2&x=%C3%A9")
    assert response.status_code in (302, 303, 307)
    location = urlsplit(response.headers["location"])
    assert location.path == "/login"
    assert parse_qs(location.query)["next"] == ["/test-errors/members?tab=2&x=%C3%A9"]


async def test_anonymous_htmx_request_is_told_to_log_in(client: Any) -> None:
    """htmx fragments cannot be redirected usefully: HX-Redirect points at the log-in page,
    back to the page in the address bar."""
    response = await client.htmx("GET", "/test-errors/members",
                                 headers={"HX-Current-URL": "http://testserver.local/calendar?week=2026-W48"})
    assert response.status_code == 401
    target = urlsplit(response.headers["hx-redirect"])
    assert target.path == "/login"
    assert parse_qs(target.query)["next"] == ["/calendar?week=2026-W48"]
    assert_html_page(response, 401, full=False)


async def test_wrong_role_is_403_page(client: Any, podium_users: Any) -> None:
    """A signed-in user without the role sees a 403 page, not a log-in redirect."""
    await podium_users("fan1", "fan")
    await client.login("fan1", DEFAULT_PASSWORD)
    text = assert_html_page(await client.get("/test-errors/organisers"), 403)
    assert "You cannot do that" in text
    response = await client.get("/test-errors/members")
    assert response.status_code == 200


async def test_form_post_without_csrf_is_403(client: Any) -> None:
    """A form post without the CSRF token is refused (and answers a page, not a 500)."""
    response = await client.post("/test-errors/form", data={"a": "1"})
    assert_html_page(response, 403)
    response = await client.form_post("/test-errors/form", {"a": "1"})
    assert response.status_code == 201


async def test_re_rendered_form_is_html(client: Any) -> None:
    """A form page re-rendered with its errors (422) is labelled HTML, not JSON."""
    response = await client.form_post("/signup", {"username": "abc", "password": "a" * 10,
                                                  "password2": "b" * 10})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("text/html")


# -- NUL characters at the edge ----------------------------------------------------------

@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/test-errors/missing/1?q=%00",
        "/-/plugins.json?x=a%00b",
        "/login?next=/%00",
    ],
)
async def test_nul_in_url_is_400(client: Any, url: str) -> None:
    """``%00`` in the path or query string is refused before any handler runs."""
    response = await client.get(url, headers={"accept": "application/json"})
    assert_json_error(response, 400, "bad_request")


async def test_id_beyond_64_bits_is_404(client: Any) -> None:
    """An integer path parameter no database row can have answers 404 before any query."""
    response = await client.get("/api/v1/test-errors/missing/99999999999999999999")
    body = assert_json_error(response, 404, "not_found")
    assert "out of range" in body["detail"]
    response = await client.get("/api/v1/test-errors/missing/9223372036854775807")
    body = assert_json_error(response, 404, "not_found")
    assert body["detail"] == "no item 9223372036854775807"


async def test_nul_in_path_is_4xx(client: Any) -> None:
    """A NUL in the path matches no typed route (404) or is refused (400)."""
    response = await client.get("/api/v1/test-errors/missing/1%00")
    assert_json_error(response, 404, "not_found")
    response = await client.get("/static/podium.css%00")
    assert response.status_code in (400, 404)


async def test_nul_in_json_body_is_400(client: Any) -> None:
    """A JSON ``\\u0000`` escape or a raw NUL byte is refused; an escaped backslash is not."""
    url = "/api/v1/test-errors/echo"
    response = await client.post(url, content=b'{"name": "a\\u0000b"}',
                                 headers={"content-type": "application/json"})
    assert_json_error(response, 400, "bad_request")
    response = await client.post(url, content=b'{"name": "a\x00b"}',
                                 headers={"content-type": "application/json"})
    assert_json_error(response, 400, "bad_request")
    # "\\u0000" is a backslash followed by the text u0000: harmless
    response = await client.post(url, content=b'{"name": "a\\\\u0000b"}',
                                 headers={"content-type": "application/json"})
    assert response.status_code == 201, response.text
    assert response.json() == {"name": "a\\u0000b"}


async def test_nul_in_form_body_is_400(client: Any) -> None:
    """A form field holding NUL is refused (the page answers with the error page)."""
    response = await client.form_post("/test-errors/form", {"name": "a\x00b"})
    assert_html_page(response, 400)
    response = await client.form_post("/signup", {"username": "nul\x00user", "password": "x" * 12,
                                                  "password2": "x" * 12})
    assert response.status_code == 400


def test_json_nul_pattern() -> None:
    """The JSON escape detector counts backslashes."""
    from podium.web.errors import has_nul  # noqa: PLC2701 (unit under test)

    json = "application/json"
    assert has_nul(b'"\\u0000"', json)
    assert has_nul(b'"\\\\\\u0000"', json)  # \\ then \u0000
    assert not has_nul(b'"\\\\u0000"', json)  # \\ then u0000
    assert not has_nul(b"%00", json)
    assert has_nul(b"a=%00", "application/x-www-form-urlencoded")
    assert not has_nul(b"\x00", "multipart/form-data; boundary=x")
