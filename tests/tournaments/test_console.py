"""The organiser's console: check-in by hand, seeding moves, start, stations, calls, the
stream queue, settling disputes, corrections with the re-flow shown, disqualification —
over htmx (the body is swapped) and without JavaScript (post and redirect)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest

from podium.core.testing import DEFAULT_PASSWORD
from podium.tests.core.test_venue_support import quick_user
from podium.tests.tournaments.support import (
    by_key,
    create,
    field_of,
    matches,
    organiser,
    organiser_clients,
    participants,
    players,
    win_games,
)


@pytest.fixture
async def console(podium_app, podium_client_factory):
    """An API client with organiser headers and a signed-in organiser's page client."""
    api, org, page = await organiser_clients(podium_app, podium_client_factory)
    return {"api": api, "org": org, "page": page}


def _order(text: str, names: list[str]) -> list[str]:
    return sorted(names, key=lambda n: text.index(f"<td>{n}</td>"))


async def test_console_before_start_seed_check_in_start(console):
    api, org, page = console["api"], console["org"], console["page"]
    soon = datetime.now(timezone.utc) - timedelta(minutes=5)
    t = await create(api, org, "double_elimination", checkin_opens=soon.isoformat())
    ids = await field_of(api, org, t["id"], 4)
    url = f"/tournaments/{t['id']}/console"
    r = await page.get(url)
    assert r.status_code == 200 and "Check-in and seeding" in r.text
    assert _order(r.text, ["Team 1", "Team 2", "Team 3", "Team 4"]) == [
        "Team 1", "Team 2", "Team 3", "Team 4"]
    # htmx: move Team 3 up; the response is the console body alone.
    r = await page.htmx("POST", f"{url}/seed", data={"entrant_id": ids[2], "move": "up"})
    assert r.status_code == 200 and r.text.lstrip().startswith("{#") is False
    assert 'id="console-body"' in r.text and "<html" not in r.text
    assert _order(r.text, ["Team 1", "Team 2", "Team 3", "Team 4"])[1] == "Team 3"
    # Without JavaScript: post and redirect.
    r = await page.form_post(f"{url}/seed", {"entrant_id": str(ids[0]), "move": "bottom"})
    assert r.status_code == 303 and r.headers["location"] == url
    seeds = {e["name"]: e["seed"] for e in
             (await api.get(f"/api/v1/tournaments/{t['id']}/entrants")).json()["items"]}
    assert seeds == {"Team 3": 1, "Team 2": 2, "Team 4": 3, "Team 1": 4}
    # A typed seed (or a dragged row, which fills the same box): Team 1 to seed 2.
    r = await page.htmx("POST", f"{url}/seed", data={"entrant_id": ids[0], "seed": 2})
    assert r.status_code == 200
    assert _order(r.text, ["Team 1", "Team 2", "Team 3", "Team 4"]) == [
        "Team 3", "Team 1", "Team 2", "Team 4"]
    assert 'name="seed"' in r.text and "/static/tournaments/seeding.js" in (
        await page.get(url)).text
    r = await page.htmx("POST", f"{url}/seed", data={"entrant_id": ids[0], "seed": 99})
    assert _order(r.text, ["Team 1", "Team 2", "Team 3", "Team 4"])[-1] == "Team 1"
    for bad in ("0", "x", "-1"):
        r = await page.htmx("POST", f"{url}/seed", data={"entrant_id": ids[0], "seed": bad})
        assert r.status_code == 422 and "seed" in r.text
    assert (await page.get("/static/tournaments/seeding.js")).status_code == 200
    r = await page.htmx("POST", f"{url}/seed", data={"method": "random"})
    assert r.status_code == 200
    r = await page.htmx("POST", f"{url}/seed", data={"move": "sideways", "entrant_id": ids[0]})
    assert r.status_code == 422 and "move up, down" in r.text
    # Manual check-in: three checked in, the fourth is dropped at start.
    for eid in ids[:3]:
        r = await page.htmx("POST", f"{url}/check-in", data={"entrant_id": eid, "checked_in": 1})
        assert r.status_code == 200
    assert "3 checked in" in r.text
    assert re.search(r'id="console-status">registration open<', (await page.get(url)).text)
    r = await page.htmx("POST", f"{url}/start")
    assert r.status_code == 200 and "Waiting to be called" in r.text
    # The heading is in the swapped body: its badge follows the start.
    assert re.search(r'id="console-status">live<', r.text)
    ents = (await api.get(f"/api/v1/tournaments/{t['id']}/entrants")).json()["items"]
    assert {e["name"]: e["status"] for e in ents}["Team 4"] == "dropped"
    r = await page.htmx("POST", f"{url}/seed", data={"method": "random"})
    assert r.status_code == 409  # frozen once started


