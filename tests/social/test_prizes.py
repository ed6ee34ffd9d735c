"""Prizes: offering, claiming (once per fan, within stock, window and condition), handing
over, through the service, the JSON API and the pages."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from podium.core.errors import Conflict, Forbidden, InvalidInput
from podium.core.testing import DEFAULT_PASSWORD
from podium.social import prizes
from podium.social.prize_rules import FanStanding
from podium.social.tables import Prize, PrizeClaim
from podium.tests.core.test_venue_support import quick_user

NOW = datetime.now(timezone.utc)


@pytest.fixture
def standings(monkeypatch):
    """Fans' standings by user id, as the points part of the hub would answer."""
    table: dict[int, FanStanding] = {}

    async def fake(fan_id: int) -> FanStanding:
        return table.get(fan_id, FanStanding())

    monkeypatch.setattr(prizes, "fan_standing", fake)
    return table


async def test_offer_and_claim_until_the_stock_runs_out(podium_db, standings):
    """Two jerseys: two fans get one each, the third hears none are left; the stock and the
    claims agree."""
    admin = await quick_user("boss", "admin")
    jersey = await prizes.create_prize({"name": "Signed jersey", "stock": 2}, admin)
    assert jersey["left"] == 2 and jersey["condition"] == "Any fan"
    fans = [await quick_user(f"fan{i}") for i in range(3)]
    first = await prizes.claim(jersey["id"], fans[0])
    assert first["left"] == 1 and first["prize"]["claimed"] == 1
    with pytest.raises(Conflict) as again:
        await prizes.claim(jersey["id"], fans[0])
    assert again.value.code == "already_claimed"
    assert (await prizes.claim(jersey["id"], fans[1]))["left"] == 0
    with pytest.raises(Conflict) as empty:
        await prizes.claim(jersey["id"], fans[2])
    assert empty.value.code == "out_of_stock"
    row = await Prize.select().where(Prize.id == jersey["id"]).first()
    assert row["claimed"] == 2 == await PrizeClaim.count().where(PrizeClaim.prize == jersey["id"])
    assert [c["prize_name"] for c in await prizes.claims_of_fan(fans[0].id)] == ["Signed jersey"]


async def test_medal_rank_and_window_conditions(podium_db, standings):
    """Silver-and-up needs silver; top 3 needs a rank of 3 or better (an opted-out fan has
    none); claims only inside the window; admins do not claim."""
    admin = await quick_user("boss", "admin")
    silver = await prizes.create_prize({"name": "Track tour", "stock": 5, "min_medal_rank": 2}, admin)
    top = await prizes.create_prize({"name": "Dinner", "stock": 5, "top_rank": 3}, admin)
    later = await prizes.create_prize({"name": "Later", "stock": 5, "opens_at": NOW + timedelta(days=1)}, admin)
    over = await prizes.create_prize({"name": "Over", "stock": 5, "opens_at": NOW - timedelta(days=2),
                                      "closes_at": NOW - timedelta(days=1)}, admin)
    bronze, gold, unranked = (await quick_user("bronzefan"), await quick_user("goldfan"),
                              await quick_user("hidden"))
    standings[bronze.id] = FanStanding(medal_rank=1, rank=2)
    standings[gold.id] = FanStanding(medal_rank=3, rank=7)
    standings[unranked.id] = FanStanding(medal_rank=3, rank=None)
    for fan, prize, code in [(bronze, silver, "medal_needed"), (gold, top, "rank_needed"),
                             (unranked, top, "rank_needed"), (gold, later, "not_open"),
                             (gold, over, "closed"), (admin, silver, "not_a_fan")]:
        with pytest.raises(Conflict) as refused:
            await prizes.claim(prize["id"], fan)
        assert refused.value.code == code, (fan.username, prize["name"])
    assert (await prizes.claim(silver["id"], gold))["left"] == 4
    assert (await prizes.claim(top["id"], bronze))["left"] == 4
    listed = {p["name"]: p for p in await prizes.list_prizes(fan=bronze)}
    assert listed["Dinner"]["mine"] is not None and listed["Track tour"]["why_not_code"] == "medal_needed"
    assert listed["Track tour"]["why_not"] == "this prize needs silver or better"


