"""Elimination brackets (single and double), shared by the elimination formats and by the
playoff stage of ``groups_playoffs``.

Layout conventions (keys are stable for a given field size and options):

* winners bracket ``W{round}-{position}``, bracket ``"winners"``;
* losers bracket ``L{round}-{position}``, bracket ``"losers"``;
* third-place match ``3P`` (bracket ``"winners"``, the final's round, position 2);
* grand final ``GF1`` and its reset ``GF2``, bracket ``"final"``.

The losers bracket of a 2^k-slot double elimination has 2(k−1) rounds. Round 1 pairs the
winners-round-1 losers among themselves; round 2j (j ≥ 1) lets the losers of winners
round j+1 drop in against the survivors; round 2j+1 (j ≥ 1) is internal.

**Where the losers drop.** Number the m survivors' lanes of losers round 2j and the m
matches of winners round j+1 from 0. The loser of winners match y enters lane
``y XOR M_j``, where ``M_j`` is the binary representation of j written backwards into
the lane index's log2(m) bits (most significant bit = bit 0 of j). So the top bit of the
mask flips every round, the next one every second round, and so on. Why that works:

* a dropper's earlier victims all come from its own block of the winners bracket, and
  with the natural order (mask 0) the lane it joins holds exactly that block's losers;
* with any non-zero mask it joins a lane whose material comes from elsewhere, and after
  each internal round the lanes merge pairwise, i.e. masks lose their lowest bit. Two
  droppers entering d rounds apart have masks that differ within the top ⌈log2(d+1)⌉
  bits, which are the bits that survive longest, so material from the same block keeps
  apart until the last few rounds, where few players are left and each of them had to
  win many times to get there.

It is a rule, not a table, so it holds for every size; with random results it averages
about 1.4 pairs meeting twice per event (grand final and losers final included, which
are unavoidable at about 1.0) at 64, 256, 1,024 and 4,096 entrants, against 14, 56, 219
and 880 for the natural order. ``bench/bench_brackets.py`` measures it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeGuard

from podium.plugins.esport.formats.common import require_odd_best_of
from podium.tournaments.engine import (
    BYE,
    BaseFormat,
    BracketState,
    Drawing,
    Match,
    MatchStatus,
    StandingRow,
    collect_records,
    fold_order,
    next_power_of_two,
    rank_rows,
)

_DECIDED = (MatchStatus.COMPLETED, MatchStatus.SKIPPED)


def drop_mask(j: int, bits: int) -> int:
    """The XOR mask for the losers of winners round j+1 (see the module docstring)."""
    mask = 0
    for t in range(bits):
        if (j >> t) & 1:
            mask |= 1 << (bits - 1 - t)
    return mask


def _seed_ref(seed_refs: Mapping[int, tuple[Any, ...]] | None, seed: int) -> tuple[Any, ...]:
    if seed_refs is None:
        return ("seed", seed)
    return seed_refs.get(seed, ("bye",))


def build_winners(
    state: BracketState,
    size: int,
    *,
    stage: int = 1,
    best_of: int = 1,
    finals_best_of: int | None = None,
    seed_refs: Mapping[int, tuple[Any, ...]] | None = None,
    final_is_last: bool = True,
) -> list[list[Match]]:
    """Add the winners bracket of ``size`` slots; return its matches round by round.

    :param seed_refs: slot reference per bracket seed (default: the tournament seed of
        the same number, a bye beyond N); a missing seed is a bye.
    :param final_is_last: the winners final is the last match of the event (single
        elimination), so ``finals_best_of`` applies to it.
    """
    order = fold_order(size)
    rounds: list[list[Match]] = []
    first = []
    for i in range(size // 2):
        refs = (_seed_ref(seed_refs, order[2 * i]), _seed_ref(seed_refs, order[2 * i + 1]))
        first.append(state.add(Match(f"W1-{i + 1}", stage, "winners", 1, i + 1, best_of, refs)))
    rounds.append(first)
    r = 1
    while len(rounds[-1]) > 1:
        r += 1
        prev = rounds[-1]
        count = len(prev) // 2
        bo = finals_best_of if (count == 1 and finals_best_of) else best_of
        cur = [
            state.add(
                Match(
                    f"W{r}-{i + 1}",
                    stage,
                    "winners",
                    r,
                    i + 1,
                    bo,
                    (("winner", prev[2 * i].index), ("winner", prev[2 * i + 1].index)),
                )
            )
            for i in range(count)
        ]
        rounds.append(cur)
    if final_is_last and finals_best_of and len(rounds) == 1:
        rounds[0][0].best_of = finals_best_of
    return rounds


def build_single(
    state: BracketState,
    entrant_count: int,
    *,
    third_place: bool,
    stage: int = 1,
    best_of: int = 1,
    finals_best_of: int | None = None,
    seed_refs: Mapping[int, tuple[Any, ...]] | None = None,
) -> dict[str, Any]:
    """Add a single-elimination bracket; return the keys its summary needs."""
    size = next_power_of_two(max(entrant_count, 2))
    rounds = build_winners(
        state,
        size,
        stage=stage,
        best_of=best_of,
        finals_best_of=finals_best_of,
        seed_refs=seed_refs,
    )
    info: dict[str, Any] = {"kind": "single", "rounds": len(rounds), "final": rounds[-1][0].key}
    if third_place and len(rounds) >= 2:
        semis = rounds[-2]
        m = Match(
            "3P",
            stage,
            "winners",
            len(rounds),
            2,
            finals_best_of or best_of,
            (("loser", semis[0].index), ("loser", semis[1].index)),
        )
        info["third_place"] = state.add(m).key
        info["semis"] = (semis[0].key, semis[1].key)
    return info


def build_double(
    state: BracketState,
    entrant_count: int,
    *,
    grand_final: str,
    stage: int = 1,
    best_of: int = 1,
    finals_best_of: int | None = None,
    seed_refs: Mapping[int, tuple[Any, ...]] | None = None,
) -> dict[str, Any]:
    """Add a double-elimination bracket; return the keys its summary needs."""
    size = next_power_of_two(max(entrant_count, 2))
    k = size.bit_length() - 1
    wb = build_winners(
        state,
        size,
        stage=stage,
        best_of=best_of,
        finals_best_of=finals_best_of,
        seed_refs=seed_refs,
        final_is_last=False,
    )
    info: dict[str, Any] = {
        "kind": "double",
        "k": k,
        "grand_final": grand_final,
        "wb_final": wb[-1][0].key,
    }
    if k == 1:
        # Two slots: no losers bracket; the winners-final loser is the losers' champion.
        lb_champion_ref: tuple[Any, ...] = ("loser", wb[0][0].index)
        info["lb_final"] = None
    else:
        add = state.add
        # Losers round 1: the winners-round-1 losers, two neighbouring matches each.
        w1 = wb[0]
        lane = [
            add(
                Match(
                    f"L1-{x + 1}",
                    stage,
                    "losers",
                    1,
                    x + 1,
                    best_of,
                    (("loser", w1[2 * x].index), ("loser", w1[2 * x + 1].index)),
                )
            )
            for x in range(size // 4)
        ]
        for j in range(1, k):
            bits = k - j - 1
            mask = drop_mask(j, bits)
            if j >= 2:
                rnd = 2 * j - 1
                lane = [
                    add(
                        Match(
                            f"L{rnd}-{x + 1}",
                            stage,
                            "losers",
                            rnd,
                            x + 1,
                            best_of,
                            (("winner", lane[2 * x].index), ("winner", lane[2 * x + 1].index)),
                        )
                    )
                    for x in range(len(lane) // 2)
                ]
            rnd = 2 * j
            droppers = wb[j]
            last = len(lane) == 1
            bo = finals_best_of if (last and finals_best_of) else best_of
            lane = [
                add(
                    Match(
                        f"L{rnd}-{x + 1}",
                        stage,
                        "losers",
                        rnd,
                        x + 1,
                        bo,
                        (("winner", lane[x].index), ("loser", droppers[x ^ mask].index)),
                    )
                )
                for x in range(len(lane))
            ]
        lb_champion_ref = ("winner", lane[0].index)
        info["lb_final"] = lane[0].key
    info["lb_champion_ref"] = lb_champion_ref
    wb_final = wb[-1][0]
    if grand_final in ("single", "reset"):
        gf_bo = finals_best_of or best_of
        refs = (("winner", wb_final.index), lb_champion_ref)
        gf1 = state.add(Match("GF1", stage, "final", 1, 1, gf_bo, refs))
        info["gf1"] = gf1.key
        if grand_final == "reset":
            gf2 = state.add(Match("GF2", stage, "final", 2, 1, gf_bo, refs, (gf1.index, 1)))
            info["gf2"] = gf2.key
    elif finals_best_of:
        wb_final.best_of = finals_best_of
    return info


# ---------------------------------------------------------------------- summaries
def _decided(m: Match | None) -> TypeGuard[Match]:
    return m is not None and m.status in _DECIDED


def _real(x: Any) -> Any:
    return None if x is BYE else x


def summary_watch(state: BracketState, info: Mapping[str, Any]) -> set[int]:
    """Indices of the matches whose outcome can change :func:`summarise`'s answer."""
    keys = ("final", "third_place", "wb_final", "lb_final", "gf1", "gf2")
    return {state.by_key[info[k]].index for k in keys if info.get(k)}


