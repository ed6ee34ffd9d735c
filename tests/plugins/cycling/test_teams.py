"""Teams in team events (team sprint, team pursuit, madison): one start-list entry per
team with its registered riders and reserves, results and classification by team, the
console and meet pages, the API; and the organiser's seeding of a start list (ranking
points, typed positions, keirin team-mates spread over the first heats)."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from podium.core.testing import DEFAULT_PASSWORD
from podium.plugins.cycling import teams
from podium.plugins.cycling.tables import TeamMember

from .meet_support import competition, heat, meet_world, save, uci

NATIONS = ["FRA", "GER", "NED", "GBR", "ITA", "ESP", "BEL", "AUS", "JPN"]


def team_body(k: int, size: int = 3, reserves: int = 0) -> dict:
    """Team ``k`` (a nation) with ``size`` riders and ``reserves`` reserves, distinct UCI
    IDs per team."""
    nation = NATIONS[k]
    riders = [{"name": f"{nation} rider {i + 1}", "nation": nation, "uci_id": uci(100 * k + i)}
              for i in range(size + reserves)]
    return {"name": f"Team {nation}", "nation": nation, "members": riders[:size],
            "reserves": riders[size:]}


async def team_event(client, world, discipline="team_sprint", count=8, size=3):
    meet_id = world["meet"]["id"]
    r = await client.post(f"/api/v1/meets/{meet_id}/competitions", json={
        "category": "elite-men", "discipline": discipline}, headers=world["org"])
    assert r.status_code == 201, r.text
    comp = r.json()
    for k in range(count):
        r = await client.post(f"/api/v1/meets/{meet_id}/competitions/{comp['id']}/teams",
                              json=team_body(k, size, reserves=1 if k == 0 else 0),
                              headers=world["org"])
        assert r.status_code == 201, r.text
    return await competition(client, world, comp["id"])


async def test_a_team_sprint_runs_by_team_to_the_medals(podium_client):
    world = await meet_world(podium_client)
    comp = await team_event(podium_client, world)
    assert comp["is_team"] and comp["entries"] == [] and len(comp["teams"]) == 8
    first = comp["teams"][0]
    assert [m["name"] for m in first["members"]] == ["FRA rider 1", "FRA rider 2", "FRA rider 3"]
    assert [m["name"] for m in first["reserves"]] == ["FRA rider 4"]
    # The qualifying's start list is the teams, by name.
    q = heat(comp, "Q")
    assert [r["name"] for r in q["riders"]] == [f"Team {n}" for n in NATIONS[:8]]
    r = await save(podium_client, world, comp, "Q", [
        {"rider_id": s["rider_id"], "time": f"43.{i + 1}00"} for i, s in enumerate(q["riders"])])
    assert r.status_code == 200, r.text
    # Ride every heat as it becomes ready, the better seed faster each time.
    for _ in range(10):
        comp = await competition(podium_client, world, comp["id"])
        ready = [h for h in comp["heats"] if h["ready"]]
        if not ready:
            break
        for h in ready:
            comp = await competition(podium_client, world, comp["id"])
            lines = [{"rider_id": s["rider_id"], "time": f"42.{i + 1}00", "place": i + 1}
                     for i, s in enumerate(h["riders"])]
            r = await save(podium_client, world, comp, h["heat_id"], lines)
            assert r.status_code == 200, r.text
    comp = await competition(podium_client, world, comp["id"])
    assert comp["complete"]
    places = {p["place"]: p["name"] for p in comp["classification"]}
    assert places[1] == "Team FRA" and len(comp["classification"]) == 8
    # The rider's profile shows the team and its place; the meet page shows the teams.
    rider = first["members"][0]["rider"]
    r = await podium_client.get(f"/api/v1/riders/{rider}")
    assert r.status_code == 200, r.text
    mine = [c for c in r.json()["competitions"] if c["team"] == "Team FRA"]
    assert mine and mine[0]["place"] == 1 and not mine[0]["reserve"]
    page = await podium_client.get(f"/meets/{world['meet']['id']}")
    assert page.status_code == 200 and "Team FRA" in page.text and "reserves:" in page.text
    r = await podium_client.get(f"/riders/{first['reserves'][0]['rider']}")
    assert "Team FRA (reserve)" in r.text
    # The screen's latest result is the teams' last heat (teams' results are kept apart).
    screen = await podium_client.get(f"/meets/{world['meet']['id']}/screen?lang=en")
    assert "Latest result · Elite men team sprint" in screen.text


async def test_team_entries_are_checked(podium_client):
    world = await meet_world(podium_client)
    comp = await team_event(podium_client, world, "team_pursuit", count=2, size=4)
    url = f"/api/v1/meets/{world['meet']['id']}/competitions/{comp['id']}"
    # A team pursuit team has four riders.
    r = await podium_client.post(url + "/teams", json=team_body(5, 3), headers=world["org"])
    assert r.status_code == 422 and r.json()["field"] == "members", r.text
    # A rider rides for one team of a competition; a name is entered once.
    clash = team_body(5, 4)
    clash["members"][0] = team_body(0, 4)["members"][1]
    r = await podium_client.post(url + "/teams", json=clash, headers=world["org"])
    assert r.status_code == 409 and r.json()["code"] == "already_entered", r.text
    r = await podium_client.post(url + "/teams", json={**team_body(6, 4), "name": "team fra"},
                                 headers=world["org"])
    assert r.status_code == 409, r.text
    # Riders are not entered one by one in a team event; a fan enters nothing.
    r = await podium_client.post(url + "/entries", json={"riders": [{"name": "Solo"}]},
                                 headers=world["org"])
    assert r.status_code == 422, r.text
    r = await podium_client.post(url + "/teams", json=team_body(7, 4), headers=world["fan"])
    assert r.status_code == 403
    assert len((await competition(podium_client, world, comp["id"]))["teams"]) == 2
    # Withdraw, then the list; a team of another competition is not found.
    team_id = comp["teams"][1]["id"]
    r = await podium_client.delete(f"{url}/teams/{team_id}", headers=world["org"])
    assert r.status_code == 200 and [t["name"] for t in r.json()] == ["Team FRA"]
    r = await podium_client.delete(f"{url}/teams/{team_id}", headers=world["org"])
    assert r.status_code == 404
    r = await podium_client.get(url + "/teams")
    assert r.status_code == 200 and len(r.json()) == 1


async def test_concurrent_entries_put_a_rider_in_one_team_only(podium_live_server):
    async with httpx.AsyncClient(base_url=podium_live_server.url, timeout=60) as client:
        world = await meet_world(client)
        comp = await team_event(client, world, "madison", count=0, size=2)
        url = f"/api/v1/meets/{world['meet']['id']}/competitions/{comp['id']}/teams"
        shared = team_body(0, 2)["members"][0]
        bodies = []
        for k in range(1, 7):
            body = team_body(k, 2)
            body["members"][0] = shared
            bodies.append(body)
        responses = await asyncio.gather(*[client.post(url, json=b, headers=world["org"])
                                           for b in bodies])
        codes = sorted(r.status_code for r in responses)
        assert codes == [201] + [409] * 5, [r.text for r in responses]
        assert len(await TeamMember.select().where(TeamMember.reserve == False)) == 2  # noqa: E712


async def test_without_the_check_a_rider_lands_in_two_teams(podium_client, monkeypatch):
    """Negative control: with the in-transaction re-check disabled, concurrent entries all
    succeed and one rider rides for several teams."""
    world = await meet_world(podium_client)
    comp = await team_event(podium_client, world, "madison", count=0, size=2)
    shared = team_body(0, 2)["members"][0]

    async def nobody(team_ids, riders):
        return None

    monkeypatch.setattr(teams, "_rider_taken", nobody)

    async def enter(k):
        body = team_body(k, 2)
        body["members"][0] = shared
        return await teams.enter_team(comp["id"], body)

    outcomes = await asyncio.gather(*[enter(k) for k in range(1, 4)], return_exceptions=True)
    assert all(isinstance(o, dict) for o in outcomes)
    rows = await TeamMember.select(TeamMember.rider)
    assert max(sum(1 for r in rows if r["rider"] == x["rider"]) for x in rows) == 3


async def test_the_console_enters_teams_and_seeds_them(podium_client):
    world = await meet_world(podium_client)
    comp = await team_event(podium_client, world, "madison", count=2, size=2)
    await podium_client.login("olga", DEFAULT_PASSWORD)
    base = f"/meets/{world['meet']['id']}/console"
    r = await podium_client.form_post(base + "/teams", {
        "competition_id": comp["id"], "name": "Club Roubaix", "club": "VC Roubaix",
        "members": "Ana Roue, FRA\nBen Piste, FRA", "reserves": "Carl Banc, FRA"})
    assert r.status_code in (200, 303), r.text
    page = await podium_client.get(base)
    assert "Club Roubaix" in page.text and "Carl Banc" in page.text
    r = await podium_client.form_post(base + "/teams", {
        "competition_id": comp["id"], "name": "Short", "members": "Only One, FRA"})
    assert r.status_code == 422 and "exactly 2 members" in r.text
    comp = await competition(podium_client, world, comp["id"])
    ids = [t["id"] for t in comp["teams"]]
    r = await podium_client.form_post(base + "/seeding", {
        "competition_id": comp["id"], "order": "points",
        **{f"points_{i}": str(p) for i, p in zip(ids, [5, 40, 12])}})
    assert r.status_code in (200, 303), r.text
    comp = await competition(podium_client, world, comp["id"])
    assert [t["id"] for t in comp["teams"]] == [ids[1], ids[2], ids[0]]
    assert [t["ranking_points"] for t in comp["teams"]] == [40, 12, 5]


async def _login(client, world):
    await client.login("olga", DEFAULT_PASSWORD)
    return f"/meets/{world['meet']['id']}/console"


async def test_the_console_seeds_riders_by_positions_and_points(podium_client):
    from .meet_support import sprint

    world = await meet_world(podium_client)
    comp = await sprint(podium_client, world, 8)
    base = await _login(podium_client, world)
    riders = [e["rider"] for e in comp["entries"]]
    page = await podium_client.get(base)
    assert "Seeding" in page.text and f'name="position_{riders[0]}"' in page.text
    # Typed positions: the last rider to the front, the rest keep their order.
    r = await podium_client.form_post(base + "/seeding", {
        "competition_id": comp["id"], "order": "positions", f"position_{riders[-1]}": "1",
        **{f"position_{x}": str(i + 2) for i, x in enumerate(riders[:-1])}})
    assert r.status_code in (200, 303), r.text
    comp = await competition(podium_client, world, comp["id"])
    assert [e["rider"] for e in comp["entries"]] == [riders[-1]] + riders[:-1]
    # Ranking points: most first, riders without points after, in their order.
    points = {riders[2]: 300, riders[5]: 900}
    r = await podium_client.form_post(base + "/seeding", {
        "competition_id": comp["id"], "order": "points",
        **{f"points_{x}": str(p) for x, p in points.items()}})
    assert r.status_code in (200, 303), r.text
    comp = await competition(podium_client, world, comp["id"])
    order = [e["rider"] for e in comp["entries"]]
    assert order[:2] == [riders[5], riders[2]]
    assert order[2:] == [x for x in [riders[-1]] + riders[:-1] if x not in points]
    # Bad input changes nothing.
    r = await podium_client.form_post(base + "/seeding", {
        "competition_id": comp["id"], "order": "points", f"points_{riders[0]}": "many"})
    assert r.status_code == 422
    assert [e["rider"] for e in (await competition(podium_client, world, comp["id"]))[
        "entries"]] == order


async def test_keirin_seeding_spreads_team_mates_over_the_first_heats(podium_client):
    world = await meet_world(podium_client)
    meet_id = world["meet"]["id"]
    r = await podium_client.post(f"/api/v1/meets/{meet_id}/competitions", json={
        "category": "elite-men", "discipline": "keirin"}, headers=world["org"])
    comp = r.json()
    # 12 riders, two per nation, ranked so that the serpentine alone (A: 1, 4, 5, 8, 9,
    # 12; B: 2, 3, 6, 7, 10, 11) puts both riders of FRA, ESP, NED and GBR in one heat.
    order = ["FRA", "GER", "NED", "FRA", "GER", "NED", "GBR", "ITA", "ESP", "GBR", "ITA", "ESP"]
    body = {"riders": [{"name": f"K{i}", "nation": n, "uci_id": uci(500 + i)}
                       for i, n in enumerate(order)]}
    r = await podium_client.post(f"/api/v1/meets/{meet_id}/competitions/{comp['id']}/entries",
                                 json=body, headers=world["org"])
    assert r.status_code == 201, r.text
    entries = r.json()
    points = {str(e["rider"]): 1000 - i for i, e in enumerate(entries)}
    url = f"/api/v1/meets/{meet_id}/competitions/{comp['id']}/seeding/points"
    r = await podium_client.put(url, json={"points": points, "spread": True}, headers=world["org"])
    assert r.status_code == 200, r.text
    comp = await competition(podium_client, world, comp["id"])
    assert comp["table"] == "uci-keirin-12-14"
    nation = {e["rider"]: e["nation"] for e in comp["entries"]}
    first = [h for h in comp["heats"] if h["phase_id"] == "R1"]
    for h in first:
        nations = [nation[r["rider_id"]] for r in h["riders"] if r["rider_id"]]
        assert len(nations) == len(set(nations)), nations
    # Control: by points alone, team-mates share first-round heats.
    r = await podium_client.put(url, json={"points": points}, headers=world["org"])
    comp = await competition(podium_client, world, comp["id"])
    heat_a = [nation[r["rider_id"]] for r in comp["heats"][0]["riders"] if r["rider_id"]]
    assert len(heat_a) != len(set(heat_a))


@pytest.mark.parametrize("discipline", ["team_sprint", "team_pursuit", "madison"])
def test_team_sizes_follow_the_discipline(discipline):
    size = teams.TEAM_SIZES[discipline]
    ok = teams.check_team(discipline, team_body(0, size, reserves=2))
    assert len(ok["members"]) == size and len(ok["reserves"]) == 2
    from podium.core.errors import InvalidInput

    with pytest.raises(InvalidInput):
        teams.check_team(discipline, team_body(0, size + 1))
    with pytest.raises(InvalidInput):
        teams.check_team(discipline, team_body(0, size, reserves=3))
    with pytest.raises(InvalidInput):
        teams.check_team("keirin", team_body(0, size))


async def test_the_meet_pages_speak_french(podium_client):
    """The venue is a French velodrome: ?lang=fr shows the cycling words in French (the
    matchups too: « 1 contre 8 »)."""
    from .meet_support import sprint

    world = await meet_world(podium_client)
    await sprint(podium_client, world, 8, discipline="keirin")
    await team_event(podium_client, world, "team_pursuit", count=2, size=4)
    await team_event(podium_client, world, "team_sprint", count=8, size=3)
    page = await podium_client.get(f"/meets/{world['meet']['id']}?lang=fr")
    assert page.status_code == 200
    text = page.text
    assert "inscriptions" in text and "Équipes (2)" in text and "Liste de départ (8)" in text
    assert "Le programme n’est pas encore publié." in text
    await podium_client.login("olga", DEFAULT_PASSWORD)
    console = (await podium_client.get(f"/meets/{world['meet']['id']}/console?lang=fr")).text
    assert "poursuite par équipes" in console and "Ordre des têtes de série" in console
    assert "Série 1" in console or "Finale" in console
    # The team sprint's first round: seeds against seeds, "1 contre 8" in French.
    assert "1 contre 8" in console and "1 v 8" not in console
    english = (await podium_client.get(f"/meets/{world['meet']['id']}/console?lang=en")).text
    assert "Seeding" in english and "team pursuit" in english and "1 v 8" in english


async def test_every_shipped_round_and_matchup_has_its_french(podium_client):
    """The names the shipped tables give rounds and contests ("Quarter-finals", "Heat 3",
    "1 v 8") all read in French (the app's catalogues: ``podium_client`` loads them)."""
    from podium.core.i18n import use_locale
    from podium.plugins.cycling.progression import all_tables
    from podium.plugins.cycling.terms import heat_label

    names = {n for table in all_tables() for phase in table.phases
             for n in [phase.name, *(c.name for c in phase.contests if c.name)]}
    assert "1 v 8" in names and "Quarter-finals" in names
    with use_locale("fr"):
        assert not sorted(n for n in names if heat_label(n) == n)
        assert heat_label("First round, 1 v 8, race 2") == "Premier tour, 1 contre 8, manche 2"
