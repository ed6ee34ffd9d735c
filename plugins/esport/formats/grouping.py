"""Round-robin groups, shared by ``round_robin`` and the group stage of ``groups_playoffs``.

* Groups are filled by snake seeding (1,4,5,8 / 2,3,6,7) and named A, B, C...
* Inside a group, members are numbered by seed and play in FIDE Berger-table order, which
  also fixes home (first slot) and away. An odd group gets a dummy: whoever meets it rests
  that round (no match is created for a rest).
* ``cycles=2`` plays everything twice, the second cycle with home and away swapped; its
  rounds continue the numbering.
* Keys are ``{group}-R{round}-{table}``, the bracket is the group's name.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from podium.tournaments.engine import (
    BracketState,
    Match,
    MatchStatus,
    StandingRow,
    collect_records,
    group_name,
    rank_rows,
    snake,
)


def group_match_count(entrants: int, groups: int, cycles: int = 1) -> int:
    """How many matches ``entrants`` split into ``groups`` (snake seeding: sizes differ by
    one at most) play, each pair ``cycles`` times; computed, nothing built."""
    if groups < 1 or entrants < 2:
        return 0
    size, bigger = divmod(entrants, groups)
    pairs = (groups - bigger) * (size * (size - 1) // 2) + bigger * ((size + 1) * size // 2)
    return pairs * cycles


def berger_rounds(n: int) -> list[list[tuple[int, int]]]:
    """The FIDE Berger tables for ``n`` players: per round, (home, away) by Berger number.

    Round 1 for six is ``1-6 2-5 3-4``, round 2 ``6-4 5-3 1-2``... Player n (or the dummy
    n+1 when n is odd) sits at table 1, alternating colours; pairs involving the dummy are
    dropped (that player rests).
    """
    if n < 2:
        return []
    m = n if n % 2 == 0 else n + 1
    rounds: list[list[tuple[int, int]]] = []
    for r in range(1, m):
        x = ((r - 1) * (m // 2)) % (m - 1)
        table = [(x + 1, m) if r % 2 else (m, x + 1)]
        for d in range(1, m // 2):
            table.append(((x + d) % (m - 1) + 1, (x - d) % (m - 1) + 1))
        rounds.append([(h, a) for h, a in table if h <= n and a <= n])
    return rounds


def build_groups(
    state: BracketState,
    members: Sequence[Any],
    groups: int,
    *,
    cycles: int = 1,
    best_of: int = 1,
    stage: int = 1,
) -> dict[str, Any]:
    """Add the group matches for ``members`` (entrant ids, best seed first).

    Returns ``{"groups": {name: [ids]}, "matches": {name: [indices]}, "stage": stage}``.
    """
    info: dict[str, Any] = {"groups": {}, "matches": {}, "stage": stage}
    for gi, group in enumerate(snake(list(members), groups)):
        name = group_name(gi)
        info["groups"][name] = list(group)
        indices: list[int] = []
        schedule = berger_rounds(len(group))
        per_cycle = len(schedule)
        for cycle in range(cycles):
            for r, table in enumerate(schedule, start=1):
                rnd = r + cycle * per_cycle
                for t, (h, a) in enumerate(table, start=1):
                    home, away = group[h - 1], group[a - 1]
                    if cycle % 2:
                        home, away = away, home  # the return leg swaps home and away
                    m = Match(
                        f"{name}-R{rnd}-{t}",
                        stage,
                        name,
                        rnd,
                        t,
                        best_of,
                        (("entrant", home), ("entrant", away)),
                    )
                    indices.append(state.add(m).index)
        info["matches"][name] = indices
    return info


def group_complete(state: BracketState, info: dict[str, Any], name: str) -> bool:
    """Every match of the group is decided."""
    return all(state.matches[i].status is MatchStatus.COMPLETED for i in info["matches"][name])


def group_standings(
    state: BracketState, info: dict[str, Any], name: str, tiebreakers: Sequence[str]
) -> list[StandingRow]:
    """The table of one group, with the tournament's tiebreakers (records of that group)."""
    members = set(info["groups"][name])
    entrants = [e for e in state.entrants if e.id in members]
    records = collect_records(entrants, (state.matches[i] for i in info["matches"][name]))
    complete = group_complete(state, info, name)
    rows = rank_rows(
        entrants,
        records,
        tiebreakers,
        status=lambda _x: "finished" if complete else "active",
        extra_values=lambda x: {
            "group": name,
            "played": records[x].played,
            "wins": records[x].wins,
            "draws": records[x].draws,
            "losses": records[x].losses,
        },
    )
    for row in rows:
        row.values["group_rank"] = row.rank
    return rows
