"""Sign-up, log-in and log-out pages, and the API token endpoint.

Log-in (page and API) is rate-limited per client address by Litestar's rate limiter.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Request, get, post
from litestar.exceptions import NotAuthorizedException
from litestar.middleware.rate_limit import RateLimitConfig
from litestar.params import JSONBody
from litestar.response import Redirect, Template

from podium.core.accounts import service
from podium.core.accounts.auth import requires_role, sign_in, sign_out
from podium.core.accounts.service import CurrentUser
from podium.core.errors import PodiumError
from podium.core.pages import render

# Paths whose POSTs count against the log-in rate limit (per client address).
RATE_LIMITED_PATHS = ("/login", "/signup", "/api/v1/auth/token")


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
            {"next": target, "username": username, "errors": ["Wrong username or password."]},
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
        errors.append("The two passwords differ.")
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
    """Credentials exchanged for a bearer token."""

    username: str
    password: str


@dataclass
class TokenResponse:
    """A bearer token for ``Authorization: Bearer <token>``."""

    token: str
    token_type: str = "bearer"


@post(
    "/api/v1/auth/token",
    tags=["auth"],
    summary="Exchange a username and password for a bearer token",
    status_code=200,
)
async def issue_token(data: JSONBody[TokenRequest]) -> TokenResponse:
    """Return ``{"token": ...}``; wrong credentials answer 401."""
    user = await service.authenticate(data.username, data.password)
    if user is None:
        raise NotAuthorizedException("wrong username or password")
    return TokenResponse(token=await service.issue_token(user))


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


ROUTES = [login_page, login_submit, signup_page, signup_submit, logout, issue_token, me]
