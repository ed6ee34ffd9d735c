"""The ticketing routes: the JSON API and the pages."""

from __future__ import annotations

from typing import Any

from podium.ticketing.routes.shop import ROUTES as SHOP_ROUTES

ROUTES: list[Any] = [*SHOP_ROUTES]
