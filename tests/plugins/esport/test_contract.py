"""The format contract: registration through the hook, the protocol, options, JSON shapes,
tiebreakers, and the third-party example of ``docs/formats.md``."""

from __future__ import annotations

import json
import re
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import podium.plugins.esport as esport
from podium.core import Registry, hookimpl
from podium.core.plugins import DuplicateName, PluginMeta, build_plugin_host
from podium.tests.plugins.esport.support import better_seed, field, play
from podium.tournaments.engine import (
    BracketFormat,
    Drawing,
    Entrant,
    MatchStatus,
    ResultFact,
    collect_records,
    rank_rows,
)
from podium.tournaments.engine.model import Match

# Pure code: the PostgreSQL pass of the suite skips it (``-m 'not pure'``).
pytestmark = pytest.mark.pure

ALL = {f.name: f for f in esport.FORMATS}
DOCS = Path(__file__).resolve().parents[3] / "docs" / "formats.md"


def registry_from(*plugins: Any) -> Registry:
    # The tournament domain declares the "tournament" scope the esport plugin lives in.
    host = build_plugin_host(
        builtin=["podium.tournaments.plugin", "podium.plugins.esport"], use_entry_points=False,
        extra=plugins,
    )
    return host.fill_registry("podium_bracket_formats", Registry("bracket format"))


def test_plugin_metadata() -> None:
    meta = esport.PODIUM_PLUGIN
    assert (meta.name, meta.version, meta.scope, meta.podium_requires) == (
        "esport",
        "0.1.0",
        "tournament",
        ">=0.1",
    )


def test_every_format_is_registered_through_the_hook() -> None:
    registry = registry_from()
    assert registry.names() == [
        "single_elimination",
        "double_elimination",
        "round_robin",
        "swiss",
        "groups_playoffs",
        "free_for_all",
    ]
    assert all(registry.owner(n) == "esport" for n in registry.names())


def test_a_duplicate_format_name_stops_start_up() -> None:
    class Copycat:
        PODIUM_PLUGIN = PluginMeta(name="copycat", scope="tournament")

        @hookimpl
        def podium_bracket_formats(self, registry: Any) -> None:
            registry.add("swiss", object())

    with pytest.raises(DuplicateName, match="'esport'.*'copycat'"):
        registry_from(Copycat())


@pytest.mark.parametrize("name", sorted(ALL))
def test_formats_follow_the_protocol(name: str) -> None:
    fmt = ALL[name]
    assert isinstance(fmt, BracketFormat)
    assert fmt.name == name and fmt.label and fmt.description
    options = fmt.validate_options({})
    assert set(options) == {s.name for s in fmt.option_specs}
    json.dumps([s.to_dict() for s in fmt.option_specs])
    with pytest.raises(ValueError, match="unknown option"):
        fmt.validate_options({"no_such_option": 1})
    n = 16
    state = fmt.derive(field(n), options)
    state, _ = play(fmt, state, better_seed)
    assert state.complete
    # Every match serialises to the public API shape.
    rows = json.loads(json.dumps(state.to_dicts()))
    for row in rows:
        assert {"key", "stage", "bracket", "round", "position", "status", "slots"} <= set(row)
        assert row["status"] in {s.value for s in MatchStatus}
        assert row["round"] >= 1 and row["position"] >= 1
    keys = [m.key for m in state]
    assert len(keys) == len(set(keys))
    standings = json.loads(json.dumps([r.to_dict() for r in fmt.standings(state)]))
    assert sorted(r["entrant_id"] for r in standings) == [e.id for e in field(n)]
    assert standings[0]["rank"] == 1


EXPECTED_DRAWINGS = {
    "single_elimination": {(1, "winners"): Drawing.TREE},
    "double_elimination": {(1, "winners"): Drawing.TREE, (1, "losers"): Drawing.TREE,
                           (1, "final"): Drawing.TREE},
    "round_robin": {(1, "A"): Drawing.GROUPS, (1, "B"): Drawing.GROUPS},
    "swiss": {(1, "swiss"): Drawing.ROUNDS},
    "groups_playoffs": {(1, "A"): Drawing.GROUPS, (1, "B"): Drawing.GROUPS,
                        (2, "winners"): Drawing.TREE},
    "free_for_all": {(1, "lobbies"): Drawing.LOBBIES, (1, "final"): Drawing.LOBBIES},
}


