"""An organiser runs a tournament from the pages: the tournament form (create with the
format's own options and stations, edit, delete before the start, archive after), the API's
PATCH and DELETE, entrants added by name or by a pasted list (all or nothing), the queue of
reported scores (one-click accept, including reports nobody can confirm), the next round of
a Swiss, the result form that records nothing nobody chose (no default winner, corrections
and undo asked about first), reset before any result, disqualification only of entrants in
play (and last in the standings), and check-in buttons only while check-in is open."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

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
from podium.core.outbox.tables import OutboxEvent
from podium.core.testing import DEFAULT_PASSWORD
from podium.tournaments.tables import Entrant, ResultLog, Station, Tournament


@pytest.fixture
async def console(podium_app, podium_client_factory):
    """An API client with organiser headers and a signed-in organiser's page client."""
    api, org, page = await organiser_clients(podium_app, podium_client_factory)
    return {"api": api, "org": org, "page": page}


async def _events(kind: str, tid: int) -> list[dict]:
    """Outbox events of a type about one tournament."""
    rows = await OutboxEvent.select().where(OutboxEvent.type.like(f"%{kind}%"))
    return [r for r in rows if f'"tournament_id":{tid}' in r["payload"].replace(" ", "")]


# ----------------------------------------------------------------- the tournament form


async def test_create_edit_and_delete_from_the_pages(console):
    api, org, page = console["api"], console["org"], console["page"]
    r = await page.get("/tournaments/new")
    assert r.status_code == 200 and 'name="format"' in r.text
    # The options are the format's own: Swiss shows its rounds and best-of.
    r = await page.htmx("GET", "/tournaments/form-options?format=swiss")
    assert 'name="opt_rounds"' in r.text and 'name="opt_best_of"' in r.text
    r = await page.htmx("GET", "/tournaments/form-options?format=single_elimination")
    assert 'name="opt_third_place"' in r.text and 'name="opt_rounds"' not in r.text
    # A refusal keeps what was typed and names the problem; nothing is created.
    r = await page.form_post("/tournaments/new", {
        "name": "Friday Cup", "game": "", "format": "single_elimination", "team_size": "1"})
    assert r.status_code == 422 and "game is required" in r.text and "Friday Cup" in r.text
    assert await Tournament.count() == 0
    r = await page.form_post("/tournaments/new", {
        "name": "Friday Cup", "game": "Tekken 8", "format": "single_elimination",
        "opt_third_place__shown": "1", "opt_third_place": "1", "opt_best_of": "3",
        "capacity": "8", "team_size": "1", "seeding": "manual", "status": "registration",
        "checkin_opens": "2030-05-01T18:00", "checkin_closes": "2030-05-01T18:45",
        "stations": "4", "auto_call": "1"})
    assert r.status_code == 303, r.text
    tid = int(r.headers["location"].split("/")[2])
    t = (await api.get(f"/api/v1/tournaments/{tid}")).json()
    assert (t["name"], t["game"], t["capacity"]) == ("Friday Cup", "Tekken 8", 8)
    assert t["options"]["third_place"] is True and t["options"]["best_of"] == 3
    # Typed in the venue's time (Paris, summer: UTC+2).
    assert t["checkin_opens"].startswith("2030-05-01T16:00")
    assert await Station.count().where(Station.tournament == tid) == 4
    assert await _events("TournamentChanged", tid)
    # Edit: the form shows the stored values; a change is saved.
    r = await page.get(f"/tournaments/{tid}/edit")
    assert r.status_code == 200 and 'value="Friday Cup"' in r.text and "2030-05-01T18:00" in r.text
    r = await page.form_post(f"/tournaments/{tid}/edit", {
        "name": "Friday Night Cup", "game": "Tekken 8", "format": "single_elimination",
        "opt_third_place__shown": "1", "opt_best_of": "1", "capacity": "16",
        "team_size": "1", "seeding": "random", "status": "registration"})
    assert r.status_code == 303
    t = (await api.get(f"/api/v1/tournaments/{tid}")).json()
    assert (t["name"], t["capacity"], t["seeding"]) == ("Friday Night Cup", 16, "random")
    assert t["options"]["third_place"] is False and t["checkin_opens"] is None
    # Delete asks first, then deletes (nothing was played).
    r = await page.form_post(f"/tournaments/{tid}/delete")
    assert r.status_code == 200 and "Yes, delete it" in r.text
    assert (await api.get(f"/api/v1/tournaments/{tid}")).status_code == 200
    r = await page.form_post(f"/tournaments/{tid}/delete", {"confirm": "1"})
    assert r.status_code == 303 and r.headers["location"] == "/tournaments"
    assert (await api.get(f"/api/v1/tournaments/{tid}")).status_code == 404


