"""Seeding helpers: spreading the riders of one team over a first round's heats.

Keirin heats (and the bunch races' qualifying heats) are seeded serpentine from the field's
order (A: 1, 4, 5, 8...; B: 2, 3, 6, 7...), and riders of one team are spread over the
heats where possible (DOMAIN.md). The table names its first-round slots by seed, so
spreading is a change to the field's order: :func:`spread_teams` swaps a rider who would
join a team-mate's heat with the nearest lower-seeded rider of another heat, never moving
a higher seed, and returns the new order to pass to ``resolve``.
"""

from __future__ import annotations

from collections.abc import Sequence

from podium.plugins.cycling.progression.labels import parse_label
from podium.plugins.cycling.progression.model import ProgressionTable, SeededRider


def first_round_heats(table: ProgressionTable, riders: int) -> dict[int, str]:
    """Seed position → contest id, for the first phase's slots named by seed."""
    heat_of: dict[int, str] = {}
    for contest in table.phases[0].contests:
        for label in contest.slots:
            ref = parse_label(label)
            if ref.kind != "seed":
                continue
            last = riders if ref.last is None else min(ref.last, riders)
            for position in range(ref.first, last + 1):
                heat_of[position] = contest.id
    return heat_of


def team_clashes(table: ProgressionTable, field: Sequence[SeededRider]) -> int:
    """How many riders share a first-round heat with an earlier team-mate."""
    heat_of = first_round_heats(table, len(field))
    seen: set[tuple[str, str]] = set()
    clashes = 0
    for position, rider in enumerate(field, start=1):
        heat = heat_of.get(position)
        if heat is None or rider.team is None:
            continue
        if (heat, rider.team) in seen:
            clashes += 1
        seen.add((heat, rider.team))
    return clashes


def spread_teams(table: ProgressionTable, field: Sequence[SeededRider]) -> list[SeededRider]:
    """The field reordered so that team-mates ride different first-round heats where the
    heats allow it (see the module docstring). Riders without a team never clash; a table
    whose first phase has a single contest is returned unchanged."""
    order = list(field)
    heat_of = first_round_heats(table, len(order))
    if len(set(heat_of.values())) < 2:
        return order

    def teams_in(heat: str, skip: int) -> list[str | None]:
        return [
            order[p - 1].team for p, h in heat_of.items() if h == heat and p != skip and p <= len(order)
        ]

    for position in range(1, len(order) + 1):
        heat = heat_of.get(position)
        team = order[position - 1].team
        if heat is None or team is None:
            continue
        mates = [
            p for p, h in heat_of.items()
            if h == heat and p < position and order[p - 1].team == team
        ]
        if not mates:
            continue
        # The nearest lower seed in another heat whose move clashes with nobody.
        for other in range(position + 1, len(order) + 1):
            other_heat = heat_of.get(other)
            if other_heat is None or other_heat == heat:
                continue
            incoming = order[other - 1].team
            if team in teams_in(other_heat, other):
                continue
            if incoming is not None and incoming in teams_in(heat, position):
                continue
            order[position - 1], order[other - 1] = order[other - 1], order[position - 1]
            break
    return order
