"""The greeting wall's page. Podium mounts these behind a guard, so they answer 404
wherever the plugin is switched off."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.response import Redirect, Template

from podium.core.accounts.auth import requires_role
from podium.core.database import reading
from podium.core.errors import InvalidInput
from podium.core.pages import is_partial_request, render

from podium_hello import service


async def _page(request: Request, *, error: str | None = None, message: str = "",
                status_code: int = 200) -> Template:
    async with reading():  # one connection for the page's reads
        greetings = await service.latest_greetings()
        seen = await service.changes_seen()
    return render(
        request,
        "hello/index.html",
        {"greetings": greetings, "changes_seen": seen, "error": error, "message": message},
        status_code=status_code,
    )


@get("/hello", include_in_schema=False)
async def hello_page(request: Request) -> Template:
    """The greeting wall: the latest messages and a form to leave one."""
    return await _page(request)


@post("/hello", include_in_schema=False, guards=[requires_role()])
async def post_greeting(request: Request) -> Any:
    """Leave a greeting (signed-in users). Bad input re-renders the form with a reason."""
    form = await request.form()
    raw = form.get("message", "")
    try:
        await service.add_greeting(raw, request.user.display_name or request.user.username)
    except InvalidInput as exc:
        return await _page(request, error=exc.detail, message=str(raw)[:500], status_code=422)
    if is_partial_request(request):
        return await _page(request)
    return Redirect("/hello", status_code=303)


ROUTES = [hello_page, post_greeting]