async def test_console_stations_calls_stream_results(console):
    api, org, page = console["api"], console["org"], console["page"]
    t = await create(api, org, "double_elimination")
    await field_of(api, org, t["id"], 8)
    url = f"/tournaments/{t['id']}/console"
    await page.htmx("POST", f"{url}/start")
    r = await page.htmx("POST", f"{url}/stations", data={"count": 2, "label": "Row A"})
    assert r.status_code == 200 and "Station 2" in r.text and "Row A" in r.text
    ms = await matches(api, t["id"])
    on = [m for m in ms if m["station"]]
    assert len(on) == 2  # auto-call
    waiting = [m for m in ms if m["status"] == "ready"]
    r = await page.htmx("POST", f"{url}/call", data={"match_id": on[0]["id"], "uncall": 1})
    assert r.status_code == 200
    r = await page.htmx("POST", f"{url}/auto-call", data={"enabled": 0})
    assert "Auto-call is <strong>off</strong>" in r.text
    await page.htmx("POST", f"{url}/call", data={"match_id": on[1]["id"], "uncall": 1})
    waiting = [m for m in await matches(api, t["id"]) if m["status"] == "ready"]
    assert len(waiting) == 4
    r = await page.htmx("POST", f"{url}/call", data={"match_id": waiting[0]["id"], "station": 1})
    assert r.status_code == 200
    assert (await api.get(f"/api/v1/matches/{waiting[0]['id']}")).json()["station"] == 1
    r = await page.htmx("POST", f"{url}/call", data={"match_id": waiting[1]["id"], "station": 1})
    assert r.status_code == 409 and "station 1 is in use" in r.text
    for m in waiting[1:3]:
        r = await page.htmx("POST", f"{url}/stream", data={"match_id": m["id"], "op": "add"})
    r = await page.htmx("POST", f"{url}/stream", data={"match_id": waiting[2]["id"], "op": "up"})
    assert r.text.index(f'data-match-id="{waiting[2]["id"]}"', r.text.index("Stream queue")) < \
        r.text.index(f'data-match-id="{waiting[1]["id"]}"', r.text.index("Stream queue"))
    assert "on stream" in r.text
    r = await page.htmx("POST", f"{url}/stream", data={"match_id": waiting[2]["id"],
                                                      "op": "remove"})
    assert r.status_code == 200
    # A match of another tournament is refused.
    other = await create(api, org)
    r = await page.htmx("POST", f"/tournaments/{other['id']}/console/call",
                        data={"match_id": waiting[0]["id"]})
    assert r.status_code == 422
    # Play round one and the winners' round two, then correct a round-one result: the
    # re-flow is listed and the round-two match played by the old winner needs a replay.
    for m in [m for m in await matches(api, t["id"]) if m["round"] == 1 and m["bracket"] == "winners"]:
        w = participants(m)[0]
        r = await page.htmx("POST", f"{url}/result", data={"match_id": m["id"], "winner_id": w,
                                                          "games": ""})
        assert r.status_code == 200, r.text
    first = [m for m in await matches(api, t["id"]) if m["round"] == 1][0]
    a, b = participants(first)
    nxt = [m for m in await matches(api, t["id"]) if a in participants(m)
           and m["status"] in ("ready", "in_progress")][0]
    await page.htmx("POST", f"{url}/result", data={"match_id": nxt["id"], "winner_id": a,
                                                  "games": ""})
    # A correction is asked about first: nothing changes until the organiser says yes.
    r = await page.htmx("POST", f"{url}/result", data={
        "match_id": first["id"], "winner_id": b, "games": "0-2", "reflow": 1})
    assert r.status_code == 200 and 'id="confirm-panel"' in r.text and "Yes, correct it" in r.text
    assert by_key(await matches(api, t["id"]))[first["key"]]["winner_id"] == a
    r = await page.htmx("POST", f"{url}/result", data={
        "match_id": first["id"], "winner_id": b, "games": "0-2", "reflow": 1, "confirm": 1})
    assert r.status_code == 200 and "Re-flowed:" in r.text
    assert "need" in r.text and 'class="result-item replay' in r.text
    assert by_key(await matches(api, t["id"]))[nxt["key"]]["status"] == "needs_replay"
    r = await page.htmx("POST", f"{url}/result", data={"match_id": first["id"],
                                                      "winner_id": a, "games": "2-x"})
    assert r.status_code == 422 and "two scores" in r.text
    # Placings (a lobby's game) in a two-player match: refused by the format, nothing recorded.
    r = await page.htmx("POST", f"{url}/result", data={
        "match_id": first["id"], "winner_id": a, "games": "1-2-3", "reflow": 1, "confirm": 1})
    assert r.status_code == 422 and "two scores" in r.text
    assert by_key(await matches(api, t["id"]))[first["key"]]["winner_id"] == b


