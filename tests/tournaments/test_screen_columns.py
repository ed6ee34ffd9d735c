"""The big screen shows every column of a bracket up to the grand final (issue 9: the
losers final of a 16-entrant double elimination was cut off by the 5-round window while
the grand final said "Winner of L6-1")."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from podium.plugins.esport.formats.double_elimination import FORMAT as DE
from podium.plugins.esport.formats.single_elimination import FORMAT as SE
from podium.tests.plugins.esport.support import fact_for, field
from podium.tournaments.engine import MatchStatus
from podium.tournaments.projection import projected_columns
from podium.tournaments.screen import round_names, screen_pages

pytestmark = pytest.mark.pure


def _rows(state) -> list[dict]:
    rows = []
    for m in state.matches:
        v = projected_columns(state, m.key, {})
        rows.append({**v, "status": v["engine_status"], "winner_id": v["winner"],
                     "station": None, "score": None})
    return rows


def _titles(rows) -> set[tuple[str, str]]:
    pages = screen_pages({"status": "running"}, rows, [], [])
    return {(p.extra["section"], c.title) for page in pages for p in page.panels
            for c in p.columns if c.matches}


def _expected(state, rows) -> set[tuple[str, str]]:
    rounds: dict[str, set[int]] = {}
    for m in state.matches:
        rounds.setdefault(m.bracket, set()).add(m.round)
    names = round_names(rounds)
    hidden_reset = {("final", 2)} if any(
        r["key"] == "GF2" and r["status"] == "skipped" for r in rows) else set()
    section = {"winners": "winners", "final": "winners", "losers": "losers"}
    return {(section[b], n) for (b, r), n in names.items() if (b, r) not in hidden_reset}


def test_sixteen_entrant_double_elimination_shows_the_losers_final_and_grand_final():
    state = DE.derive(field(16), DE.validate_options({"grand_final": "reset"}))
    rows = _rows(state)
    titles = _titles(rows)
    assert ("losers", "Losers final") in titles
    assert ("winners", "Grand final") in titles and ("winners", "Winners final") in titles
    assert titles == _expected(state, rows)


@settings(max_examples=40, deadline=None)
@given(n=st.integers(2, 64), double=st.booleans(), played=st.integers(0, 200))
def test_every_round_has_a_column_on_some_page(n, double, played):
    fmt = DE if double else SE
    state = fmt.derive(field(n), fmt.validate_options({}))
    # Play the first ``played`` ready matches (the better seed wins): the window moves on.
    for _ in range(played):
        ready = [m for m in state.matches if m.status is MatchStatus.READY]
        if not ready:
            break
        m = ready[0]
        winner = min((m.a, m.b), key=lambda e: state.seed_of[e])
        fmt.apply(state, fact_for(m, winner))
    rows = _rows(state)
    titles = _titles(rows)
    expected = _expected(state, rows)
    assert titles <= expected
    # Whatever is live, each section's last column (the final, the grand final or its
    # reset, the losers final) is on some page: the window runs to the end.
    rounds: dict[str, set[int]] = {}
    for m in state.matches:
        rounds.setdefault(m.bracket, set()).add(m.round)
    names = round_names(rounds)
    finals = [r for r in rows if r["bracket"] == "final"
              and not (r["key"] == "GF2" and r["status"] == "skipped")]
    last_winners = (names[("final", max(r["round"] for r in finals))] if finals
                    else names[("winners", max(rounds["winners"]))])
    assert ("winners", last_winners) in titles
    if rounds.get("losers"):
        assert ("losers", "Losers final") in titles
