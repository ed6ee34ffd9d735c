"""Routes of the shell itself: health check and the plugin inventory."""

from __future__ import annotations

from typing import Any

from litestar import Request, get

from podium.core.activation.service import describe_activation


@get("/healthz", include_in_schema=False, sync_to_thread=False)
def healthz() -> dict[str, str]:
    """Liveness probe: answers without touching the database."""
    return {"status": "ok"}


@get("/-/plugins.json", summary="Loaded plugins", tags=["meta"])
async def plugins_json(request: Request) -> dict[str, Any]:
    """Every loaded plugin: name, version, description, scope, source, hooks implemented and
    where it is enabled (``enabled_for_venue``, ``venue_setting``: on/off/default/always,
    and the things — tournaments... — where it is switched explicitly). ``blocked`` lists plugins stopped by
    ``PODIUM_DISABLE_PLUGINS``."""
    host = request.app.state.plugin_host
    venue_id = request.app.state.get("venue_id")
    return {
        "venue_id": venue_id,
        "plugins": await describe_activation(host, venue_id),
        "blocked": sorted(host.blocked),
    }


ROUTES = [healthz, plugins_json]
