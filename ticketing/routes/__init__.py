"""The ticketing routes: the JSON API and the pages."""

from __future__ import annotations

from typing import Any

ROUTES: list[Any] = []

from podium.ticketing.routes.holders import HOLDER_ROUTES  # noqa: E402

ROUTES.extend(HOLDER_ROUTES)