async def test_console_settles_a_dispute(console):
    api, org, page = console["api"], console["org"], console["page"]
    t = await create(api, org)
    ps = await players(2, prefix="dis")
    for _u, h in ps:
        await api.post(f"/api/v1/tournaments/{t['id']}/registrations", headers=h)
    await api.post(f"/api/v1/tournaments/{t['id']}/start", headers=org)
    m = (await matches(api, t["id"]))[0]
    ents = (await api.get(f"/api/v1/tournaments/{t['id']}/entrants")).json()["items"]
    head = {e["id"]: dict(ps)[next(u for u, _ in ps if u.id == e["user_id"])] for e in ents}
    a, b = participants(m)
    await api.post(f"/api/v1/matches/{m['id']}/report",
                   json={"winner_id": a, "games": win_games(m, a)}, headers=head[a])
    await api.post(f"/api/v1/matches/{m['id']}/dispute", headers=head[b])
    r = await page.get(f"/tournaments/{t['id']}/console")
    assert "Reported scores to confirm" in r.text and ">disputed<" in r.text
    r = await page.htmx("POST", f"/tournaments/{t['id']}/console/result",
                        data={"match_id": m["id"], "winner_id": b, "games": "0-1"})
    assert r.status_code == 200 and "Reported scores to confirm" not in r.text
    assert (await api.get(f"/api/v1/matches/{m['id']}")).json()["winner_id"] == b


async def test_disqualify_forfeits_every_remaining_match(console):
    api, org, page = console["api"], console["org"], console["page"]
    t = await create(api, org, "double_elimination")
    ids = await field_of(api, org, t["id"], 8)
    await api.post(f"/api/v1/tournaments/{t['id']}/start", headers=org)
    url = f"/tournaments/{t['id']}/console"
    r = await page.htmx("POST", f"{url}/disqualify", data={"entrant_id": ids[0]})
    assert r.status_code == 200 and "Team 1 — disqualified" in r.text
    ms = await matches(api, t["id"])
    theirs = [m for m in ms if ids[0] in participants(m)]
    assert [m["status"] for m in theirs] == ["completed", "pending"]  # W1 lost, L1 waits
    assert theirs[0]["winner_id"] != ids[0]
    # It dropped to the losers bracket and forfeits there as soon as that match is ready:
    # play everything else; the DQ'd entrant never wins and is never left playable.
    while True:
        live = [m for m in await matches(api, t["id"]) if m["status"] in ("ready", "in_progress")]
        if not live:
            break
        assert all(ids[0] not in participants(m) for m in live)
        m = live[0]
        w = participants(m)[0]
        await api.post(f"/api/v1/matches/{m['id']}/result",
                       json={"winner_id": w, "games": win_games(m, w)}, headers=org)
    ms = await matches(api, t["id"])
    assert all(m["winner_id"] != ids[0] for m in ms)
    assert sum(1 for m in ms if ids[0] in participants(m)) == 2  # lost exactly twice
    r = await page.htmx("POST", f"{url}/disqualify", data={"entrant_id": ids[0]})
    assert r.status_code == 409
    r = await api.post(f"/api/v1/tournaments/{t['id']}/entrants/{ids[1]}/disqualify",
                       headers=org)
    assert r.status_code == 200 and r.json()["status"] == "dropped"


async def test_console_needs_the_organiser_role(podium_app, podium_client_factory):
    api = await podium_client_factory(podium_app)
    t = await create(api, await organiser())
    await quick_user("plain", "player")
    pl = await podium_client_factory(podium_app)
    await pl.login("plain", DEFAULT_PASSWORD)
    assert (await pl.get(f"/tournaments/{t['id']}/console")).status_code == 403
    assert (await api.get(f"/tournaments/{t['id']}/console")).status_code in (302, 303, 401)
    assert by_key([]) == {}
