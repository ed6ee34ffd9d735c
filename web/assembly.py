"""What the shell assembles: core's rooms, then the built-in and installed plugins (the
domains among them, which bring their own Piccolo apps through ``podium_piccolo_apps``)."""

from __future__ import annotations

import os

from podium.core.plugins import PluginHost, build_plugin_host, flatten
from podium.core.settings import Settings, load_settings
from podium.plugins import BUILTIN

# Piccolo apps of core's rooms, in dependency order.
CORE_PICCOLO_APPS = [
    "podium.core.accounts.piccolo_app",
    "podium.core.activation.piccolo_app",
    "podium.core.outbox.piccolo_app",
    "podium.core.venue.piccolo_app",
]


def make_plugin_host(
    settings: Settings | None = None,
    *,
    only: list[str] | None = None,
    extra: tuple = (),
    use_entry_points: bool = True,
) -> PluginHost:
    """Build the plugin host the way the app and the CLI do (settings decide blocks/trace)."""
    settings = settings or load_settings()
    return build_plugin_host(
        builtin=BUILTIN,
        use_entry_points=use_entry_points,
        only=only,
        extra=extra,
        disabled=settings.disabled_plugins,
        trace=settings.trace_hooks,
        skip_broken=settings.skip_broken_plugins,
    )


def piccolo_apps() -> list[str]:
    """Dotted paths of every Piccolo app: core's, then each loaded plugin's."""
    apps = list(CORE_PICCOLO_APPS)
    if os.environ.get("PODIUM_NO_PLUGIN_APPS") != "1":
        host = make_plugin_host()
        for path in flatten(host.call("podium_piccolo_apps")):
            if path not in apps:
                apps.append(path)
    return apps
