"""Account rules: sign-up validation, argon2 password hashing, roles, API tokens.

No HTTP here; routes and the CLI call these functions. The pure parts (password policy,
display-name cleaning) live in :mod:`podium.core.accounts.rules`.

The password policy (:func:`validate_credentials`) applies wherever a password is set:
sign-up, ``podium user create``, password changes, and the demo and test seeders, whose
fixed passwords pass it. Tokens expire (``PODIUM_API_TOKEN_DAYS``), are listed and revoked
by their owner, revoked all at once by an admin, and by any password change.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, TypeAlias

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from piccolo.query import WhereRaw

from podium.core.i18n import _
from podium.core.accounts import rules
from podium.core.accounts.tables import ApiToken, User
from podium.core.database import atomic, is_unique_violation
from podium.core.errors import Conflict, InvalidInput, NotFound, Unauthenticated

log = logging.getLogger("podium.accounts")

ROLES = ("player", "fan", "staff", "organiser", "admin", "athlete")
#: Roles that come with a check, never with a choice: ``athlete`` is given when an admin
#: (or a ``rel="me"`` link) verifies an athlete profile and taken back when that
#: verification is revoked (:mod:`podium.social.verification`). Accounts are never
#: created with them; :func:`grant_role` and :func:`revoke_role` change them.
VERIFIED_ROLES = frozenset({"athlete"})
#: Roles as callers give them: a comma-separated string or any collection of names.
Roles: TypeAlias = "str | Iterable[str]"
USERNAME_RE = re.compile(r"^[A-Za-z0-9_.-]{3,40}$")
MIN_PASSWORD = rules.MIN_PASSWORD
MAX_PASSWORD = rules.MAX_PASSWORD
#: How long a token lives when the caller does not say (``PODIUM_API_TOKEN_DAYS``' default).
DEFAULT_TOKEN_LIFETIME = timedelta(days=30)
#: ``last_used_at`` is refreshed at most this often, so using a token is not a write per call.
LAST_USED_EVERY = timedelta(hours=1)
#: Characters of a token shown in lists so its owner can tell tokens apart (48 of 256 bits).
TOKEN_PREFIX_LENGTH = 8
TOKEN_LABEL_MAX = 80

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
    #: Changes whenever the password does (a digest of its hash): a session remembers the
    #: mark it was signed in with, so a password change ends every other session. Empty
    #: where the password hash was not read (tokens).
    credential_mark: str = field(default="", compare=False, repr=False)

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


def credential_mark(password_hash: str) -> str:
    """A short digest of a password hash that changes with the password (what Django calls
    the session auth hash): kept in the server-side session, never sent to the browser."""
    return hashlib.sha256(b"podium-session|" + password_hash.encode()).hexdigest()[:32]


def _row_to_user(row: Mapping[str, Any]) -> CurrentUser:
    password_hash = row.get("password_hash")
    return CurrentUser(
        id=row["id"],
        username=row["username"],
        # A name stored before the display-name rules is cleaned here, where it is used, so
        # it never becomes a reason to refuse its owner later (a tournament registration
        # refuses control characters in entrant names).
        display_name=rules.clean_display_name(row["display_name"]) or row["username"],
        roles=frozenset(r for r in row["roles"].split(",") if r),
        credential_mark=credential_mark(password_hash) if password_hash else "",
    )


def validate_credentials(username: str, password: str) -> None:
    """Raise :class:`InvalidInput` unless the username and password meet the rules.

    The password rules are :func:`podium.core.accounts.rules.password_problem`: 8 to 256
    characters, not the username, not one of the 10,000 most common passwords.
    """
    if not USERNAME_RE.match(username or ""):
        raise InvalidInput(
            _("username must be 3 to 40 letters, digits, '.', '_' or '-'"), field="username"
        )
    problem = rules.password_problem(password, username)
    if problem:
        raise InvalidInput(problem, field="password")


async def check_display_name(display_name: str, *, other_than: int | None = None) -> str:
    """The display name to store, or :class:`InvalidInput` / :class:`Conflict` with a reason.

    Refused: control characters or invisible format characters (bidi overrides and
    isolates included), a name without a visible character, and a name that copies another
    user's (compared by :func:`podium.core.accounts.rules.display_name_key`; ``other_than``
    is the user's own id when renaming). Runs of whitespace become one space.
    """
    if rules.has_hidden_characters(display_name):
        raise InvalidInput(
            _("display name must not contain control characters or invisible formatting "
              "characters (such as right-to-left overrides)"),
            field="display_name",
        )
    cleaned = rules.clean_display_name(display_name)
    if len(" ".join(display_name.split())) > rules.DISPLAY_NAME_MAX:
        raise InvalidInput(
            _("display name must be at most %(max)s characters", max=rules.DISPLAY_NAME_MAX),
            field="display_name",
        )
    key = rules.display_name_key(cleaned)
    if not key:
        raise InvalidInput(_("display name needs at least one letter or digit"), field="display_name")
    # The key (NFKC, case folding) is computed here, not by SQLite or PostgreSQL (they do
    # not compute it alike), and stored in ``User.display_key`` under a unique index: this
    # check gives the reason; the index settles a race between two sign-ups.
    taken = User.exists().where(User.display_key == key)
    if other_than is not None:
        taken = taken.where(User.id != other_than)
    if await taken:
        raise _display_name_taken(cleaned)
    return cleaned


def _display_name_taken(name: str) -> Conflict:
    return Conflict(
        _("another user is already called %(name)s; choose another display name", name=repr(name)),
        code="display_name_taken",
        field="display_name",
    )


async def create_user(
    username: str,
    password: str,
    roles: Roles = ("fan", "player"),
    display_name: str | None = None,
    email: str | None = None,
    *,
    verified_roles_ok: bool = False,
) -> CurrentUser:
    """Create a user with an argon2 password hash; a taken username is a :class:`Conflict`.

    The verified roles (:data:`VERIFIED_ROLES`) are refused unless ``verified_roles_ok``
    (test fixtures that need such a user say so; no page, API or command does)."""
    username = (username or "").strip()
    validate_credentials(username, password)
    role_set = parse_roles(roles) or frozenset({"fan"})
    if role_set & VERIFIED_ROLES and not verified_roles_ok:
        raise InvalidInput(_("the athlete role comes with a verified athlete profile; it cannot "
                             "be chosen for a new account"), field="roles", code="verified_role")
    if email and "\x00" in email:
        raise InvalidInput(_("text must not contain NUL characters"), field="email")
    password_hash = _hasher.hash(password)  # slow on purpose: outside the transaction
    wanted = display_name if display_name and display_name.strip() else username
    try:
        async with atomic():
            if await _username_taken(username):
                raise _username_conflict(username)
            display = await check_display_name(wanted)
            user = User(
                username=username,
                display_name=display,
                display_key=rules.display_name_key(display),
                email=email or None,
                password_hash=password_hash,
                roles=",".join(sorted(role_set)),
                created_at=now(),
            )
            await user.save()
    except Exception as exc:
        # PostgreSQL: two sign-ups passed the checks at once; the unique index refused the
        # second. Say which name was taken, as the checks would have.
        if not is_unique_violation(exc):
            raise
        if await _username_taken(username):
            raise _username_conflict(username) from None
        raise _display_name_taken(rules.clean_display_name(wanted)) from None
    return CurrentUser(user.id, user.username, user.display_name, role_set,
                       credential_mark=credential_mark(password_hash))


async def _username_taken(username: str) -> bool:
    return await User.exists().where(WhereRaw("lower(username) = {}", username.lower()))


def _username_conflict(username: str) -> Conflict:
    return Conflict(_("the username %(name)s is taken", name=repr(username)), code="username_taken")


async def set_password(username: str, password: str) -> int:
    """Replace a user's password (the CLI and ``podium demo`` use this) and revoke all of
    the user's API tokens; returns how many tokens were revoked."""
    validate_credentials(username, password)
    password_hash = _hasher.hash(password)
    async with atomic():
        row = await User.select(User.id).where(User.username == username).first()
        if row is None:
            raise NotFound(_("no user is called %(username)s", username=repr(username)), code="no_such_user")
        await User.update({User.password_hash: password_hash}).where(User.id == row["id"])
        return await revoke_all_tokens(row["id"])


