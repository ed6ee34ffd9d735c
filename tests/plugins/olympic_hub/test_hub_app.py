"""The Olympic hub through the app: the hook wiring, pages, API, predictions."""

from __future__ import annotations

import pytest

from podium.core.testing import DEFAULT_PASSWORD
from podium.social.actions import FOLLOW, LIKE, record
from podium.tests.core.test_venue_support import bearer_for, quick_user
from podium.tests.social.support import athlete_row
from podium.tests.tournaments.support import by_key, create, field_of, matches, organiser, win_games

pytestmark = pytest.mark.hooks("podium_fan_actions_recorded", "podium_matches_completed",
                               "podium_reward_rules", "podium_medal_tiers", "podium_live_messages",
                               "podium_routes", "podium_nav_items", "podium_page_slots")


async def test_points_pages_and_api(podium_client) -> None:
    c = podium_client
    a = await athlete_row("sprinter", discipline="keirin")
    fan = await quick_user("fan1")
    rival = await quick_user("fan2")
    await record(fan.id, FOLLOW, f"athlete:{a['id']}")
    await record(fan.id, LIKE, "post:9")
    await record(rival.id, FOLLOW, f"athlete:{a['id']}")
    await c.settle()  # the outbox tells the points engine
    headers = await bearer_for(fan)
    r = await c.get("/api/v1/hub/me", headers=headers)
    assert r.status_code == 200, r.text
    me = r.json()
    assert me["standing"]["points_all_time"] == 2 and me["standing"]["rank"] == 1
    assert {h["rule"] for h in me["history"]} == {"olympic_hub.follow", "olympic_hub.like"}
    r = await c.get("/api/v1/hub/leaderboard", params={"view": "week"}, headers=await bearer_for(rival))
    body = r.json()
    assert [row["fan_id"] for row in body["boards"][0]["rows"]] == [fan.id, rival.id]
    assert body["boards"][0]["me"]["rank"] == 2
    r = await c.get("/api/v1/hub/leaderboard", params={"view": "following"}, headers=headers)
    assert r.json()["boards"][0]["board"] == f"athlete:{a['id']}"
    r = await c.get("/api/v1/hub/leaderboard", params={"view": "discipline", "discipline": "keirin"})
    assert len(r.json()["boards"][0]["rows"]) == 2 and r.json()["disciplines"] == ["keirin"]
    for bad in ({"view": "nope"}, {"view": "following"}):
        r = await c.get("/api/v1/hub/leaderboard", params=bad)
        assert r.status_code == 422 and r.json()["code"]
    # pages
    await c.login("fan1", DEFAULT_PASSWORD)
    page = await c.get("/me/hub")
    assert page.status_code == 200 and 'data-testid="points-all">2<' in page.text
    assert "sse-connect=\"/-/events?topics=user-%d\"" % fan.id in page.text
    assert "liked" in page.text and "followed" in page.text  # the history, in words
    # What was followed is named and linked; a post that is gone stays as stored.
    assert f'<a href="/athletes/{a["slug"]}">{a["name"]}</a>' in page.text
    assert f"athlete:{a['id']}" not in page.text and "post:9" in page.text
    in_french = (await c.get("/me/hub?lang=fr")).text
    assert "j’aime" in in_french and "abonnement" in in_french and ">like <" not in in_french
    await c.get("/me/hub?lang=en")
    board = await c.get("/hub/leaderboard")
    assert board.status_code == 200 and "This week" in board.text
    assert (await c.get("/hub/leaderboard?view=bogus")).status_code == 422
    assert (await c.get(f"/hub/fans/{fan.id}")).status_code == 200
    r = await c.form_post("/me/hub/opt-out", {"opted_out": "on"})
    assert r.status_code == 303
    assert (await c.get(f"/hub/fans/{fan.id}")).status_code == 404
    r = await c.get("/api/v1/hub/leaderboard", params={"view": "all"})
    assert [row["fan_id"] for row in r.json()["boards"][0]["rows"]] == [rival.id]
    assert (await c.form_post("/me/hub/opt-out", {"opted_out": "maybe"})).status_code == 422
    assert (await c.get("/api/v1/hub/me", headers=headers)).json()["standing"]["opted_out"]


