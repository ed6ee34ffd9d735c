"""The bracket-format contract: pure data types, the format protocol and shared helpers.

Shared by the tournament domain (which stores facts and persists projections) and by the
format plugins (which compute). Plain data in, plain data out: nothing here touches a
database, HTTP or a framework, so formats are fast and testable with hypothesis.

Facts: :class:`Entrant`, :class:`ResultFact`, :class:`PairingFact` (+ :class:`Table`).
Derived: :class:`BracketState` of :class:`Match` (with :class:`Slot` / :class:`Source`),
:class:`StandingRow`. Contract: :class:`BracketFormat` (protocol) and :class:`BaseFormat`
(defaults to build on). Helpers: seeding (fold, byes, snake), options, the static-graph
derivation and the tiebreakers.

Read ``docs/formats.md`` for the guide.
"""

from podium.tournaments.engine.base import (
    BaseFormat,
    BracketFormat,
    Drawing,
    PairingError,
    ResultError,
    check_games,
    latest_results,
)
from podium.tournaments.engine.graph import apply_result, derive_all, evaluate, reflow, resolve
from podium.tournaments.engine.model import (
    BYE,
    BracketState,
    Entrant,
    EntrantId,
    Match,
    MatchKey,
    MatchStatus,
    PairingFact,
    ResultFact,
    Slot,
    Source,
    StandingRow,
    Table,
    ordinal,
)
from podium.tournaments.engine.options import OptionSpec, validate_options
from podium.tournaments.engine.seeding import (
    bye_seeds,
    first_round,
    fold_order,
    group_name,
    next_power_of_two,
    snake,
)
from podium.tournaments.engine.standings import (
    TIEBREAKERS,
    Record,
    collect_records,
    first_still_in,
    rank_rows,
    tiebreak_values,
)

__all__ = [
    "BYE",
    "TIEBREAKERS",
    "BaseFormat",
    "BracketFormat",
    "BracketState",
    "Drawing",
    "Entrant",
    "EntrantId",
    "Match",
    "MatchKey",
    "MatchStatus",
    "OptionSpec",
    "PairingError",
    "PairingFact",
    "Record",
    "ResultError",
    "ResultFact",
    "Slot",
    "Source",
    "StandingRow",
    "Table",
    "apply_result",
    "bye_seeds",
    "check_games",
    "collect_records",
    "derive_all",
    "evaluate",
    "first_round",
    "fold_order",
    "group_name",
    "latest_results",
    "next_power_of_two",
    "ordinal",
    "first_still_in",
    "rank_rows",
    "reflow",
    "resolve",
    "snake",
    "tiebreak_values",
    "validate_options",
]
