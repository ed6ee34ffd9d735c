"""Security headers, HEAD like GET, pages fit for the CSP, and trusted proxies (issue 8,
points 3 and 6)."""

from __future__ import annotations

import ipaddress
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from podium.core.settings import SettingsError, load_settings
from podium.core.testing import DEFAULT_PASSWORD, PodiumClient, free_port
from podium.core.testing import test_settings as make_settings
from podium.web.security import client_address, parse_networks

ROOT = Path(__file__).resolve().parents[2]
PAGES = ["/", "/login", "/signup", "/calendar", "/tournaments"]


def csp_directives(response: httpx.Response) -> dict[str, str]:
    """The Content-Security-Policy header as ``{directive: sources}``."""
    policy = response.headers["content-security-policy"]
    return {part.split(" ", 1)[0]: part.split(" ", 1)[1] if " " in part else ""
            for part in (p.strip() for p in policy.split(";")) if part}


@pytest.mark.parametrize("path", [*PAGES, "/static/podium.css", "/no-such-page", "/schema", "/healthz"])
async def test_every_answer_carries_the_security_headers(podium_client: PodiumClient, path: str) -> None:
    """Pages, static files, 404s, the API explorer: CSP, nosniff, referrer, no framing."""
    response = await podium_client.get(path)
    assert response.status_code in (200, 404)
    csp = csp_directives(response)
    assert csp["script-src"] == "'self'"  # no 'unsafe-inline', no 'unsafe-eval'
    assert csp["style-src"] == "'self'"
    assert csp["object-src"] == "'none'"
    assert csp["frame-ancestors"] == "'none'"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"
    assert response.headers["x-frame-options"] == "DENY"
    assert "strict-transport-security" not in response.headers  # not in development


async def test_hsts_only_in_production(podium_app_factory: Any, podium_client_factory: Any) -> None:
    """A production deployment pins browsers to HTTPS; a laptop on HTTP is never pinned."""
    client = await podium_client_factory(podium_app_factory(env="production"))
    response = await client.get("/login")
    assert response.headers["strict-transport-security"].startswith("max-age=")


async def test_the_big_screen_may_be_embedded_where_the_setting_says(
        podium_app_factory: Any, podium_client_factory: Any) -> None:
    """``PODIUM_SCREEN_FRAME_ANCESTORS`` opens the screen view (only) to the named sites."""
    sources = "'self' https://obs.example"
    client = await podium_client_factory(podium_app_factory(screen_frame_ancestors=sources))
    screen = await client.get("/tournaments/1/screen")
    assert csp_directives(screen)["frame-ancestors"] == sources
    assert "x-frame-options" not in screen.headers
    page = await client.get("/tournaments/1")
    assert csp_directives(page)["frame-ancestors"] == "'none'"
    assert page.headers["x-frame-options"] == "DENY"


def test_frame_ancestors_setting_cannot_inject_directives() -> None:
    """A value that would end the directive (or the header) is refused at start-up."""
    assert load_settings({"PODIUM_SCREEN_FRAME_ANCESTORS": " https://a.example  'self' "}
                         ).screen_frame_ancestors == "https://a.example 'self'"
    for bad in ("'self'; script-src *", "https://a.example\r\nSet-Cookie: x=1", "'unsafe-inline'", "a,b"):
        with pytest.raises(SettingsError):
            load_settings({"PODIUM_SCREEN_FRAME_ANCESTORS": bad})


@pytest.mark.parametrize("path", [*PAGES, "/static/podium.css", "/schema/openapi.json"])
async def test_head_answers_like_get_without_a_body(podium_client: PodiumClient, path: str) -> None:
    """HEAD on a page: GET's status and headers (length included), no body."""
    get = await podium_client.get(path)
    head = await podium_client.head(path)
    assert head.status_code == get.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == get.headers["content-type"]
    assert head.headers.get("content-length") == get.headers.get("content-length")
    assert head.headers["content-security-policy"] == get.headers["content-security-policy"]


async def test_head_on_a_missing_page_is_404(podium_client: PodiumClient) -> None:
    """HEAD follows GET for errors too."""
    head = await podium_client.head("/no-such-page")
    assert head.status_code == 404 and head.content == b""


# --- pages the CSP can live with --------------------------------------------------------