async def change_password(user: CurrentUser, current_password: str, new_password: str) -> int:
    """The signed-in user changes their own password; every API token of theirs is revoked.

    Returns how many tokens were revoked.

    :raises InvalidInput: the current password is wrong (``field="current_password"``) or
        the new one breaks the policy (``field="password"``).
    """
    if await authenticate(user.username, current_password) is None:
        raise InvalidInput(_("the current password is wrong"), field="current_password",
                           code="wrong_password")
    return await set_password(user.username, new_password)


async def set_roles(user_id: int, roles: Roles) -> None:
    """Replace a user's roles. The verified roles (``athlete``) are kept as they are: only
    :func:`grant_role` and :func:`revoke_role` (called by verification) change them."""
    role_set = parse_roles(roles)
    async with atomic():
        row = await User.select(User.roles).where(User.id == user_id).first()
        held = frozenset(row["roles"].split(",")) if row else frozenset()
        role_set = (role_set - VERIFIED_ROLES) | (held & VERIFIED_ROLES)
        await User.update({User.roles: ",".join(sorted(r for r in role_set if r))}).where(
            User.id == user_id)


async def grant_role(user_id: int, role: str) -> None:
    """Add one role to a user (idempotent). Call it inside the write that justifies it
    (verifying an athlete), so the role and its reason commit together."""
    await _change_role(user_id, role, add=True)


