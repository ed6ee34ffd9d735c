"""Sign-up, log-in and log-out pages, the API token endpoints, and the account pages
(``/me/tokens``, ``/me/password``).

Log-in (page and API) and password changes are rate-limited per client address by
Litestar's rate limiter. Token and password rules live in the service.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any

from litestar import Request, delete, get, post
from litestar.exceptions import NotAuthorizedException
from litestar.middleware.rate_limit import RateLimitConfig
from litestar.params import JSONBody, PathParameter, QueryParameter
from litestar.response import Redirect, Template

from podium.core.i18n import _
from podium.core.accounts import service
from podium.core.accounts.auth import requires_role, sign_in, sign_out
from podium.core.accounts.service import CurrentUser
from podium.core.errors import PodiumError
from podium.core.pages import render
from podium.core.validation import DEFAULT_LIMIT, MAX_ID, MAX_OFFSET, MAX_PAGE

# Paths whose POSTs count against the log-in rate limit (per client address): each one
# checks a password.
RATE_LIMITED_PATHS = (
    "/login", "/signup", "/api/v1/auth/token", "/api/v1/auth/password", "/me/password",
)


def login_rate_limit(per_minute: int) -> RateLimitConfig:
    """Litestar's rate limiter, counting only POSTs to the log-in and sign-up paths."""

    async def is_login_attempt(request: Request[Any, Any, Any]) -> bool:
        return request.method == "POST" and request.url.path in RATE_LIMITED_PATHS

    return RateLimitConfig(
        rate_limit=("minute", per_minute),
        store="rate_limit",
        check_throttle_handler=is_login_attempt,
        exclude=["^/static/"],
    )


def safe_next(target: str | None) -> str:
    """Only local paths may be redirected to after log-in (no open redirect)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


def _page(
    request: Request[Any, Any, Any], name: str, context: dict[str, Any], status: int = 200
) -> Template:
    return render(request, name, context, status_code=status, partial=False)


@get("/login", include_in_schema=False)
async def login_page(request: Request[Any, Any, Any]) -> Template:
    """The log-in form."""
    target = safe_next(request.query_params.get("next"))
    return _page(request, "accounts/login.html", {"next": target, "errors": []})


@post("/login", include_in_schema=False)
async def login_submit(request: Request[Any, Any, Any]) -> Any:
    """Check the credentials, start a fresh session, go where the user was heading."""
    form = await request.form()
    username = str(form.get("username", "")).strip()
    password = str(form.get("password", ""))
    target = safe_next(str(form.get("next", "/")))
    user = await service.authenticate(username, password)
    if user is None:
        return _page(
            request,
            "accounts/login.html",
            {"next": target, "username": username, "errors": [_("Wrong username or password.")]},
            status=401,
        )
    sign_in(request, user)
    return Redirect(target, status_code=303)


@get("/signup", include_in_schema=False)
async def signup_page(request: Request[Any, Any, Any]) -> Template:
    """The sign-up form."""
    return _page(request, "accounts/signup.html", {"errors": [], "form": {}})


@post("/signup", include_in_schema=False)
async def signup_submit(request: Request[Any, Any, Any]) -> Any:
    """Create a player/fan account and sign it in."""
    form = await request.form()
    values = {k: str(form.get(k, "")) for k in ("username", "display_name", "password", "password2", "email")}
    errors: list[str] = []
    if values["password"] != values["password2"]:
        errors.append(_("The two passwords differ."))
    if not errors:
        try:
            user = await service.create_user(
                values["username"],
                values["password"],
                roles=("fan", "player"),
                display_name=values["display_name"] or None,
                email=values["email"] or None,
            )
        except PodiumError as exc:
            errors.append(exc.detail[:1].upper() + exc.detail[1:] + ".")
    if errors:
        values.pop("password", None)
        values.pop("password2", None)
        return _page(request, "accounts/signup.html", {"errors": errors, "form": values}, status=422)
    sign_in(request, user)
    return Redirect("/", status_code=303)


@post("/logout", include_in_schema=False)
async def logout(request: Request[Any, Any, Any]) -> Redirect:
    """End the session."""
    sign_out(request)
    return Redirect("/", status_code=303)


@dataclass
class TokenRequest:
    """Credentials exchanged for a bearer token, and an optional label to recognise it by."""

    username: str
    password: str
    label: str = ""


@dataclass
class TokenResponse:
    """A bearer token for ``Authorization: Bearer <token>``, and when it expires."""

    token: str
    expires_at: datetime
    token_type: str = "bearer"


def token_lifetime(request: Request[Any, Any, Any]) -> timedelta:
    """How long a new token lives: ``PODIUM_API_TOKEN_DAYS``."""
    return timedelta(days=request.app.state.settings.api_token_days)


@post(
    "/api/v1/auth/token",
    tags=["auth"],
    summary="Exchange a username and password for a bearer token",
    status_code=200,
)
async def issue_token(request: Request[Any, Any, Any], data: JSONBody[TokenRequest]) -> TokenResponse:
    """Return ``{"token": ..., "expires_at": ...}``; wrong credentials answer 401. The token
    expires after ``PODIUM_API_TOKEN_DAYS`` days."""
    user = await service.authenticate(data.username, data.password)
    if user is None:
        raise NotAuthorizedException(_("wrong username or password"))
    issued, lifetime = service.now(), token_lifetime(request)
    token = await service.issue_token(user, lifetime=lifetime, label=data.label, at=issued)
    return TokenResponse(token=token, expires_at=issued + lifetime)


@dataclass
class Me:
    """The caller's identity."""

    id: int
    username: str
    display_name: str
    roles: list[str]


