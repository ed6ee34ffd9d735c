"""Request-level database grouping (one connection per request, not one per query).

Piccolo's SQLite engine opens a new connection, and a thread, per query. A page's reads
(the user, the plugin activation, the page's own rows) therefore run in one read
transaction, so they share one connection; on PostgreSQL they share one pooled connection.
"""

from __future__ import annotations

from typing import cast

from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, HTTPScope, Message, Receive, Scope, Send

from podium.core.database import reading
from podium.core.page_cache import CACHED_ATTR

# Streams must not hold a transaction open; these need no database at all.
UNGROUPED_PREFIXES = ("/-/events", "/static/", "/healthz", "/schema")


def _page_cached(scope: Scope) -> bool:
    """True for a handler served through the page cache: a cache hit reads no table, so
    opening (and committing) a transaction would be its main cost; a miss groups its own
    reads (:func:`podium.core.database.reading` in the handler)."""
    handler = scope.get("route_handler")
    return bool(getattr(getattr(handler, "fn", None), CACHED_ATTR, False))


class ReadTransactionMiddleware(ASGIMiddleware):
    """Run each GET request's handling inside one read transaction, closed as soon as the
    response starts: what outer middleware does then (saving the session) must not find
    the request's transaction open."""

    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        """Wrap safe requests in :func:`podium.core.database.reading`; pass others through."""
        method = cast("HTTPScope", scope)["method"]  # scopes: HTTP only
        if (method not in ("GET", "HEAD") or scope["path"].startswith(UNGROUPED_PREFIXES)
                or _page_cached(scope)):
            await next_app(scope, receive, send)
            return
        transaction = reading()
        await transaction.__aenter__()
        open_ = True

        async def close(exc: BaseException | None = None) -> None:
            nonlocal open_
            if open_:
                open_ = False
                await transaction.__aexit__(type(exc) if exc else None, exc, exc.__traceback__ if exc else None)

        async def send_after_closing(message: Message) -> None:
            if message["type"] == "http.response.start":
                await close()
            await send(message)

        try:
            await next_app(scope, receive, send_after_closing)
        except BaseException as exc:
            await close(exc)
            raise
        finally:
            await close()
