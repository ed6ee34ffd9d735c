"""The anonymous lane: cached pages answered before routing (see :mod:`podium.core.page_cache`).

A visitor without a session cookie and without an ``Authorization`` header is anonymous
whatever the app would do with the request: no session to load or save, no user, no
flash message. For such a GET, if the page cache's :class:`~podium.core.page_cache.AnonymousLane`
holds the page (same path, query, htmx headers and locale) and nothing it depends on
changed, the answer is sent from here: the HTML as rendered, with the visitor's CSRF token
put in (the one in their cookie if it is valid for a visitor without a session, else a new
one, set as Litestar's CSRF middleware would). Everything else goes to the app unchanged.

It sits inside the locale middleware (which chose the locale and adds ``Vary`` and
``Content-Language``) and the edge middleware (security headers, ``HEAD``), so those apply
to its answers as to the app's.
"""

from __future__ import annotations

import html as html_lib
import logging
from typing import cast
from litestar.config.csrf import CSRFConfig
from litestar.types import ASGIApp, HTTPScope, Receive, Scope, Send

from podium.core.i18n import current_locale
from podium.core.page_cache import CSRF_MARKER, PageCache, lane_key
from podium.web.security import csrf_cookie_header, csrf_token_for, csrf_token_valid

log = logging.getLogger(__name__)

_HTML = b"text/html; charset=utf-8"


def _cookie_values(scope: Scope, names: tuple[str, ...]) -> tuple[dict[str, str], bool]:
    """The named cookies of the request, and whether it carries credentials (a cookie
    named ``names[0]``, the session, or an ``Authorization`` header)."""
    found: dict[str, str] = {}
    credentials = False
    for name, value in scope["headers"]:
        if name == b"authorization":
            credentials = True
        elif name == b"cookie":
            for part in value.decode("latin-1").split(";"):
                key, _, val = part.strip().partition("=")
                if key in names:
                    found[key] = val
    return found, credentials or names[0] in found


class AnonymousPageLane:
    """ASGI middleware: anonymous GETs of cached pages, answered from the page cache."""

    def __init__(self, app: ASGIApp, pages: PageCache, *, session_cookie: str,
                 csrf: CSRFConfig) -> None:
        self.app = app
        self.pages = pages
        self.csrf = csrf
        self.cookies = (session_cookie, csrf.cookie_name)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer from the lane when it can; otherwise pass the request on."""
        if (scope["type"] != "http" or cast("HTTPScope", scope)["method"] != "GET"
                or not len(self.pages.lane)):
            await self.app(scope, receive, send)
            return
        cookies, credentials = _cookie_values(scope, self.cookies)
        html = None
        if not credentials:
            try:
                html = await self.pages.lane.lookup(lane_key(scope, current_locale()),
                                                    self.pages.versions)
            except Exception:  # the versions' store is down: the app answers (or says so)
                log.warning("page lane lookup failed; serving through the app", exc_info=True)
        if html is None:
            await self.app(scope, receive, send)
            return
        await self._send_page(html, cookies.get(self.csrf.cookie_name), send)

    async def _send_page(self, html: str, cookie: str | None, send: Send) -> None:
        secret = self.csrf.secret
        token = cookie if cookie and csrf_token_valid(cookie, None, secret) else None
        headers: list[tuple[bytes, bytes]] = [(b"content-type", _HTML)]
        if token is None:
            token = csrf_token_for(None, secret)
            headers.append((b"set-cookie", csrf_cookie_header(self.csrf, token).encode("latin-1")))
        body = html.replace(CSRF_MARKER, html_lib.escape(token)).encode()
        headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body, "more_body": False})

