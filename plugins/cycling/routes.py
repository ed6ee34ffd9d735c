"""Everything the meets serve: pages, the console, the screen, rider profiles, the
programme feed and the JSON API (:data:`ROUTES`, mounted through ``podium_routes``)."""

from podium.plugins.cycling.api import MeetAPI, RiderAPI
from podium.plugins.cycling.pages import MeetConsole, MeetPages

ROUTES = [MeetPages, MeetConsole, MeetAPI, RiderAPI]
