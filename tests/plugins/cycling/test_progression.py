"""Progression tables: loading and validation, the label grammar, and worked examples of
the resolver on the shipped sprint and keirin tables (DOMAIN.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from podium.plugins.cycling.progression import (
    HeatResult,
    HeatStatus,
    LabelError,
    RiderResult,
    TableError,
    all_tables,
    heat_id,
    load_table,
    load_table_file,
    parse_label,
    parse_table,
    resolve,
    tables_for,
)
from podium.tests.plugins.cycling.support import field

TABLES_DIR = Path(__file__).parents[3] / "plugins" / "cycling" / "progression" / "tables"


def times(riders: list[int], start: int = 10_000) -> HeatResult:
    """A timed heat where ``riders`` finish in that order, 10 ms apart."""
    return HeatResult([RiderResult(r, time_ms=start + 10 * i) for i, r in enumerate(riders)])


def places(*riders: int, final: bool = False) -> HeatResult:
    """A race or match heat with ``riders`` across the line in that order."""
    return HeatResult([RiderResult(r, place=i + 1) for i, r in enumerate(riders)], final=final)


# ------------------------------------------------------------------ shipped files
def test_every_shipped_file_loads_with_its_metadata() -> None:
    files = sorted(p for p in TABLES_DIR.iterdir() if p.suffix in (".yaml", ".yml", ".json"))
    assert len(files) == len(all_tables()) >= 4
    for path in files:
        table = load_table_file(path)
        assert table == load_table(table.id)
        assert table.version >= 1 and table.discipline and table.source
        assert "UCI" in table.source and "3." in table.source
        assert table.riders.min <= table.riders.max


def test_tables_for_picks_by_discipline_and_field_size() -> None:
    assert [t.id for t in tables_for("sprint", 28)] == ["uci-sprint-28"]
    assert [t.id for t in tables_for("sprint", 12)] == ["uci-sprint-8"]
    assert [t.id for t in tables_for("keirin", 17)] == ["uci-keirin-15-20"]
    assert tables_for("keirin", 3) == [] and tables_for("hammer throw", 8) == []
    with pytest.raises(KeyError, match="uci-sprint-28"):
        load_table("no-such-table")


# ------------------------------------------------------------------- the grammar
@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("seed 5", ("seed", "", 5, 5)),
        ("seeds 3-*", ("seed", "", 3, None)),
        ("rank 28 of Q", ("rank", "Q", 28, 28)),
        ("winner of 1/8-3", ("place", "1/8-3", 1, 1)),
        ("loser of 1/8-3", ("place", "1/8-3", 2, 2)),
        ("places 4-6 of R2-1", ("place", "R2-1", 4, 6)),
        ("rank 2 of group R1-winners", ("group", "R1-winners", 2, 2)),
        ("ranks 1-*  of  group X", ("group", "X", 1, None)),
    ],
)
def test_labels_parse(label: str, expected: tuple[object, ...]) -> None:
    ref = parse_label(label)
    assert (ref.kind, ref.target, ref.first, ref.last) == expected


@pytest.mark.parametrize("label", ["seed", "seed 0", "places 6-4 of H", "first of H", "rank x of Q"])
def test_bad_labels_are_refused(label: str) -> None:
    with pytest.raises(LabelError, match="label"):
        parse_label(label)


# ---------------------------------------------------------------- validation
MINIMAL = """
id: t
version: 1
discipline: sprint
title: T
riders: {min: 2, max: 4}
source: UCI Part 3 art. 3.2.001
phases:
  - id: Q
    name: Qualifying
    kind: qualifying
    format: timed
    contests: [{id: Q, slots: ["seeds 1-*"]}]
  - id: F
    name: Final
    kind: final
    format: match
    after: [Q]
    contests: [{id: F, slots: [rank 1 of Q, rank 2 of Q]}]
classification: [winner of F, loser of F, ranks 3-* of Q]
"""


def test_the_minimal_table_is_valid_and_runs() -> None:
    table = parse_table(MINIMAL, "t.yaml")
    progress = resolve(table, field(3), {"Q": times([103, 101, 102]), "F": places(101, 103)})
    assert progress.classification == [(1, 101), (2, 103), (3, 102)]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("version: 1", "version: one"), r"Expected `int`, got `str` - at `\$.version`"),
        (("title: T", "title: T\ncolour: red"), "unknown field `colour`"),
        (("format: match", "format: knockout"), "at `\\$.phases\\[1\\].format`"),
        (("after: [Q]", "after: [X]"), "after 'X' is not an earlier phase"),
        (("after: [Q]", "after: []"), "phase 'Q' is not in after"),
        (("rank 2 of Q]", "rank 2 of Q, rank 3 of Q]"), "a match contest has exactly two slots"),
        (("rank 2 of Q]", "second of Q]"), "is not one of"),
        (("loser of F,", "loser of G,"), "no earlier contest 'G'"),
        (("format: match", "format: match\n    best_of: 2"), "best_of must be odd"),
        (("{min: 2, max: 4}", "{min: 5, max: 4}"), "min <= max"),
    ],
)
def test_bad_files_are_refused_with_the_file_and_the_problem(
    change: tuple[str, str], message: str
) -> None:
    old, new = change
    assert old in MINIMAL
    with pytest.raises(TableError, match=message) as caught:
        parse_table(MINIMAL.replace(old, new, 1), "federation-x.yaml")
    assert str(caught.value).startswith("federation-x.yaml: ")


def test_a_file_is_named_after_its_id(tmp_path: Path) -> None:
    path = tmp_path / "other-name.yaml"
    path.write_text(MINIMAL)
    with pytest.raises(TableError, match=r"other-name.yaml: the file must be named after its id \(t.yaml\)"):
        load_table_file(path)
    good = tmp_path / "t.yaml"
    good.write_text(MINIMAL)
    assert load_table_file(good).id == "t"


def test_resolve_refuses_a_field_the_table_does_not_cover() -> None:
    with pytest.raises(ValueError, match="covers 28-64 riders, not 20"):
        resolve(load_table("uci-sprint-28"), field(20), {})


# ------------------------------------------------------------- sprint examples
def _qualify(n: int) -> dict[str, HeatResult]:
    """Qualifying where the field's order is the ranking (101 fastest)."""
    return {"Q": times([100 + i for i in range(1, n + 1)])}