async def test_started_tournament_is_edited_within_limits_and_archived(console):
    api, org, page = console["api"], console["org"], console["page"]
    t = await create(api, org, capacity=8)
    tid = t["id"]
    url = f"/api/v1/tournaments/{tid}"
    await field_of(api, org, tid, 4)
    r = await api.patch(url, json={"capacity": 3}, headers=org)
    assert r.status_code == 409 and r.json()["code"] == "capacity_below_field"
    r = await api.patch(url, json={"capacity": None, "name": "Clash II"}, headers=org)
    assert r.status_code == 200 and r.json()["capacity"] is None
    r = await api.patch(url, json={"nam": "x"}, headers=org)
    assert r.status_code == 400
    r = await api.patch(url, json={"options": {"third_place": "maybe"}}, headers=org)
    assert r.status_code == 422 and "third_place" in r.json()["detail"]
    assert (await api.patch(url, json={"name": "x"})).status_code == 401
    await api.post(f"{url}/start", headers=org)
    r = await api.patch(url, json={"format": "double_elimination"}, headers=org)
    assert r.status_code == 409 and r.json()["code"] == "started"
    r = await api.patch(url, json={"name": "Clash III", "game": "RL"}, headers=org)
    assert r.status_code == 200 and r.json()["name"] == "Clash III"
    # The page form of a started tournament hides the frozen fields and saves the rest.
    r = await page.get(f"/tournaments/{tid}/edit")
    assert "frozen" in r.text and 'name="capacity"' not in r.text and "Archive" in r.text
    r = await page.form_post(f"/tournaments/{tid}/edit", {"name": "Clash IV", "game": "RL"})
    assert r.status_code == 303
    assert (await api.get(url)).json()["name"] == "Clash IV"
    # DELETE after the start archives: the results stay, it leaves the list, no more writes.
    r = await api.delete(url, headers=org)
    assert r.status_code == 200 and r.json() == {"id": tid, "outcome": "archived"}
    assert (await api.get(url)).json()["archived_at"] is not None
    assert tid not in [x["id"] for x in (await api.get("/api/v1/tournaments")).json()["items"]]
    m = (await matches(api, tid))[0]
    w = participants(m)[0]
    r = await api.post(f"/api/v1/matches/{m['id']}/result",
                       json={"winner_id": w, "games": win_games(m, w)}, headers=org)
    assert r.status_code == 409 and r.json()["code"] == "archived"
    assert (await api.delete(url, headers=org)).json()["code"] == "archived"
    # Its console says so rather than look live.
    console_page = (await page.get(f"/tournaments/{tid}/console")).text
    assert 'id="console-status">archived<' in console_page
    assert "it takes no more changes" in console_page


# ----------------------------------------------------------------- entrants on the console


async def test_add_entrants_one_by_one_and_by_paste(console):
    api, org, page = console["api"], console["org"], console["page"]
    t = await create(api, org, capacity=8)
    url = f"/tournaments/{t['id']}/console"
    r = await page.htmx("POST", f"{url}/entrants", data={"name": "Ada", "seed": ""})
    assert r.status_code == 200 and "<td>Ada" in r.text
    # One bad line: nothing is added, each bad line is named, the list is kept to fix.
    text = "Grace, 1\nLinus, x\nAda\nKen"
    r = await page.htmx("POST", f"{url}/entrants/paste", data={"entrants": text})
    assert r.status_code == 422
    assert "line 2: the seed must be a whole number" in r.text
    assert "Ada is already in the field" in r.text and "Grace, 1" in r.text
    assert await Entrant.count().where(Entrant.tournament == t["id"]) == 1
    # More than the places left: nothing is added.
    many = "\n".join(f"P{i}" for i in range(8))
    r = await page.htmx("POST", f"{url}/entrants/paste", data={"entrants": many})
    assert r.status_code == 409 and "7 places left" in r.text
    assert await Entrant.count().where(Entrant.tournament == t["id"]) == 1
    r = await page.htmx("POST", f"{url}/entrants/paste",
                        data={"entrants": "Grace, 1\n\nLinus\nKen\tx2\n"})
    assert r.status_code == 422 and "line 4" in r.text
    r = await page.htmx("POST", f"{url}/entrants/paste", data={"entrants": "Grace, 1\nLinus\nKen"})
    assert r.status_code == 200
    seeds = {e["name"]: e["seed"] for e in
             (await api.get(f"/api/v1/tournaments/{t['id']}/entrants")).json()["items"]}
    assert seeds == {"Grace": 1, "Ada": 2, "Linus": 3, "Ken": 4}
    # Without JavaScript: post and redirect.
    r = await page.form_post(f"{url}/entrants", {"name": "Zoe"})
    assert r.status_code == 303


