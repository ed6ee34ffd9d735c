"""The resolver: table + field + results entered so far → start lists, winners, places.

Pure and recomputed from scratch on every call, so a corrected result re-flows every later
heat. Rules (documented here once, relied on by the tests):

* **Field size.** Labels past the end of what they point into ("seed 20" in a field of 18,
  "place 6 of" a five-rider heat) are *empty*: the slot is dropped from the start list and
  from the classification, and the places after it move up. Emptiness depends only on the
  field size, never on results, so place numbers and start-list sizes are known up front.
* **Heat order.** A heat's riders are ranked by status first — ``OK``, then ``REL``
  (relegated behind every finisher), ``DNF``, ``DSQ``, ``DNS`` — then, for ``timed``
  heats, by ``time_ms`` (equal times by ``last_lap_ms`` where every rider on that time has
  one), and by ``place`` in ``race`` and
  ``match`` heats; anything still equal by seed. Every rider of a heat is ranked, so a
  contest of *k* riders always yields places 1..*k* (the meet decides whether a DSQ rider
  stays in a later start list by entering DNS there).
* **Match.** Best of ``best_of``: the first to ``best_of // 2 + 1`` race wins takes the
  contest; later races are ``unneeded`` (race 3 runs only at 1–1). Race *k* is ready only
  when races 1..*k*−1 are done. A match with one rider (the other slot empty) is a
  walkover: decided at once, no heat to ride; so is any contest with no rider at all.
* **Applying a result.** A result applies when its riders are exactly the heat's start
  list; a result naming a subset of them is *in progress* (a qualifying entered rider by
  rider). A result naming someone outside the start list, for a heat whose riders are not
  known, that is not needed or whose previous race is not done, is **stale**: reported and
  ignored until the meet voids or re-enters it.
* **Status.** See :class:`~podium.plugins.cycling.progression.model.HeatStatus`; a result
  is final when the meet marks it so (``HeatResult.final``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from math import inf

from podium.plugins.cycling.progression.labels import OrderKey, SourceRef, parse_key, parse_label
from podium.plugins.cycling.progression.model import (
    ContestState,
    HeatResult,
    HeatState,
    HeatStatus,
    Phase,
    PhaseState,
    Placing,
    Progress,
    ProgressionTable,
    RiderResult,
    SeededRider,
)
from podium.plugins.cycling.scoring import OmniumKind, OmniumRace, omnium_standings

_STATUS_RANK = {"OK": 0, "REL": 1, "DNF": 2, "DSQ": 3, "DNS": 4}
#: The omnium's races, in the order of the ``omnium of`` key's phases.
_OMNIUM_KINDS: tuple[OmniumKind, ...] = ("scratch", "tempo", "elimination", "points")


def heat_id(contest_id: str, race_no: int, best_of: int) -> str:
    """The id of race ``race_no`` of a contest: the contest id, plus ``#k`` in a best-of."""
    return contest_id if best_of == 1 else f"{contest_id}#{race_no}"


def order_heat(
    format: str, entries: Sequence[RiderResult], seed_of: Mapping[int, int]
) -> list[int]:
    """The riders of one heat result, best first (see "Heat order" in the module docstring)."""

    # The last lap separates equal times only where every rider on that time has one.
    laps_known: dict[int | None, bool] = {}
    for entry in entries:
        known = entry.last_lap_ms is not None
        laps_known[entry.time_ms] = laps_known.get(entry.time_ms, True) and known

    def key(entry: RiderResult) -> tuple[float, ...]:
        status = _STATUS_RANK[entry.status]
        seed = float(seed_of.get(entry.rider_id, len(seed_of) + 1))
        place = inf if entry.place is None else float(entry.place)
        if format == "timed":
            time = inf if entry.time_ms is None else float(entry.time_ms)
            lap = float(entry.last_lap_ms or 0) if laps_known[entry.time_ms] else 0.0
            return (status, time, lap, place, seed)
        return (status, place, seed)

    return [entry.rider_id for entry in sorted(entries, key=key)]


