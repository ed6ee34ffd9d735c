"""The ticketing routes: the JSON API and the pages."""

from __future__ import annotations

from typing import Any

from podium.ticketing.routes.gate import GATE_ROUTES

ROUTES: list[Any] = [*GATE_ROUTES]
