"""Account rules: sign-up validation, argon2 password hashing, roles, API tokens.

No HTTP here; routes and the CLI call these functions.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, TypeAlias

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from piccolo.query import WhereRaw

from podium.core.accounts.tables import ApiToken, User
from podium.core.errors import Conflict, InvalidInput

ROLES = ("player", "fan", "staff", "organiser", "admin")
#: Roles as callers give them: a comma-separated string or any collection of names.
Roles: TypeAlias = "str | Iterable[str]"
USERNAME_RE = re.compile(r"^[A-Za-z0-9_.-]{3,40}$")
MIN_PASSWORD = 8
MAX_PASSWORD = 256

_hasher = PasswordHasher()
# A hash to verify against when the user does not exist, so timing does not reveal it.
_DUMMY_HASH = _hasher.hash("podium-dummy-password")


@dataclass(frozen=True)
class CurrentUser:
    """The signed-in user as the rest of Podium sees it."""

    id: int
    username: str
    display_name: str
    roles: frozenset[str]

    def has_role(self, *roles: str) -> bool:
        """True if the user holds any of ``roles``; an admin holds every role."""
        return "admin" in self.roles or any(role in self.roles for role in roles)

    @property
    def is_admin(self) -> bool:
        """True for venue admins."""
        return "admin" in self.roles


def now() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(timezone.utc)


def parse_roles(value: Roles) -> frozenset[str]:
    """Normalise roles given as a list or a comma-separated string; unknown roles are refused."""
    items = value.split(",") if isinstance(value, str) else list(value)
    roles = frozenset(r.strip().lower() for r in items if r and r.strip())
    unknown = roles - set(ROLES)
    if unknown:
        raise InvalidInput(
            f"unknown role(s): {', '.join(sorted(unknown))}; known roles are {', '.join(ROLES)}",
            field="roles",
        )
    return roles


def _row_to_user(row: Mapping[str, Any]) -> CurrentUser:
    return CurrentUser(
        id=row["id"],
        username=row["username"],
        display_name=row["display_name"],
        roles=frozenset(r for r in row["roles"].split(",") if r),
    )


def validate_credentials(username: str, password: str) -> None:
    """Raise :class:`InvalidInput` unless the username and password meet the rules."""
    if not USERNAME_RE.match(username or ""):
        raise InvalidInput(
            "username must be 3 to 40 letters, digits, '.', '_' or '-'", field="username"
        )
    if len(password or "") < MIN_PASSWORD:
        raise InvalidInput(
            f"password must be at least {MIN_PASSWORD} characters", field="password"
        )
    if len(password) > MAX_PASSWORD or "\x00" in password:
        raise InvalidInput("password is too long or contains a NUL character", field="password")


async def create_user(
    username: str,
    password: str,
    roles: Roles = ("fan", "player"),
    display_name: str | None = None,
    email: str | None = None,
) -> CurrentUser:
    """Create a user with an argon2 password hash; a taken username is a :class:`Conflict`."""
    username = (username or "").strip()
    validate_credentials(username, password)
    role_set = parse_roles(roles) or frozenset({"fan"})
    display = (display_name or username).strip()[:80] or username
    if "\x00" in display or (email and "\x00" in email):
        raise InvalidInput("text must not contain NUL characters", field="display_name")
    if await User.exists().where(WhereRaw("lower(username) = {}", username.lower())):
        raise Conflict(f"the username {username!r} is taken", code="username_taken")
    user = User(
        username=username,
        display_name=display,
        email=email or None,
        password_hash=_hasher.hash(password),
        roles=",".join(sorted(role_set)),
        created_at=now(),
    )
    await user.save()
    return CurrentUser(user.id, user.username, user.display_name, role_set)


async def set_password(username: str, password: str) -> None:
    """Replace a user's password (the CLI and ``podium demo`` use this)."""
    validate_credentials(username, password)
    await User.update({User.password_hash: _hasher.hash(password)}).where(
        User.username == username
    )


async def set_roles(user_id: int, roles: Roles) -> None:
    """Replace a user's roles."""
    role_set = parse_roles(roles)
    await User.update({User.roles: ",".join(sorted(role_set))}).where(User.id == user_id)


async def authenticate(username: str, password: str) -> CurrentUser | None:
    """The user if the password matches, else ``None`` (constant work either way)."""
    row = (
        await User.select()
        .where((User.username == (username or "").strip()) & (User.active == True))  # noqa: E712
        .first()
    )
    stored = row["password_hash"] if row else _DUMMY_HASH
    try:
        _hasher.verify(stored, password or "")
    except (VerificationError, InvalidHashError):
        return None
    if row is None:
        return None
    if _hasher.check_needs_rehash(stored):
        await User.update({User.password_hash: _hasher.hash(password)}).where(
            User.id == row["id"]
        )
    return _row_to_user(row)


async def get_user(user_id: int) -> CurrentUser | None:
    """The active user with this id, or ``None``."""
    row = (
        await User.select(User.id, User.username, User.display_name, User.roles)
        .where((User.id == user_id) & (User.active == True))  # noqa: E712
        .first()
    )
    return _row_to_user(row) if row else None


async def get_user_by_name(username: str) -> CurrentUser | None:
    """The active user with this username, or ``None``."""
    row = (
        await User.select(User.id, User.username, User.display_name, User.roles)
        .where((User.username == username) & (User.active == True))  # noqa: E712
        .first()
    )
    return _row_to_user(row) if row else None


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def issue_token(user: CurrentUser) -> str:
    """A new random bearer token (256 bits) for ``user``; only its digest is stored."""
    token = secrets.token_urlsafe(32)
    await ApiToken.insert(ApiToken(user=user.id, digest=_digest(token), created_at=now()))
    return token


async def user_for_token(token: str) -> CurrentUser | None:
    """The user a live bearer token belongs to, or ``None``."""
    if not token or len(token) > 200:
        return None
    row = (
        await ApiToken.select(
            ApiToken.user.id,
            ApiToken.user.username,
            ApiToken.user.display_name,
            ApiToken.user.roles,
            ApiToken.user.active,
        )
        .where((ApiToken.digest == _digest(token)) & (ApiToken.revoked == False))  # noqa: E712
        .first()
    )
    if not row or not row["user.active"]:
        return None
    return _row_to_user({k.removeprefix("user."): v for k, v in row.items()})


async def revoke_token(token: str) -> None:
    """Revoke a bearer token."""
    await ApiToken.update({ApiToken.revoked: True}).where(ApiToken.digest == _digest(token))