def test_sprint_28_before_any_result_shows_labels() -> None:
    progress = resolve(load_table("uci-sprint-28"), field(30), {})
    qualifying = progress.heat("Q")
    assert qualifying.ready and qualifying.status is HeatStatus.PROVISIONAL
    first = progress.heat("1/8-1")
    assert first.sources == ["rank 1 of Q", "winner of 1/16-12"]
    assert first.riders == [None, None] and first.status is HeatStatus.VIRTUAL
    assert progress.heat("final-3#1").sources == ["loser of 1/2-1", "loser of 1/2-2"]
    assert [h.heat_id for h in progress.heats if h.phase_id == "QF"][:3] == [
        "1/4-1#1", "1/4-1#2", "1/4-1#3",
    ]  # fmt: skip
    assert progress.classification == [] and not progress.complete


def test_sprint_28_seeds_one_to_four_have_a_bye_and_the_rest_pair_fastest_v_slowest() -> None:
    progress = resolve(load_table("uci-sprint-28"), field(30), _qualify(30))
    pairs = [
        (h.riders[0], h.riders[1]) for h in progress.heats if h.phase_id == "R16"
    ]
    assert pairs == [(100 + a, 100 + 33 - a) for a in range(5, 17)]  # 5 v 28 ... 16 v 17
    byes = {r for h in progress.heats if h.phase_id == "R16" for r in h.riders}
    assert not byes & {101, 102, 103, 104, 129, 130}
    assert progress.heat("1/8-1").riders == [101, None]
    # Riders 29 and 30 are placed at once, by their qualifying rank.
    assert progress.classification == [(29, 129), (30, 130)]


def test_best_of_three_stops_at_two_wins_and_rides_the_decider_at_one_all() -> None:
    table = load_table("uci-sprint-8")
    results = _qualify(8)
    results["1/4-1#1"] = places(101, 108)
    progress = resolve(table, field(8), results)
    assert progress.heat("1/4-1#2").ready and not progress.heat("1/4-1#3").ready
    results["1/4-1#2"] = places(101, 108)
    progress = resolve(table, field(8), results)
    decider = progress.heat("1/4-1#3")
    assert decider.status is HeatStatus.UNNEEDED and not decider.ready
    assert progress.contest("1/4-1").order == [101, 108]
    assert progress.contest("1/4-1").wins == [2, 0]
    results["1/4-1#2"] = places(108, 101)  # corrected: 1-1, the decider is needed
    progress = resolve(table, field(8), results)
    assert progress.heat("1/4-1#3").ready and not progress.contest("1/4-1").decided
    results["1/4-1#3"] = places(108, 101)
    progress = resolve(table, field(8), results)
    assert progress.contest("1/4-1").order == [108, 101]
    assert progress.heat("1/2-1#1").riders == [108, None]


def test_a_race_result_entered_before_the_previous_race_is_stale() -> None:
    table = load_table("uci-sprint-8")
    results = _qualify(8) | {"1/4-2#2": places(102, 107)}
    heat = resolve(table, field(8), results).heat("1/4-2#2")
    assert heat.stale and not heat.done and not heat.ready


def test_correcting_the_qualifying_reflows_and_flags_stale_results() -> None:
    table = load_table("uci-sprint-8")
    results = _qualify(8)
    results |= {"1/4-1#1": places(101, 108), "1/4-1#2": places(101, 108)}
    results |= {"1/4-4#1": places(104, 105), "1/4-4#2": places(104, 105)}
    results["1/2-1#1"] = places(101, 104)
    before = resolve(table, field(8), results)
    assert before.heat("1/2-1#1").done and before.heat("1/2-1#2").ready
    # The qualifying is corrected: 108 was 4th, not 8th (105-107 move down one).
    results["Q"] = times([101, 102, 103, 108, 104, 105, 106, 107])
    after = resolve(table, field(8), results)
    assert after.heat("1/4-1#1").riders == [101, 107]
    assert after.heat("1/4-1#1").stale and after.heat("1/4-1#2").stale
    assert after.heat("1/4-4#1").riders == [108, 104] and after.heat("1/4-4#1").stale
    # The semi-final's riders are unknown again; its result is kept but flagged.
    semi = after.heat("1/2-1#1")
    assert semi.riders == [None, None] and semi.stale and semi.status is HeatStatus.VIRTUAL
    assert after.heat("1/4-1#1").ready
    # Putting the qualifying back restores everything: nothing is remembered.
    results["Q"] = times([101 + i for i in range(8)])
    assert resolve(table, field(8), results) == before