def summarise(state: BracketState, info: Mapping[str, Any]) -> tuple[bool, Any]:
    """(complete, champion) of the elimination bracket described by ``info``."""
    get = state.by_key.get
    if info["kind"] == "single":
        final = get(info["final"])
        third = get(info["third_place"]) if info.get("third_place") else None
        complete = _decided(final) and (third is None or _decided(third))
        return complete, (_real(final.w) if final is not None and _decided(final) else None)
    gf = info["grand_final"]
    if gf == "none":
        wbf = get(info["wb_final"])
        lbf = get(info["lb_final"]) if info.get("lb_final") else wbf
        if not (_decided(wbf) and _decided(lbf)):
            return False, None
        return True, _real(wbf.w)
    gf1 = get(info["gf1"])
    if not _decided(gf1):
        return False, None
    if gf == "single" or gf1.w == gf1.a:
        return True, _real(gf1.w)
    gf2 = get(info["gf2"])
    if _decided(gf2):
        return True, _real(gf2.w)
    return False, None


def placement_keys(state: BracketState, info: Mapping[str, Any]) -> dict[Any, tuple[int, ...]]:
    """A sort key per entrant: lower is a better finish.

    Single elimination: champion, runner-up, then by the round of elimination (later is
    better); with a third-place match its winner ranks above its loser.
    Double elimination: champion, runner-up (the grand-final loser, or with
    ``grand_final=none`` the losers-bracket winner), then by the losers round of the
    second loss (later is better). Entrants still in the running get ``(0, 1)``.
    """
    complete, champion = summarise(state, info)
    double = info["kind"] == "double"
    third_key = info.get("third_place")
    semis = set(info.get("semis", ()))
    reset = double and info["grand_final"] == "reset"
    out_at: dict[Any, Match] = {}
    stage = info.get("stage", 1)
    for m in state.matches:
        if m.status is not MatchStatus.COMPLETED or m.a is BYE or m.b is BYE:
            continue
        if m.stage != stage:
            continue
        if m.w is BYE:
            # A double forfeit puts both sides out where they stand.
            out_at.setdefault(m.a, m)
            out_at.setdefault(m.b, m)
            continue
        x = m.l
        if double:
            if m.bracket == "winners":
                continue  # drops into the losers bracket
            if reset and m.key == info.get("gf1") and x == m.a:
                continue  # the winners' champion gets the reset
        elif m.key in semis and third_key is not None:
            continue  # plays the third-place match
        out_at.setdefault(x, m)

    third_winner = None
    if third_key is not None:
        tm = state.by_key[third_key]
        if tm.status in _DECIDED and tm.w is not BYE:
            third_winner = tm.w
    k = info.get("rounds") or info.get("k") or 1
    keys: dict[Any, tuple[int, ...]] = {}
    for e in state.entrants:
        x = e.id
        out = out_at.get(x)
        if champion is not None and x == champion:
            keys[x] = (0, 0)
        elif out is None:
            if third_winner is not None and x == third_winner:
                keys[x] = (2, 0)
            elif double and complete and info["grand_final"] == "none":
                keys[x] = (1, 0)  # the losers-bracket winner
            else:
                keys[x] = (0, 1)  # still in the running
        elif not double:
            keys[x] = (2, 1) if out.key == third_key else (k - out.round + 1, 0)
        elif out.bracket == "final":
            keys[x] = (1, 0)
        elif out.bracket == "losers":
            keys[x] = (2 + (2 * k - 2 - out.round), 0)
        else:
            # Out of the winners bracket at once (double forfeit): rank with those who
            # leave the losers bracket in the round this player would have dropped into.
            drop_round = 1 if out.round == 1 else 2 * (out.round - 1)
            keys[x] = (2 + max(0, 2 * k - 2 - drop_round), 0)
    return keys