@dataclass
class _Contest:
    """Working state of one contest during a resolution."""

    phase: Phase
    contest_id: str
    refs: list[SourceRef]  # present single-position slots
    labels: list[str]  # the same slots as shown in a start list
    riders: list[int | None] = field(default_factory=list)
    order: list[int] | None = None
    final: bool = False
    wins: dict[int, int] = field(default_factory=dict)


@dataclass
class _Group:
    """A named group once resolved (or not yet: ``order`` is None)."""

    order: list[int] | None
    ranks: list[int]  # competition rank (1-based) of each position, for shared ties
    final: bool


class _Resolution:
    """One resolution pass; see :func:`resolve`."""

    def __init__(
        self,
        table: ProgressionTable,
        field_: Sequence[SeededRider],
        results: Mapping[str, HeatResult],
    ) -> None:
        self.table = table
        self.field = [r.rider_id for r in field_]
        self.seed_of = {rider: i + 1 for i, rider in enumerate(self.field)}
        self.results = results
        self.contests: dict[str, _Contest] = {}
        self.phase_contests: dict[str, list[str]] = {}
        self.applied: dict[str, list[RiderResult]] = {}  # phase id -> applied entries
        self.place_in: dict[str, dict[int, int]] = {}
        self.groups: dict[str, _Group] = {}
        self.group_sizes: dict[str, int] = {}
        self.heats: list[HeatState] = []

    # --------------------------------------------------------------- static sizes
    def size_of(self, ref: SourceRef) -> int:
        """How many riders the target of ``ref`` holds (fixed by the field size)."""
        if ref.kind == "seed":
            return len(self.field)
        if ref.kind == "rank":
            return len(self.contests[self.phase_contests[ref.target][0]].refs)
        if ref.kind == "place":
            return len(self.contests[ref.target].refs)
        if ref.target not in self.group_sizes:
            group = self.table.groups[ref.target]
            self.group_sizes[ref.target] = len(self.expand(group.of))
        return self.group_sizes[ref.target]

    def expand(self, labels: Sequence[str]) -> list[SourceRef]:
        """The present single-position references of ``labels`` (ranges expanded)."""
        return [ref for ref, _ in self.expand_labelled(labels)]

    def expand_labelled(self, labels: Sequence[str]) -> list[tuple[SourceRef, str]]:
        """:meth:`expand` with each position's label as shown in a start list: the file's
        own words for a single label ("loser of 1/2-1"), one per position for a range."""
        out: list[tuple[SourceRef, str]] = []
        for label in labels:
            ref = parse_label(label)
            size = self.size_of(ref)
            last = size if ref.last is None else min(ref.last, size)
            for position in range(ref.first, last + 1):
                one = SourceRef(ref.kind, ref.target, position, position)
                out.append((one, " ".join(label.split()) if not ref.is_range else one.at(position)))
        return out

    # ----------------------------------------------------------------- look-ups
    def lookup(self, ref: SourceRef) -> tuple[int | None, bool]:
        """The rider at a single-position reference (``None`` if unknown), and finality."""
        position = ref.first
        if ref.kind == "seed":
            return self.field[position - 1], True
        if ref.kind == "group":
            group = self.group(ref.target)
            if group.order is None:
                return None, False
            return group.order[position - 1], group.final
        contest_id = self.phase_contests[ref.target][0] if ref.kind == "rank" else ref.target
        contest = self.contests[contest_id]
        if contest.order is None:
            return None, False
        return contest.order[position - 1], contest.final

    def group(self, name: str) -> _Group:
        """The named group, ordered once its riders and the phases its keys read are done."""
        if name in self.groups:
            return self.groups[name]
        spec = self.table.groups[name]
        members: list[int] = []
        final = True
        # A group is first read once every phase it draws from has been resolved (its
        # readers come later in the table), so an unresolved group is cached too.
        unresolved = _Group(None, [], False)
        for ref in self.expand(spec.of):
            rider, rider_final = self.lookup(ref)
            if rider is None:
                self.groups[name] = unresolved
                return unresolved
            members.append(rider)
            final = final and rider_final
        keys = [parse_key(k) for k in spec.by]
        for key in keys:
            for pid in key.phases:
                ids = self.phase_contests.get(pid, [])
                if not ids or not all(self.contests[c].order is not None for c in ids):
                    self.groups[name] = unresolved
                    return unresolved
                final = final and all(self.contests[c].final for c in ids)
        sort_key = self.key_function(keys, members)
        members.sort(key=lambda r: (sort_key(r), self.seed_of[r]))
        ranks: list[int] = []
        for i, rider in enumerate(members):
            tied = (
                spec.ties == "shared" and i > 0 and sort_key(rider) == sort_key(members[i - 1])
            )
            ranks.append(ranks[-1] if tied else i + 1)
        group = _Group(members, ranks, final)
        self.groups[name] = group
        return group

    def key_function(
        self, keys: Sequence[OrderKey], members: Sequence[int]
    ) -> Callable[[int], tuple[float, ...]]:
        """A sort key over a group's ``members`` for its ordering keys (missing values sort
        last)."""
        parts: list[Callable[[int], tuple[float, ...]]] = []
        for key in keys:
            parts.append(self._one_key(key, members))

        def combined(rider: int) -> tuple[float, ...]:
            out: tuple[float, ...] = ()
            for part in parts:
                out += part(rider)
            return out

        return combined

    def _one_key(
        self, key: OrderKey, members: Sequence[int]
    ) -> Callable[[int], tuple[float, ...]]:
        if key.kind == "seed":
            return lambda rider: (float(self.seed_of[rider]),)
        if key.kind in ("rank", "place"):
            places = self.place_in.get(key.phases[0], {})
            return lambda rider: (float(places.get(rider, inf)),)
        entries = self.applied.get(key.phases[0], [])
        if key.kind == "time":
            # The rider's best time there; equal times by the last lap of that ride where
            # every member on that time has one (as in a heat's order).
            best: dict[int, tuple[float, float | None]] = {}
            for entry in entries:
                if entry.time_ms is None or entry.status != "OK":
                    continue
                lap = None if entry.last_lap_ms is None else float(entry.last_lap_ms)
                if entry.time_ms < best.get(entry.rider_id, (inf, None))[0]:
                    best[entry.rider_id] = (float(entry.time_ms), lap)
            laps_known: dict[float, bool] = {}
            for rider in members:
                time, lap = best.get(rider, (inf, None))
                laps_known[time] = laps_known.get(time, True) and lap is not None

            def by_time(rider: int) -> tuple[float, ...]:
                time, lap = best.get(rider, (inf, None))
                return (time, lap if lap is not None and laps_known[time] else 0.0)

            return by_time
        if key.kind == "final_sprint":
            sprint = {
                e.rider_id: float(e.final_sprint_place)
                for e in entries
                if e.final_sprint_place is not None
            }
            return lambda rider: (sprint.get(rider, inf),)
        # omnium: the scoring engine's standing over the four races.
        races = [
            OmniumRace(kind, self.applied.get(pid, []))
            for kind, pid in zip(_OMNIUM_KINDS, key.phases, strict=True)
        ]
        # The standing's place (shared by riders equal on every omnium rule), so the
        # group's own tie rule applies to them.
        standing = {s.rider_id: s.place for s in omnium_standings(races)}
        return lambda rider: (float(standing.get(rider, inf)),)

    # ------------------------------------------------------------------ the pass
    def run(self) -> Progress:
        for phase in self.table.phases:
            self.phase_contests[phase.id] = [c.id for c in phase.contests]
            self.applied[phase.id] = []
            self.place_in[phase.id] = {}
            for spec in phase.contests:
                slots = self.expand_labelled(spec.slots)
                contest = _Contest(phase, spec.id, [r for r, _ in slots], [t for _, t in slots])
                self.contests[spec.id] = contest
                self.play(contest)
        return Progress(
            heats=self.heats,
            contests=[self.contest_state(c) for c in self.contests.values()],
            phases=[self.phase_state(p) for p in self.table.phases],
            classification=self.classification(),
            complete=all(c.order is not None for c in self.contests.values()),
            unknown_results=sorted(set(self.results) - {h.heat_id for h in self.heats}),
        )

    def play(self, contest: _Contest) -> None:
        """Resolve a contest's riders, apply its heats' results, decide it if possible."""
        phase = contest.phase
        sources_final = True
        for ref in contest.refs:
            rider, final = self.lookup(ref)
            contest.riders.append(rider)
            sources_final = sources_final and final
        known = all(r is not None for r in contest.riders)
        riders = [r for r in contest.riders if r is not None]
        labels = contest.labels
        best_of = phase.best_of
        # Nothing to ride: a match with fewer than two riders, any other contest with none
        # (its slots all past the end of a small field).
        walkover = known and len(riders) < (2 if phase.format == "match" else 1)
        need = best_of // 2 + 1
        contest.wins = {r: 0 for r in riders}
        previous_done = True
        heats_final = True
        order: list[int] | None = None
        for race_no in range(1, best_of + 1):
            hid = heat_id(contest.contest_id, race_no, best_of)
            result = self.results.get(hid)
            decided = walkover or (
                phase.format == "match" and max(contest.wins.values(), default=0) >= need
            )
            done = stale = ready = False
            if decided:
                status = HeatStatus.UNNEEDED
                stale = result is not None
            elif not known:
                status = HeatStatus.VIRTUAL
                stale = result is not None
            else:
                status = HeatStatus.PROVISIONAL
                ids = [e.rider_id for e in result.riders] if result else []
                fits = (
                    result is not None
                    and previous_done
                    and len(set(ids)) == len(ids)
                    and set(ids) <= set(riders)
                )
                if result is not None and not fits:
                    stale = True
                elif result is not None and set(ids) == set(riders):
                    done = True
                    self.applied[phase.id].extend(result.riders)
                    heat_order = order_heat(phase.format, result.riders, self.seed_of)
                    if phase.format == "match":
                        contest.wins[heat_order[0]] += 1
                    else:
                        order = heat_order
                    heats_final = heats_final and result.final
                    if result.final and sources_final and heats_final:
                        status = HeatStatus.FINAL
                # A heat whose result went stale is ridden again: it is ready as well.
                ready = previous_done and not done
            previous_done = done
            self.heats.append(
                HeatState(
                    heat_id=hid,
                    phase_id=phase.id,
                    contest_id=contest.contest_id,
                    race_no=race_no,
                    label=_heat_label(phase, contest.contest_id, race_no),
                    riders=list(contest.riders),
                    sources=labels,
                    status=status,
                    ready=ready,
                    stale=stale,
                    done=done,
                )
            )
        if phase.format == "match" and known:
            leader = max(riders, key=lambda r: (contest.wins[r], -self.seed_of[r]), default=None)
            if leader is None:
                order = []
            elif walkover or contest.wins[leader] >= need:
                order = [leader] + [r for r in riders if r != leader]
        elif walkover:
            order = []
        if order is not None:
            contest.order = order
            contest.final = sources_final and heats_final
            for place, rider in enumerate(order, start=1):
                self.place_in[phase.id][rider] = place

    # ---------------------------------------------------------------- reporting
    def contest_state(self, contest: _Contest) -> ContestState:
        return ContestState(
            contest_id=contest.contest_id,
            phase_id=contest.phase.id,
            riders=list(contest.riders),
            sources=list(contest.labels),
            wins=[contest.wins.get(r, 0) if r is not None else 0 for r in contest.riders],
            order=contest.order,
        )

    def phase_state(self, phase: Phase) -> PhaseState:
        statuses = [h.status for h in self.heats if h.phase_id == phase.id]
        needed = [s for s in statuses if s is not HeatStatus.UNNEEDED]
        if any(s is HeatStatus.VIRTUAL for s in needed):
            status = HeatStatus.VIRTUAL
        elif all(s is HeatStatus.FINAL for s in needed):
            status = HeatStatus.FINAL
        else:
            status = HeatStatus.PROVISIONAL
        ids = self.phase_contests[phase.id]
        return PhaseState(
            phase_id=phase.id,
            name=phase.name,
            kind=phase.kind,
            format=phase.format,
            after=list(phase.after),
            contest_ids=list(ids),
            status=status,
            done=all(self.contests[c].order is not None for c in ids),
        )

    def classification(self) -> list[Placing]:
        placings: list[Placing] = []
        base = 1
        for label in self.table.classification:
            ref = parse_label(label)
            refs = self.expand([label])
            if ref.kind == "group" and self.table.groups[ref.target].ties == "shared":
                group = self.group(ref.target)
                if group.order is not None:
                    for one in refs:
                        rank = max(group.ranks[one.first - 1], ref.first)
                        placings.append(
                            Placing(base + rank - ref.first, group.order[one.first - 1])
                        )
            else:
                for offset, one in enumerate(refs):
                    rider, _ = self.lookup(one)
                    if rider is not None:
                        placings.append(Placing(base + offset, rider))
            base += len(refs)
        placings.sort()
        return placings


