"""Exact FIDE Dutch pairings through the ``py4swiss`` package (optional engine).

py4swiss reproduces bbpPairings/JaVaFo from a TRF(x) tournament report. We build that
report in memory from the facts (starting number = seed; home = white), ask for the next
round, and map the starting numbers back to entrants. The engine is py4swiss's own with a
faster weight set-up (:mod:`.py4swiss_fast`, identical pairings) where the installed
py4swiss version is one it was checked against, stock py4swiss otherwise. Forfeited
pairs are passed as forbidden pairs because FIDE lets players whose game was forfeited
meet again, and Podium promises that nobody meets the same opponent twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from py4swiss.engines import DutchEngine
from py4swiss.engines.common import PairingError as Py4SwissPairingError
from py4swiss.trf import ParsedTrf
from py4swiss.trf.codes import PlayerCode
from py4swiss.trf.results import RoundResult
from py4swiss.trf.results.color_token import ColorToken
from py4swiss.trf.results.result_token import ResultToken
from py4swiss.trf.sections import PlayerSection, XSection

from podium.core.i18n import _
from podium.plugins.esport.formats.py4swiss_fast import dutch_engine
from podium.tournaments.engine import BYE, BracketState, MatchStatus, PairingError, Table

_POINTS = {
    ResultToken.WIN: 10,
    ResultToken.FORFEIT_WIN: 10,
    ResultToken.PAIRING_ALLOCATED_BYE: 10,
    ResultToken.DRAW: 5,
}


def pair_with_py4swiss(
    state: BracketState,
    players: Mapping[Any, Any],
    active: set[Any],
    total_rounds: int,
    engine: type[DutchEngine] | None = None,
) -> list[Table]:
    """The next round's tables according to py4swiss's Dutch engine.

    ``engine`` defaults to :func:`dutch_engine`; tests pass stock ``DutchEngine`` to compare.
    """
    seed_of = state.seed_of
    rounds = len(state.pairings)
    history: dict[int, list[RoundResult]] = {s: [] for s in seed_of.values()}
    forbidden: set[tuple[int, int]] = set()
    for r in range(1, rounds + 1):
        seen: set[int] = set()
        for m in state.matches:
            if m.round != r:
                continue
            home = seed_of[m.a]
            seen.add(home)
            if m.b is BYE:
                history[home].append(_rr(0, ColorToken.BYE_OR_NOT_PAIRED, "U"))
                continue
            away = seed_of[m.b]
            seen.add(away)
            fact = m.result if m.status is MatchStatus.COMPLETED else None
            if fact is None:
                raise PairingError(_("match %(key)s has no result", key=m.key))
            if fact.forfeit:
                forbidden.add((min(home, away), max(home, away)))
                hw = "+" if fact.winner == m.a else "-"
                aw = "+" if fact.winner == m.b else "-"
            elif fact.winner is None:
                hw = aw = "="
            else:
                hw, aw = ("1", "0") if fact.winner == m.a else ("0", "1")
            history[home].append(_rr(away, ColorToken.WHITE, hw))
            history[away].append(_rr(home, ColorToken.BLACK, aw))
        for s in history:
            if s not in seen:
                history[s].append(_rr(0, ColorToken.BYE_OR_NOT_PAIRED, "Z"))
    sections = [
        PlayerSection(
            code=PlayerCode.PLAYER,
            starting_number=s,
            points_times_ten=sum(_POINTS.get(x.result, 0) for x in history[s]),
            rank=s,
            results=history[s],
        )
        for s in sorted(history)
    ]
    zeroed = {seed_of[x] for x in seed_of if x not in active}
    trf = ParsedTrf(
        player_sections=sections,
        x_section=XSection(
            number_of_rounds=max(total_rounds, rounds + 1),
            zeroed_ids=zeroed,
            forbidden_pairs=forbidden,
        ),
    )
    try:
        pairings = (engine or dutch_engine()).generate_pairings(trf)
    except Py4SwissPairingError as err:
        raise PairingError(_("py4swiss: %(err)s", err=err)) from err
    by_seed = state.by_seed
    best_of = state.options["best_of"]
    tables = []
    for p in pairings:
        if p.black == 0:
            tables.append(Table(by_seed[p.white], None, 1))
        else:
            tables.append(Table(by_seed[p.white], by_seed[p.black], best_of))
    tables.sort(key=lambda t: t.away is None)  # the bye last, as the builtin engine does
    return tables


def _rr(opponent: int, color: ColorToken, token: str) -> RoundResult:
    return RoundResult(id=opponent, color=color, result=ResultToken(token))
