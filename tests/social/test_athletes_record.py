"""An e-sport athlete's tournament record on their profile: the slot ``athlete.record``
filled by the tournaments domain's plugin (a fragment loaded by htmx)."""

from __future__ import annotations

from datetime import date

import pytest

from podium.core.accounts.service import get_user_by_name
from podium.social import athletes
from podium.web.demo import seed_demo


@pytest.mark.hooks("podium_page_slots")
async def test_an_esport_athlete_page_loads_the_tournament_record(podium_db, podium_app, podium_client_factory):
    await seed_demo(admin_password="admin-pass-123", today=date(2026, 11, 23))
    player = await get_user_by_name("player1")
    assert player is not None
    profile = await athletes.profile_of(player.id)
    assert profile is not None
    client = await podium_client_factory(podium_app)
    page = await client.get(f"/athletes/{profile['slug']}")
    assert page.status_code == 200
    assert f'hx-get="/players/by-user/{player.id}/record"' in page.text
    record = await client.get(f"/players/by-user/{player.id}/record", headers={"HX-Request": "true"})
    assert record.status_code == 200 and 'data-testid="athlete-record"' in record.text
    assert "Podium Clash" in record.text and "<html" not in record.text
    assert "<strong>2</strong> tournaments" in record.text and "Rating: Rocket League" in record.text
    # A cyclist's page has no e-sport record.
    rider = await get_user_by_name("rider1")
    assert rider is not None
    cyclist = await athletes.profile_of(rider.id)
    assert cyclist is not None
    assert "/record" not in (await client.get(f"/athletes/{cyclist['slug']}")).text
    empty = await client.get("/players/by-user/999999/record")
    assert empty.status_code == 200 and "<strong>0</strong> tournaments" in empty.text
