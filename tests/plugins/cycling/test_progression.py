"""Progression tables: loading and validation, the label grammar, and worked examples of
the resolver on the shipped sprint and keirin tables (DOMAIN.md)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from podium.plugins.cycling.progression import (
    HeatResult,
    HeatStatus,
    LabelError,
    ProgressionTable,
    RiderResult,
    TableError,
    all_tables,
    exits,
    heat_id,
    load_table,
    load_table_file,
    parse_label,
    parse_table,
    resolve,
    tables_for,
    verify_table,
)
from podium.plugins.cycling.progression.labels import SourceKind, SourceRef
from podium.tests.plugins.cycling.support import field

# Pure code: the PostgreSQL pass of the suite skips it (``-m 'not pure'``).
pytestmark = pytest.mark.pure

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
    # The world-level table is the default (preference); the Olympic one is offered too.
    assert [t.id for t in tables_for("sprint", 28)] == ["uci-sprint-28", "uci-sprint-olympic-24"]
    assert [t.id for t in tables_for("sprint", 25)] == ["uci-sprint-olympic-24", "uci-sprint-8"]
    assert [t.id for t in tables_for("sprint", 12)] == ["uci-sprint-8"]
    assert [t.id for t in tables_for("keirin", 17)] == ["uci-keirin-15-20"]
    assert [t.id for t in tables_for("keirin", 3)] == ["uci-keirin-7"]
    assert [t.id for t in tables_for("keirin", 10)] == ["venue-keirin-8-11"]
    assert tables_for("keirin", 50) == [] and tables_for("hammer throw", 8) == []
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
        (("classification:", "groups: {spare: {of: [seed 1]}}\nclassification:"), "group spare: never used"),
        (("ranks 3-* of Q]", "ranks 3-* of group G]"), "no group 'G'"),
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


def test_contests_past_the_end_of_a_small_field_are_not_ridden() -> None:
    # A consolation race for qualifying ranks 5 and below: empty with 3 or 4 riders.
    text = MINIMAL.replace(
        "classification: [winner of F, loser of F, ranks 3-* of Q]",
        """  - id: C
    name: Consolation
    kind: final
    format: race
    after: [Q]
    contests: [{id: C, slots: ["ranks 5-* of Q"]}]
