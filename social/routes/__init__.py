"""The fan hub's routes: the JSON API and the pages."""

from __future__ import annotations

from typing import Any

from podium.social.routes.api import API_ROUTES
from podium.social.routes.pages import PAGE_ROUTES

ROUTES: list[Any] = [*API_ROUTES, *PAGE_ROUTES]
