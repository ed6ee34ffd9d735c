"""My matches' "next: vs winner of W2-4 at about 15:40" (pure parts), the score from the
player's side and the standings columns that explain an order."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from podium.tournaments.routes.pages import my_score, registration_open
from podium.tournaments.screen import podium, record, standings_columns
from podium.tournaments.upcoming import (
    MINUTES_PER_GAME,
    about,
    estimate_starts,
    expected_games,
    next_for,
    opponent,
)

pytestmark = pytest.mark.pure

NOW = datetime(2026, 11, 28, 14, 2, tzinfo=timezone.utc)


def _m(key, status, slots, best_of=1, **extra):
    return {"key": key, "status": status, "best_of": best_of, "slots": slots, **extra}


def _e(eid, name):
    return {"entrant_id": eid, "name": name, "seed": eid}


def _src(kind, match):
    return {"entrant_id": None, "source": f"{kind} of {match}",
            "source_ref": {"kind": kind, "match": match}}


def test_next_match_waits_for_its_source_and_says_who_and_when():
    ms = [
        _m("W1-1", "completed", [_e(1, "Night Owls"), _e(8, "Flip Reset")],
           updated_at=NOW - timedelta(minutes=30)),
        _m("W1-2", "in_progress", [_e(4, "Aerial Aces"), _e(5, "Kickoff Kings")], best_of=3,
           called_at=NOW - timedelta(minutes=5)),
        _m("W2-1", "pending", [_e(1, "Night Owls"), _src("winner", "W1-2")], best_of=3),
    ]
    nxt = next_for([1], ms)
    assert nxt["key"] == "W2-1"
    assert opponent(nxt, 1) == "winner of W1-2"
    starts = estimate_starts(ms, NOW)
    # W1-2 started 5 min ago and lasts 2.5 games of MINUTES_PER_GAME.
    assert starts["W1-2"] == NOW - timedelta(minutes=5)
    assert starts["W2-1"] == NOW - timedelta(minutes=5) + timedelta(
        minutes=MINUTES_PER_GAME * 2.5)
    assert about(starts["W2-1"]).minute % 5 == 0
    # Nothing starts before the tournament's event.
    later = NOW + timedelta(hours=3)
    assert estimate_starts(ms, NOW, not_before=later)["W1-2"] == NOW - timedelta(minutes=5)
    assert estimate_starts(ms, NOW, not_before=later)["W2-1"] == later
    assert opponent(ms[1], 4) == "Kickoff Kings"
    assert opponent(_m("GF1", "pending", [_e(1, "A"), _src("loser", "W3-1")]), 1) \
        == "loser of W3-1"


@given(st.lists(st.integers(1, 9), min_size=1, max_size=12))
def test_a_chain_of_matches_is_estimated_in_order(best_ofs):
    """Each match of a chain starts when the one it waits for ends: strictly later."""
    ms = [_m("M0", "ready", [_e(1, "A"), _e(2, "B")], best_of=best_ofs[0])]
    for i, bo in enumerate(best_ofs[1:], start=1):
        ms.append(_m(f"M{i}", "pending", [_e(1, "A"), _src("winner", f"M{i - 1}")], best_of=bo))
    starts = estimate_starts(ms, NOW)
    assert starts["M0"] == NOW
    for i in range(1, len(ms)):
        gap = starts[f"M{i}"] - starts[f"M{i - 1}"]
        assert gap == timedelta(minutes=MINUTES_PER_GAME * expected_games(best_ofs[i - 1]))


def test_expected_games():
    assert (expected_games(1), expected_games(3), expected_games(5)) == (1, 2.5, 4)


def test_score_is_from_the_players_side():
    m = _m("W1-1", "completed", [_e(1, "A"), _e(2, "B")], games=[[2, 1], [0, 3], [3, 1]])
    assert my_score(m, 1) == "2–1" and my_score(m, 2) == "1–2"
    assert my_score({**m, "games": [[11, 7]]}, 2) == "7–11"
    assert my_score({**m, "status": "ready"}, 1) == ""


def test_registration_open_follows_status_and_window():
    t = {"status": "registration", "registration_opens": None, "registration_closes": None}
    assert registration_open(t, NOW)
    assert not registration_open({**t, "status": "running"}, NOW)
    assert not registration_open({**t, "registration_closes": NOW}, NOW)
    assert not registration_open({**t, "registration_opens": NOW + timedelta(seconds=1)}, NOW)


def test_swiss_standings_show_the_columns_that_explain_the_order():
    # A 7-player Swiss in round 2: a player at 1–1 (a bye, then a loss) with more Buchholz
    # ranks above an unbeaten 1–0 whose round-2 match is not played: same score, and the
    # tiebreak columns say why.
    rows = [
        {"rank": 2, "entrant_id": 4, "seed": 4, "status": "active", "score": 1.0, "wins": 1,
         "losses": 1, "draws": 0, "match_wins": 1.0, "buchholz": 2.0,
         "median_buchholz": 2.0, "sonneborn_berger": 0.0},
    ]
    assert standings_columns(rows) == [("score", "Score"), ("buchholz", "Buchholz"),
                                       ("median_buchholz", "Median Buchholz"),
                                       ("sonneborn_berger", "Sonneborn-Berger")]
    assert record(rows[0]) == "1–1" and record({"rank": 1}) == ""
    elimination = [{"rank": 1, "entrant_id": 1, "seed": 1, "status": "champion",
                    "placement": 1}]
    assert standings_columns(elimination) == [("placement", "Place")]
    finished = {"status": "finished"}
    ranked = [{"rank": r, "name": str(r)} for r in (1, 2, 3, 3, 5)]
    assert [r["rank"] for r in podium(finished, ranked)] == [1, 2, 3, 3]
    assert podium({"status": "running"}, ranked) == []