async def test_bad_prizes_are_refused_and_nothing_is_written(podium_db):
    """Missing name, zero or huge stock, a medal of 4, a window closing before it opens,
    a non-admin: refused with the field named; no prize written."""
    admin = await quick_user("boss", "admin")
    fan = await quick_user("fan")
    for data, field in [({"stock": 1}, "name"), ({"name": "x", "stock": 0}, "stock"),
                        ({"name": "x", "stock": 10**9}, "stock"), ({"name": "x", "stock": "3"}, "stock"),
                        ({"name": "x", "stock": 1, "min_medal_rank": 4}, "min_medal_rank"),
                        ({"name": "x\0", "stock": 1}, "name"),
                        ({"name": "x", "stock": 1, "opens_at": NOW, "closes_at": NOW}, "closes_at"),
                        ({"name": "x", "stock": 1, "top_rank": 0}, "top_rank")]:
        with pytest.raises(InvalidInput) as refused:
            await prizes.create_prize(data, admin)
        assert refused.value.extra["field"] == field
    with pytest.raises(Forbidden):
        await prizes.create_prize({"name": "x", "stock": 1}, fan)
    assert await Prize.count() == 0


async def test_stock_changes_and_hand_over(podium_db, standings):
    """Stock never below what is claimed; a claim is handed over once."""
    admin = await quick_user("boss", "admin")
    fans = [await quick_user(f"fan{i}") for i in range(2)]
    prize = await prizes.create_prize({"name": "Cap", "stock": 3}, admin)
    claims = [await prizes.claim(prize["id"], f) for f in fans]
    with pytest.raises(Conflict) as low:
        await prizes.set_stock(prize["id"], 1, admin)
    assert low.value.code == "below_claimed"
    assert (await prizes.set_stock(prize["id"], 2, admin))["left"] == 0
    done = await prizes.mark_handed_over(claims[0]["id"], admin)
    assert done["handed_over_at"] is not None
    with pytest.raises(Conflict):
        await prizes.mark_handed_over(claims[0]["id"], admin)
    withdrawn = await prizes.set_active(prize["id"], False, admin)
    assert withdrawn["active"] is False and await prizes.list_prizes() == []
    listed = await prizes.claims_of_prize(prize["id"])
    assert [c["username"] for c in listed] == ["fan0", "fan1"]
    assert listed[0]["handed_over_at"] is not None and listed[1]["handed_over_at"] is None


async def test_prize_api(podium_client, standings):
    """Admins offer through the API; fans list and claim; errors are JSON with a code."""
    await quick_user("boss", "admin")
    await quick_user("fan")
    admin_auth = await podium_client.bearer("boss", DEFAULT_PASSWORD)
    fan_auth = await podium_client.bearer("fan", DEFAULT_PASSWORD)
    made = await podium_client.post("/api/v1/hub/prizes", json={"name": "Jersey", "stock": 1},
                                    headers=admin_auth)
    assert made.status_code == 201, made.text
    prize_id = made.json()["id"]
    refused = await podium_client.post("/api/v1/hub/prizes", json={"name": "Jersey", "stock": 1},
                                       headers=fan_auth)
    assert refused.status_code == 403
    bad = await podium_client.post("/api/v1/hub/prizes", json={"name": "", "stock": -1},
                                   headers=admin_auth)
    assert bad.status_code in (400, 422) and "detail" in bad.json()
    listed = (await podium_client.get("/api/v1/hub/prizes", headers=fan_auth)).json()
    assert listed["total"] == 1 and listed["items"][0]["can_claim"] is True
    claimed = await podium_client.post(f"/api/v1/hub/prizes/{prize_id}/claim", headers=fan_auth)
    assert claimed.status_code == 201 and claimed.json()["left"] == 0
    again = await podium_client.post(f"/api/v1/hub/prizes/{prize_id}/claim", headers=fan_auth)
    assert again.status_code == 409 and again.json()["code"] == "already_claimed"
    missing = await podium_client.post("/api/v1/hub/prizes/999999/claim", headers=fan_auth)
    assert missing.status_code == 404
    anonymous = await podium_client.post(f"/api/v1/hub/prizes/{prize_id}/claim")
    assert anonymous.status_code == 401
    schema = (await podium_client.get("/schema/openapi.json")).json()
    assert "/api/v1/hub/prizes/{prize_id}/claim" in schema["paths"]


