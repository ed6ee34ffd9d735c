"""The fan hub's part of ``podium demo``: verified athletes of both sports, the e-sport
ones being the demo tournament's players, one profile in the queue, a few follows."""

from __future__ import annotations

from datetime import date

import pytest

from podium.core.accounts.service import get_user, get_user_by_name
from podium.social import actions, athletes, verification
from podium.web.demo import seed_demo


@pytest.mark.hooks("podium_seed_demo")
async def test_the_demo_has_verified_athletes_and_one_waiting(podium_db):
    result = await seed_demo(admin_password="admin-pass-123", today=date(2026, 11, 23))
    assert result.made["athletes"] == 8
    everyone, total = await athletes.search(limit=50)
    assert total == 9
    verified = [a for a in everyone if a["verified"]]
    assert {a["kind"] for a in verified} == {"cycling", "esport"}
    assert {a["discipline"] for a in verified if a["kind"] == "cycling"} >= {"track_sprint", "keirin", "endurance"}
    for i in range(1, 5):
        player = await get_user_by_name(f"player{i}")
        assert player is not None
        mine = await athletes.profile_of(player.id)
        assert mine is not None and mine["verified"] and mine["discipline"] == "esport:rocket-league"
        assert "athlete" in (await get_user(player.id)).roles
    [waiting] = await verification.queue()
    assert waiting["id"] == result.made["athlete_waiting"] and not waiting["verified"]
    followed = await actions.counts([a["target"] for a in verified])
    assert max(c[actions.FOLLOW] for c in followed.values()) == 5
    assert any("/athletes" in note for note in result.notes)
