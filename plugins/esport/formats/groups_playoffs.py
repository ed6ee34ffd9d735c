"""Groups then playoffs: round-robin groups (stage 1), then the top K of each group seeded
into a single- or double-elimination bracket (stage 2).

Playoff seeding: all group winners first, then all runners-up, and so on; inside each tier
the groups are listed A→Z or Z→A, whichever keeps group-mates apart in the first round
(A1 v B2 and B1 v A2 for two groups). Reversing a whole tier keeps the fold's structure,
so when the favourites win, the standings still follow the seeding.

Until a group is complete its qualifiers' slots show ``{"source": "1st of A"}``; a later
correction in a group that changes who qualified re-flows into the playoffs (their results
become ``needs_replay`` where the participants changed).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from podium.core.i18n import _, gettext_noop
from podium.plugins.esport.formats import elimination as elim
from podium.plugins.esport.formats import grouping
from podium.plugins.esport.formats.common import best_of_options, require_odd_best_of
from podium.plugins.esport.formats.round_robin import (
    GROUP_OPTIONS,
    MAX_GROUP_MATCHES,
    RR_TIEBREAKERS,
    too_many_in_groups,
)
from podium.tournaments.engine import (
    BaseFormat,
    BracketState,
    Drawing,
    Entrant,
    Match,
    MatchKey,
    OptionSpec,
    ResultError,
    ResultFact,
    StandingRow,
    apply_result,
    collect_records,
    first_round,
    group_name,
    next_power_of_two,
    rank_rows,
    reflow,
)


def playoff_seed_refs(groups: int, advance: int) -> dict[int, tuple[str, str, int]]:
    """Playoff seed -> ``("rank", group, place)``.

    Tiers by group place (every group winner, then every runner-up...). Inside a tier the
    groups are listed either A→Z or Z→A: reversing a tier keeps the bracket's structure
    (its seeds are still a contiguous block dealt by the fold), so the favourites still
    finish in seed order; among the 2^K choices we take the one with the fewest
    first-round meetings of group-mates, then the one closest to the snake's direction
    (A→Z for odd places, Z→A for even ones), group winners A→Z first of all.
    """
    q = groups * advance
    pairs = [(a, b) for a, b in first_round(q) if b is not None]

    def build(directions: tuple[bool, ...]) -> list[tuple[int, int]]:
        return [
            (g, r)
            for r in range(1, advance + 1)
            for g in (range(groups) if directions[r - 1] else range(groups - 1, -1, -1))
        ]

    def cost(directions: tuple[bool, ...]) -> tuple[int, bool, int]:
        order = build(directions)
        clashes = sum(order[a - 1][0] == order[b - 1][0] for a, b in pairs)
        off_snake = sum(d != (r % 2 == 0) for r, d in enumerate(directions))
        # Keep A1 (the top seed's group winner) as playoff seed 1 whenever possible.
        return clashes, not directions[0], off_snake

    if advance <= 12:
        candidates = [
            tuple(bool(mask >> r & 1) for r in range(advance)) for mask in range(1 << advance)
        ]
        best = min(candidates, key=cost)
    else:  # pragma: no cover - nobody sends 13 per group; keep it linear anyway
        best = tuple(r % 2 == 0 for r in range(advance))
    order = build(best)
    return {s: ("rank", group_name(g), r) for s, (g, r) in enumerate(order, start=1)}


class GroupsPlayoffs(BaseFormat):
    """Round-robin groups feeding an elimination bracket."""

    name = "groups_playoffs"
    label = gettext_noop("Groups then playoffs")
    description = gettext_noop("Round-robin groups; the best of each group go on to an elimination bracket.")
    allows_draws = True
    default_tiebreakers = RR_TIEBREAKERS
    # Its groups are round robins: the same ceiling as the round robin format.
    max_matches = MAX_GROUP_MATCHES + 2 * 64 * 64
    option_specs = (
        *(
            (
                OptionSpec(s.name, s.kind, 2, s.label, s.help, s.choices, s.minimum, s.maximum)
                if s.name == "groups"
                else s
            )
            for s in GROUP_OPTIONS
        ),
        OptionSpec(
            "advance",
            "int",
            default=2,
            label=gettext_noop("Qualifiers per group"),
            help=gettext_noop("The top K of each group go to the playoffs."),
            minimum=1,
            maximum=64,
        ),
        OptionSpec(
            "playoff",
            "choice",
            default="single_elimination",
            label=gettext_noop("Playoff format"),
            choices=("single_elimination", "double_elimination"),
            choice_labels=(gettext_noop("Single elimination"), gettext_noop("Double elimination")),
        ),
        OptionSpec("third_place", "bool", default=False, label=gettext_noop("Third-place match")),
        OptionSpec(
            "grand_final",
            "choice",
            default="reset",
            label=gettext_noop("Grand final (double elimination)"),
            choices=("none", "single", "reset"),
            choice_labels=(gettext_noop("no grand final"), gettext_noop("one match"),
                           gettext_noop("with a bracket reset")),
        ),
        OptionSpec("group_best_of", "int", default=1, label=gettext_noop("Group best of"), minimum=1, maximum=99),
        *best_of_options(),
        BaseFormat.tiebreaker_option(RR_TIEBREAKERS),
    )

    def drawing(self, stage: int, bracket: str) -> Drawing:
        """The groups as tables (stage 1), the playoffs as a bracket tree (stage 2)."""
        return Drawing.GROUPS if stage == 1 else Drawing.TREE

    def validate_options(self, options: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Check the options (playoff best-of values must be odd)."""
        opts = super().validate_options(options)
        require_odd_best_of(opts)
        return opts

    def match_count(self, entrants: int, options: Mapping[str, Any]) -> int:
        """The group matches plus the playoff bracket of ``groups × advance`` qualifiers
        (byes count as matches)."""
        groups = grouping.group_match_count(entrants, options["groups"], options["cycles"])
        size = next_power_of_two(max(options["groups"] * options["advance"], 2))
        if options["playoff"] == "double_elimination":
            finals = {"none": 0, "single": 1, "reset": 2}[options["grand_final"]]
            return groups + 2 * size - 3 + finals
        return groups + size - 1 + (1 if options["third_place"] and size >= 4 else 0)

    def too_many_matches(self, entrants: int, options: Mapping[str, Any], limit: int) -> str:
        """The count, the limit, and the number of groups that would fit."""
        return too_many_in_groups(self, entrants, options, limit)

    def check_entrants(self, entrants: Sequence[Entrant], options: Mapping[str, Any]) -> None:
        """Each group must be larger than the number of qualifiers it sends on."""
        super().check_entrants(entrants, options)
        groups, advance = options["groups"], options["advance"]
        smallest = len(entrants) // groups
        if smallest < 2 or smallest < advance:
            raise ValueError(
                f"{groups} groups of {smallest} cannot send {advance} each to the playoffs"
            )
        if groups * advance < 2:
            raise ValueError("the playoffs need at least two qualifiers")

    # ------------------------------------------------------------------ building
    def _build(self, state: BracketState) -> None:
        o = state.options
        groups = grouping.build_groups(
            state,
            [e.id for e in state.entrants],
            o["groups"],
            cycles=o["cycles"],
            best_of=o["group_best_of"],
            stage=1,
        )
        state.extra["groups"] = groups
        refs = playoff_seed_refs(o["groups"], o["advance"])
        qualifiers = o["groups"] * o["advance"]
        first_index = len(state.matches)
        if o["playoff"] == "double_elimination":
            info = elim.build_double(
                state,
                qualifiers,
                grand_final=o["grand_final"],
                stage=2,
                best_of=o["best_of"],
                finals_best_of=o["finals_best_of"],
                seed_refs=refs,
            )
        else:
            info = elim.build_single(
                state,
                qualifiers,
                third_place=o["third_place"],
                stage=2,
                best_of=o["best_of"],
                finals_best_of=o["finals_best_of"],
                seed_refs=refs,
            )
        info["stage"] = 2
        state.extra["bracket"] = info
        state.extra["entry"] = [
            m.index for m in state.matches[first_index:] if any(ref[0] == "rank" for ref in m.refs)
        ]
        state.extra["summary_watch"] = elim.summary_watch(state, info)
        state.extra["tables"] = {}
        state.rank_resolver = lambda group, rank: self._qualifier(state, group, rank)

    def _qualifier(self, state: BracketState, group: str, rank: int) -> Any:
        """The entrant placed ``rank`` in ``group`` once the group is complete."""
        tables = state.extra["tables"]
        if group not in tables:
            info = state.extra["groups"]
            if not grouping.group_complete(state, info, group):
                tables[group] = None
            else:
                tables[group] = grouping.group_standings(state, info, group, self.tiebreakers(state))
        rows = tables[group]
        if rows is None or rank > len(rows):
            return None
        return rows[rank - 1].entrant_id

    def _summarise(self, state: BracketState) -> None:
        complete, champion = elim.summarise(state, state.extra["bracket"])
        state.extra["complete"] = complete
        state.extra["champion"] = champion

    def apply(self, state: BracketState, fact: ResultFact) -> list[MatchKey]:
        """Group results may change who qualifies: re-flow the playoff entry matches too."""
        m = state.by_key.get(fact.match)
        if m is None:
            raise ResultError("unknown_match", _("no match %(match)s in this tournament", match=f"{fact.match!r}"))
        state.results[fact.match] = fact
        changed = apply_result(state, m.index)
        if m.stage == 1:
            state.extra["tables"].pop(m.bracket, None)
            changed += [i for i in reflow(state, state.extra["entry"]) if i not in changed]
        self._summarise(state)
        return [state.matches[i].key for i in changed]

    def _check_outcome(self, state: BracketState, m: Match, fact: ResultFact) -> None:
        if m.stage == 2 and fact.winner is None and not fact.forfeit:
            raise ResultError("draw_not_allowed", _("playoff match %(key)s needs a winner", key=m.key))
        super()._check_outcome(state, m, fact)

    # ------------------------------------------------------------------ standings
    def group_standings(self, state: BracketState) -> dict[str, list[StandingRow]]:
        """Each group's table, by group name."""
        info = state.extra["groups"]
        tb = self.tiebreakers(state)
        return {g: grouping.group_standings(state, info, g, tb) for g in info["groups"]}

    def standings(self, state: BracketState) -> list[StandingRow]:
        """Playoff entrants by playoff finish, then everyone else by group place, then seed."""
        tables = self.group_standings(state)
        group_row = {r.entrant_id: r for rows in tables.values() for r in rows}
        info = state.extra["bracket"]
        in_playoffs = {
            x for m in state.matches if m.stage == 2 for x in m.participants if x is not None
        }
        keys = elim.placement_keys(state, info)
        complete, champion = elim.summarise(state, info)
        groups_done = all(grouping.group_complete(state, state.extra["groups"], g) for g in tables)

        def primary(x: Any) -> tuple[Any, ...]:
            if x in in_playoffs:
                return (0, *keys[x])
            return (1, group_row[x].rank)

        def status(x: Any) -> str:
            if champion is not None and x == champion:
                return "champion"
            if x in in_playoffs:
                key = keys[x]
                if key == (0, 1):
                    return "active"
                return "finished" if complete else "eliminated"
            return "eliminated" if groups_done else "active"

        records = collect_records(state.entrants, state.matches)
        return rank_rows(
            list(state.entrants),
            records,
            (),
            primary=primary,
            status=status,
            extra_values=lambda x: {
                "group": group_row[x].values["group"],
                "group_rank": group_row[x].rank,
                "stage": 2 if x in in_playoffs else 1,
            },
        )


FORMAT = GroupsPlayoffs()