async def test_check_in_buttons_only_while_check_in_is_open(console):
    api, org, page = console["api"], console["org"], console["page"]
    later = datetime.now(timezone.utc) + timedelta(days=2)
    t = await create(api, org, checkin_opens=later.isoformat())
    await field_of(api, org, t["id"], 2)
    r = await page.get(f"/tournaments/{t['id']}/console")
    assert "Check-in opens" in r.text and ">Check in<" not in r.text
    # The player's own entry says when, instead of a button that would be refused.
    [(user, headers)] = await players(1, prefix="ci")
    assert (await api.post(f"/api/v1/tournaments/{t['id']}/registrations",
                           headers=headers)).status_code == 201
    await page.logout()
    await page.login(user.username, DEFAULT_PASSWORD)
    r = await page.get(f"/tournaments/{t['id']}/my-entry")
    assert 'id="checkin-when"' in r.text and "Check-in opens" in r.text
    assert ">Check in<" not in r.text
    await page.logout()
    await page.login("conny", DEFAULT_PASSWORD)
    r = await api.patch(f"/api/v1/tournaments/{t['id']}", headers=org, json={
        "checkin_opens": (datetime.now(timezone.utc) - timedelta(minutes=1)).isoformat()})
    assert r.status_code == 200
    r = await page.get(f"/tournaments/{t['id']}/console")
    assert "Check-in is open" in r.text and ">Check in<" in r.text


# ----------------------------------------------------------------- results


async def test_queue_accepts_a_report_nobody_else_can_confirm(console, podium_app,
                                                              podium_client_factory):
    api, org, page = console["api"], console["org"], console["page"]
    t = await create(api, org)
    [(user, headers)] = await players(1, prefix="q")
    r = await api.post(f"/api/v1/tournaments/{t['id']}/registrations", headers=headers)
    mine = r.json()["id"]
    await api.post(f"/api/v1/tournaments/{t['id']}/entrants", json={"name": "Walk-in"},
                   headers=org)
    await api.post(f"/api/v1/tournaments/{t['id']}/start", headers=org)
    m = (await matches(api, t["id"]))[0]
    await api.post(f"/api/v1/matches/{m['id']}/report",
                   json={"winner_id": mine, "games": [[3, 1]] if participants(m)[0] == mine
                         else [[1, 3]]}, headers=headers)
    # The reporter is told who will accept it, not to wait for an opponent who cannot.
    player_page = await podium_client_factory(podium_app)
    await player_page.login(user.username, DEFAULT_PASSWORD)
    mine_page = (await player_page.get("/me/matches")).text
    assert "an organiser will accept your report" in mine_page
    assert "Waiting for your opponent" not in mine_page
    url = f"/tournaments/{t['id']}/console"
    r = await page.get(url)
    assert "Reported scores to confirm (1)" in r.text and "opponent has no account" in r.text
    report_id = (await api.get(f"/api/v1/matches/{m['id']}")).json()["report"]["id"]
    r = await page.htmx("POST", f"{url}/reports/accept",
                        data={"match_id": m["id"], "report_id": report_id})
    assert r.status_code == 200 and "Reported scores to confirm" not in r.text
    done = (await api.get(f"/api/v1/matches/{m['id']}")).json()
    assert done["status"] == "completed" and done["winner_id"] == mine
    # A second accept (another organiser, a stale page) is told, and changes nothing.
    r = await page.htmx("POST", f"{url}/reports/accept",
                        data={"match_id": m["id"], "report_id": report_id})
    assert r.status_code == 409 and "answered already" in r.text
    assert await ResultLog.count().where(ResultLog.tournament == t["id"]) == 1