async def test_a_right_prediction_earns_points_once(podium_client) -> None:
    c = podium_client
    org = await organiser()
    t = await create(c, org)
    e1, e2 = await field_of(c, org, t["id"], 2)
    assert (await c.post(f"/api/v1/tournaments/{t['id']}/start", headers=org)).status_code in (200, 201)
    [m] = [m for m in await matches(c, t["id"]) if m["status"] != "completed"][:1]
    fan, other = await quick_user("fan1"), await quick_user("fan2")
    hf, ho = await bearer_for(fan), await bearer_for(other)
    body = {"tournament_id": t["id"], "match_key": m["key"], "entrant_id": e2}
    r = await c.post("/api/v1/hub/predictions", json={**body, "entrant_id": e1}, headers=hf)
    assert r.status_code == 201, r.text
    r = await c.post("/api/v1/hub/predictions", json=body, headers={**hf, "Idempotency-Key": "k1"})
    assert r.status_code == 201 and not r.json()["replay"]
    r = await c.post("/api/v1/hub/predictions", json=body, headers={**hf, "Idempotency-Key": "k1"})
    assert r.json()["replay"]
    assert (await c.post("/api/v1/hub/predictions", json={**body, "entrant_id": 999}, headers=ho)).status_code == 422
    assert (await c.post("/api/v1/hub/predictions", json={**body, "match_key": "X9"}, headers=ho)).status_code == 404
    assert (await c.post("/api/v1/hub/predictions", json={**body, "entrant_id": e1}, headers=ho)).status_code == 201
    # the form of the tournament page
    frag = await c.get(f"/hub/predictions/{t['id']}")
    assert frag.status_code == 200 and "Log in" in frag.text
    await c.login("fan1", DEFAULT_PASSWORD)
    frag = await c.get(f"/hub/predictions/{t['id']}")
    assert m["key"] in frag.text and 'aria-pressed="true"' in frag.text  # my pick shows
    r = await c.htmx("POST", f"/hub/predictions/{t['id']}", data={"match_key": m["key"], "entrant_id": "nope"})
    assert r.status_code == 422 and "entrant_id must be" in r.text
    r = await c.htmx("POST", f"/hub/predictions/{t['id']}", data={"match_key": m["key"], "entrant_id": str(e2)})
    assert r.status_code == 200 and "Your pick is in" in r.text
    page = await c.get(f"/tournaments/{t['id']}")
    assert f'hx-get="/hub/predictions/{t["id"]}"' in page.text
    r = await c.post(f"/api/v1/matches/{m['id']}/result",
                     json={"winner_id": e2, "games": win_games(m, e2)}, headers=org)
    assert r.status_code == 200, r.text
    me = (await c.get("/api/v1/hub/me", headers=hf)).json()
    assert me["standing"]["points_all_time"] == 3
    assert (await c.get("/api/v1/hub/me", headers=ho)).json()["standing"]["points_all_time"] == 0
    # decided: closed
    r = await c.post("/api/v1/hub/predictions", json=body, headers=ho)
    assert r.status_code == 409 and r.json()["code"] == "match_decided"
    # the same MatchesCompleted delivered again changes nothing
    from podium.core.outbox.tables import OutboxEvent
    from podium.core.events import MatchesCompleted, decode
    from podium.plugins.olympic_hub import podium_matches_completed
    [row] = await OutboxEvent.select().where(OutboxEvent.type == "MatchesCompleted")
    event = decode(row["type"], row["payload"])
    assert isinstance(event, MatchesCompleted)
    await podium_matches_completed(event)
    await c.settle()
    assert (await c.get("/api/v1/hub/me", headers=hf)).json()["standing"]["points_all_time"] == 3


async def test_a_fans_history_names_events_matches_and_athletes(podium_client) -> None:
    from podium.plugins.olympic_hub.service import TargetName, target_names
    from podium.tests.ticketing.support import ticketed_event

    event = await ticketed_event(title="Keirin night")
    a = await athlete_row("flyer", name="Léa Flyer")
    t = await create(podium_client, await organiser(), name="Friday Cup")
    names = await target_names([f"event:{event['id']}", f"athlete:{a['id']}",
                                f"match:{t['id']}:W1-1", "athlete:999999", "post:x", "odd"])
    assert names == {
        f"event:{event['id']}": TargetName("Keirin night", f"/events/{event['id']}"),
        f"athlete:{a['id']}": TargetName("Léa Flyer", "/athletes/flyer"),
        f"match:{t['id']}:W1-1": TargetName("Friday Cup, match W1-1", f"/tournaments/{t['id']}"),
    }


async def test_the_weeks_board_is_titled_with_its_days(podium_client) -> None:
    """"This week (30 Nov – 06 Dec)", in French "Cette semaine (du 30 nov. au 06 déc.)":
    the ISO code (2026-W49) is the board's key, not a title."""
    from podium.core.i18n import use_locale
    from podium.plugins.olympic_hub.routes import week_title

    assert week_title("2026-W49") == "This week (30 Nov – 06 Dec)"
    assert week_title("2027-W01") == "This week (04 Jan – 10 Jan)"
    with use_locale("fr"):
        assert week_title("2026-W49") == "Cette semaine (du 30 nov. au 06 déc.)"
    page = await podium_client.get("/hub/leaderboard", params={"view": "week"})
    assert page.status_code == 200 and "<h2>This week (" in page.text
    assert "-W" not in page.text.split("<h2>This week (", 1)[1].split("</h2>", 1)[0]
