"""Named rounds (issue 9): a pure function over the bracket structure names every round of
an elimination tree; checked over the structures the formats really build."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from podium.plugins.esport.formats.double_elimination import FORMAT as DE
from podium.plugins.esport.formats.single_elimination import FORMAT as SE
from podium.tests.plugins.esport.support import field
from podium.tournaments.screen import round_names

pytestmark = pytest.mark.pure


def _structure(state) -> dict[str, list[int]]:
    rounds: dict[str, set[int]] = {}
    for m in state.matches:
        rounds.setdefault(m.bracket, set()).add(m.round)
    return {b: sorted(r) for b, r in rounds.items()}


@settings(max_examples=60, deadline=None)
@given(n=st.integers(2, 64), third_place=st.booleans())
def test_single_elimination_rounds_are_named_down_to_the_final(n, third_place):
    rounds = _structure(SE.derive(field(n), SE.validate_options({"third_place": third_place})))
    names = round_names(rounds)
    assert set(names) == {("winners", r) for r in rounds["winners"]}
    assert len(set(names.values())) == len(names)  # every round a distinct name
    last = rounds["winners"][-1]
    assert names[("winners", last)] == "Final"
    if last >= 2:
        assert names[("winners", last - 1)] == "Semi-finals"
    if last >= 3:
        assert names[("winners", last - 2)] == "Quarter-finals"
    if last >= 4:
        assert names[("winners", 1)] == "Round 1"


@settings(max_examples=60, deadline=None)
@given(n=st.integers(2, 64), grand_final=st.sampled_from(["none", "single", "reset"]))
def test_double_elimination_rounds_are_named_down_to_the_grand_final(n, grand_final):
    rounds = _structure(DE.derive(field(n), DE.validate_options({"grand_final": grand_final})))
    names = round_names(rounds)
    if set(rounds) == {"winners"}:  # two entrants and no grand final: one match
        assert names == {("winners", 1): "Final"}
        return
    assert len(names) == sum(len(r) for r in rounds.values())
    assert len(set(names.values())) == len(names)
    assert names[("winners", rounds["winners"][-1])] == "Winners final"
    if rounds.get("losers"):
        assert names[("losers", rounds["losers"][-1])] == "Losers final"
    if len(rounds.get("losers", [])) >= 2:
        assert names[("losers", rounds["losers"][-2])] == "Losers semi-final"
    if len(rounds["winners"]) >= 3:
        assert names[("winners", rounds["winners"][-3])] == "Winners quarter-final"
    finals = rounds.get("final", [])
    assert [names[("final", r)] for r in finals] == ["Grand final", "Grand final reset"][
        :len(finals)]
    # Every name says which side of the tree it is on.
    for (bracket, _r), name in names.items():
        assert name.startswith({"winners": "Winners", "losers": "Losers",
                                "final": "Grand final"}[bracket])


def test_other_brackets_are_numbered_and_a_lone_final_is_the_final():
    names = round_names({"swiss": [1, 2, 3], "final": [1]})
    assert names == {("swiss", 1): "Round 1", ("swiss", 2): "Round 2", ("swiss", 3): "Round 3",
                     ("final", 1): "Final"}
