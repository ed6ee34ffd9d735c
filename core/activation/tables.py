"""Tables of the activation room."""

from piccolo.columns import Boolean, Integer, Serial, Timestamptz, Varchar
from piccolo.table import Table


class PluginActivation(Table, tablename="podium_plugin_activation"):
    """An admin's decision to switch one plugin on or off for one venue or tournament.

    Absence of a row means "the plugin's default" (``PluginMeta.default_enabled``); a
    tournament row overrides its venue's row. One row per (plugin, scope, scope_id).
    """

    id: Serial

    plugin = Varchar(length=100, index=True)
    scope = Varchar(length=20)  # "venue" or "tournament"
    scope_id = Integer(index=True)
    enabled = Boolean()
    changed_by = Integer(null=True, default=None)
    changed_at = Timestamptz()
