"""The box office's pages: the ticket shop on an event page, orders, My orders, the
organiser's ticket types and sales dashboard, the staff box office; and its JSON API
(:mod:`podium.ticketing.routes.shop_api`)."""

from __future__ import annotations

from typing import Any

from podium.ticketing.routes.shop_api import API_ROUTES

PAGE_ROUTES: list[Any] = []
ROUTES = [*PAGE_ROUTES, *API_ROUTES]
