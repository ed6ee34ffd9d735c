"""What the meet routes share: role guards, the id path parameter type, form parsing."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from litestar import Request
from litestar.datastructures import FormMultiDict
from litestar.params import PathParameter

from podium.core.accounts.auth import requires_role
from podium.core.i18n import _
from podium.core.errors import InvalidInput
from podium.core.validation import MAX_ID
from podium.core.venue.rules import localize

ORGANISER = [requires_role("organiser")]
SIGNED_IN = [requires_role()]
Id = Annotated[int, PathParameter(ge=1, le=MAX_ID)]


def is_organiser(request: Request[Any, Any, Any]) -> bool:
    """Whether the request comes from an organiser (or an admin)."""
    user = request.scope.get("user")
    return user is not None and user.has_role("organiser")


def form_text(form: FormMultiDict, name: str) -> str:
    """A form field as stripped text (empty when missing)."""
    return str(form.get(name, "") or "").strip()


def form_int(form: FormMultiDict, name: str, *, required: bool = True,
             low: int = -10**6, high: int = 10**9) -> int | None:
    """A whole number of a form (``None`` when empty and not required)."""
    raw = form_text(form, name)
    if not raw:
        if required:
            raise InvalidInput(_("%(field)s is required", field=name.replace('_', ' ')), field=name)
        return None
    sign = -1 if raw.startswith("-") else 1
    digits = raw.lstrip("+-")
    if not digits.isdigit() or len(digits) > 9:
        raise InvalidInput(_("%(field)s must be a whole number", field=name.replace('_', ' ')), field=name)
    value = sign * int(digits)
    if not low <= value <= high:
        raise InvalidInput(_("%(field)s must be between %(low)s and %(high)s", field=name.replace('_', ' '), low=low, high=high),
                           field=name)
    return value


def form_local_time(form: FormMultiDict, name: str, tz: str, *, required: bool = True
                    ) -> datetime | None:
    """A ``datetime-local`` field (the venue's wall time) as an aware instant."""
    raw = form_text(form, name)
    if not raw:
        if required:
            raise InvalidInput(_("%(field)s is required", field=name.replace('_', ' ')), field=name)
        return None
    try:
        wall = datetime.fromisoformat(raw)
    except ValueError:
        raise InvalidInput(_("%(field)s: write a date and time like 2026-12-10T18:30", field=name.replace('_', ' ')), field=name) from None
    if wall.tzinfo is not None:
        return wall
    if not 1970 <= wall.year < 2200:
        raise InvalidInput(_("%(field)s must be between 1970 and 2200", field=name.replace('_', ' ')), field=name)
    return localize(wall, tz)
