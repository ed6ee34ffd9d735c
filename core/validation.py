"""Checks of plain input values shared by every room's services (no HTTP here)."""

from __future__ import annotations

from typing import Any

from podium.core.errors import InvalidInput

MAX_PAGE = 500
MAX_OFFSET = 10**9


def whole_number(value: Any, name: str, low: int, high: int, *, nullable: bool = False) -> int | None:
    """``value`` as an int in ``low..high`` (``None`` allowed when ``nullable``); booleans,
    floats and strings are refused with a message naming the field."""
    if value is None and nullable:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(f"{name} must be a whole number", field=name)
    if not low <= value <= high:
        raise InvalidInput(f"{name} must be between {low} and {high}", field=name)
    return value


def check_page(limit: int, offset: int, max_limit: int = MAX_PAGE) -> None:
    """Refuse a page size outside 1..``max_limit`` or a negative offset."""
    whole_number(limit, "limit", 1, max_limit)
    whole_number(offset, "offset", 0, MAX_OFFSET)
