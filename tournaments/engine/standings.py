"""Records and tiebreakers, shared by every format.

:func:`collect_records` turns decided matches into one :class:`Record` per entrant;
:func:`rank_rows` orders entrants by a format-given primary key (placement, group rank,
score...) and then by the tournament's ordered list of tiebreakers, and finally by seed.

Tiebreakers (all "higher is better"):

``match_wins``
    the score: wins + ½ per draw (+1 per bye where the format counts byes as wins).
``game_wins``
    games won.
``game_difference``
    games won − games lost.
``head_to_head``
    among the entrants still tied when it is applied: their score in the matches between
    themselves only (computed per tied block, so it is only meaningful in that block).
``buchholz``
    sum of the opponents' scores.
``median_buchholz``
    Buchholz without the best and the worst opponent (with three opponents or more).
``sonneborn_berger``
    sum of the scores of the opponents beaten, plus half of those drawn.
``difficulty``
    the CS Major "Buchholz difficulty": sum over opponents of their wins − losses.

Byes never add an opponent, so they add nothing to Buchholz-style tiebreakers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from podium.tournaments.engine.model import (
    BYE,
    Entrant,
    EntrantId,
    Match,
    MatchStatus,
    StandingRow,
)

#: Every tiebreaker a tournament may choose, in the order forms list them.
TIEBREAKERS: tuple[str, ...] = (
    "match_wins",
    "game_wins",
    "game_difference",
    "head_to_head",
    "buchholz",
    "median_buchholz",
    "sonneborn_berger",
    "difficulty",
)


@dataclass
class Record:
    """What one entrant did in the matches given to :func:`collect_records`."""

    entrant_id: EntrantId
    seed: int
    wins: int = 0
    losses: int = 0
    draws: int = 0
    byes: int = 0
    game_wins: int = 0
    game_losses: int = 0
    #: (opponent, outcome) per played match: outcome 1 win, ½ draw, 0 loss.
    opponents: list[tuple[EntrantId, float]] = field(default_factory=list)
    count_byes: bool = True

    @property
    def score(self) -> float:
        """Wins + ½ per draw, + 1 per bye when byes count as wins."""
        return self.wins + 0.5 * self.draws + (self.byes if self.count_byes else 0)

    @property
    def played(self) -> int:
        """Matches played (byes excluded)."""
        return self.wins + self.losses + self.draws


def collect_records(
    entrants: Iterable[Entrant], matches: Iterable[Match], *, count_byes: bool = True
) -> dict[EntrantId, Record]:
    """One :class:`Record` per entrant from the decided matches.

    Counted: ``completed`` two-sided matches (wins, losses, draws, games, opponents; a
    forfeit counts as a win and a loss without games; a double forfeit as two losses) and
    ``skipped`` byes with a real entrant advancing (a bye, worth a win when ``count_byes``).
    Free-for-all lobbies are not two-sided and are ignored here.
    """
    recs = {e.id: Record(e.id, e.seed, count_byes=count_byes) for e in entrants}
    for m in matches:
        if m.extra is not None and "entrants" in m.extra:
            continue
        if m.status is MatchStatus.SKIPPED:
            if m.w is not None and m.w is not BYE and (m.a is BYE or m.b is BYE):
                rec = recs.get(m.w)
                if rec is not None:
                    rec.byes += 1
            continue
        if m.status is not MatchStatus.COMPLETED or m.result is None:
            continue
        a, b = m.a, m.b
        if a is BYE or b is BYE or a is None or b is None:
            continue
        fact = m.result
        ra, rb = recs.get(a), recs.get(b)
        if ra is None or rb is None:
            continue
        if fact.winner is None and fact.forfeit:
            ra.losses += 1
            rb.losses += 1
            continue
        # Games are stored in the reporter's participant order: map them to (a, b).
        flip = fact.participants[0] != a
        for g in fact.games:
            x, y = (g[1], g[0]) if flip else (g[0], g[1])
            ra.game_wins += x > y
            ra.game_losses += y > x
            rb.game_wins += y > x
            rb.game_losses += x > y
        if fact.winner is None:
            ra.draws += 1
            rb.draws += 1
            ra.opponents.append((b, 0.5))
            rb.opponents.append((a, 0.5))
        elif fact.winner == a:
            ra.wins += 1
            rb.losses += 1
            ra.opponents.append((b, 1.0))
            rb.opponents.append((a, 0.0))
        else:
            rb.wins += 1
            ra.losses += 1
            rb.opponents.append((a, 1.0))
            ra.opponents.append((b, 0.0))
    return recs


def tiebreak_values(
    records: Mapping[EntrantId, Record], names: Sequence[str]
) -> dict[EntrantId, dict[str, float]]:
    """The value of each named tiebreaker (except ``head_to_head``) for each entrant."""
    score = {eid: r.score for eid, r in records.items()}
    out: dict[EntrantId, dict[str, float]] = {}
    for eid, r in records.items():
        vals: dict[str, float] = {}
        opp_scores = [score[o] for o, _ in r.opponents if o in score]
        for name in names:
            if name == "match_wins":
                vals[name] = r.score
            elif name == "game_wins":
                vals[name] = r.game_wins
            elif name == "game_difference":
                vals[name] = r.game_wins - r.game_losses
            elif name == "buchholz":
                vals[name] = sum(opp_scores)
            elif name == "median_buchholz":
                s = sorted(opp_scores)
                vals[name] = sum(s[1:-1]) if len(s) >= 3 else sum(s)
            elif name == "sonneborn_berger":
                vals[name] = sum(score[o] * res for o, res in r.opponents if o in score)
            elif name == "difficulty":
                vals[name] = sum(
                    records[o].wins - records[o].losses for o, _ in r.opponents if o in records
                )
            elif name == "head_to_head":
                continue
            else:
                raise ValueError(f"unknown tiebreaker {name!r}; known: {', '.join(TIEBREAKERS)}")
        out[eid] = vals
    return out


def _head_to_head(
    block: Sequence[EntrantId], records: Mapping[EntrantId, Record]
) -> dict[EntrantId, float]:
    members = set(block)
    return {eid: sum(res for o, res in records[eid].opponents if o in members) for eid in block}


def first_still_in(entrants: Sequence[Entrant], rows: Sequence[StandingRow]
                   ) -> EntrantId | None:
    """The best-placed entrant of ``rows`` still in the tournament (not withdrawn or
    disqualified): a table's champion. ``None`` when nobody is left."""
    active = {e.id for e in entrants if e.active}
    return next((row.entrant_id for row in rows if row.entrant_id in active), None)


