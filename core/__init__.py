"""Podium's kernel: hook specifications, plugin manager, settings, database, accounts, venue.

Plugin authors import :data:`hookimpl`, :class:`PluginMeta` and :class:`Registry` from here
and never import pluggy themselves.
"""

import os

# Piccolo finds its engine through the assembling shell's conf module; set it once, before
# any table is used (without it Piccolo fails only at the first query). Only the name is given: core imports no web code.
os.environ.setdefault("PICCOLO_CONF", "podium.web.piccolo_conf")

from podium.core.plugins import PluginMeta, Registry, hookimpl  # noqa: E402

__version__ = "0.1.0"
__all__ = ["PluginMeta", "Registry", "hookimpl", "__version__"]