@pytest.mark.parametrize("name", sorted(ALL))
def test_formats_describe_how_the_screen_draws_them(name: str) -> None:
    """Every bracket of a played tournament has a drawing (the screen's layout)."""
    fmt = ALL[name]
    options = {"round_robin": {"groups": 2}}.get(name, {})
    state, _ = play(fmt, fmt.derive(field(16), fmt.validate_options(options)), better_seed)
    drawn = {(m.stage, m.bracket): fmt.drawing(m.stage, m.bracket) for m in state}
    assert drawn == EXPECTED_DRAWINGS[name]


def test_option_values_from_forms_are_normalised() -> None:
    se = ALL["single_elimination"]
    assert se.validate_options({"third_place": "true", "best_of": "3"})["best_of"] == 3
    rr = ALL["round_robin"]
    assert rr.validate_options({"cycles": "2"})["cycles"] == 2
    assert rr.validate_options({"tiebreakers": "buchholz, match_wins"})["tiebreakers"] == [
        "buchholz",
        "match_wins",
    ]
    with pytest.raises(ValueError, match="at least 1"):
        rr.validate_options({"groups": 0})
    with pytest.raises(ValueError, match="twice"):
        rr.validate_options({"tiebreakers": ["buchholz", "buchholz"]})


def test_latest_fact_per_match_wins() -> None:
    se = ALL["single_elimination"]
    a, b = 1001, 1002
    log = [
        ResultFact("W1-1", a, (a, b), ((1, 0),)),
        ResultFact("W1-1", b, (a, b), ((0, 1),)),  # the correction replaces it
    ]
    state = se.derive(field(2), {}, log)
    assert state.champion == b


def _match(key: str, a: Any, b: Any, winner: Any, games: tuple = ((1, 0),)) -> Match:
    m = Match(key, 1, "A", 1, 1, 1, (("entrant", a), ("entrant", b)))
    m.a, m.b = a, b
    m.status = MatchStatus.COMPLETED
    m.w = winner
    m.l = None if winner is None else (b if winner == a else a)
    m.result = ResultFact(key, winner, (a, b), games)
    return m


def test_tiebreakers_by_hand() -> None:
    """Four players, a small hand-checked table."""
    es = [Entrant(x, x) for x in (1, 2, 3, 4)]
    matches = [
        _match("m1", 1, 2, 1, ((2, 1),)),
        _match("m2", 3, 4, None, ((1, 1),)),  # draw
        _match("m3", 1, 3, 3, ((0, 2),)),
        _match("m4", 2, 4, 2, ((2, 0),)),
    ]
    recs = collect_records(es, matches)
    assert [recs[x].score for x in (1, 2, 3, 4)] == [1.0, 1.0, 1.5, 0.5]
    names = ["match_wins", "buchholz", "median_buchholz", "sonneborn_berger", "game_difference"]
    rows = rank_rows(es, recs, names)
    vals = {r.entrant_id: r.values for r in rows}
    assert vals[1]["buchholz"] == 1.0 + 1.5  # met 2 and 3
    assert vals[3]["sonneborn_berger"] == 1.0 + 0.5 * 0.5  # beat 1, drew 4
    assert vals[4]["sonneborn_berger"] == 0.5 * 1.5
    assert vals[1]["game_difference"] == (1 - 0) + (0 - 1)  # games won, not points scored
    assert [r.entrant_id for r in rows] == [3, 1, 2, 4]  # 1 and 2: Buchholz 2.5 v 1.5


def test_docs_example_format_runs() -> None:
    """The complete example in docs/formats.md is real code: run it."""
    text = DOCS.read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    example = next(b for b in blocks if "class KingOfTheHill" in b)
    module = ModuleType("podium_koth_example")
    exec(compile(example, str(DOCS), "exec"), module.__dict__)  # noqa: S102 - our own docs
    registry = registry_from(module)
    fmt = registry["king_of_the_hill"]
    state = fmt.derive(field(5), fmt.validate_options({}))
    state, log = play(fmt, state, better_seed)
    assert state.complete and state.champion == 1001
    assert [r.seed for r in fmt.standings(state)] == [1, 2, 3, 4, 5]
    assert len(log) == 4
    # The usage snippet and the hypothesis example run as written, too.
    usage = next(b for b in blocks if "fmt = KingOfTheHill()" in b)
    exec(compile(usage, str(DOCS), "exec"), module.__dict__)  # noqa: S102
    assert module.__dict__["changed"] == ["K1", "K2"]
    prop = next(b for b in blocks if "def test_ladder_completes" in b)
    exec(compile(prop, str(DOCS), "exec"), module.__dict__)  # noqa: S102
    inner = module.__dict__["test_ladder_completes"].hypothesis.inner_test
    for n in (2, 3, 17):
        inner(n=n)
