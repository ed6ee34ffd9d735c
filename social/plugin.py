"""The fan hub as a built-in plugin: everything the social domain adds to the platform
goes through the same hooks a third party would use.

It contributes its tables, routes (the athlete directory and profiles, the admins'
verification queue, the JSON API), templates (with the verified badge others reuse),
static files, navigation and its part of the demo venue. Scope ``global``: always on.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from podium.core import PluginMeta, hookimpl

PODIUM_PLUGIN = PluginMeta(
    name="social",
    version="0.1.0",
    description="Fan hub: athletes and their verification, follows and likes.",
    scope="global",
)

HERE = Path(__file__).parent


@hookimpl
def podium_piccolo_apps() -> list[str]:
    """Athletes, the ledger of fan actions and the relations derived from it."""
    return ["podium.social.piccolo_app"]