async def test_prize_pages(podium_client, standings):
    """The admin adds a prize with the form (a bad one shows why), a fan claims it from
    the prizes page with htmx, the admin sees the claim and marks it handed over, and the
    fan page's slot fragment lists it to that fan only."""
    await quick_user("boss", "admin")
    fan = await quick_user("fan")
    await podium_client.login("boss", DEFAULT_PASSWORD)
    bad = await podium_client.form_post("/hub/admin/prizes", {"name": "Jersey", "stock": "lots"})
    assert bad.status_code == 422 and "stock must be a whole number" in bad.text
    assert await Prize.count() == 0
    made = await podium_client.form_post("/hub/admin/prizes", {
        "name": "Signed jersey", "stock": "1", "min_medal_rank": "0", "top_rank": "",
        "opens_at": "", "closes_at": ""})
    assert made.status_code == 303
    page = await podium_client.get("/hub/admin/prizes?done=created")
    assert "Prize added." in page.text and "Signed jersey" in page.text
    prize_id = (await Prize.select(Prize.id).first())["id"]
    await podium_client.logout()
    await podium_client.login("fan", DEFAULT_PASSWORD)
    page = await podium_client.get("/hub/prizes")
    assert "1 of 1 left" in page.text and f'hx-post="/hub/prizes/{prize_id}/claim"' in page.text
    card = await podium_client.htmx("POST", f"/hub/prizes/{prize_id}/claim")
    assert card.status_code == 200 and "Claimed!" in card.text and "0 of 1 left" in card.text
    again = await podium_client.htmx("POST", f"/hub/prizes/{prize_id}/claim")
    assert again.status_code == 409 and "already claimed" in again.text
    mine = await podium_client.get(f"/hub/fans/{fan.id}/prizes")
    assert "Signed jersey" in mine.text and "collect it" in mine.text
    await podium_client.logout()
    other = await podium_client.get(f"/hub/fans/{fan.id}/prizes")
    assert "Signed jersey" not in other.text
    await podium_client.login("boss", DEFAULT_PASSWORD)
    claims = await podium_client.get(f"/hub/admin/prizes/{prize_id}")
    assert "Fan" in claims.text and "Mark handed over" in claims.text
    claim_id = (await PrizeClaim.select(PrizeClaim.id).first())["id"]
    done = await podium_client.form_post(f"/hub/admin/claims/{claim_id}/handed-over")
    assert done.status_code == 303
    assert "Mark handed over" not in (await podium_client.get(f"/hub/admin/prizes/{prize_id}")).text


def test_fan_page_slot_placeholder():
    """``fan.prizes`` gets an htmx placeholder for the fan whose page it is."""
    from podium.social.routes.prizes import prize_page_slot

    [html] = prize_page_slot("fan.prizes", {"fan": {"user_id": 7}})
    assert 'hx-get="/hub/fans/7/prizes"' in html
    assert prize_page_slot("fan.prizes", {}) == [] and prize_page_slot("other", {"fan_id": 7}) == []
    from podium.social.points import Standing

    [html] = prize_page_slot("fan.prizes", {"standing": Standing(fan_id=9)})
    assert 'hx-get="/hub/fans/9/prizes"' in html


async def test_conditions_read_the_real_standing(podium_db):
    """Without stand-ins: a fan's medal comes from the points part of the hub
    (``standing()``), for prizes and for posts alike."""
    from podium.social import content
    from podium.social.tables import FanScore

    admin = await quick_user("boss", "admin")
    silver_fan, plain_fan = await quick_user("silverfan"), await quick_user("plainfan")
    await FanScore(fan=silver_fan.id, points=120, medal="olympic_hub.silver", medal_rank=2,
                   updated_at=NOW).save()
    assert await content.medal_rank_of(silver_fan.id) == 2
    assert await content.medal_rank_of(plain_fan.id) == 0
    assert (await prizes.fan_standing(plain_fan.id)).rank is None
    tour = await prizes.create_prize({"name": "Track tour", "stock": 5, "min_medal_rank": 2}, admin)
    assert (await prizes.claim(tour["id"], silver_fan))["left"] == 4
    with pytest.raises(Conflict) as refused:
        await prizes.claim(tour["id"], plain_fan)
    assert refused.value.code == "medal_needed"
