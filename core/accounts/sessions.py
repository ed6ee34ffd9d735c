"""Server-side sessions that cost nothing for anonymous visitors.

Litestar's server-side backend stores an empty session (and sets a cookie) for every
visitor, then rewrites it on each request: two database writes per anonymous page view.
Here an empty session of a visitor without a session cookie is simply not stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar.connection import ASGIConnection
from litestar.middleware.session.server_side import ServerSideSessionBackend, ServerSideSessionConfig
from litestar.types import Empty, Message, ScopeSession


class LeanServerSideSessionBackend(ServerSideSessionBackend):
    """Skips storing a session that is empty and was never created."""

    async def store_in_message(
        self,
        scope_session: ScopeSession,
        message: Message,
        connection: ASGIConnection[Any, Any, Any, Any],
    ) -> None:
        """Store the session, unless there is nothing to remember for a new visitor."""
        if scope_session is not Empty and not scope_session and not connection.cookies.get(self.config.key):
            return
        await super().store_in_message(scope_session, message, connection)


@dataclass
class PodiumSessionConfig(ServerSideSessionConfig):
    """Litestar's server-side session configuration with the lean backend."""

    _backend_class = LeanServerSideSessionBackend
