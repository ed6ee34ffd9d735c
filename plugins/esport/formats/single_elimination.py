"""Single elimination: lose once and you are out.

2^k − 1 matches for 2^k slots; byes (to the top seeds) are resolved automatically.
Option ``third_place`` adds a match between the semi-final losers.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from podium.core.i18n import gettext_noop
from podium.plugins.esport.formats import elimination as elim
from podium.plugins.esport.formats.common import best_of_options
from podium.tournaments.engine import BaseFormat, BracketState, OptionSpec, next_power_of_two


class SingleElimination(elim.EliminationFormat):
    """The classic knockout bracket, seeded by the fold (1–16, 8–9, 4–13, ...)."""

    name = "single_elimination"
    label = gettext_noop("Single elimination")
    description = gettext_noop("Knockout: one loss eliminates; byes go to the top seeds.")
    option_specs = (
        OptionSpec(
            "third_place",
            "bool",
            default=False,
            label=gettext_noop("Third-place match"),
            help=gettext_noop("The semi-final losers play for third place."),
        ),
        *best_of_options(),
        BaseFormat.tiebreaker_option(()),
    )

    def match_count(self, entrants: int, options: Mapping[str, Any]) -> int:
        """P − 1 (P: the field rounded up to a power of two; byes count as matches), plus
        the third-place match."""
        size = next_power_of_two(max(entrants, 2))
        return size - 1 + (1 if options["third_place"] and size >= 4 else 0)

    def _bracket(self, state: BracketState) -> dict[str, Any]:
        o = state.options
        return elim.build_single(
            state,
            len(state.entrants),
            third_place=o["third_place"],
            best_of=o["best_of"],
            finals_best_of=o["finals_best_of"],
        )


FORMAT = SingleElimination()
