"""The request's language: chosen per request, set for the whole handling, shown in pages.

:class:`LocaleMiddleware` wraps the whole app (before routing, so error pages and 404s
speak the visitor's language too). The locale comes from, in order:

1. ``?lang=fr`` (the switch in the layout): used, and remembered in the ``podium_lang``
   cookie for a year;
2. the ``podium_lang`` cookie;
3. the browser's ``Accept-Language`` (babel's ``negotiate_locale``);
4. English.

It is set in :mod:`podium.core.i18n`'s context variable for the request, so templates,
handlers and services translate with ``_``/``gettext`` and the shared Jinja2 environment
never swaps a global per request. Answers say ``Vary: Accept-Language, Cookie``.
"""

from __future__ import annotations

from collections.abc import Iterable
from http.cookies import SimpleCookie
from urllib.parse import parse_qsl

from litestar.datastructures import MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from podium.core import i18n

LOCALE_COOKIE_MAX_AGE = 365 * 24 * 3600
# Static files do not depend on the language; streams (each in its locale) are never cached.
UNVARIED_PREFIXES = ("/static/", "/-/events")


def choose_locale(query_string: bytes, headers: Iterable[tuple[bytes, bytes]]) -> tuple[str, str | None]:
    """The request's locale, and the locale to remember in the cookie (``?lang=``) if any."""
    asked = None
    for key, value in parse_qsl(query_string.decode("latin-1"), keep_blank_values=True):
        if key == "lang":
            asked = i18n.parse_locale(value)
    if asked:
        return asked, asked
    cookie_header = accept = ""
    for name, raw in headers:
        if name == b"cookie":
            cookie_header += raw.decode("latin-1") + ";"
        elif name == b"accept-language":
            accept += raw.decode("latin-1") + ","
    if i18n.LOCALE_COOKIE in cookie_header:
        try:
            jar: SimpleCookie = SimpleCookie()
            jar.load(cookie_header)
            morsel = jar.get(i18n.LOCALE_COOKIE)
            remembered = i18n.parse_locale(morsel.value) if morsel else None
        except Exception:  # a malformed Cookie header: ignore the choice, never fail
            remembered = None
        if remembered:
            return remembered, None
    return i18n.negotiate(accept) or i18n.DEFAULT_LOCALE, None


class LocaleMiddleware:
    """Sets the request's locale (see the module) around the whole app."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Choose the locale, run the app in it, and add ``Vary`` (and the cookie)."""
        if scope["type"] not in (ScopeType.HTTP, ScopeType.WEBSOCKET):
            await self.app(scope, receive, send)
            return
        locale, remember = choose_locale(scope.get("query_string", b""), scope["headers"])
        scope["podium_locale"] = locale  # type: ignore[typeddict-unknown-key]  # a plain dict
        varies = not scope["path"].startswith(UNVARIED_PREFIXES)

        async def send_with_locale(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableScopeHeaders.from_message(message)
                if varies:
                    present = {v.strip().lower() for v in headers.get("vary", "").split(",") if v.strip()}
                    missing = [v for v in ("Accept-Language", "Cookie") if v.lower() not in present]
                    if missing:
                        headers["vary"] = ", ".join([*(v for v in [headers.get("vary", "")] if v), *missing])
                    headers.setdefault("content-language", locale)
                if remember:
                    secure = "; Secure" if scope.get("scheme") == "https" else ""
                    headers.add("set-cookie", f"{i18n.LOCALE_COOKIE}={remember}; Path=/; "
                                f"Max-Age={LOCALE_COOKIE_MAX_AGE}; SameSite=Lax{secure}")
            await send(message)

        with i18n.use_locale(locale):
            await self.app(scope, receive, send_with_locale)
