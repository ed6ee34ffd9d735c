"""Spreading team-mates over a first round's heats (keirin, bunch heats)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from podium.plugins.cycling.progression import (
    SeededRider,
    load_table,
    resolve,
    spread_teams,
    team_clashes,
)

# Pure code: the PostgreSQL pass of the suite skips it (``-m 'not pure'``).
pytestmark = pytest.mark.pure

KEIRIN = load_table("uci-keirin-15-20")


def test_serpentine_team_mates_are_moved_to_another_heat() -> None:
    # Seeds 1 and 6 ride heat 1 (1, 6, 7, 12...): both FRA. Seed 7 (GER) is next in heat 1;
    # the nearest lower seed of another heat is 8 (heat 2), so 6 and 8 swap.
    field = [SeededRider(100 + i, team="X" + str(i)) for i in range(1, 16)]
    field[0] = SeededRider(101, team="FRA")
    field[5] = SeededRider(106, team="FRA")
    assert team_clashes(KEIRIN, field) == 1
    spread = spread_teams(KEIRIN, field)
    assert team_clashes(KEIRIN, spread) == 0
    assert [r.rider_id for r in spread][:8] == [101, 102, 103, 104, 105, 108, 107, 106]
    heats = [h.riders for h in resolve(KEIRIN, spread, {}).heats if h.phase_id == "R1"]
    assert 101 in heats[0] and 106 in heats[1]


def test_a_single_heat_first_round_is_left_alone() -> None:
    field = [SeededRider(i, team="FRA") for i in range(1, 6)]
    assert spread_teams(load_table("uci-keirin-7"), field) == field


@settings(max_examples=60, deadline=None)
@given(st.integers(15, 20).flatmap(
    lambda n: st.lists(st.sampled_from(["FRA", "GER", "NED", "GBR", "JPN", None]), min_size=n, max_size=n)
))
def test_spreading_never_adds_clashes_and_keeps_the_field(teams: list[str | None]) -> None:
    field = [SeededRider(i + 1, team=t) for i, t in enumerate(teams)]
    spread = spread_teams(KEIRIN, field)
    assert sorted(r.rider_id for r in spread) == [r.rider_id for r in field]
    assert team_clashes(KEIRIN, spread) <= team_clashes(KEIRIN, field)
    # The best seed of each team keeps its place.
    for team in {t for t in teams if t is not None}:
        first = next(r for r in field if r.team == team)
        assert spread.index(first) <= field.index(first)


# ------------------------------------------------- the console's seeding orders (pure)
entries_st = st.lists(st.integers(1, 10_000), min_size=0, max_size=30, unique=True)


@settings(max_examples=200, deadline=None)
@given(ids=entries_st, data=st.data())
def test_order_by_points_is_a_stable_sort_by_points(ids: list[int], data: st.DataObject) -> None:
    from podium.plugins.cycling.service import order_by_points

    entries = [{"rider": i} for i in ids]
    points = {i: data.draw(st.none() | st.integers(0, 50)) for i in ids}
    order = order_by_points(entries, points)
    assert sorted(order) == sorted(ids)  # every entry once
    with_points = [i for i in order if points[i] is not None]
    assert order[:len(with_points)] == with_points  # entries without points come last
    values = [points[i] or 0 for i in with_points]
    assert values == sorted(values, reverse=True)
    position = {i: k for k, i in enumerate(ids)}
    for a, b in zip(order, order[1:]):  # ties keep the current order
        if points[a] == points[b]:
            assert position[a] < position[b]


@settings(max_examples=200, deadline=None)
@given(ids=entries_st, data=st.data())
def test_order_by_positions_puts_typed_positions_first(ids: list[int], data: st.DataObject) -> None:
    from podium.plugins.cycling.service import order_by_positions

    entries = [{"rider": i} for i in ids]
    positions = {i: data.draw(st.none() | st.integers(1, 40)) for i in ids}
    order = order_by_positions(entries, positions)
    assert sorted(order) == sorted(ids)
    # Typing every position as the current one changes nothing.
    assert order_by_positions(entries, {i: k + 1 for k, i in enumerate(ids)}) == ids
    # A rider typed at 1 comes before every rider typed later or left where it was (2+).
    firsts = [i for i in ids if positions[i] == 1]
    assert order[:len(firsts)] == firsts
