"""The ticketing routes: the JSON API and the pages."""

from __future__ import annotations

from typing import Any

from podium.ticketing.routes.gate import GATE_ROUTES
from podium.ticketing.routes.holders import HOLDER_ROUTES
from podium.ticketing.routes.shop import ROUTES as SHOP_ROUTES

ROUTES: list[Any] = [*GATE_ROUTES, *HOLDER_ROUTES, *SHOP_ROUTES]