TEMPLATE_DIRS = ["core", "web", "tournaments", "ticketing", "social", "plugins", "examples"]
FORBIDDEN = {
    # A JSON data block (type="application/json": texts a script reads) never runs, and the
    # CSP's script-src does not apply to it; any other inline <script> would.
    "inline <script>": re.compile(r"<script(?![^>]*\b(?:src=|type=\"application/json\"))[^>]*>", re.I),
    "<style> element": re.compile(r"<style[\s>]", re.I),
    "on* handler attribute": re.compile(r"\s on[a-z]+\s*=\s*[\"']", re.I | re.X),
    "hx-on": re.compile(r"\bhx-on", re.I),
    "javascript: URL": re.compile(r"javascript:", re.I),
    "htmx trigger filter (eval)": re.compile(r"hx-trigger=\"[^\"]*\[", re.I),
    "hx-vals js:": re.compile(r"hx-va(?:ls|rs)=['\"]\s*(?:js:|javascript:)", re.I),
}


def template_files() -> Iterator[Path]:
    """Every Jinja template and Python file that writes page HTML."""
    for folder in TEMPLATE_DIRS:
        yield from (ROOT / folder).rglob("*.html")
    yield from (ROOT / "plugins").rglob("*.py")


def test_no_template_needs_inline_script_or_style() -> None:
    """The CSP refuses inline script, ``on…=`` handlers, evaluated htmx filters and
    ``<style>`` elements: no template may rely on them (behaviour goes in static files)."""
    found = [f"{path.relative_to(ROOT)}: {what}"
             for path in template_files() if ".venv" not in path.parts and "build" not in path.parts
             for what, pattern in FORBIDDEN.items() if pattern.search(path.read_text(encoding="utf-8"))]
    assert not found, "\n".join(found)


async def test_htmx_is_configured_for_the_csp(podium_client: PodiumClient) -> None:
    """htmx injects no indicator <style> and evaluates no expressions."""
    page = (await podium_client.get("/")).text
    config = re.search(r'<meta name="htmx-config" content=\'([^\']*)\'', page)
    assert config is not None
    assert '"includeIndicatorStyles": false' in config.group(1)
    assert '"allowEval": false' in config.group(1)


async def test_the_api_explorer_has_no_inline_script(podium_client: PodiumClient) -> None:
    """``/schema`` starts Swagger UI from a static file, so the same CSP holds there."""
    page = (await podium_client.get("/schema")).text
    assert not FORBIDDEN["inline <script>"].search(page)
    assert "/static/swagger-init.js" in page
    assert (await podium_client.get("/static/swagger-init.js")).status_code == 200


# --- trusted proxies ----------------------------------------------------------------------

def peer_client(app: Any, peer: str) -> PodiumClient:
    """A client whose connection comes from ``peer`` (a proxy, or a client directly)."""
    return PodiumClient(httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, client=(peer, 40000)),  # type: ignore[arg-type]
        base_url="http://testserver.local"), app)


async def token_attempts(client: PodiumClient, forwarded_for: list[str | None]) -> list[int]:
    """Status codes of failed log-ins, each with the given X-Forwarded-For (or none)."""
    codes = []
    for value in forwarded_for:
        headers = {"x-forwarded-for": value} if value else {}
        r = await client.client.post("/api/v1/auth/token", headers=headers,
                                     json={"username": "hank", "password": "wrong-pass"})
        codes.append(r.status_code)
    return codes


async def test_rotating_x_forwarded_for_does_not_dodge_the_login_limiter(
        podium_app_factory: Any, podium_client_factory: Any, podium_users: Any) -> None:
    """Without trusted proxies the header is ignored: every attempt counts for the peer."""
    await podium_users("hank")
    app = podium_app_factory(login_rate_per_minute=3)
    await podium_client_factory(app)  # runs the lifespan
    async with peer_client(app, "203.0.113.9").client as raw:
        codes = await token_attempts(PodiumClient(raw, app), [f"198.51.100.{i}" for i in range(5)])
    assert codes == [401, 401, 401, 429, 429]


