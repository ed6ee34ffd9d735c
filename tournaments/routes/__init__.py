"""The tournament domain's HTTP side, as Litestar controllers: the JSON API
(:mod:`~podium.tournaments.routes.api`), the pages (:mod:`~podium.tournaments.routes.pages`)
the organiser's console (:mod:`~podium.tournaments.routes.console`) and tournament form
(:mod:`~podium.tournaments.routes.organiser`).

:data:`ROUTES` is the one list of everything the domain serves; the app mounts it.
"""

from __future__ import annotations

from podium.tournaments.routes.api import API_CONTROLLERS
from podium.tournaments.routes.console import ConsolePages
from podium.tournaments.routes.organiser import OrganiserPages
from podium.tournaments.routes.pages import PAGE_CONTROLLERS

ROUTES = [*PAGE_CONTROLLERS, OrganiserPages, ConsolePages, *API_CONTROLLERS]
