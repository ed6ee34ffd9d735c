"""Options and checks shared by the esport formats."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from podium.core.i18n import gettext_noop
from podium.tournaments.engine import OptionSpec


def best_of_options(default: int = 1) -> tuple[OptionSpec, ...]:
    """``best_of`` for every match and ``finals_best_of`` for the deciding ones."""
    return (
        OptionSpec(
            "best_of",
            "int",
            default=default,
            label=gettext_noop("Best of"),
            help=gettext_noop("Games per match (odd: first to more than half)."),
            minimum=1,
            maximum=99,
        ),
        OptionSpec(
            "finals_best_of",
            "int",
            default=None,
            label=gettext_noop("Finals best of"),
            help=gettext_noop("Games per final (grand final, finals, third place); empty = same as best of."),
            minimum=1,
            maximum=99,
        ),
    )


def require_odd_best_of(options: Mapping[str, Any]) -> None:
    """Elimination matches need a winner, so an even best-of would need a rule we lack."""
    for name in ("best_of", "finals_best_of"):
        value = options.get(name)
        if value is not None and value % 2 == 0:
            raise ValueError(f"option {name!r} must be odd in an elimination bracket, got {value}")
