"""Server-side sessions: lean for anonymous visitors, and never fixed by a client.

Litestar's server-side backend stores an empty session (and sets a cookie) for every
visitor, then rewrites it on each request: two database writes per anonymous page view.
Here an empty session of a visitor without a stored session is simply not stored.

Litestar's backend also adopts whatever session id the browser sends: a cookie planted by
an attacker (``podium_session=aaaa…``) became the victim's session at log-in (session
fixation). Here:

* an id is only ever one this server issued: a cookie naming no stored session is
  ignored (and cleared), and a new session gets a new random id;
* :func:`rotate_session` gives the session a fresh id for the rest of the request; the
  old id's stored row is deleted when the response starts. Log-in, sign-up and any role
  change rotate (``podium.core.accounts.auth``); log-out deletes the session outright.

The id a response leaves the browser with (:func:`response_session_id`) is also what
the CSRF token is bound to (``podium.web.security``).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any, cast

from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie, MutableScopeHeaders
from litestar.middleware.session.server_side import ServerSideSessionBackend, ServerSideSessionConfig
from litestar.types import Empty, Message, Scope, ScopeSession
from litestar.utils.dataclass import extract_dataclass_items

# Extra keys of the ASGI scope (a plain dict): the id the session is stored under (None
# while it has none) and the ids given up by a rotation in this request.
SESSION_ID_KEY = "podium_session_id"
RETIRED_IDS_KEY = "podium_retired_session_ids"
SESSION_ID_BYTES = 32


def _scope(connection: ASGIConnection[Any, Any, Any, Any]) -> dict[str, Any]:
    return cast("dict[str, Any]", connection.scope)


def new_session_id() -> str:
    """A random session id (256 bits, hex)."""
    return secrets.token_hex(SESSION_ID_BYTES)


def session_id_of(connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    """The id this request's session is stored under (after any rotation), or ``None``
    when the visitor has no stored session yet."""
    value = _scope(connection).get(SESSION_ID_KEY)
    return value if isinstance(value, str) else None


def session_loaded(connection: ASGIConnection[Any, Any, Any, Any]) -> bool:
    """True when the session middleware ran for this request (not on excluded paths)."""
    return SESSION_ID_KEY in _scope(connection)


def rotate_session(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    """Give the session a fresh id; the old id's stored row is deleted when the response
    starts, so a copy of the old cookie opens nothing. The session's data stays (the
    caller changes what should change). Returns the new id."""
    scope = _scope(connection)
    old = scope.get(SESSION_ID_KEY)
    if isinstance(old, str):
        scope.setdefault(RETIRED_IDS_KEY, []).append(old)
    scope[SESSION_ID_KEY] = new_id = new_session_id()
    return new_id


def response_session_id(connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    """The session id the browser will hold after this response: ``None`` when the
    session was cleared or there is nothing to store; otherwise the stored id, issued now
    if the session is new (so the session store and the CSRF cookie agree on it)."""
    scope = _scope(connection)
    session = scope.get("session")
    if session is Empty or not isinstance(session, dict):
        return None
    current = session_id_of(connection)
    if current is None and not session:
        return None  # an empty session of a visitor who has none: not stored
    if current is None:
        scope[SESSION_ID_KEY] = current = new_session_id()
    return current


class LeanServerSideSessionBackend(ServerSideSessionBackend):
    """Stores nothing for anonymous visitors and only ever uses ids it issued itself."""

    async def load_from_connection(self, connection: ASGIConnection[Any, Any, Any, Any]) -> dict[str, Any]:
        """The stored session named by the cookie; an unknown id counts as no session."""
        scope = _scope(connection)
        scope[SESSION_ID_KEY] = None
        session_id = connection.cookies.get(self.config.key)
        if session_id and session_id != "null":
            data = await self.get(session_id, store=self.config.get_store_from_app(scope["app"]))
            if data is not None:
                scope[SESSION_ID_KEY] = session_id
                return self.deserialize_data(data)
        return {}

    def get_session_id(self, connection: ASGIConnection[Any, Any, Any, Any]) -> str:
        """The stored session's id, or a throw-away one (Litestar keeps it in the
        connection state; nothing is stored under it unless the session gets data)."""
        return session_id_of(connection) or new_session_id()

    async def store_in_message(
        self,
        scope_session: ScopeSession,
        message: Message,
        connection: ASGIConnection[Any, Any, Any, Any],
    ) -> None:
        """Delete ids given up by rotation, then store the session under its own id, delete
        it when cleared, and store nothing for a new visitor with nothing to remember."""
        scope = _scope(connection)
        store = self.config.get_store_from_app(scope["app"])
        for retired in scope.pop(RETIRED_IDS_KEY, []):
            await self.delete(retired, store=store)
        headers = MutableScopeHeaders.from_message(message)
        cookie_params = dict(extract_dataclass_items(self.config, exclude_none=True, include=Cookie.__dict__.keys()))
        forget = Cookie(value="null", key=self.config.key, expires=0, **cookie_params).to_header(header="")
        if scope_session is Empty:
            current = session_id_of(connection)
            if current is not None:
                await self.delete(current, store=store)
            headers.add("Set-Cookie", forget)
            return
        session_id = response_session_id(connection)
        if session_id is None:
            if connection.cookies.get(self.config.key) not in (None, "", "null"):
                headers.add("Set-Cookie", forget)  # an id we never issued, or one that expired
            return
        await self.set(session_id=session_id, data=self.serialize_data(scope_session, cast("Scope", scope)), store=store)
        headers.add("Set-Cookie", Cookie(value=session_id, key=self.config.key, **cookie_params).to_header(header=""))


@dataclass
class PodiumSessionConfig(ServerSideSessionConfig):
    """Litestar's server-side session configuration with the lean backend."""

    _backend_class = LeanServerSideSessionBackend
