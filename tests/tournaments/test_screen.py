"""The big-screen view: public, every format, focus on the live rounds with pages that fit
a 1080p screen, the calls from stations, view options, and the cached body."""

from __future__ import annotations

import pytest

from podium.tests.tournaments.support import (
    create,
    field_of,
    matches,
    organiser,
    participants,
    win_games,
)
from podium.tournaments import screen
from podium.tournaments.engine import Drawing
from podium.tournaments.render_cache import cache_for
from podium.tournaments.tables import MatchRow


async def _play(c, org, tid: int, count: int) -> None:
    """Record ``count`` results (the first slot wins) in bracket order."""
    for _ in range(count):
        ready = [m for m in await matches(c, tid, status="ready")
                 if all(s.get("entrant_id") for s in m["slots"])]
        if not ready:
            return
        m = ready[0]
        winner = participants(m)[0]
        body = {"winner_id": winner, "games": win_games(m, winner)} if len(m["slots"]) == 2 \
            else {"winner_id": winner, "games": []}
        r = await c.post(f"/api/v1/matches/{m['id']}/result", headers=org, json=body)
        assert r.status_code == 200, r.text


async def _started(c, org, fmt: str, n: int, **extra) -> dict:
    t = await create(c, org, fmt, **extra)
    await field_of(c, org, t["id"], n)
    r = await c.post(f"/api/v1/tournaments/{t['id']}/start", headers=org)
    assert r.status_code == 200, r.text
    return t


async def test_screen_is_public_and_live_over_sse(podium_app, podium_client):
    c, org = podium_client, await organiser()
    t = await _started(c, org, "double_elimination", 16)
    await _play(c, org, t["id"], 10)
    # A match called to a station (the stations module sets the column and the version).
    m = (await matches(c, t["id"], status="ready"))[0]
    await MatchRow.update({MatchRow.station: 7, MatchRow.status: "in_progress"}).where(
        MatchRow.id == m["id"])
    from podium.tournaments.kernel import bump_version

    await bump_version(t["id"])
    page = await c.get(f"/tournaments/{t['id']}/screen")  # anonymous
    assert page.status_code == 200 and 'class="screen"' in page.text
    assert f'sse-connect="/-/events?topics=tournament-{t["id"]}"' in page.text
    assert f'hx-trigger="sse:bracket-{t["id"]}' in page.text
    names = " vs ".join(s["name"] for s in m["slots"])
    assert "Station 7" in page.text and names in page.text
    assert "Winners bracket" in page.text and "Losers bracket" in page.text

    body = await c.get(f"/tournaments/{t['id']}/screen/body", headers={"HX-Request": "true"})
    assert body.status_code == 200 and body.text in page.text
    before = cache_for(podium_app).renders
    assert (await c.get(f"/tournaments/{t['id']}/screen/body")).text == body.text
    assert cache_for(podium_app).renders == before
    await _play(c, org, t["id"], 1)
    after = await c.get(f"/tournaments/{t['id']}/screen/body")
    assert after.text != body.text and cache_for(podium_app).renders == before + 1


@pytest.mark.parametrize("fmt, n, options, played, expect", [
    ("single_elimination", 8, {"third_place": True}, 3, "Semi-finals"),
    ("round_robin", 9, {"groups": 3}, 3, "Group B"),
    ("swiss", 10, {}, 3, "Standings"),
    ("groups_playoffs", 8, {"groups": 2}, 3, "Group A"),
    ("free_for_all", 12, {"lobby_size": 4, "advance": 2}, 0, "Lobby F1-1"),
])
async def test_screen_every_format(podium_client, fmt, n, options, played, expect):
    c, org = podium_client, await organiser()
    t = await _started(c, org, fmt, n, options=options)
    await _play(c, org, t["id"], played)
    page = await c.get(f"/tournaments/{t['id']}/screen?rotate=5")
    assert page.status_code == 200, page.text
    assert expect in page.text and 'data-rotate="5"' in page.text