async def revoke_role(user_id: int, role: str) -> None:
    """Take one role from a user (idempotent)."""
    await _change_role(user_id, role, add=False)


async def _change_role(user_id: int, role: str, *, add: bool) -> None:
    parse_roles([role])
    async with atomic():
        row = await User.select(User.roles).where(User.id == user_id).first()
        if row is None:
            raise NotFound(_("there is no user %(user_id)s", user_id=user_id), code="no_such_user")
        held = {r for r in row["roles"].split(",") if r}
        changed = held | {role} if add else held - {role}
        if changed != held:
            await User.update({User.roles: ",".join(sorted(changed))}).where(User.id == user_id)


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
    """The active user with this id (with its ``credential_mark``), or ``None``."""
    row = (
        await User.select(User.id, User.username, User.display_name, User.roles,
                          User.password_hash)
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


def _aware(value: datetime) -> datetime:
    # SQLite hands timestamps back naive; they were stored in UTC.
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


@dataclass(frozen=True)
class TokenInfo:
    """What the owner sees of a token: never the token itself, only its first characters."""

    id: int
    prefix: str
    label: str
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None
    expired: bool


async def issue_token(
    user: CurrentUser,
    *,
    lifetime: timedelta = DEFAULT_TOKEN_LIFETIME,
    label: str = "",
    at: datetime | None = None,
) -> str:
    """A new random bearer token (256 bits) for ``user``, valid for ``lifetime`` from ``at``
    (now by default); only its digest and its first characters are stored.

    :raises InvalidInput: a label longer than 80 characters or with control characters.
    """
    if len(label) > TOKEN_LABEL_MAX or rules.has_hidden_characters(label):
        raise InvalidInput(
            _("label must be at most %(max)s characters, without control characters", max=TOKEN_LABEL_MAX),
            field="label",
        )
    token = secrets.token_urlsafe(32)
    issued = at or now()
    await ApiToken.insert(ApiToken(
        user=user.id, digest=_digest(token), created_at=issued, expires_at=issued + lifetime,
        prefix=token[:TOKEN_PREFIX_LENGTH], label=" ".join(label.split()),
    ))
    return token


#: Every API request authenticates with this: written out rather than built by the ORM per
#: request (the joined select's construction cost more than its round trip).
_TOKEN_USER_SQL = (
    "SELECT t.id, t.expires_at, t.last_used_at, u.id AS user_id, u.username, "
    f"u.display_name, u.roles, u.active FROM {ApiToken._meta.tablename} t "
    f"JOIN {User._meta.tablename} u ON u.id = t.\"user\" "
    f"WHERE t.digest = {{}} AND t.revoked = {{}}"
)


async def user_for_token(token: str, *, at: datetime | None = None) -> CurrentUser | None:
    """The user a live bearer token belongs to, or ``None`` (unknown, revoked, inactive user).

    :raises Unauthenticated: ``code="token_expired"`` for a token past its expiry, so the
        caller learns to ask for a new one rather than to check the token it has.
    """
    if not token or len(token) > 200:
        return None
    rows = await ApiToken.raw(_TOKEN_USER_SQL, _digest(token), False)
    row = rows[0] if rows else None
    if not row or not row["active"]:
        return None
    moment = at or now()
    expires_at = row["expires_at"]
    # A missing expiry cannot come from issue_token (the migration backfilled old rows):
    # treat it as expired rather than as eternal.
    if expires_at is None or _aware(expires_at) <= moment:
        when = f" on {_aware(expires_at):%Y-%m-%d %H:%M} UTC" if expires_at else ""
        raise Unauthenticated(
            f"this bearer token expired{when}; ask for a new one at POST /api/v1/auth/token",
            code="token_expired",
        )
    last_used = row["last_used_at"]
    if last_used is None or moment - _aware(last_used) >= LAST_USED_EVERY:
        try:
            await ApiToken.update({ApiToken.last_used_at: moment}).where(ApiToken.id == row["id"])
        except Exception:  # best effort: a busy database must not refuse a valid token
            log.warning("could not record the last use of token %s", row["id"], exc_info=True)
    return _row_to_user({"id": row["user_id"], "username": row["username"],
                         "display_name": row["display_name"], "roles": row["roles"]})


async def revoke_token(token: str) -> None:
    """Revoke a bearer token."""
    await ApiToken.update({ApiToken.revoked: True}).where(ApiToken.digest == _digest(token))


async def list_tokens(
    user_id: int, *, limit: int = 50, offset: int = 0, at: datetime | None = None
) -> tuple[list[TokenInfo], int]:
    """The user's tokens that are not revoked (expired ones included, marked), newest first,
    and how many there are in all."""
    moment = at or now()
    mine = (ApiToken.user == user_id) & (ApiToken.revoked == False)  # noqa: E712
    total = await ApiToken.count().where(mine)
    rows = await ApiToken.select(
        ApiToken.id, ApiToken.prefix, ApiToken.label, ApiToken.created_at,
        ApiToken.expires_at, ApiToken.last_used_at,
    ).where(mine).order_by(ApiToken.id, ascending=False).limit(limit).offset(offset)
    items = []
    for row in rows:
        expires_at = _aware(row["expires_at"] or row["created_at"])
        items.append(TokenInfo(
            id=row["id"], prefix=row["prefix"], label=row["label"],
            created_at=_aware(row["created_at"]), expires_at=expires_at,
            last_used_at=_aware(row["last_used_at"]) if row["last_used_at"] else None,
            expired=expires_at <= moment,
        ))
    return items, total


async def revoke_token_of(user_id: int, token_id: int) -> None:
    """Revoke one of the user's own tokens.

    :raises NotFound: no such token, already revoked, or someone else's: the same answer
        for all three, so token ids of other users cannot be probed.
    """
    revoked = await ApiToken.update({ApiToken.revoked: True}).where(
        (ApiToken.id == token_id) & (ApiToken.user == user_id)
        & (ApiToken.revoked == False)  # noqa: E712
    ).returning(ApiToken.id)
    if not revoked:
        raise NotFound(_("you have no token with this id"), code="no_such_token")


async def revoke_all_tokens(user_id: int) -> int:
    """Revoke every live token of the user; returns how many were revoked."""
    revoked = await ApiToken.update({ApiToken.revoked: True}).where(
        (ApiToken.user == user_id) & (ApiToken.revoked == False)  # noqa: E712
    ).returning(ApiToken.id)
    return len(revoked)


async def revoke_user_tokens(username: str) -> int:
    """An admin revokes every token of ``username`` (``podium user revoke-tokens``).

    :raises NotFound: no user has that username.
    """
    row = await User.select(User.id).where(User.username == (username or "").strip()).first()
    if row is None:
        raise NotFound(_("no user is called %(username)s", username=repr(username)), code="no_such_user")
    return await revoke_all_tokens(row["id"])