def standings(
    state: BracketState,
    info: Mapping[str, Any],
    tiebreakers: list[str],
    status_of: Callable[[Any, tuple[int, ...]], str] | None = None,
) -> list[StandingRow]:
    """Rows ordered by placement, then by the chosen tiebreakers, then by seed."""
    keys = placement_keys(state, info)
    records = collect_records(state.entrants, state.matches, count_byes=False)
    complete, champion = summarise(state, info)

    def status(x: Any) -> str:
        key = keys[x]
        if status_of is not None:
            return status_of(x, key)
        if champion is not None and x == champion:
            return "champion"
        if key == (0, 1):
            return "active"
        return "finished" if complete else "eliminated"

    return rank_rows(
        list(state.entrants),
        records,
        tiebreakers,
        primary=lambda x: keys[x],
        status=status,
    )


class EliminationFormat(BaseFormat):
    """What single and double elimination share: odd best-of checks, the summary (complete,
    champion) and standings by finish. A subclass builds its bracket in :meth:`_bracket`."""

    default_tiebreakers = ()

    def drawing(self, stage: int, bracket: str) -> Drawing:
        """A bracket tree (the finals beside the winners bracket, the losers bracket below)."""
        return Drawing.TREE

    def validate_options(self, options: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Check the options (best-of values must be odd)."""
        opts = super().validate_options(options)
        require_odd_best_of(opts)
        return opts

    def _bracket(self, state: BracketState) -> dict[str, Any]:  # pragma: no cover - abstract
        raise NotImplementedError

    def _build(self, state: BracketState) -> None:
        state.extra["bracket"] = self._bracket(state)
        state.extra["summary_watch"] = summary_watch(state, state.extra["bracket"])

    def _summarise(self, state: BracketState) -> None:
        complete, champion = summarise(state, state.extra["bracket"])
        state.extra["complete"] = complete
        state.extra["champion"] = champion

    def standings(self, state: BracketState) -> list[StandingRow]:
        """By finish (champion, runner-up, then the round of elimination), then tiebreakers."""
        # ``standings`` here is this module's function (a method name is not in scope).
        return standings(state, state.extra["bracket"], self.tiebreakers(state))