async def test_screen_before_start_lists_the_field_and_after_the_end_the_winner(podium_client):
    c, org = podium_client, await organiser()
    t = await create(c, org, "single_elimination")
    await field_of(c, org, t["id"], 4)
    page = await c.get(f"/tournaments/{t['id']}/screen")
    assert "Team 3" in page.text and "4 entrants" in page.text
    await c.post(f"/api/v1/tournaments/{t['id']}/start", headers=org)
    await _play(c, org, t["id"], 10)
    page = await c.get(f"/tournaments/{t['id']}/screen")
    assert "Champion" in page.text and "Final standings" in page.text


async def test_screen_view_options_and_bad_input(podium_client):
    c, org = podium_client, await organiser()
    t = await _started(c, org, "single_elimination", 64)
    page = await c.get(f"/tournaments/{t['id']}/screen")
    # 32 first-round matches, 8 per page; the final (one round past the window of 5)
    # widens the window rather than page alone.
    assert "Page 1 / 4" in page.text
    fixed = await c.get(f"/tournaments/{t['id']}/screen?page=3")
    assert "Page 3 / 4" in fixed.text and 'data-rotate="0"' in fixed.text
    assert fixed.text.count('class="sc-page"') == 1
    beyond = await c.get(f"/tournaments/{t['id']}/screen?page=99")
    assert beyond.status_code == 200 and "Page 4 / 4" in beyond.text
    for query in ("page=0", "page=x", "rotate=-1", "rotate=99999", "bracket=%3Cb%3E",
                  "bracket=" + "a" * 41):
        r = await c.get(f"/tournaments/{t['id']}/screen?{query}")
        assert r.status_code == 400 or r.status_code == 422, (query, r.status_code)
    assert (await c.get("/tournaments/999999/screen")).status_code == 404
    only = await c.get(f"/tournaments/{t['id']}/screen?bracket=losers")
    assert only.status_code == 200 and "Nothing to show yet" in only.text


# -- pure page building ----------------------------------------------------------------


def _m(key, bracket, rnd, status, pos=1, station=None):
    return {"key": key, "stage": 1, "bracket": bracket, "round": rnd, "position": pos,
            "status": status, "station": station, "best_of": 1, "winner_id": None,
            "games": [], "score": None,
            "slots": [{"entrant_id": 1, "name": "A", "seed": 1},
                      {"entrant_id": 2, "name": "B", "seed": 2}]}


def test_pages_focus_on_live_subtrees_at_256():
    rounds = [(f"R{r}", [_m(f"W{r}-{i}", "winners", r, "completed", i)
                         for i in range(1, 2 ** (8 - r) + 1)]) for r in range(1, 9)]
    # Round 2 is being played: only its first 16 matches are still live.
    for i, m in enumerate(rounds[1][1]):
        m["status"] = "ready" if i < 16 else "completed"
    for r in range(2, 8):
        for m in rounds[r][1]:
            m["status"] = "pending"
    panels = screen.tree_panels("winners", "Bracket", rounds)
    # R7 and R8 would be a window of two: they widen the first one instead.
    assert [c.title for c in panels[0].columns] == ["R2", "R3", "R4", "R5", "R6", "R7", "R8"]
    # 8 parts of 8; only the 2 with live matches are shown, each running to the final.
    assert len(panels) == 2
    assert all(len(p.columns[0].matches) == screen.ROWS for p in panels)
    assert panels[0].columns[1].matches[0]["key"] == "W3-1"
    assert all(p.columns[-1].matches[0]["key"] == "W8-1" for p in panels)


def test_a_long_tail_of_rounds_gets_a_window_of_its_own():
    rounds = [(f"R{r}", [_m(f"W{r}-{i}", "winners", r, "pending", i)
                         for i in range(1, 2 ** (8 - r) + 1)]) for r in range(1, 9)]
    panels = screen.tree_panels("winners", "Bracket", rounds)
    # R1-R5, then R6-R8 (three rounds: more than TAIL_COLUMNS) on pages of their own.
    assert [c.title for c in panels[0].columns] == ["R1", "R2", "R3", "R4", "R5"]
    assert [c.title for c in panels[-1].columns] == ["R6", "R7", "R8"]


