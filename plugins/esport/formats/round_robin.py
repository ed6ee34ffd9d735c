"""Round robin: everyone meets everyone in the group, once (or twice with ``cycles=2``).

Option ``groups`` splits the field by snake seeding; the order of play and home/away follow
the FIDE Berger tables. Draws are allowed (a result with ``winner=None``). Standings are
per group with the tournament's tiebreakers (default: match wins, head-to-head, game
difference, game wins); across groups, entrants are ordered by their place in their group
and then by seed, because raw counts are not comparable between groups of different sizes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from podium.core.i18n import gettext_noop
from podium.plugins.esport.formats import grouping
from podium.plugins.esport.formats.common import best_of_options
from podium.tournaments.engine import (
    BaseFormat,
    BracketState,
    Drawing,
    Entrant,
    OptionSpec,
    StandingRow,
    first_still_in,
    rank_rows,
)

GROUP_OPTIONS = (
    OptionSpec(
        "groups",
        "int",
        default=1,
        label=gettext_noop("Groups"),
        help=gettext_noop("Number of groups, filled by snake seeding (1,4,5,8 / 2,3,6,7)."),
        minimum=1,
        maximum=64,
    ),
    OptionSpec(
        "cycles",
        "choice",
        default=1,
        label=gettext_noop("Cycles"),
        help=gettext_noop("1: everyone meets once; 2: twice, home and away swapped."),
        choices=(1, 2),
    ),
)

RR_TIEBREAKERS = ("match_wins", "head_to_head", "game_difference", "game_wins")
#: The most matches a round robin creates: one group of 256 playing once (32,640). Every
#: pair plays, so the count grows with the square of the field (600 entrants would be
#: 179,700 matches); bigger fields are split into groups.
MAX_GROUP_MATCHES = 256 * 255 // 2


def groups_needed(
    fmt: BaseFormat, entrants: int, options: Mapping[str, Any], limit: int
) -> int | None:
    """The fewest groups that bring ``entrants`` within ``limit`` matches (``None``: not
    even the most groups the option allows)."""
    most = min(GROUP_OPTIONS[0].maximum or 1, entrants // 2)
    for groups in range(max(int(options["groups"]), 1), most + 1):
        if fmt.match_count(entrants, {**options, "groups": groups}) <= limit:
            return groups
    return None


class RoundRobin(BaseFormat):
    """All-play-all in one or more groups."""

    name = "round_robin"
    label = gettext_noop("Round robin")
    description = gettext_noop("Everyone in a group plays everyone else (Berger order), once or twice.")
    allows_draws = True
    default_tiebreakers = RR_TIEBREAKERS
    max_matches = MAX_GROUP_MATCHES
    option_specs = (
        *GROUP_OPTIONS,
        best_of_options()[0],
        BaseFormat.tiebreaker_option(RR_TIEBREAKERS),
    )

    def drawing(self, stage: int, bracket: str) -> Drawing:
        """A table per group with the matches of its current round."""
        return Drawing.GROUPS

    def match_count(self, entrants: int, options: Mapping[str, Any]) -> int:
        """Every pair of each group, once per cycle."""
        return grouping.group_match_count(entrants, options["groups"], options["cycles"])

    def too_many_matches(self, entrants: int, options: Mapping[str, Any], limit: int) -> str:
        """The count, the limit, and the number of groups that would fit."""
        return too_many_in_groups(self, entrants, options, limit)

    def check_entrants(self, entrants: Sequence[Entrant], options: Mapping[str, Any]) -> None:
        """Every group needs two entrants at least."""
        super().check_entrants(entrants, options)
        if options["groups"] * 2 > len(entrants):
            raise ValueError(
                f"{options['groups']} groups need at least {options['groups'] * 2} entrants"
            )

    def _build(self, state: BracketState) -> None:
        o = state.options
        state.extra["groups"] = grouping.build_groups(
            state,
            [e.id for e in state.entrants],
            o["groups"],
            cycles=o["cycles"],
            best_of=o["best_of"],
        )

    def _summarise(self, state: BracketState) -> None:
        info = state.extra["groups"]
        state.extra["complete"] = all(
            grouping.group_complete(state, info, g) for g in info["groups"]
        )
        if state.extra["complete"] and len(info["groups"]) == 1:
            # The best placed still in: one disqualified after the last match is not champion.
            state.extra["champion"] = first_still_in(state.entrants, self.standings(state))
        else:
            state.extra["champion"] = None

    def group_standings(self, state: BracketState) -> dict[str, list[StandingRow]]:
        """Each group's table, by group name."""
        info = state.extra["groups"]
        tb = self.tiebreakers(state)
        return {g: grouping.group_standings(state, info, g, tb) for g in info["groups"]}

    def standings(self, state: BracketState) -> list[StandingRow]:
        """One group: its table. Several: by place in group, then seed."""
        tables = self.group_standings(state)
        if len(tables) == 1:
            return next(iter(tables.values()))
        return merge_group_tables(state, tables)


def too_many_in_groups(
    fmt: BaseFormat, entrants: int, options: Mapping[str, Any], limit: int
) -> str:
    """Why a grouped field is too big, suggesting the number of groups that fits."""
    count = fmt.match_count(entrants, options)
    groups = int(options["groups"])
    head = (
        f"{fmt.label} with {entrants:,} entrants in {groups} group{'s' if groups > 1 else ''} "
        f"would create {count:,} matches; at most {limit:,} are allowed per tournament"
    )
    need = groups_needed(fmt, entrants, options, limit)
    if need is not None:
        return f"{head}: split the field into {need} groups or more (option groups)"
    return f"{head}: split the field into groups, or run fewer entrants"


def merge_group_tables(
    state: BracketState, tables: dict[str, list[StandingRow]]
) -> list[StandingRow]:
    """Interleave group tables: every group's first, then every second... (seed breaks ties)."""
    by_id = {row.entrant_id: row for rows in tables.values() for row in rows}
    entrants = [e for e in state.entrants if e.id in by_id]
    rows = rank_rows(
        entrants,
        {},
        (),
        primary=lambda x: (by_id[x].rank,),
        status=lambda x: by_id[x].status,
        extra_values=lambda x: dict(by_id[x].values),
    )
    return rows


FORMAT = RoundRobin()