async def test_behind_a_trusted_proxy_the_forwarded_address_counts(
        podium_app_factory: Any, podium_client_factory: Any, podium_users: Any) -> None:
    """From a proxy in ``PODIUM_TRUSTED_PROXIES`` each client has its own count, and a
    client cannot reset its count by adding its own X-Forwarded-For entries."""
    await podium_users("hank")
    app = podium_app_factory(login_rate_per_minute=3, trusted_proxies=("10.0.0.0/8",))
    await podium_client_factory(app)
    async with peer_client(app, "10.1.2.3").client as raw:
        proxy = PodiumClient(raw, app)
        first = await token_attempts(proxy, ["198.51.100.7"] * 4)
        others = await token_attempts(proxy, ["198.51.100.8", "198.51.100.9"])
        spoofed = await token_attempts(proxy, [f"192.0.2.{i}, 198.51.100.7" for i in range(3)])
    assert first == [401, 401, 401, 429]
    assert others == [401, 401]  # other clients behind the same proxy are not limited
    assert spoofed == [429, 429, 429]  # the proxy appended the real address last


def test_trusted_proxies_setting_is_validated() -> None:
    """CIDRs and single addresses are accepted; anything else stops start-up."""
    assert load_settings({"PODIUM_TRUSTED_PROXIES": "10.0.0.0/8, 127.0.0.1,::1"}).trusted_proxies == (
        "10.0.0.0/8", "127.0.0.1/32", "::1/128")
    assert load_settings({}).trusted_proxies == ()
    with pytest.raises(SettingsError):
        load_settings({"PODIUM_TRUSTED_PROXIES": "my-proxy"})


ADDRESSES = st.one_of(st.ip_addresses(v=4), st.ip_addresses(v=6)).map(str)


@given(ADDRESSES, st.lists(ADDRESSES, max_size=5))
def test_without_trusted_proxies_the_peer_is_the_client(peer: str, forwarded: list[str]) -> None:
    """No header can change the address when no proxy is trusted."""
    assert client_address(peer, [", ".join(forwarded)], ()) == peer


@given(st.lists(ADDRESSES, max_size=4), ADDRESSES, st.lists(st.integers(1, 254), max_size=3))
def test_the_client_is_the_first_untrusted_hop_from_the_right(
        spoofed: list[str], real: str, proxy_hops: list[int]) -> None:
    """Whatever the client wrote, the address the first trusted proxy saw wins."""
    trusted = parse_networks(["10.0.0.0/8"])
    real_is_trusted = any(ipaddress.ip_address(real) in n for n in trusted)
    chain = [*spoofed, real, *[f"10.0.0.{h}" for h in proxy_hops]]
    result = client_address("10.9.9.9", [", ".join(chain)], trusted)
    if not real_is_trusted:
        assert result == real


# --- the real server, as `podium run` starts it ---------------------------------------------

def serve(extra_env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    """Start ``podium run`` (uvicorn, as deployed) on a free port of 127.0.0.1."""
    port = free_port()
    env = {**os.environ, **extra_env}
    log = open(Path(tempfile.mkdtemp(prefix="podium-run-")) / "server.log", "w")
    process = subprocess.Popen(
        [sys.executable, "-c", "from podium.web.cli import main; main()",
         "run", "--no-migrate", "--host", "127.0.0.1", "--port", str(port)],
        env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):  # a bounded wait for start-up, not a timing assertion
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return process, url
        except httpx.HTTPError:
            pass
        if process.poll() is not None:
            break
        time.sleep(0.1)
    process.kill()
    raise RuntimeError("podium run did not start")


@pytest.mark.parametrize("trusted, expected", [
    ("", [401, 401, 401, 429, 429]),  # a client on the proxy's own host: header ignored
    ("127.0.0.1", [401, 401, 401, 401, 401]),  # the proxy is trusted: five different clients
])
async def test_podium_run_believes_x_forwarded_for_only_from_trusted_proxies(
        podium_users: Any, trusted: str, expected: list[int]) -> None:
    """The deployed server (uvicorn started by ``podium run``) must not rewrite the client
    address from the header on its own: that let a client rotate it past the limiter."""
    await podium_users("hank")
    process, url = serve({"PODIUM_LOGIN_RATE": "3", "PODIUM_TRUSTED_PROXIES": trusted})
    try:
        async with httpx.AsyncClient(base_url=url) as client:
            codes = [(await client.post("/api/v1/auth/token", headers={"x-forwarded-for": f"198.51.100.{i}"},
                                        json={"username": "hank", "password": DEFAULT_PASSWORD + "x"})).status_code
                     for i in range(5)]
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert codes == expected


def test_settings_defaults_trust_nobody() -> None:
    """By default no proxy is trusted and nothing may embed the screen."""
    settings = make_settings()
    assert settings.trusted_proxies == () and settings.screen_frame_ancestors == "'none'"
