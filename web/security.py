"""The app's edge: who the client is, security headers, HEAD, and CSRF bound to the session.

* :class:`EdgeMiddleware` wraps the whole ASGI app (before routing, so it also sees 404s
  and static files). It believes ``X-Forwarded-For``/``X-Forwarded-Proto`` only from a
  peer in ``PODIUM_TRUSTED_PROXIES``, answers ``HEAD`` like ``GET`` without the body, and
  adds the security headers (:func:`security_headers`).
* :class:`SessionBoundCSRFMiddleware` replaces Litestar's double-submit CSRF check. The
  token (cookie ``podium_csrf``, echoed in the form field or the ``x-csrftoken`` header)
  is ``nonce + HMAC(secret, nonce | session id)``: a token is only good for the session it
  was issued to. When a request changes the session id (log-in, sign-up, log-out, a role
  change), the response carries a new cookie bound to the new id.
* :class:`PodiumSwaggerPlugin` serves the API explorer without inline script.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import re
import secrets
from collections.abc import Iterable, Sequence
from secrets import compare_digest
from typing import Any, cast

from litestar import Request
from litestar.config.csrf import CSRFConfig
from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie, MutableScopeHeaders
from litestar.enums import RequestEncodingType, ScopeType
from litestar.exceptions import PermissionDeniedException
from litestar.middleware._utils import should_bypass_middleware
from litestar.middleware.csrf import CSRFMiddleware
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.types import ASGIApp, HTTPScope, Message, Receive, Scope, Send
from litestar.utils.scope.state import ScopeState

from podium.core.accounts.sessions import response_session_id, session_id_of, session_loaded
from podium.core.i18n import _
from podium.core.settings import Settings

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Paths that stream forever: HEAD there is not turned into a GET (it would never end).
STREAM_PREFIXES = ("/-/events",)
# The tournament big-screen page, the one page a venue may embed (OBS, a signage player).
SCREEN_PATH = re.compile(r"^/tournaments/\d+/screen/?$")
HSTS = "max-age=31536000"


# --- client address ------------------------------------------------------------------

def parse_networks(values: Iterable[str]) -> tuple[IPNetwork, ...]:
    """``PODIUM_TRUSTED_PROXIES`` entries as networks (``settings`` validated them)."""
    return tuple(ipaddress.ip_network(v, strict=False) for v in values)


def _address(text: str) -> IPAddress | None:
    """An IP address from a forwarded hop (``1.2.3.4``, ``1.2.3.4:5678``, ``[::1]:80``)."""
    text = text.strip().strip('"')
    if text.startswith("[") and "]" in text:
        text = text[1:text.index("]")]
    elif text.count(":") == 1:
        text = text.split(":", 1)[0]  # IPv4 with a port
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _trusted(address: IPAddress, networks: Sequence[IPNetwork]) -> bool:
    return any(address in network for network in networks)


def client_address(peer: str | None, forwarded_for: Sequence[str], trusted: Sequence[IPNetwork]) -> str | None:
    """The client's address: the peer itself unless the peer is a trusted proxy; then the
    ``X-Forwarded-For`` hops are read from the right (each added by the proxy after it)
    and the first hop that is not itself a trusted proxy is the client. Anything a client
    wrote further left is never believed; an unreadable hop stops the walk."""
    peer_address = _address(peer) if peer else None
    if peer_address is None or not _trusted(peer_address, trusted):
        return peer
    client = peer
    hops = [hop for value in forwarded_for for hop in value.split(",") if hop.strip()]
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            break
        client = str(address)
        if not _trusted(address, trusted):
            break
    return client


# --- headers ---------------------------------------------------------------------------

def content_security_policy(frame_ancestors: str = "'none'") -> str:
    """The pages' policy: scripts, styles, images, fonts and connections (htmx requests,
    server-sent events) from our own origin only; no inline script or ``<style>``
    element, no ``eval``. Style *attributes* stay allowed (``style-src-attr``): pages
    carry data-driven colours and sizes in them (``--kind``, ``flex``), which cannot run
    script. Images may also come from any https site: athletes' photos are https URLs
    on their own sites (an image cannot run script)."""
    return "; ".join([
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "style-src-attr 'unsafe-inline'",
        "img-src 'self' data: https:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        f"frame-ancestors {frame_ancestors}",
    ])


def security_headers(path: str, settings: Settings) -> list[tuple[bytes, bytes]]:
    """The headers every answer carries: CSP, ``nosniff``, ``Referrer-Policy``, framing
    (the big screen may be embedded where ``PODIUM_SCREEN_FRAME_ANCESTORS`` says), and
    HSTS in production only (a laptop on plain HTTP must not be pinned to HTTPS)."""
    embeddable = SCREEN_PATH.match(path) is not None and settings.screen_frame_ancestors != "'none'"
    ancestors = settings.screen_frame_ancestors if embeddable else "'none'"
    headers = [
        (b"content-security-policy", content_security_policy(ancestors).encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"same-origin"),
    ]
    if not embeddable:
        # Old browsers without frame-ancestors; modern ones follow the CSP. Left out where
        # embedding is allowed: X-Frame-Options cannot name a list of sites.
        headers.append((b"x-frame-options", b"DENY"))
    if settings.production:
        headers.append((b"strict-transport-security", HSTS.encode()))
    return headers


class EdgeMiddleware:
    """Wraps the whole app: the client address, HEAD as GET, and the security headers."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings
        self.trusted = parse_networks(settings.trusted_proxies)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Adjust the scope, then add headers to (and for HEAD, strip the body of) the answer."""
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        http_scope = cast("HTTPScope", dict(scope))  # the server keeps its own scope (and its HEAD)
        self._believe_proxy(http_scope)
        head = http_scope["method"] == "HEAD" and not http_scope["path"].startswith(STREAM_PREFIXES)
        if head:
            http_scope["method"] = "GET"
        scope = http_scope
        extra = security_headers(scope["path"], self.settings)
        finished = False

        async def send_with_headers(message: Message) -> None:
            nonlocal finished
            if message["type"] == "http.response.start":
                headers = MutableScopeHeaders.from_message(message)
                for name, value in extra:
                    if name.decode() not in headers:
                        headers.add(name.decode(), value.decode())
            elif head and message["type"] == "http.response.body":
                # The GET answer's headers (Content-Length included) without its body.
                if finished or message.get("more_body", False):
                    return
                finished = True
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _believe_proxy(self, scope: Scope) -> None:
        if not self.trusted:
            return
        peer = scope.get("client")
        if not peer:
            return
        forwarded = [v.decode("latin-1") for k, v in scope["headers"] if k == b"x-forwarded-for"]
        client = client_address(peer[0], forwarded, self.trusted)
        if client != peer[0]:
            scope["client"] = (client or peer[0], 0)
        if _address(peer[0]) is not None and _trusted(cast("IPAddress", _address(peer[0])), self.trusted):
            protos = [v.decode("latin-1") for k, v in scope["headers"] if k == b"x-forwarded-proto"]
            proto = protos[-1].split(",")[-1].strip().lower() if protos else ""
            if proto in ("http", "https"):
                scope["scheme"] = proto


# --- CSRF bound to the session ---------------------------------------------------------

NONCE_BYTES = 32
NONCE_LENGTH = NONCE_BYTES * 2


def _binding(nonce: str, session_id: str | None, secret: str) -> str:
    message = f"podium-csrf|{nonce}|{session_id or ''}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def csrf_token_for(session_id: str | None, secret: str, nonce: str | None = None) -> str:
    """A CSRF token good for ``session_id`` only (``None``: a visitor without a session)."""
    nonce = nonce or secrets.token_hex(NONCE_BYTES)
    return nonce + _binding(nonce, session_id, secret)


def csrf_token_valid(token: str | None, session_id: str | None, secret: str) -> bool:
    """True when ``token`` was issued by us for exactly this session."""
    if not token or len(token) != NONCE_LENGTH * 2:
        return False
    nonce, mac = token[:NONCE_LENGTH], token[NONCE_LENGTH:]
    return compare_digest(mac, _binding(nonce, session_id, secret))


class SessionBoundCSRFMiddleware(CSRFMiddleware):
    """Litestar's CSRF check (cookie + the same token in the form or a header), with a
    token that only verifies for the session it was issued to."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Issue (safe methods) or verify (the others) the session's CSRF token."""
        if scope["type"] != ScopeType.HTTP or should_bypass_middleware(
            scope=scope, scopes=self.scopes, exclude_opt_key=self.config.exclude_from_csrf_key,
            exclude_path_pattern=self.exclude,
        ):
            await self.app(scope, receive, send)
            return
        request: Request[Any, Any, Any] = scope["litestar_app"].request_class(scope=scope, receive=receive)
        cookie = request.cookies.get(self.config.cookie_name)
        bound_to = session_id_of(request)  # after any rotation by the auth middleware
        state = ScopeState.from_scope(scope)
        if request.method in self.config.safe_methods and not session_loaded(request):
            # No session here (a static file...): the session is unknown, not absent, so
            # the cookie is left as it is.
            await self.app(scope, receive, send)
            return
        if request.method in self.config.safe_methods:
            token = cookie if cookie and csrf_token_valid(cookie, bound_to, self.config.secret) else None
            token = token or csrf_token_for(bound_to, self.config.secret)
        else:
            submitted = request.headers.get(self.config.header_name)
            content_type, _params = request.content_type
            if not submitted and content_type in {RequestEncodingType.URL_ENCODED, RequestEncodingType.MULTI_PART}:
                field = (await request.form()).get("_csrf_token")
                submitted = field if isinstance(field, str) else None
            if not (submitted and cookie and compare_digest(submitted, cookie)
                    and csrf_token_valid(cookie, bound_to, self.config.secret)):
                raise PermissionDeniedException(_("CSRF token verification failed"))
            token = cookie
        state.csrf_token = token
        await self.app(scope, receive, self._rebinding_send(send, request, token, cookie))

    def _rebinding_send(self, send: Send, connection: ASGIConnection[Any, Any, Any, Any],
                        token: str, cookie: str | None) -> Send:
        """Set the cookie when it is new, or when the handler changed the session id."""

        async def wrapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                after = response_session_id(connection)
                fresh = token if csrf_token_valid(token, after, self.config.secret) else csrf_token_for(
                    after, self.config.secret)
                if fresh != cookie:
                    self._set_cookie(message, fresh)
            await send(message)

        return wrapped

    def _set_cookie(self, message: Message, token: str) -> None:
        MutableScopeHeaders.from_message(message).add("set-cookie", csrf_cookie_header(self.config, token))


