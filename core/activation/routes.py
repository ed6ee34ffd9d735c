"""The admin page that switches plugins on and off for the venue."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from podium.core.accounts.auth import requires_role
from podium.core.activation import service
from podium.core.i18n import _
from podium.core.pages import render

def _venue_id(request: Request[Any, Any, Any]) -> int:
    """The venue the admin page speaks for (0 before a venue exists, as in the service)."""
    return request.app.state.get("venue_id") or 0


async def _page(request: Request[Any, Any, Any], *, notice: str | None = None) -> Template:
    """Render the plugin list (the whole page, or the section alone for htmx)."""
    host = request.app.state.plugin_host
    rows = await service.describe_activation(host, _venue_id(request))
    return render(
        request,
        "activation/plugins.html",
        {"plugins": rows, "blocked": sorted(host.blocked), "notice": notice},
    )


@get("/admin/plugins", include_in_schema=False, guards=[requires_role("admin")])
async def plugins_page(request: Request[Any, Any, Any]) -> Template:
    """Every loaded plugin, its scope, its hooks and whether it is on for this venue."""
    return await _page(request)


@post("/admin/plugins/{name:str}", include_in_schema=False, guards=[requires_role("admin")])
async def toggle_plugin(request: Request[Any, Any, Any], name: FromPath[str]) -> Any:
    """Switch one plugin for the venue (``enabled`` = ``on``, ``off`` or ``default``).

    Answers the updated section to htmx, a redirect to the page otherwise.
    """
    form = await request.form()
    enabled = service.parse_switch(form.get("enabled", ""))
    host = request.app.state.plugin_host
    await service.switch(host, name, "venue", _venue_id(request), enabled,
                         changed_by=request.user.id)
    if enabled is None:
        notice = _("%(name)s now follows its default", name=name)
    elif enabled:
        notice = _("%(name)s is now on for this venue", name=name)
    else:
        notice = _("%(name)s is now off for this venue", name=name)
    service.forget_for_request(request)
    if request.headers.get("hx-request"):
        return await _page(request, notice=notice)
    return Redirect("/admin/plugins", status_code=303)


ROUTES = [plugins_page, toggle_plugin]