async def test_result_form_records_only_what_was_chosen_and_undo(console):
    api, org, page = console["api"], console["org"], console["page"]
    t = await create(api, org)
    ids = await field_of(api, org, t["id"], 4)
    url = f"/tournaments/{t['id']}/console"
    await page.htmx("POST", f"{url}/start")
    r = await page.get(url)
    assert '<option value="" selected>— choose —</option>' in r.text
    assert "Reset (undo the start)" in r.text
    m = [m for m in await matches(api, t["id"]) if m["round"] == 1][0]
    a, b = participants(m)
    r = await page.htmx("POST", f"{url}/result", data={"match_id": m["id"], "winner_id": "",
                                                      "games": "2-0"})
    assert r.status_code == 422 and "choose the winner" in r.text
    assert await ResultLog.count() == 0
    # Scores that contradict the winner: refused, with no id in the reason, and the form
    # comes back as it was typed.
    first_side = participants(m)[0]
    r = await page.htmx("POST", f"{url}/result", data={"match_id": m["id"],
                                                      "winner_id": first_side, "games": "0-2"})
    assert r.status_code == 422 and "for the chosen winner" in r.text
    assert f"for {first_side}," not in r.text
    typed = r.text.split(f'result-form" data-match-id="{m["id"]}"', 1)[1].split("</form>", 1)[0]
    assert f'<option value="{first_side}" selected>' in typed and 'value="0-2"' in typed
    assert await ResultLog.count() == 0
    # Reset before any result: back to registration, seed again, start again.
    r = await page.htmx("POST", f"{url}/reset")
    assert "Yes, reset it" in r.text and (await api.get(
        f"/api/v1/tournaments/{t['id']}")).json()["status"] == "running"
    r = await page.htmx("POST", f"{url}/reset", data={"confirm": 1})
    assert r.status_code == 200 and "Check-in and seeding" in r.text
    assert (await api.get(f"/api/v1/tournaments/{t['id']}")).json()["status"] == "registration"
    assert await matches(api, t["id"]) == []
    await page.htmx("POST", f"{url}/start")
    m = [m for m in await matches(api, t["id"]) if m["round"] == 1][0]
    a, b = participants(m)
    r = await page.htmx("POST", f"{url}/result", data={"match_id": m["id"], "winner_id": a,
                                                      "games": "2-0"})
    assert r.status_code == 200
    r = await api.post(f"/api/v1/tournaments/{t['id']}/reset", headers=org)
    assert r.status_code == 409 and r.json()["code"] == "has_results"
    assert "Reset (undo the start)" not in (await page.get(url)).text
    # Undo (re-open) is asked about, then the match is playable again.
    r = await page.htmx("POST", f"{url}/reopen", data={"match_id": m["id"]})
    assert "Yes, re-open it" in r.text
    assert by_key(await matches(api, t["id"]))[m["key"]]["status"] == "completed"
    r = await page.htmx("POST", f"{url}/reopen", data={"match_id": m["id"], "confirm": 1})
    assert r.status_code == 200
    again = by_key(await matches(api, t["id"]))[m["key"]]
    assert again["status"] in ("ready", "in_progress") and again["winner_id"] is None
    r = await api.post(f"/api/v1/matches/{m['id']}/reopen", headers=org)
    assert r.status_code == 409 and r.json()["code"] == "no_result"
    # A double forfeit is a choice too ("nobody").
    r = await page.htmx("POST", f"{url}/result", data={"match_id": m["id"],
                                                      "winner_id": "none"})
    assert r.status_code == 200
    assert by_key(await matches(api, t["id"]))[m["key"]]["winner_id"] is None
    assert ids  # the field


