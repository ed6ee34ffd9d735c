"""Checks of plain input values shared by every room's services (no HTTP here)."""

from __future__ import annotations

import unicodedata
from datetime import datetime, timezone
from typing import Any, Literal, overload

from podium.core.errors import InvalidInput
from podium.core.i18n import _

MAX_PAGE = 500
MAX_OFFSET = 10**9
DEFAULT_LIMIT = 50
"""The page size of a list when the caller names none."""
MAX_ID = 2**31 - 1
"""Ids are 32-bit on PostgreSQL; larger numbers are refused before they reach the database."""
EARLIEST = datetime(1970, 1, 1, tzinfo=timezone.utc)
"""The earliest instant Podium accepts (inclusive)."""
LATEST = datetime(2200, 1, 1, tzinfo=timezone.utc)
"""The end of the instants Podium accepts (exclusive)."""


@overload
def whole_number(value: Any, name: str, low: int, high: int, *,
                 nullable: Literal[False] = False) -> int: ...


@overload
def whole_number(value: Any, name: str, low: int, high: int, *, nullable: bool) -> int | None: ...


def whole_number(value: Any, name: str, low: int, high: int, *, nullable: bool = False) -> int | None:
    """``value`` as an int in ``low..high`` (``None`` allowed when ``nullable``); booleans,
    floats and strings are refused with a message naming the field."""
    if value is None and nullable:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(_("%(name)s must be a whole number", name=name), field=name)
    if not low <= value <= high:
        raise InvalidInput(_("%(name)s must be between %(low)s and %(high)s", name=name, low=low,
                             high=high), field=name)
    return value


def check_page(limit: int, offset: int, max_limit: int = MAX_PAGE) -> None:
    """Refuse a page size outside 1..``max_limit`` or a negative offset."""
    whole_number(limit, "limit", 1, max_limit)
    whole_number(offset, "offset", 0, MAX_OFFSET)


def is_id(value: Any) -> bool:
    """Whether ``value`` can be a database id: an int in 1..:data:`MAX_ID` (not a boolean)."""
    return not isinstance(value, bool) and isinstance(value, int) and 1 <= value <= MAX_ID


def clean_text(value: Any, name: str, max_length: int, *, required: bool = True,
               multiline: bool = False) -> str:
    """Strip and check a text field: no NUL or control characters, length within bounds."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise InvalidInput(_("%(name)s must be text", name=name), field=name)
    text = value.strip()
    allowed = {"\n", "\r", "\t"} if multiline else set()
    if any(unicodedata.category(ch) == "Cc" and ch not in allowed for ch in text):
        raise InvalidInput(_("%(name)s must not contain control characters", name=name), field=name)
    if required and not text:
        raise InvalidInput(_("%(name)s is required", name=name), field=name)
    if len(text) > max_length:
        raise InvalidInput(_("%(name)s must be at most %(max_length)s characters", name=name,
                             max_length=max_length), field=name)
    return text


def check_instant(value: Any, name: str) -> datetime:
    """An aware datetime within Podium's range (:data:`EARLIEST` to :data:`LATEST`), in UTC."""
    if not isinstance(value, datetime):
        raise InvalidInput(_("%(name)s must be a date-time", name=name), field=name)
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidInput(_("%(name)s must include a UTC offset, e.g. %(example)s", name=name,
                             example="2026-11-24T18:00:00+01:00"), field=name)
    # Compare before converting: moving 0001-01-01T00:00+01:00 to UTC would overflow.
    if not EARLIEST <= value < LATEST:
        raise InvalidInput(_("%(name)s must be between 1970 and 2200", name=name), field=name)
    return value.astimezone(timezone.utc)
