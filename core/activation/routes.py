"""The admin page that switches plugins on and off for the venue."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from podium.core.accounts.auth import requires_role
from podium.core.activation import service
from podium.core.i18n import _, pgettext
from podium.core.pages import render

def _venue_id(request: Request[Any, Any, Any]) -> int:
    """The venue the admin page speaks for (0 before a venue exists, as in the service)."""
    return request.app.state.get("venue_id") or 0


def _source_label(source: str) -> str:
    """Where a plugin came from, as the admin reads it (``builtin``, ``entrypoint:<dist>``)."""
    if source == "builtin":
        return pgettext("plugin source", "built in")
    kind, _sep, dist = source.partition(":")
    if kind == "entrypoint" and dist:
        return pgettext("plugin source", "installed package %(dist)s", dist=dist)
    return source


async def _page(request: Request[Any, Any, Any], *, notice: str | None = None) -> Template:
    """Render the plugin list (the whole page, or the section alone for htmx)."""
    host = request.app.state.plugin_host
    rows = await service.describe_activation(host, _venue_id(request))
    # What the admin reads for a scope: the declared kinds' own labels (the data and the
    # forms keep the names).
    scopes = {"global": pgettext("plugin scope", "global"),
              "venue": pgettext("plugin scope", "venue"),
              **{name: str(kind.label) for name, kind in host.scope_kinds().items()}}
    for row in rows:
        row["scope_label"] = scopes.get(row["scope"], row["scope"])
        row["source_label"] = _source_label(row["source"])
        if row.get("switched"):
            row["switched"] = {**row["switched"], "kind_label": scopes.get(
                row["switched"]["kind"], row["switched"]["kind"])}
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