async def test_swiss_of_seven_is_paired_round_by_round_from_the_console(console):
    api, org, page = console["api"], console["org"], console["page"]
    t = await create(api, org, "swiss", options={"rounds": 3})
    await field_of(api, org, t["id"], 7)
    url = f"/tournaments/{t['id']}/console"
    await page.htmx("POST", f"{url}/start")
    for round_no in (1, 2, 3):
        r = await page.get(url)
        assert f"Round {round_no}" in r.text and "Pair round" not in r.text
        for m in [m for m in await matches(api, t["id"]) if m["status"] not in
                  ("completed", "skipped")]:
            w = participants(m)[0]
            r = await page.htmx("POST", f"{url}/result", data={"match_id": m["id"],
                                                              "winner_id": w})
            assert r.status_code == 200, r.text
        if round_no < 3:
            assert f"Pair round {round_no + 1}" in r.text
            r = await page.htmx("POST", f"{url}/next-round")
            assert r.status_code == 200 and f"Round {round_no + 1}" in r.text
            # A result the next round was paired from is corrected, never re-opened: the
            # console offers "Re-open" only on the current round's results.
            done = [m for m in await matches(api, t["id"]) if m["status"] == "completed"]
            reopenable = r.text.count('action="/tournaments/%d/console/reopen"' % t["id"])
            assert reopenable == sum(1 for m in done if m["round"] == round_no + 1)
    assert (await api.get(f"/api/v1/tournaments/{t['id']}")).json()["status"] == "finished"
    assert "Pair round" not in (await page.get(url)).text


async def test_disqualify_only_in_play_and_last_in_standings(console):
    api, org, page = console["api"], console["org"], console["page"]
    t = await create(api, org, "swiss", options={"rounds": 3})
    ids = await field_of(api, org, t["id"], 4)
    url = f"/tournaments/{t['id']}/console"
    await page.htmx("POST", f"{url}/start")
    for m in await matches(api, t["id"]):
        if m["status"] != "completed":
            await page.htmx("POST", f"{url}/result", data={"match_id": m["id"],
                                                          "winner_id": participants(m)[0]})
    top = (await api.get(f"/api/v1/tournaments/{t['id']}/standings")).json()["items"][0]
    r = await page.htmx("POST", f"{url}/disqualify", data={"entrant_id": top["entrant_id"]})
    assert r.status_code == 200
    rows = (await api.get(f"/api/v1/tournaments/{t['id']}/standings")).json()["items"]
    assert rows[-1]["entrant_id"] == top["entrant_id"]
    assert rows[-1]["status"] == "disqualified" and rows[-1]["rank"] == len(ids)
    assert "— disqualified" in r.text


async def test_disqualify_is_not_offered_to_eliminated_entrants(console):
    api, org, page = console["api"], console["org"], console["page"]
    t = await create(api, org)
    ids = await field_of(api, org, t["id"], 4)
    url = f"/tournaments/{t['id']}/console"
    await page.htmx("POST", f"{url}/start")
    m = [m for m in await matches(api, t["id"]) if m["round"] == 1][0]
    a, b = participants(m)
    await page.htmx("POST", f"{url}/result", data={"match_id": m["id"], "winner_id": a})
    r = await page.get(url)
    section = r.text[r.text.index('id="entrants"'):]
    loser = [e for e in (await api.get(f"/api/v1/tournaments/{t['id']}/entrants")).json()[
        "items"] if e["id"] == b][0]
    row = section[section.index(f". {loser['name']}"):].split("</li>")[0]
    assert "Disqualify" not in row and "eliminated" in row
    r = await page.htmx("POST", f"{url}/disqualify", data={"entrant_id": b})
    assert r.status_code == 409 and "no longer in play" in r.text
    assert len(ids) == 4


async def test_every_result_form_asks_a_lobby_for_placings(console):
    """A free-for-all lobby's result is every player's place per game: the console, the
    tournament page's organiser form (and the players' report form, the same field) ask
    for placings, two-player matches for scores."""
    api, org, page = console["api"], console["org"], console["page"]
    lobby = await create(api, org, "free_for_all", options={"lobby_size": 4, "advance": 2})
    duel = await create(api, org, "single_elimination")
    for t in (lobby, duel):
        await field_of(api, org, t["id"], 8)
        r = await api.post(f"/api/v1/tournaments/{t['id']}/start", headers=org)
        assert r.status_code == 200, r.text
    for url in (f"/tournaments/{lobby['id']}", f"/tournaments/{lobby['id']}/console"):
        text = (await page.get(url)).text
        assert "Placings (1 game)" in text and 'placeholder="1-2-3-4"' in text, url
        assert 'placeholder="2-1, 0-2"' not in text, url
    for url in (f"/tournaments/{duel['id']}", f"/tournaments/{duel['id']}/console"):
        text = (await page.get(url)).text
        assert "Placings" not in text and 'placeholder="2-1, 0-2"' in text, url


