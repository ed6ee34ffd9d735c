"""The ticketing routes: the JSON API and the pages."""

from __future__ import annotations

from typing import Any

ROUTES: list[Any] = []
