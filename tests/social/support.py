"""Shared helpers of the fan hub's tests (no tests here)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from podium.social.tables import Athlete
from podium.tests.core.test_venue_support import quick_user


async def athlete_row(username: str, *, kind: str = "cycling", discipline: str = "keirin",
                      country: str = "FRA", verified: bool = False, **extra: Any) -> dict[str, Any]:
    """An athlete profile (and its user) written straight to the table."""
    user = await quick_user(username)
    row = Athlete(user=user.id, slug=username.lower(), name=extra.pop("name", username.title()),
                  kind=kind, discipline=discipline, country=country,
                  created_at=datetime.now(timezone.utc),
                  verified_at=datetime.now(timezone.utc) if verified else None,
                  verified_via="admin" if verified else "", **extra)
    await row.save()
    found = await Athlete.select().where(Athlete.id == row.id).first()
    assert found is not None
    return {**found, "user_obj": user}