async def test_a_draw_is_recorded_from_the_console_where_the_format_allows_it(console):
    """Swiss allows draws: the console's result form offers "draw", recorded as no winner
    without a forfeit (half a point each); a knockout's form does not offer it."""
    api, org, page = console["api"], console["org"], console["page"]
    t = await create(api, org, "swiss")
    await field_of(api, org, t["id"], 4)
    url = f"/tournaments/{t['id']}/console"
    await page.htmx("POST", f"{url}/start")
    body = (await page.get(url)).text
    assert '<option value="draw">draw (no winner)</option>' in body
    m = [m for m in await matches(api, t["id"]) if m["round"] == 1][0]
    r = await page.htmx("POST", f"{url}/result", data={"match_id": m["id"], "winner_id": "draw",
                                                      "games": ""})
    assert r.status_code == 200, r.text
    played = (await api.get(f"/api/v1/matches/{m['id']}")).json()
    assert played["status"] == "completed" and played["winner_id"] is None
    rows = (await api.get(f"/api/v1/tournaments/{t['id']}/standings")).json()["items"]
    drawn = [row for row in rows if row["entrant_id"] in participants(m)]
    assert [row["draws"] for row in drawn] == [1, 1]
    knockout = await create(api, org)
    await field_of(api, org, knockout["id"], 4)
    await page.htmx("POST", f"/tournaments/{knockout['id']}/console/start")
    assert 'value="draw"' not in (await page.get(f"/tournaments/{knockout['id']}/console")).text


async def test_adding_a_name_already_in_the_field_is_refused(console):
    """One by name, like a pasted list: a name already in the field (in any case, spaces
    trimmed) is refused and nothing is added."""
    api, org, page = console["api"], console["org"], console["page"]
    t = await create(api, org)
    url = f"/tournaments/{t['id']}/console"
    r = await page.htmx("POST", f"{url}/entrants", data={"name": "Grace"})
    assert r.status_code == 200
    for again in ("Grace", " grace "):
        r = await page.htmx("POST", f"{url}/entrants", data={"name": again})
        assert r.status_code == 409 and "is already in the field" in r.text
    r = await api.post(f"/api/v1/tournaments/{t['id']}/entrants", headers=org,
                       json={"name": "GRACE"})
    assert r.status_code == 409 and r.json()["code"] == "name_taken"
    names = [e["name"] for e in
             (await api.get(f"/api/v1/tournaments/{t['id']}/entrants")).json()["items"]]
    assert names == ["Grace"]


async def test_a_disqualified_player_leaves_the_lobbies_not_yet_played(console):
    """Free-for-all: a disqualification redraws the lobby the entrant had not played (no
    forfeit touches a lobby, so the disqualification itself rewrites its row); the lobby is
    then decided without them, and they rank last."""
    api, org, page = console["api"], console["org"], console["page"]
    t = await create(api, org, "free_for_all", options={"lobby_size": 4, "advance": 2})
    ids = await field_of(api, org, t["id"], 8)
    url = f"/tournaments/{t['id']}/console"
    assert (await page.htmx("POST", f"{url}/start")).status_code == 200
    gone = ids[0]
    lobby = next(m for m in await matches(api, t["id"]) if gone in participants(m))
    r = await page.htmx("POST", f"{url}/disqualify", data={"entrant_id": gone})
    assert r.status_code == 200, r.text
    assert not any(gone in participants(m) for m in await matches(api, t["id"]))
    redrawn = (await api.get(f"/api/v1/matches/{lobby['id']}")).json()
    assert len(participants(redrawn)) == 3
    # The console's form for that lobby lists three players, and takes three placings.
    r = await page.htmx("POST", f"{url}/result", data={
        "match_id": lobby["id"], "winner_id": participants(redrawn)[0], "games": "1-2-3"})
    assert r.status_code == 200, r.text
    assert (await api.get(f"/api/v1/matches/{lobby['id']}")).json()["status"] == "completed"
    rows = (await api.get(f"/api/v1/tournaments/{t['id']}/standings")).json()["items"]
    assert rows[-1]["entrant_id"] == gone and rows[-1]["status"] == "disqualified"


async def test_a_missing_field_is_refused_in_french(podium_client):
    """The shared field checks (podium.core.validation) speak the visitor's language."""
    c, org = podium_client, await organiser()
    r = await c.post("/api/v1/tournaments", headers={**org, "Accept-Language": "fr"}, json={
        "name": "Coupe du vendredi", "game": "  ", "format": "single_elimination"})
    assert r.status_code == 422 and "game est obligatoire" in r.json()["detail"]
