"""Who is asking: the authentication middleware and role guards.

Pages authenticate with the server-side session cookie (and CSRF on every form); the JSON
API under ``/api/`` authenticates with ``Authorization: Bearer <token>`` only, never with
cookies, which is why CSRF can safely skip it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult

from podium.core.accounts.service import CurrentUser, get_user, user_for_token
from podium.core.accounts.sessions import rotate_session
from podium.core.i18n import _, lazy_pgettext

SESSION_USER_KEY = "user_id"
# The roles the session was last seen with: a change gives the session a fresh id.
SESSION_ROLES_KEY = "roles"
# The user's credential mark at sign-in: once the password changes, the session is over.
SESSION_MARK_KEY = "mark"
# Keys that say who the session belongs to; everything else in a session is carried over
# when a visitor signs in (what an anonymous visitor chose stays theirs).
AUTH_KEYS = frozenset({SESSION_USER_KEY, SESSION_ROLES_KEY, SESSION_MARK_KEY})


def roles_mark(user: CurrentUser) -> str:
    """The user's roles as one stable string, kept in the session to notice a change."""
    return ",".join(sorted(user.roles))


def sign_in(connection: ASGIConnection[Any, Any, Any, Any], user: CurrentUser) -> None:
    """Make ``user`` the session's owner under a fresh session id (no session fixation):
    the old id's stored session is deleted, data that is not about who is signed in is
    carried over."""
    session = connection.scope.get("session")
    kept = {k: v for k, v in session.items() if k not in AUTH_KEYS} if isinstance(session, dict) else {}
    rotate_session(connection)
    connection.scope["session"] = {**kept, SESSION_USER_KEY: user.id, SESSION_ROLES_KEY: roles_mark(user),
                                   SESSION_MARK_KEY: user.credential_mark}


def sign_out(connection: ASGIConnection[Any, Any, Any, Any]) -> None:
    """End the session: its stored row is deleted and the browser's cookie cleared; the
    next session gets a new id."""
    connection.clear_session()


class PodiumAuthMiddleware(AbstractAuthenticationMiddleware):
    """Sets ``request.user`` to a :class:`CurrentUser` or ``None`` (anonymous)."""

    async def authenticate_request(
        self, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> AuthenticationResult:
        """Bearer token on ``/api/``, the session elsewhere; anonymous when neither is valid."""
        if connection.scope["path"].startswith("/api/"):
            header = connection.headers.get("authorization", "")
            scheme, _space, token = header.partition(" ")
            if scheme.lower() == "bearer" and token:
                user = await user_for_token(token.strip())
                if user is None:
                    raise NotAuthorizedException(_("invalid or revoked bearer token"))
                return AuthenticationResult(user=user, auth=token)
            return AuthenticationResult(user=None, auth=None)
        session = connection.scope.get("session") or {}
        user_id = session.get(SESSION_USER_KEY) if isinstance(session, dict) else None
        user = await get_user(int(user_id)) if isinstance(user_id, int) else None
        if user is not None and isinstance(session, dict):
            mark = session.get(SESSION_MARK_KEY)
            if mark and mark != user.credential_mark:
                # The password changed since this session signed in (elsewhere, or an
                # admin reset it): the session is over, its row deleted.
                connection.clear_session()
                return AuthenticationResult(user=None, auth=None)
            if not mark:  # signed in before sessions carried the mark
                session[SESSION_MARK_KEY] = user.credential_mark
        if user is not None and isinstance(session, dict) and session.get(SESSION_ROLES_KEY) != roles_mark(user):
            # A role change (by an admin, the CLI...) takes effect under a fresh session id:
            # whoever held a copy of the old cookie does not inherit the new privileges.
            rotate_session(connection)
            session[SESSION_ROLES_KEY] = roles_mark(user)
        return AuthenticationResult(user=user, auth=None)


def current_user(connection: ASGIConnection[Any, Any, Any, Any]) -> CurrentUser | None:
    """The signed-in user of a request or websocket, or ``None``."""
    user: CurrentUser | None = connection.scope.get("user")  # set by PodiumAuthMiddleware
    return user


def require_user(connection: ASGIConnection[Any, Any, Any, Any]) -> CurrentUser:
    """The signed-in user; raises 401 when anonymous."""
    user = current_user(connection)
    if user is None:
        raise NotAuthorizedException(_("sign in first"))
    return user


#: Role names as people read them; the API and the database keep the English identifiers.
ROLE_LABELS = {
    "player": lazy_pgettext("role", "player"), "fan": lazy_pgettext("role", "fan"),
    "staff": lazy_pgettext("role", "staff"), "organiser": lazy_pgettext("role", "organiser"),
    "admin": lazy_pgettext("role", "admin"), "athlete": lazy_pgettext("role", "athlete"),
}


def _roles_read(roles: Any) -> str:
    """``organiser / staff``, in the request's language."""
    return " / ".join(str(ROLE_LABELS.get(role, role)) for role in roles)


def requires_role(
    *roles: str,
) -> Callable[[ASGIConnection[Any, Any, Any, Any], BaseRouteHandler], Awaitable[None]]:
    """A Litestar guard: 401 when anonymous, 403 unless the user holds one of ``roles``.

    With no roles it only requires a signed-in user. Admins pass every role check.
    """

    # A coroutine, though it awaits nothing: Litestar runs a plain function guard in its
    # thread pool (a hand-off to a thread and back on every guarded request; 5-10% of the
    # server's CPU in the checkout rush).
    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _handler: BaseRouteHandler) -> None:
        if connection.scope.get("method") == "OPTIONS":
            # Litestar's OPTIONS answer only lists the path's methods, and its auth
            # middleware skips OPTIONS (CORS preflights carry no credentials): a role
            # check here made OPTIONS a 401 on every guarded controller's paths.
            return
        user = require_user(connection)
        if roles and not user.has_role(*roles):
            raise PermissionDeniedException(_(
                "this needs the role %(needed)s; you are %(held)s", needed=_roles_read(roles),
                held=_roles_read(sorted(user.roles)) or _("without a role")))

    guard.__name__ = f"requires_role({', '.join(roles) or 'user'})"
    guard.podium_roles = frozenset(roles)  # type: ignore[attr-defined]  # read by the role-matrix test
    return guard


signed_in = requires_role()