classification: [winner of F, loser of F, ranks 3-4 of Q, places 1-* of C]""",
    ).replace("{min: 2, max: 4}", "{min: 2, max: 6}")
    table = parse_table(text, "t.yaml")
    progress = resolve(table, field(4), {"Q": times([101, 102, 103, 104]), "F": places(102, 101)})
    consolation = progress.heat("C")
    assert consolation.riders == [] and consolation.status is HeatStatus.UNNEEDED
    assert not consolation.ready and progress.complete
    assert [r for _, r in progress.classification] == [102, 101, 103, 104]
    assert verify_table(table) == []


def test_verify_table_finds_riders_without_a_place() -> None:
    table = parse_table(MINIMAL, "t.yaml")
    assert verify_table(table) == []
    broken = parse_table(MINIMAL.replace(", ranks 3-* of Q]", "]"), "t.yaml")
    assert verify_table(broken, [3]) == [
        "t, 3 riders, favourites winning: seeds [3] get no place",
        "t, 3 riders, outsiders winning: seeds [1] get no place",
    ]
    doubled = parse_table(MINIMAL.replace("ranks 3-* of Q]", "ranks 2-* of Q]"), "t.yaml")
    assert "seeds [2] get two places" in verify_table(doubled, [2])[0]


@pytest.mark.parametrize("table", all_tables(), ids=lambda t: t.id)
def test_shipped_tables_verify_at_both_ends_of_their_range(table: ProgressionTable) -> None:
    assert verify_table(table, {table.riders.min, table.riders.max}) == []


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
    # The UCI table's two repechages: places 3-7, riders of one heat spread over both.
    assert reps["REP-1"].sources[:4] == [
        "place 3 of R1-1", "place 4 of R1-1", "place 4 of R1-2", "place 5 of R1-2"]
    assert all(h.ready for h in reps.values())
    second = progress.heat("R2-1")
    assert second.status is HeatStatus.VIRTUAL
    assert second.riders[:3] == [r1["R1-1"][0], r1["R1-3"][0], r1["R1-2"][1]]


def test_keirin_covers_every_field_from_2_to_49_with_one_table() -> None:
    """DOMAIN.md's field sizes (12-14, 15-20, 21, 22-28, 29-42, 43-49), the venue's own
    8-11 and the single final up to 7: exactly one table for each size."""
    expected = {**{n: "uci-keirin-7" for n in range(2, 8)},
                **{n: "venue-keirin-8-11" for n in range(8, 12)},
                **{n: "uci-keirin-12-14" for n in range(12, 15)},
                **{n: "uci-keirin-15-20" for n in range(15, 21)}, 21: "uci-keirin-21",
                **{n: "uci-keirin-22-28" for n in range(22, 29)},
                **{n: "uci-keirin-29-42" for n in range(29, 43)},
                **{n: "uci-keirin-43-49" for n in range(43, 50)}}
    for n, table_id in expected.items():
        assert [t.id for t in tables_for("keirin", n)] == [table_id], n
    # Only the venue's file says it is not the UCI's.
    assert "VENUE'S OWN CHOICE" in (TABLES_DIR / "venue-keirin-8-11.yaml").read_text()


@pytest.mark.parametrize(("table_id", "n", "heats"), [
    ("uci-keirin-12-14", 14, [[1, 4, 5, 8, 9, 12, 13], [2, 3, 6, 7, 10, 11, 14]]),
    ("uci-keirin-21", 21, [[1, 6, 7, 12, 13, 18, 19], [2, 5, 8, 11, 14, 17, 20],
                           [3, 4, 9, 10, 15, 16, 21]]),
    ("uci-keirin-29-42", 30, [[1, 12, 13, 24, 25], [2, 11, 14, 23, 26], [3, 10, 15, 22, 27],
                              [4, 9, 16, 21, 28], [5, 8, 17, 20, 29], [6, 7, 18, 19, 30]]),
    ("uci-keirin-43-49", 49, [[k, 15 - k, 14 + k, 29 - k, 28 + k, 43 - k, 42 + k]
                              for k in range(1, 8)]),
])
def test_keirin_first_rounds_are_serpentine(table_id: str, n: int, heats: list[list[int]]) -> None:
    progress = resolve(load_table(table_id), field(n), {})
    got = [[r - 100 for r in h.riders if r] for h in progress.heats if h.phase_id == "R1"]
    assert got == heats


def test_keirin_43_49_winners_and_repechage_riders_make_the_second_round() -> None:
    table = load_table("uci-keirin-43-49")
    progress = resolve(table, field(49), {})
    r1 = {h.heat_id: [r for r in h.riders if r] for h in progress.heats if h.phase_id == "R1"}
    results = {hid: places(*riders) for hid, riders in r1.items()}
    progress = resolve(table, field(49), results)
    reps = [h for h in progress.heats if h.phase_id == "REP"]
    # Places 2-7 of the 7 heats: 42 riders over 6 repechages of 7, one per first heat.
    assert [len(h.riders) for h in reps] == [7] * 6
    assert all(len({s.split(" of ")[1] for s in h.sources}) == 7 for h in reps)
    results |= {h.heat_id: places(*[r for r in h.riders if r]) for h in reps}
    progress = resolve(table, field(49), results)
    second = [h for h in progress.heats if h.phase_id == "R2"]
    assert [len([r for r in h.riders if r]) for h in second] == [6, 6, 7]
    winners = {r1[f"R1-{k}"][0] for k in range(1, 8)}
    assert winners <= {r for h in second for r in h.riders}


def test_results_for_no_heat_are_reported() -> None:
    progress = resolve(load_table("uci-sprint-8"), field(8), _qualify(8) | {"1/4-9#1": places(101, 108)})
    assert progress.unknown_results == ["1/4-9#1"]


def test_exits_say_where_each_position_leads() -> None:
    sprint = exits(load_table("uci-sprint-28"), 30)
    assert sprint["winner of 1/16-12"] == ["1/8-1"]
    assert sprint["loser of 1/8-3"] == ["group R8-losers"]
    assert sprint["group R8-losers"] == ["places 9-16"]
    assert sprint["rank 1 of group R8-losers"] == ["place 9"]
    assert sprint["rank 1 of Q"] == ["1/8-1"] and sprint["rank 29 of Q"] == ["place 29"]
    assert sprint["loser of 1/2-1"] == ["final-3"] and sprint["winner of final-1"] == ["place 1"]
    pursuit = exits(load_table("uci-team-pursuit-8"), 9)
    assert pursuit["winner of R1-1"] == ["group R1-rest"]
    assert pursuit["rank 1 of group R1-rest"] == ["final-3"]
    assert pursuit["rank 3 of group R1-rest"] == ["place 5"]
    keirin = exits(load_table("uci-keirin-15-20"), 16)
    assert keirin["place 3 of R1-1"] == ["REP-1"] and keirin["place 2 of R1-1"] == ["R2-2"]
    assert keirin["place 3 of R1-2"] == ["REP-2"] and keirin["winner of REP-2"] == ["R2-2"]
    # Every position of every contest leads somewhere, in every shipped table.
    for table in all_tables():
        for n in {table.riders.min, table.riders.max}:
            where = exits(table, n)
            progress = resolve(table, field(n), {})
            for contest in progress.contests:
                count = len(contest.riders)
                if table.discipline == "omnium":
                    continue  # its races feed the omnium points, not a position
                for position in range(1, count + 1):
                    labels = [
                        f"winner of {contest.contest_id}", f"loser of {contest.contest_id}",
                        f"place {position} of {contest.contest_id}",
                        f"rank {position} of {contest.phase_id}",
                    ]
                    mine = labels[0] if position == 1 else labels[1] if position == 2 and count == 2 else labels[2]
                    if len(table.phase(contest.phase_id).contests) == 1:
                        mine = labels[3]
                    assert where.get(mine), (table.id, n, mine)


def test_heat_ids() -> None:
    assert heat_id("1/8-3", 1, 1) == "1/8-3"
    assert heat_id("1/4-2", 3, 3) == "1/4-2#3"


# ------------------------------------------------------- pursuit, team sprint, TT
def _timed(times_by_rider: dict[int, int]) -> HeatResult:
    return HeatResult([RiderResult(r, time_ms=t) for r, t in times_by_rider.items()])


def test_team_sprint_the_two_fastest_winners_ride_for_gold() -> None:
    table = load_table("uci-team-sprint-8")
    results = _qualify(9)
    progress = resolve(table, field(9), results)
    assert [h.riders for h in progress.heats if h.phase_id == "R1"] == [
        [101, 108], [102, 107], [103, 106], [104, 105],
    ]  # fmt: skip
    # Winners 101 (43.0), 107 (42.8), 103 (43.5), 105 (42.9): gold 107 v 105, bronze 101 v 103.
    results |= {
        "R1-1": _timed({101: 43_000, 108: 44_000}),
        "R1-2": _timed({102: 43_100, 107: 42_800}),
        "R1-3": _timed({103: 43_500, 106: 43_600}),
        "R1-4": _timed({104: 43_050, 105: 42_900}),
    }
    progress = resolve(table, field(9), results)
    assert progress.heat("final-1").riders == [107, 105]
    assert progress.heat("final-3").riders == [101, 103]
    results |= {"final-1": _timed({107: 42_700, 105: 42_600}), "final-3": _timed({101: 1, 103: 2})}
    progress = resolve(table, field(9), results)
    # Losers 5-8 by first-round time: 104 (43.05), 102 (43.1), 106 (43.6), 108 (44.0).
    assert progress.classification == [
        (1, 105), (2, 107), (3, 101), (4, 103), (5, 104), (6, 102), (7, 106), (8, 108), (9, 109),
    ]  # fmt: skip


def test_team_pursuit_last_two_heat_winners_for_gold_best_two_others_for_bronze() -> None:
    table = load_table("uci-team-pursuit-8")
    results = _qualify(8)
    progress = resolve(table, field(8), results)
    assert [h.riders for h in progress.heats if h.phase_id == "R1"] == [
        [106, 107], [105, 108], [102, 103], [101, 104],
    ]  # fmt: skip
    results |= {
        "R1-1": _timed({106: 230_000, 107: 231_000}),
        "R1-2": _timed({105: 229_500, 108: 232_000}),
        "R1-3": _timed({102: 229_000, 103: 229_800}),
        # 104 is caught: no time, it loses its heat.
        "R1-4": HeatResult([RiderResult(101, time_ms=228_000), RiderResult(104, place=2)]),
    }
    progress = resolve(table, field(8), results)
    assert progress.heat("final-1").riders == [101, 102]
    # The rest by time: 105 (229.5), 103 (229.8), 106, 107, 108, then 104 (no time).
    assert progress.heat("final-3").riders == [105, 103]
    results |= {"final-1": _timed({101: 1, 102: 2}), "final-3": _timed({105: 1, 103: 2})}
    places_ = resolve(table, field(8), results).classification
    assert [r for _, r in places_] == [101, 102, 105, 103, 106, 107, 108, 104]


def test_individual_pursuit_finals_from_qualifying() -> None:
    table = load_table("uci-individual-pursuit")
    progress = resolve(table, field(6), _qualify(6))
    assert progress.heat("final-1").riders == [101, 102]
    assert progress.heat("final-3").riders == [103, 104]
    assert progress.classification == [(5, 105), (6, 106)]


def test_time_trial_equal_times_share_a_place() -> None:
    table = load_table("uci-time-trial")
    result = HeatResult(
        [
            RiderResult(101, time_ms=61_000),
            RiderResult(102, time_ms=60_500),
            RiderResult(103, time_ms=61_000),
            RiderResult(104, status="DNF"),
        ]
    )
    progress = resolve(table, field(4), {"TT": result})
    assert progress.classification == [(1, 102), (2, 101), (2, 103), (4, 104)]


def test_omnium_classification_is_the_scoring_engines() -> None:
    from podium.plugins.cycling.scoring import OmniumKind, OmniumRace, omnium_standings

    table = load_table("uci-omnium")
    riders = [101, 102, 103]
    results = {
        "S": places(101, 102, 103),
        "T": places(102, 101, 103),
        "E": places(103, 101, 102),
        "P": HeatResult(
            [
                RiderResult(101, place=3, points=5, final_sprint_place=2),
                RiderResult(102, place=2, points=3, laps=1, final_sprint_place=3),
                RiderResult(103, place=1, points=25, final_sprint_place=1),
            ]
        ),
    }
    progress = resolve(table, field(3), results)
    kinds: tuple[OmniumKind, ...] = ("scratch", "tempo", "elimination", "points")
    engine = omnium_standings(
        [OmniumRace(k, results[p].riders) for k, p in zip(kinds, "STEP", strict=True)]
    )
    assert progress.classification == [(s.place, s.rider_id) for s in engine]
    assert [r for _, r in progress.classification] == [103, 102, 101]
    assert sorted(riders) == sorted(r for _, r in progress.classification)


def test_bunch_heats_send_the_first_twelve_of_each_to_the_final() -> None:
    table = load_table("uci-points-heats-48")
    progress = resolve(table, field(30), {})
    heat_sizes = [len(h.riders) for h in progress.heats if h.phase_id == "H"]
    assert heat_sizes == [15, 15]
    assert len(progress.heat("F").riders) == 24
    assert tables_for("points", 24)[0].id == "uci-points-24"
    assert tables_for("points", 25)[0].id == "uci-points-heats-48"


def test_olympic_sprint_repechages_feed_the_next_round() -> None:
    table = load_table("uci-sprint-olympic-24")
    results = _qualify(30)
    progress = resolve(table, field(30), results)
    pairs = [h.riders for h in progress.heats if h.phase_id == "R32"]
    assert pairs == [[100 + k, 125 - k] for k in range(1, 13)]  # 1 v 24 ... 12 v 13
    assert progress.heat("rep32-1").sources == [
        "loser of 1/32-1", "loser of 1/32-8", "loser of 1/32-9",
    ]  # fmt: skip
    assert progress.heat("1/16-1").sources == ["winner of 1/32-1", "winner of rep32-4"]
    # The favourites win every 1/32 final: the repechages hold ranks 13-24.
    for k in range(1, 13):
        results[f"1/32-{k}"] = places(100 + k, 125 - k)
    progress = resolve(table, field(30), results)
    assert progress.heat("rep32-1").riders == [124, 117, 116]
    assert progress.heat("1/16-5").riders == [105, 112]
    assert progress.heat("final-5").sources[0] == "loser of 1/4-1"
    assert progress.classification[0] == (25, 125)


def _favourites_win(table_id: str, n: int) -> list[tuple[int, int]]:
    """Play a table with the better qualifier (lower id) winning every heat."""
    table = load_table(table_id)
    results: dict[str, HeatResult] = {}
    while True:
        progress = resolve(table, field(n), results)
        ready = [h for h in progress.heats if h.ready]
        if not ready:
            return list(progress.classification)
        for heat in ready:
            riders = sorted(r for r in heat.riders if r is not None)
            fmt = table.phase(heat.phase_id).format
            results[heat.heat_id] = times(riders) if fmt == "timed" else places(*riders)


@pytest.mark.parametrize("table_id", ["uci-sprint-28", "uci-sprint-8", "uci-sprint-olympic-24"])
def test_sprint_when_the_favourites_win_the_places_are_the_qualifying_order(table_id: str) -> None:
    # The fold pairs fastest v slowest in every round and losers are placed by qualifying
    # rank, so favourites winning every race end in qualifying order: 1 and 2 meet only in
    # the final, 3 and 4 in the race for bronze.
    table = load_table(table_id)
    for n in {table.riders.min, table.riders.max}:
        assert _favourites_win(table_id, n) == [(i, 100 + i) for i in range(1, n + 1)]


@pytest.mark.parametrize("table", [t for t in all_tables() if t.discipline == "keirin"], ids=lambda t: t.id)
def test_keirin_heats_hold_at_most_seven_riders(table: ProgressionTable) -> None:
    for n in range(table.riders.min, table.riders.max + 1):
        for heat in resolve(table, field(n), {}).heats:
            assert 1 <= len(heat.riders) <= 7, (n, heat.heat_id, len(heat.riders))


_KINDS: list[SourceKind] = ["seed", "rank", "place", "group"]


@settings(max_examples=80, deadline=None)
@given(
    st.sampled_from(_KINDS),
    st.from_regex(r"[A-Za-z0-9/\-]{1,8}", fullmatch=True),
    st.integers(1, 99),
)
def test_a_position_label_reads_back_as_itself(kind: SourceKind, target: str, position: int) -> None:
    ref = SourceRef(kind, "" if kind == "seed" else target, position, position)
    again = parse_label(ref.at(position))
    # "winner of" and "loser of" read back as places 1 and 2.
    assert (again.kind, again.target, again.first, again.last) == (ref.kind, ref.target, position, position)