def rank_rows(
    entrants: Sequence[Entrant],
    records: Mapping[EntrantId, Record],
    tiebreakers: Sequence[str],
    *,
    primary: Callable[[EntrantId], tuple[Any, ...]] | None = None,
    status: Callable[[EntrantId], str] | None = None,
    extra_values: Callable[[EntrantId], dict[str, Any]] | None = None,
) -> list[StandingRow]:
    """Order entrants and give them ranks.

    :param primary: a sort key per entrant that comes before every tiebreaker (lower is
        better): the placement in an elimination bracket, the group rank... ``None`` means
        the tiebreakers alone decide (round robin, Swiss: put ``match_wins`` first).
    :param tiebreakers: tiebreaker names, applied in order, higher is better.
    :param status: the row status per entrant (default ``"active"``).
    :param extra_values: more values to show per entrant (``placement``, ``group``...).

    Entrants equal on the primary key and on every tiebreaker share a rank; the seed orders
    them inside it (the better seed first), so the order is always total and stable.
    """
    values = tiebreak_values(records, tiebreakers)
    seed = {e.id: e.seed for e in entrants}
    ids = [e.id for e in entrants]
    prim = primary or (lambda _eid: ())

    # Split by the primary key, then refine block by block through the tiebreakers;
    # head_to_head needs the block it is applied to, hence the incremental refinement.
    blocks: list[list[EntrantId]] = []
    ids.sort(key=lambda e: (prim(e), seed[e]))
    for eid in ids:
        if blocks and prim(blocks[-1][0]) == prim(eid):
            blocks[-1].append(eid)
        else:
            blocks.append([eid])
    h2h: dict[EntrantId, float] = {}
    for name in tiebreakers:
        refined: list[list[EntrantId]] = []
        for block in blocks:
            if len(block) == 1:
                refined.append(block)
                continue
            if name == "head_to_head":
                local = _head_to_head(block, records)
                h2h.update(local)
            else:
                local = {e: values[e][name] for e in block}
            key = local.__getitem__
            block.sort(key=lambda e: (-key(e), seed[e]))
            current = [block[0]]
            for eid in block[1:]:
                if key(eid) == key(current[-1]):
                    current.append(eid)
                else:
                    refined.append(current)
                    current = [eid]
            refined.append(current)
        blocks = refined

    rows: list[StandingRow] = []
    position = 0
    for block in blocks:
        block.sort(key=lambda e: seed[e])
        rank = position + 1
        for eid in block:
            vals: dict[str, Any] = {}
            if extra_values is not None:
                vals.update(extra_values(eid))
            for name in tiebreakers:
                if name == "head_to_head":
                    vals[name] = h2h.get(eid, 0.0)
                else:
                    vals[name] = values[eid][name]
            rows.append(
                StandingRow(
                    rank=rank,
                    entrant_id=eid,
                    seed=seed[eid],
                    values=vals,
                    status=status(eid) if status else "active",
                )
            )
            position += 1
    return rows
