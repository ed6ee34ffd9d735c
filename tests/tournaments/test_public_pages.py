"""The public tournament pages of issue 9: the tournament's date and its event (and back),
named rounds with connectors, bye cards hidden, standings that explain the order, the
champion banner, no sign-in link once registration is closed, My matches' next match, the
home page's live tournaments, the favicon and a profile without μ/σ."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from podium.core.testing import DEFAULT_PASSWORD
from podium.tests.core.test_venue_support import quick_user
from podium.tests.ticketing.support import ticketed_event
from podium.tests.tournaments.support import (
    create,
    field_of,
    matches,
    organiser,
    participants,
    win_games,
)


async def _play_all(c, org, tid, limit=10_000):
    """Play matches (the first slot wins) until none is ready, at most ``limit``."""
    for _ in range(limit):
        ready = [m for m in await matches(c, tid, status="ready")
                 if all(s.get("entrant_id") for s in m["slots"])]
        if not ready:
            return
        m = ready[0]
        w = participants(m)[0]
        r = await c.post(f"/api/v1/matches/{m['id']}/result", headers=org,
                         json={"winner_id": w, "games": win_games(m, w)})
        assert r.status_code == 200, r.text


async def test_tournament_page_shows_its_event_and_the_event_links_back(podium_client):
    c, org = podium_client, await organiser()
    event = await ticketed_event(title="Clash night")
    t = await create(c, org, name="Clash of the night", event_id=event["id"])
    page = await c.get(f"/tournaments/{t['id']}")
    assert f'href="/events/{event["id"]}"' in page.text and "Clash night" in page.text
    assert 'data-testid="tournament-when"' in page.text
    # The event page's slot loads the tournaments played at it.
    event_page = await c.get(f"/events/{event['id']}")
    assert f'hx-get="/tournaments/for-event/{event["id"]}"' in event_page.text
    part = await c.get(f"/tournaments/for-event/{event['id']}")
    assert f'href="/tournaments/{t["id"]}"' in part.text and "Clash of the night" in part.text
    # An event without tournaments: nothing, so the placeholder leaves no empty card.
    from podium.tests.ticketing.boxoffice import another_event

    other = await another_event(event, title="Quiet night")
    assert (await c.get(f"/tournaments/for-event/{other['id']}")).text.strip() == ""
    # In French, the date comes out in French.
    fr = await c.get(f"/tournaments/{t['id']}?lang=fr")
    assert fr.status_code == 200 and 'lang="fr"' in fr.text


async def test_named_rounds_connectors_hidden_byes_and_champion(podium_client):
    c, org = podium_client, await organiser()
    t = await create(c, org, "double_elimination", name="Named")
    await field_of(c, org, t["id"], 7)  # one bye
    assert (await c.post(f"/api/v1/tournaments/{t['id']}/start", headers=org)).status_code == 200
    bracket = (await c.get(f"/tournaments/{t['id']}/bracket")).text
    for name in ("Winners quarter-final", "Winners semi-final", "Winners final",
                 "Losers final", "Grand final"):
        assert f"<h3 class=\"muted\">{name}</h3>" in bracket, name
    assert "bracket-round joins" in bracket and " fed" in bracket
    # In French (the cached fragment is kept per locale).
    fr = (await c.get(f"/tournaments/{t['id']}/bracket?lang=fr")).text
    assert "Quart de finale des vainqueurs" in fr and "Grande finale" in fr
    assert "Winners quarter-final" in (await c.get(f"/tournaments/{t['id']}/bracket?lang=en")).text
    assert "bye-card" in bracket and ">bye<" not in bracket  # the bye's card is hidden
    assert 'data-testid="podium"' not in bracket
    await _play_all(c, org, t["id"], limit=8)  # losers round one: two players are out
    bracket = (await c.get(f"/tournaments/{t['id']}/bracket")).text
    assert bracket.count('class="standing-eliminated"') >= 2 and ">eliminated<" in bracket
    # The entrants table of the page says it too.
    page = (await c.get(f"/tournaments/{t['id']}")).text
    assert page.count('<tr class="standing-eliminated">') >= 2
    await _play_all(c, org, t["id"])
    page = (await c.get(f"/tournaments/{t['id']}")).text  # anonymous: the cached page
    assert 'data-testid="podium"' in page and "Champion" in page
    assert "Grand final reset" not in page or "skipped" not in page  # no unneeded reset


async def test_swiss_standings_show_score_and_tiebreaks(podium_client):
    c, org = podium_client, await organiser()
    t = await create(c, org, "swiss", name="Swiss", options={"rounds": 3})
    await field_of(c, org, t["id"], 7)
    assert (await c.post(f"/api/v1/tournaments/{t['id']}/start", headers=org)).status_code == 200
    await _play_all(c, org, t["id"])
    bracket = (await c.get(f"/tournaments/{t['id']}/bracket")).text
    for column in ("Record", "Score", "Buchholz", "Median Buchholz", "Sonneborn-Berger"):
        assert f"<th>{column}</th>" in bracket, column
    assert "broken by seed" in bracket


async def test_no_sign_in_link_once_registration_is_closed(podium_client):
    c, org = podium_client, await organiser()
    past = datetime.now(timezone.utc) - timedelta(hours=1)
    closed = await create(c, org, name="Closed", registration_opens=(
        past - timedelta(days=1)).isoformat(), registration_closes=past.isoformat())
    page = await c.get(f"/tournaments/{closed['id']}")
    assert "to register" not in page.text and "Registration is not open." in page.text
    open_ = await create(c, org, name="Open")
    assert "to register" in (await c.get(f"/tournaments/{open_['id']}")).text


async def test_my_matches_says_what_is_next_and_when(podium_app, podium_client_factory):
    api, org = await podium_client_factory(podium_app), await organiser()
    t = await create(api, org, name="Next Cup")
    await quick_user("nia", "player")
    nia = await podium_client_factory(podium_app)
    await nia.login("nia", DEFAULT_PASSWORD)
    assert (await nia.form_post(f"/tournaments/{t['id']}/register")).status_code == 303
    await field_of(api, org, t["id"], 7)
    assert (await api.post(f"/api/v1/tournaments/{t['id']}/start", headers=org)).status_code == 200
    mine = (await nia.get("/me/matches")).text
    assert "Next Cup" in mine and "next: vs Team" in mine and "at about" in mine
    # Nia (seed 1) wins round one; the next match waits for another one's winner.
    m = next(m for m in await matches(api, t["id"], status="ready")
             if any(s["name"] == "Nia" for s in m["slots"]))
    nia_id = next(s["entrant_id"] for s in m["slots"] if s["name"] == "Nia")
    r = await api.post(f"/api/v1/matches/{m['id']}/result", headers=org,
                       json={"winner_id": nia_id, "games": win_games(m, nia_id)})
    assert r.status_code == 200
    mine = (await nia.get("/me/matches")).text
    assert "next: vs winner of W1-" in mine and "at about" in mine
    assert 'data-testid="score">1–0<' in mine and ">won<" in mine


async def test_home_shows_running_tournaments(podium_client):
    c, org = podium_client, await organiser()
    t = await create(c, org, name="Live Open")
    await field_of(c, org, t["id"], 4)
    assert (await c.get("/tournaments/live-now")).text.count("Live Open") == 0
    await c.post(f"/api/v1/tournaments/{t['id']}/start", headers=org)
    part = (await c.get("/tournaments/live-now")).text
    assert "Live Open" in part and f'href="/tournaments/{t["id"]}/screen"' in part


async def test_favicon_and_a_profile_in_words(podium_client):
    c = podium_client
    page = await c.get("/tournaments")
    assert '<link rel="icon" href="/static/favicon.svg"' in page.text
    icon = await c.get("/static/favicon.svg")
    assert icon.status_code == 200 and "<svg" in icon.text
    await quick_user("rory", "player")
    profile = (await c.get("/players/rory")).text
    assert "μ" not in profile and "σ" not in profile and "Rating" in profile


async def test_a_round_robin_level_at_the_top_names_one_champion(podium_client):
    """Three players who each beat one other are level on every column: the page names one
    champion, the first of the standings, as the big screen does (not three)."""
    c, org = podium_client, await organiser()
    t = await create(c, org, "round_robin")
    ids = await field_of(c, org, t["id"], 3)
    await c.post(f"/api/v1/tournaments/{t['id']}/start", headers=org)
    beats = {(ids[0], ids[1]), (ids[1], ids[2]), (ids[2], ids[0])}
    for m in [m for m in await matches(c, t["id"]) if len(participants(m)) == 2]:
        a, b = participants(m)
        w = a if (a, b) in beats else b
        r = await c.post(f"/api/v1/matches/{m['id']}/result", headers=org,
                         json={"winner_id": w, "games": win_games(m, w)})
        assert r.status_code == 200, r.text
    assert (await c.get(f"/api/v1/tournaments/{t['id']}")).json()["status"] == "finished"
    page = (await c.get(f"/tournaments/{t['id']}/bracket", headers={"HX-Request": "true"})).text
    assert page.count('class="champion"') == 1
    screen = (await c.get(f"/tournaments/{t['id']}/screen")).text
    champion = page.split('class="champion"', 1)[1].split("<strong>", 1)[1].split("<", 1)[0]
    assert champion in screen.split('class="sc-champ"', 1)[1][:300]


async def test_the_tournament_list_is_live_coming_and_finished_with_dates(podium_client):
    """Live ones first, then the coming ones soonest first with their event's date, then
    the finished ones."""
    from podium.tests.ticketing.boxoffice import another_event
    from podium.tournaments.routes.pages import tournament_groups

    c, org = podium_client, await organiser()
    later = await ticketed_event(title="Saturday night", day=5)
    sooner = await another_event(later, day=2, title="Tuesday night")
    await create(c, org, name="Saturday Cup", event_id=later["id"])
    await create(c, org, name="Tuesday Cup", event_id=sooner["id"])
    await create(c, org, name="Someday Cup")
    live = await create(c, org, name="Live Open")
    await field_of(c, org, live["id"], 4)
    await c.post(f"/api/v1/tournaments/{live['id']}/start", headers=org)
    page = (await c.get("/tournaments")).text
    groups = re.findall(r'data-group="(\w+)"', page)
    assert groups == ["live", "coming"]
    coming = page.split('data-group="coming"', 1)[1]
    assert coming.index("Tuesday Cup") < coming.index("Saturday Cup") < coming.index("Someday Cup")
    assert coming.count('data-testid="tournament-date"') == 2
    # Finished ones last, latest first (the pure grouping, on plain rows).
    rows = [{"id": n, "status": "finished", "event_id": n} for n in (1, 2)]
    events = {1: {"starts_at": later["starts_at"]}, 2: {"starts_at": sooner["starts_at"]}}
    assert [[t["id"] for t in g] for _name, g in tournament_groups(rows, events)] == [[1, 2]]
