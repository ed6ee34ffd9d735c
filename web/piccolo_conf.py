"""Piccolo configuration: the engine from settings, the apps of core, domains and plugins.

``PICCOLO_CONF`` points here (set by ``podium.core``). The web package assembles everything,
so it is the one place that knows every Piccolo app, including plugins' (through the
``podium_piccolo_apps`` hook).
"""

from piccolo.conf.apps import AppRegistry

from podium.core.database import make_engine
from podium.core.settings import load_settings
from podium.web.assembly import piccolo_apps

DB = make_engine(load_settings().database_url)
APP_REGISTRY = AppRegistry(apps=piccolo_apps())