def test_small_double_elimination_windows_share_a_page():
    ms = ([_m(f"W2-{i}", "winners", 2, "ready", i) for i in range(1, 5)]
          + [_m(f"W3-{i}", "winners", 3, "pending", i) for i in range(1, 3)]
          + [_m(f"L1-{i}", "losers", 1, "ready", i) for i in range(1, 5)]
          + [_m("GF1", "final", 1, "pending"), _m("GF2", "final", 2, "skipped")])
    ms[-1]["slots"] = [{"entrant_id": None, "source": "winner of GF1"},
                       {"entrant_id": None, "source": "loser of GF1"}]
    pages = screen.screen_pages({"status": "running", "format": "double_elimination"},
                                ms, [], [])
    assert len(pages) == 1 and len(pages[0].panels) == 2
    titles = [c.title for c in pages[0].panels[0].columns]
    assert titles[-1] == "Grand final" and "Grand final reset" not in titles
    side = screen.sidebar(ms)
    assert [m["key"] for m in side["up_next"]][:2] == ["W2-1", "W2-2"]


# -- drawing as the format describes it ---------------------------------------------------


def _lobby(key, rnd, status, size=4):
    m = _m(key, "heats", rnd, status)
    m["slots"] = [{"entrant_id": i, "name": f"P{i}", "seed": i} for i in range(1, size + 1)]
    return m


def test_the_screen_draws_each_bracket_as_the_format_describes():
    ms = ([_m(f"N-R1-{i}", "north", 1, "ready", i) for i in range(1, 3)]
          + [_m(f"S-R1-{i}", "south", 1, "completed", i) for i in range(1, 3)])
    standings = [{"rank": 1, "entrant_id": 1, "name": "A", "group": "north"},
                 {"rank": 2, "entrant_id": 2, "name": "B", "group": "south"}]

    def groups(stage, bracket):
        return Drawing.GROUPS

    pages = screen.screen_pages({"status": "running"}, ms, standings, [], drawing=groups)
    kinds = [(p.kind, p.title) for page in pages for p in page.panels]
    assert kinds == [("group", "Group north"), ("group", "Group south")]

    def rounds(stage, bracket):
        return "rounds"  # a plain string naming a drawing works too

    pages = screen.screen_pages({"status": "running"}, ms, standings, [], drawing=rounds)
    assert [p.kind for page in pages for p in page.panels] == ["cards", "standings"]


def test_a_format_that_says_nothing_is_drawn_by_the_shape_of_its_matches():
    ladder = [_m(f"K{i}", "ladder", i, "ready" if i == 1 else "pending") for i in range(1, 4)]
    for drawing in (None, screen.drawing_of(object()), lambda s, b: "no such drawing"):
        pages = screen.screen_pages({"status": "running"}, ladder, [], [], drawing=drawing)
        panels = [p for page in pages for p in page.panels]
        assert [(p.kind, p.title) for p in panels] == [("tree", "ladder")]
        assert [c.title for c in panels[0].columns] == ["Round 1", "Round 2", "Round 3"]
    heats = [_lobby("H1", 1, "ready"), _lobby("H2", 1, "ready"), _m("H3", "heats", 2, "pending")]
    pages = screen.screen_pages({"status": "running"}, heats, [], [])
    assert [p.kind for page in pages for p in page.panels] == ["lobbies"]


def test_bracket_names_are_said_in_words():
    """The tournament page's bracket headings: Swiss rounds and lobbies in words, a lobby
    final as "Final" (not "Grand final"), a group by its letter."""
    assert screen.bracket_label("swiss") == "Rounds"
    assert screen.bracket_label("lobbies") == "Lobbies"
    assert screen.bracket_label("final", has_winners=False) == "Final"
    assert screen.bracket_label("final") == "Grand final"
    assert screen.bracket_label("A") == "Group A"
    assert screen.bracket_label("losers") == "Losers bracket"
    assert screen.bracket_label("playoffs-extra") == "playoffs-extra"