def csrf_cookie_header(config: CSRFConfig, token: str) -> str:
    """The ``Set-Cookie`` value that gives a visitor ``token`` (the anonymous page lane
    sets it as the middleware does)."""
    cookie = Cookie(
        key=config.cookie_name, value=token, path=config.cookie_path,
        secure=config.cookie_secure, httponly=config.cookie_httponly,
        samesite=config.cookie_samesite, domain=config.cookie_domain,
    )
    return cookie.to_header(header="")


def csrf_middleware(config: CSRFConfig) -> Any:
    """The session-bound CSRF middleware for the app's middleware list."""
    from litestar.middleware import DefineMiddleware

    return DefineMiddleware(SessionBoundCSRFMiddleware, config=config)


# --- the API explorer --------------------------------------------------------------------

class PodiumSwaggerPlugin(SwaggerRenderPlugin):
    """Swagger UI at ``/schema`` from our static files, started by a script file rather
    than Litestar's inline one (the CSP refuses inline script). The API authenticates with
    bearer tokens, so no CSRF interceptor is needed."""

    def __init__(self, *, assets: str, init_js: str, **kwargs: Any) -> None:
        super().__init__(
            js_url=f"{assets}/swagger-ui-bundle.js",
            css_url=f"{assets}/swagger-ui.css",
            standalone_preset_js_url=f"{assets}/swagger-ui-standalone-preset.js",
            favicon="<link rel='icon' href='data:,'>",
            **kwargs,
        )
        self.init_js = init_js

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        """The explorer page: the spec is fetched from ``/schema/openapi.json``."""
        spec_url = self.get_openapi_json_route(request)
        title = str(openapi_schema.get("info", {}).get("title", "API"))
        from html import escape

        return (
            "<!DOCTYPE html><html><head>"
            f"<title>{escape(title)}</title>{self.favicon}"
            '<meta charset="utf-8"/><meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<link href="{self.css_url}" rel="stylesheet">'
            f'<script src="{self.js_url}" defer></script>'
            f'<script src="{self.standalone_preset_js_url}" defer></script>'
            f'<script src="{self.init_js}" defer></script>'
            "</head><body>"
            f'<div id="swagger-container" data-spec-url="{escape(spec_url)}"></div>'
            "</body></html>"
        ).encode()