def _heat_label(phase: Phase, contest_id: str, race_no: int) -> str:
    spec = next(c for c in phase.contests if c.id == contest_id)
    name = spec.name or contest_id
    label = name if name.startswith(phase.name) else f"{phase.name}, {name}"
    return f"{label}, race {race_no}" if phase.best_of > 1 else label


def resolve(
    table: ProgressionTable,
    field: Sequence[SeededRider],
    results: Mapping[str, HeatResult],
) -> Progress:
    """Derive every heat, contest, phase and the classification from the facts.

    ``field``: the riders (or teams) in seeding order; its size must be one the table
    covers. ``results``: heat id → result, as entered so far (see :func:`heat_id`).
    Raises ``ValueError`` for a field the table does not cover or a rider listed twice.
    """
    if not table.covers(len(field)):
        raise ValueError(
            f"table {table.id} covers {table.riders.min}-{table.riders.max} riders, "
            f"not {len(field)}"
        )
    ids = [r.rider_id for r in field]
    if len(set(ids)) != len(ids):
        raise ValueError("a rider is listed twice in the field")
    return _Resolution(table, field, results).run()


def exits(table: ProgressionTable, riders: int) -> dict[str, list[str]]:
    """Where each position leads, for a field of ``riders``: how riders leave a contest.

    Keys are single-position labels ("winner of 1/8-3", "loser of 1/8-3", "place 4 of
    R1-2", "rank 29 of Q", "seed 3", "rank 1 of group R1-winners", "group R8-losers");
    values are where that rider goes next: a contest id ("1/4-3"), a group ("group
    R8-losers") or final places ("place 29", "places 9-16"). For pages that say "winners
    go to the quarter-finals; losers are placed 9-16 by qualifying time".
    """
    state = _Resolution(table, [SeededRider(rider_id=i) for i in range(1, riders + 1)], {})
    state.run()
    single = {pid: ids[0] for pid, ids in state.phase_contests.items() if len(ids) == 1}
    rank_of = {cid: pid for pid, cid in single.items()}

    def key(ref: SourceRef) -> str:
        position = ref.first
        if ref.kind == "seed":
            return f"seed {position}"
        if ref.kind == "group":
            return f"rank {position} of group {ref.target}"
        contest_id = single[ref.target] if ref.kind == "rank" else ref.target
        if contest_id in rank_of:
            return f"rank {position} of {rank_of[contest_id]}"
        if position == 1:
            return f"winner of {contest_id}"
        if position == 2 and len(state.contests[contest_id].refs) == 2:
            return f"loser of {contest_id}"
        return f"place {position} of {contest_id}"

    out: dict[str, list[str]] = {}
    for contest in state.contests.values():
        for ref in contest.refs:
            out.setdefault(key(ref), []).append(contest.contest_id)
    for name, group in table.groups.items():
        for ref in state.expand(group.of):
            out.setdefault(key(ref), []).append(f"group {name}")
    base = 1
    for label in table.classification:
        ref = parse_label(label)
        refs = state.expand([label])
        if ref.kind == "group" and refs:
            # The whole group at once ("places 9-16"), and each of its ranks.
            last = base + len(refs) - 1
            span = f"place {base}" if last == base else f"places {base}-{last}"
            out.setdefault(f"group {ref.target}", []).append(span)
        for offset, one in enumerate(refs):
            out.setdefault(key(one), []).append(f"place {base + offset}")
        base += len(refs)
    return out