@get("/api/v1/me", tags=["auth"], summary="Who am I", guards=[requires_role()])
async def me(request: Request[CurrentUser, Any, Any]) -> Me:
    """The authenticated user."""
    user = request.user
    return Me(id=user.id, username=user.username, display_name=user.display_name, roles=sorted(user.roles))


# --------------------------------------------------------------------------------------
# API tokens and passwords: the owner's list, revocation, password change
# --------------------------------------------------------------------------------------
SIGNED_IN = [requires_role()]
TokenId = Annotated[int, PathParameter(ge=1, le=MAX_ID)]
Limit = Annotated[int, QueryParameter(ge=1, le=MAX_PAGE, description="Page size (1–500).")]
Offset = Annotated[int, QueryParameter(ge=0, le=MAX_OFFSET, description="Items to skip.")]


@dataclass
class TokenPage:
    """A page of the caller's tokens (revoked ones are gone), newest first."""

    items: list[service.TokenInfo]
    total: int
    limit: int
    offset: int


@dataclass
class PasswordChange:
    """The current password, to prove it is the owner, and the new one."""

    current_password: str
    new_password: str


@dataclass
class PasswordChanged:
    """The password is changed; every API token of the user was revoked."""

    revoked_tokens: int


@get("/api/v1/auth/tokens", tags=["auth"], summary="My API tokens", guards=SIGNED_IN)
async def api_my_tokens(
    request: Request[CurrentUser, Any, Any], limit: Limit = DEFAULT_LIMIT, offset: Offset = 0
) -> TokenPage:
    """The caller's tokens that are not revoked, expired ones marked; never the tokens."""
    items, total = await service.list_tokens(request.user.id, limit=limit, offset=offset)
    return TokenPage(items=items, total=total, limit=limit,
                     offset=offset)


@delete("/api/v1/auth/tokens/{token_id:int}", tags=["auth"], summary="Revoke one of my API tokens",
        guards=SIGNED_IN)
async def api_revoke_token(request: Request[CurrentUser, Any, Any], token_id: TokenId) -> None:
    """Revoke one of the caller's tokens (204). Someone else's token answers 404, like a
    missing one, so token ids cannot be probed."""
    await service.revoke_token_of(request.user.id, token_id)


@post("/api/v1/auth/password", tags=["auth"], summary="Change my password", status_code=200,
      guards=SIGNED_IN)
async def api_change_password(
    request: Request[CurrentUser, Any, Any], data: JSONBody[PasswordChange]
) -> PasswordChanged:
    """Change the caller's password; all their API tokens (this one too) are revoked.
    A wrong current password or a refused new one (too short, the username, a common
    password) answers 422 with the reason."""
    revoked = await service.change_password(request.user, data.current_password, data.new_password)
    return PasswordChanged(revoked_tokens=revoked)


@get("/me/tokens", include_in_schema=False, guards=SIGNED_IN)
async def my_tokens_page(request: Request[CurrentUser, Any, Any]) -> Template:
    """The signed-in user's API tokens, each with a revoke button."""
    items, total = await service.list_tokens(request.user.id, limit=MAX_PAGE)
    return render(request, "accounts/tokens.html", {"tokens": items, "total": total,
                                                    "revoked": request.query_params.get("revoked")})


@post("/me/tokens/{token_id:int}/revoke", include_in_schema=False, guards=SIGNED_IN)
async def my_token_revoke(request: Request[CurrentUser, Any, Any], token_id: TokenId) -> Redirect:
    """Revoke one of the signed-in user's tokens, then back to the list."""
    await service.revoke_token_of(request.user.id, token_id)
    return Redirect(f"/me/tokens?revoked={token_id}", status_code=303)


@get("/me/password", include_in_schema=False, guards=SIGNED_IN)
async def password_page(request: Request[CurrentUser, Any, Any]) -> Template:
    """The password-change form."""
    return render(request, "accounts/password.html", {"errors": [], "done": None})


@post("/me/password", include_in_schema=False, guards=SIGNED_IN)
async def password_submit(request: Request[CurrentUser, Any, Any]) -> Template:
    """Change the signed-in user's password; the form shows why a password is refused."""
    form = await request.form()
    current, new, again = (str(form.get(k, "")) for k in ("current_password", "password", "password2"))
    errors: list[str] = []
    revoked = 0
    if new != again:
        errors.append(_("The two new passwords differ."))
    else:
        try:
            revoked = await service.change_password(request.user, current, new)
        except PodiumError as exc:
            errors.append(exc.detail[:1].upper() + exc.detail[1:] + ".")
    if errors:
        return render(request, "accounts/password.html", {"errors": errors, "done": None},
                      status_code=422)
    # Every other session of the user ends (their credential mark no longer matches);
    # this one goes on, signed in again under a fresh id with the new mark.
    user = await service.get_user(request.user.id)
    if user is not None:
        sign_in(request, user)
    return render(request, "accounts/password.html", {"errors": [], "done": revoked})


ROUTES = [
    login_page, login_submit, signup_page, signup_submit, logout, issue_token, me,
    api_my_tokens, api_revoke_token, api_change_password, my_tokens_page, my_token_revoke,
    password_page, password_submit,
]