def test_final_status_needs_every_result_it_rests_on_to_be_final() -> None:
    table = load_table("uci-sprint-8")
    results = _qualify(8)
    results["1/4-1#1"] = places(101, 108, final=True)
    progress = resolve(table, field(8), results)
    assert progress.heat("1/4-1#1").status is HeatStatus.PROVISIONAL  # Q not final
    results["Q"] = HeatResult(results["Q"].riders, final=True)
    progress = resolve(table, field(8), results)
    assert progress.heat("1/4-1#1").status is HeatStatus.FINAL
    assert progress.heat("1/4-1#2").status is HeatStatus.PROVISIONAL


def test_a_qualifying_entered_rider_by_rider_is_in_progress_not_stale() -> None:
    table = load_table("uci-sprint-8")
    partial = HeatResult([RiderResult(101, time_ms=10_100), RiderResult(105, time_ms=10_000)])
    progress = resolve(table, field(9), {"Q": partial})
    qualifying = progress.heat("Q")
    assert qualifying.ready and not qualifying.done and not qualifying.stale
    stranger = HeatResult([RiderResult(999, time_ms=10_000)])
    assert resolve(table, field(9), {"Q": stranger}).heat("Q").stale


def test_equal_qualifying_times_are_separated_by_the_last_half_lap_then_seed() -> None:
    table = load_table("uci-sprint-8")
    base = {100 + i: RiderResult(100 + i, time_ms=10_000 + 10 * i) for i in range(1, 10)}
    # 108 and 109 clock 10.010 like nobody else: 109 had the faster last half-lap.
    base[108] = RiderResult(108, time_ms=10_005, last_lap_ms=5_100)
    base[109] = RiderResult(109, time_ms=10_005, last_lap_ms=5_000)
    order = resolve(table, field(9), {"Q": HeatResult(list(base.values()))}).contest("Q").order
    assert order is not None and order[:3] == [109, 108, 101]
    # 101 ties too but has no last half-lap: the last lap cannot decide, seed order does.
    base[101] = RiderResult(101, time_ms=10_005)
    order = resolve(table, field(9), {"Q": HeatResult(list(base.values()))}).contest("Q").order
    assert order is not None and order[:3] == [101, 108, 109]


def test_dns_and_relegation_rank_behind_finishers() -> None:
    table = load_table("uci-sprint-8")
    results = _qualify(8)
    results["1/4-1#1"] = HeatResult([RiderResult(101, place=1, status="REL"), RiderResult(108, place=2)])
    progress = resolve(table, field(8), results)
    assert progress.contest("1/4-1").wins == [0, 1]


# -------------------------------------------------------------- keirin examples
def test_keirin_first_round_is_seeded_serpentine() -> None:
    progress = resolve(load_table("uci-keirin-15-20"), field(15), {})
    heats = [[r - 100 for r in h.riders if r] for h in progress.heats if h.phase_id == "R1"]
    assert heats == [[1, 6, 7, 12, 13], [2, 5, 8, 11, 14], [3, 4, 9, 10, 15]]
    progress = resolve(load_table("uci-keirin-22-28"), field(28), {})
    heats = [[r - 100 for r in h.riders if r] for h in progress.heats if h.phase_id == "R1"]
    assert heats[0] == [1, 8, 9, 16, 17, 24, 25] and heats[3] == [4, 5, 12, 13, 20, 21, 28]


def test_keirin_repechages_take_the_rest_and_the_best_go_on() -> None:
    table = load_table("uci-keirin-15-20")
    progress = resolve(table, field(16), {})
    r1 = {h.heat_id: [r for r in h.riders if r] for h in progress.heats if h.phase_id == "R1"}
    results = {hid: places(*riders) for hid, riders in r1.items()}
    progress = resolve(table, field(16), results)
    reps = {h.heat_id: h for h in progress.heats if h.phase_id == "REP"}
    assert sum(len(h.riders) for h in reps.values()) == 16 - 6
    assert reps["REP-1"].sources == ["place 3 of R1-1", "place 4 of R1-2", "place 5 of R1-3"]
    assert all(h.ready for h in reps.values())
    second = progress.heat("R2-1")
    assert second.status is HeatStatus.VIRTUAL
    assert second.riders[:3] == [r1["R1-1"][0], r1["R1-3"][0], r1["R1-2"][1]]


def test_heat_ids() -> None:
    assert heat_id("1/8-3", 1, 1) == "1/8-3"
    assert heat_id("1/4-2", 3, 3) == "1/4-2#3"
