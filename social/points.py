"""The points engine: a fan's awards, boards and medal, derived from their fan actions.

After commit, on ``podium_fan_actions_recorded``, :func:`recompute` runs every reward rule
of the plugins enabled for the venue over the fan's whole ledger (a rule returns totals,
never deltas), and replaces the fan's derived rows with the answer: the awards
(:class:`PointsEntry`), the points on each leaderboard (:class:`BoardScore`, with the
count of fans per score in :class:`ScoreBucket` and per rank bucket in :class:`RankBucket`)
and the medal (:class:`FanScore`).
The same delivery twice computes the same rows and changes nothing; the difference with
what was stored goes out as ``PointsAwarded`` (and ``MedalReached`` when the medal rose,
``MedalLost`` when it fell).

Boards: ``all`` (all time), ``season:<year>``, ``week:<ISO year>-W<week>``,
``discipline:<discipline>`` and ``athlete:<id>`` (the points a fan earned through one
athlete: following them, liking their posts). Admins, athletes and fans who opted out are
on no board. A fan's row in :class:`FanScore` is the lock of their recompute: it runs in
one transaction (``BEGIN IMMEDIATE`` on SQLite, ``FOR UPDATE`` on the row on PostgreSQL),
reading the ledger inside it, so two deliveries at once never interleave their writes.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import msgspec

from podium.core.database import atomic, for_update, row_queue
from podium.core.events import FanAction, PointsAward, PointsAwarded
from podium.core.plugins import PluginHost
from podium.social.audience import MEDAL_WORDS
from podium.social.contracts import (
    MEDAL_TIERS,
    REWARD_RULES,
    MedalLost,
    MedalReached,
    MedalTier,
    RewardRule,
)

log = logging.getLogger("podium.social.points")

#: The negative control of the concurrency test sets it to ``False`` (no transaction, no
#: row lock); never elsewhere.
LOCKING = True

ALL = "all"


# -- pure ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One award, with the action it is for (what the fan's history shows)."""

    rule: str
    action_id: int
    kind: str
    target: str
    points: int
    at: datetime


def season_of(at: datetime) -> str:
    """The season (calendar year, UTC) a moment falls in."""
    return str(at.astimezone(timezone.utc).year)


def week_of(at: datetime) -> str:
    """The ISO week (``2026-W49``, UTC) a moment falls in."""
    year, week, _ = at.astimezone(timezone.utc).isocalendar()
    return f"{year}-W{week:02d}"


def epoch(at: datetime) -> int:
    """Whole seconds since 1970 (the tie-break of boards, the same in SQL and Redis)."""
    return int(at.timestamp())


def entries_for(actions: Sequence[FanAction],
                rules: Sequence[tuple[str, RewardRule]]) -> list[Entry]:
    """Every non-zero award the ``rules`` (``(name, rule)``) give for one fan's ledger.

    A rule that raises is logged and skipped: one broken plugin must not stop the others.
    """
    by_id = {a.action_id: a for a in actions}
    out: list[Entry] = []
    for name, rule in rules:
        seen = [a for a in actions if a.kind in rule.action_kinds]
        if not seen:
            continue
        try:
            awards: Sequence[PointsAward] = rule.awards(seen)
        except Exception:
            log.exception("reward rule %s failed", name)
            continue
        for award in awards:
            action = by_id.get(award.action_id)
            if action is None or not award.points:
                continue
            out.append(Entry(name, action.action_id, action.kind, action.target,
                             award.points, action.at))
    out.sort(key=lambda e: (e.at, e.action_id, e.rule))
    return out


def boards_for(entries: Iterable[Entry], athlete_of: Callable[[str], int | None],
               discipline_of: Mapping[int, str]) -> dict[str, tuple[int, int]]:
    """``board -> (points, reached)`` for one fan; ``reached`` is the time (epoch seconds)
    of the latest award counted there. Boards where the fan holds no points are left out."""
    points: dict[str, int] = {}
    reached: dict[str, int] = {}
    for entry in entries:
        boards = [ALL, f"season:{season_of(entry.at)}", f"week:{week_of(entry.at)}"]
        athlete = athlete_of(entry.target)
        if athlete is not None:
            boards.append(f"athlete:{athlete}")
            discipline = discipline_of.get(athlete)
            if discipline:
                boards.append(f"discipline:{discipline}")
        for board in boards:
            points[board] = points.get(board, 0) + entry.points
            reached[board] = max(reached.get(board, 0), epoch(entry.at))
    return {b: (p, reached[b]) for b, p in points.items() if p > 0}


def athlete_target(target: str) -> int | None:
    """The athlete an ``athlete:<id>`` target names."""
    kind, _, rest = target.partition(":")
    if kind == "athlete" and rest.isdigit():
        return int(rest)
    return None


def medal_for(tiers: Sequence[tuple[str, MedalTier]], all_time: int,
              season_points: int, season: str) -> tuple[str, MedalTier] | None:
    """The best medal held: a lifetime tier reached by ``all_time`` points, or a tier of
    ``season`` reached by ``season_points``; the highest rank wins (then threshold)."""
    held = [(name, tier) for name, tier in tiers
            if (tier.season is None and all_time >= tier.threshold)
            or (tier.season == season and season_points >= tier.threshold)]
    if not held:
        return None
    return max(held, key=lambda nt: (nt[1].rank, nt[1].threshold, nt[1].season is None))


def label_from_name(name: str) -> str:
    """A label for a tier no loaded plugin offers, from its name: ``x.silver-2025`` reads
    "Silver 2025" ("Argent 2025": the medal words bronze, silver and gold are translated;
    other names are titled)."""
    key = name.split(".", 1)[-1]
    word, _sep, season = key.partition("-")
    if word not in MEDAL_WORDS:
        return key.replace("-", " ").title()
    medal = str(MEDAL_WORDS[word]).capitalize()
    return f"{medal} {season}" if season else medal


def medal_label(name: str, host: PluginHost | None = None) -> str:
    """What fans read, in the current locale, for the tier ``name`` (``plugin.tier``) of
    any loaded plugin (:func:`bound_host` by default); empty for no medal."""
    if not name:
        return ""
    host = host or bound_host()
    tier = host.registry(MEDAL_TIERS).get(name) if host else None
    return str(tier.label) if tier is not None else label_from_name(name)


class MedalGoal(msgspec.Struct, frozen=True):
    """The next medal of one kind (lifetime or this season) and how far the fan is."""

    label: str
    threshold: int
    points: int
    season: str | None

    @property
    def percent(self) -> int:
        """Progress towards it, 0 to 100."""
        return min(100, self.points * 100 // max(1, self.threshold))


def next_goals(tiers: Sequence[tuple[str, MedalTier]], all_time: int, season_points: int,
               season: str) -> list[MedalGoal]:
    """The lowest tier not yet reached, lifetime and this season (empty when all are)."""
    goals: list[MedalGoal] = []
    for which, points in ((None, all_time), (season, season_points)):
        ahead = sorted((t for _n, t in tiers if t.season == which and points < t.threshold),
                       key=lambda t: t.threshold)
        if ahead:
            goals.append(MedalGoal(str(ahead[0].label), ahead[0].threshold, points, which))
    return goals


def award_delta(old: Iterable[tuple[str, int, int]], new: Iterable[tuple[str, int, int]],
                fan_id: int) -> list[PointsAward]:
    """The awards that changed: ``(rule, action_id, points)`` stored before and now."""
    before: dict[tuple[str, int], int] = {}
    for rule, action_id, points in old:
        before[(rule, action_id)] = before.get((rule, action_id), 0) + points
    after: dict[tuple[str, int], int] = {}
    for rule, action_id, points in new:
        after[(rule, action_id)] = after.get((rule, action_id), 0) + points
    out = []
    for key in sorted(set(before) | set(after)):
        change = after.get(key, 0) - before.get(key, 0)
        if change:
            out.append(PointsAward(fan_id, change, key[0], key[1]))
    return out


# -- the plugins' rules and tiers ------------------------------------------------------

_BOUND: dict[str, PluginHost] = {}


def bind_host(host: PluginHost) -> None:
    """Remember the app's plugin host (the domain-event hooks receive only the event)."""
    _BOUND["host"] = host


def bound_host() -> PluginHost | None:
    """The plugin host :func:`bind_host` remembered, if any."""
    return _BOUND.get("host")


async def _enabled(host: PluginHost, venue_id: int | None) -> set[str]:
    from podium.core.activation.service import enabled_plugins

    return await enabled_plugins(host, venue_id)


async def rules_for(host: PluginHost | None, venue_id: int | None) -> list[tuple[str, RewardRule]]:
    """The reward rules of the plugins enabled for the venue (``plugin.rule``, rule)."""
    if host is None:
        return []
    return host.registry(REWARD_RULES).enabled(await _enabled(host, venue_id))


async def tiers_for(host: PluginHost | None, venue_id: int | None) -> list[tuple[str, MedalTier]]:
    """The medal tiers of the plugins enabled for the venue."""
    if host is None:
        return []
    return host.registry(MEDAL_TIERS).enabled(await _enabled(host, venue_id))


# -- the database ----------------------------------------------------------------------


class Standing(msgspec.Struct, frozen=True, kw_only=True):
    """Where a fan stands: points, medal and global rank (all time).

    :param medal: the best medal's tier name (``gold``; ``gold-2026`` for a season's),
        ``None`` without one; ``medal_label`` what fans read.
    :param medal_rank: 0 none, bronze 1, silver 2, gold 3.
    :param rank: 1 is the top; ``None`` when not on the board (no points, opted out, an
        admin or an athlete).
    """

    fan_id: int
    points_all_time: int = 0
    points_season: int = 0
    points_week: int = 0
    medal: str | None = None
    medal_label: str | None = None
    medal_rank: int = 0
    rank: int | None = None
    opted_out: bool = False
    excluded: bool = False


@dataclass
class Recomputed:
    """What one recompute changed."""

    fan_id: int
    awards: list[PointsAward] = field(default_factory=list)
    #: ``board -> (points, reached)`` before and after, for the boards that changed
    #: (``None``: not on it).
    boards: dict[str, tuple[tuple[int, int] | None, tuple[int, int] | None]] = field(
        default_factory=dict)
    medal_rank_before: int = 0
    medal_rank_after: int = 0


def _tables() -> Any:
    from podium.social import tables

    return tables


async def _ensure_score_row(fan_id: int) -> None:
    t = _tables()
    await t.FanScore.raw(
        f"INSERT INTO {t.FanScore._meta.tablename} (fan, points, medal, medal_rank, "
        "opted_out, excluded, updated_at) VALUES ({}, 0, '', 0, {}, {}, {}) "
        "ON CONFLICT (fan) DO NOTHING", fan_id, False, False, datetime.now(timezone.utc))


async def _excluded(fan_id: int) -> bool:
    from podium.core.accounts.tables import User

    row = await User.select(User.roles).where(User.id == fan_id).first()
    roles = set((row or {}).get("roles", "").split(","))
    return bool(roles & {"admin", "athlete"})


async def _disciplines(athlete_ids: Iterable[int]) -> dict[int, str]:
    ids = sorted(set(athlete_ids))
    if not ids:
        return {}
    t = _tables()
    rows = await t.Athlete.select(t.Athlete.id, t.Athlete.discipline).where(t.Athlete.id.is_in(ids))
    return {r["id"]: r["discipline"] for r in rows}


async def athletes_of_targets(targets: Iterable[str]) -> dict[str, int]:
    """The athlete each target is about: ``athlete:<id>`` itself; ``post:<id>`` (a like)
    and ``video:<post id>`` (a video watched to the end) the athlete who posted it (a
    venue's post is about no athlete); others are about no athlete."""
    t = _tables()
    out: dict[str, int] = {}
    posts: dict[int, list[str]] = {}
    for target in targets:
        athlete = athlete_target(target)
        kind, _, rest = target.partition(":")
        if athlete is not None:
            out[target] = athlete
        elif kind in ("post", "video") and rest.isdigit():
            posts.setdefault(int(rest), []).append(target)
    post_table = getattr(t, "Post", None)
    if posts and post_table is not None:
        rows = await post_table.select(post_table.id, post_table.athlete).where(
            post_table.id.is_in(sorted(posts)))
        for r in rows:
            if r["athlete"] is not None:
                out.update({target: r["athlete"] for target in posts[r["id"]]})
    return out


async def _ledger(fan_id: int) -> list[FanAction]:
    from podium.social.actions import actions_of

    return list(await actions_of(fan_id))


_BUCKET_UPSERT = (
    "INSERT INTO social_score_bucket (slot, board, points, fans) VALUES ({}, {}, {}, {}) "
    "ON CONFLICT (slot) DO UPDATE SET fans = social_score_bucket.fans + excluded.fans"
)


async def apply_bucket_deltas(deltas: Mapping[tuple[str, int], int]) -> None:
    """Add to the fan counts of score buckets, in one fixed order (board, points) so two
    transactions never lock the same buckets in opposite orders."""
    t = _tables()
    for (board, points), change in sorted(deltas.items()):
        if change:
            await t.ScoreBucket.raw(_BUCKET_UPSERT, f"{board}|{points}", board, points, change)


async def recompute(fan_id: int, *, venue_id: int | None = None,
                    host: PluginHost | None = None, lock: bool | None = None,
                    announce: bool = True) -> Recomputed:
    """Recompute one fan's awards, boards and medal from their ledger, in one locked
    transaction; record ``PointsAwarded`` (and ``MedalReached`` or ``MedalLost``) for what
    changed.

    :param lock: ``False`` only for the negative control of the concurrency test
        (default: :data:`LOCKING`).
    :param announce: record the events (a rebuild passes ``False``).
    """
    host = host or bound_host()
    rules = await rules_for(host, venue_id)
    tiers = await tiers_for(host, venue_id)
    t = _tables()
    excluded = await _excluded(fan_id)
    await _ensure_score_row(fan_id)
    now = datetime.now(timezone.utc)
    season = season_of(now)
    result = Recomputed(fan_id)
    lock = LOCKING if lock is None else lock
    async with _fan_lock(fan_id, lock):
        query = t.FanScore.select().where(t.FanScore.fan == fan_id)
        score = await (for_update(query) if lock else query).first()
        actions = await _ledger(fan_id)  # inside the lock: the latest committed ledger
        entries = entries_for(actions, rules)
        athlete_of = await athletes_of_targets({e.target for e in entries})
        disciplines = await _disciplines(athlete_of.values())
        on_boards = not excluded and not score["opted_out"]
        new_boards = boards_for(entries, athlete_of.get, disciplines) if on_boards else {}
        old_rows = await t.BoardScore.select(t.BoardScore.board, t.BoardScore.points,
                                             t.BoardScore.reached).where(t.BoardScore.fan == fan_id)
        old_boards = {r["board"]: (r["points"], r["reached"]) for r in old_rows}
        old_entries = await t.PointsEntry.select(
            t.PointsEntry.rule, t.PointsEntry.action_id, t.PointsEntry.points
        ).where(t.PointsEntry.fan == fan_id)
        result.awards = award_delta(((r["rule"], r["action_id"], r["points"]) for r in old_entries),
                                    ((e.rule, e.action_id, e.points) for e in entries), fan_id)
        if result.awards:
            await t.PointsEntry.delete().where(t.PointsEntry.fan == fan_id)
            if entries:
                await t.PointsEntry.insert(*[t.PointsEntry(
                    fan=fan_id, rule=e.rule, action_id=e.action_id, kind=e.kind,
                    target=e.target[:120], points=e.points, at=e.at) for e in entries])
        deltas: dict[tuple[str, int], int] = {}
        for board in sorted(set(old_boards) | set(new_boards)):
            before, after = old_boards.get(board), new_boards.get(board)
            if before == after:
                continue
            result.boards[board] = (before, after)
            slot = f"{board}|{fan_id}"
            if before is not None:
                deltas[(board, before[0])] = deltas.get((board, before[0]), 0) - 1
            if after is not None:
                deltas[(board, after[0])] = deltas.get((board, after[0]), 0) + 1
            if after is None:
                await t.BoardScore.delete().where(t.BoardScore.slot == slot)
            elif before is None:
                await t.BoardScore.insert(t.BoardScore(slot=slot, board=board, fan=fan_id,
                                                       points=after[0], reached=after[1]))
            else:
                await t.BoardScore.update({t.BoardScore.points: after[0],
                                           t.BoardScore.reached: after[1]}
                                          ).where(t.BoardScore.slot == slot)
        await apply_bucket_deltas(deltas)
        from podium.social.leaderboard import apply_rank_deltas, rank_bucket_deltas

        await apply_rank_deltas(rank_bucket_deltas(result.boards))
        all_time = sum(e.points for e in entries)
        season_points = sum(e.points for e in entries if season_of(e.at) == season)
        medal = medal_for(tiers, all_time, season_points, season)
        result.medal_rank_before = score["medal_rank"]
        result.medal_rank_after = medal[1].rank if medal else 0
        await t.FanScore.update({
            t.FanScore.points: all_time, t.FanScore.medal: medal[0] if medal else "",
            t.FanScore.medal_rank: result.medal_rank_after, t.FanScore.excluded: excluded,
            t.FanScore.updated_at: now,
        }).where(t.FanScore.fan == fan_id)
        if announce:
            from podium.core.outbox import record

            await record(PointsAwarded(venue_id=venue_id, awards=tuple(result.awards))
                         if result.awards else None)
            # Names, not labels: the banner is worded in each page's language.
            if medal and result.medal_rank_after > result.medal_rank_before:
                await record(MedalReached(venue_id=venue_id, fan_id=fan_id, medal=medal[0],
                                          rank=medal[1].rank))
            elif result.medal_rank_after < result.medal_rank_before and score["medal"]:
                await record(MedalLost(
                    venue_id=venue_id, fan_id=fan_id, lost=score["medal"],
                    medal=medal[0] if medal else "", rank=result.medal_rank_after))
        if result.boards:
            # Inside the lock, so two recomputes of one fan mirror in commit order.
            from podium.social.leaderboard import mirror_boards

            await mirror_boards(fan_id, result.boards)
    return result


@contextlib.asynccontextmanager
async def _fan_lock(fan_id: int, lock: bool) -> AsyncIterator[None]:
    if not lock:  # the negative control: every statement on its own
        yield
        return
    async with row_queue(("hub-fan", fan_id)), atomic():
        yield


async def on_fan_actions_recorded(actions: Iterable[FanAction], venue_id: int | None) -> None:
    """Recompute every fan the actions are about (the hook's implementation calls it)."""
    for fan_id in sorted({a.fan_id for a in actions}):
        await recompute(fan_id, venue_id=venue_id)


async def set_opted_out(fan_id: int, opted_out: bool, *, venue_id: int | None = None) -> Standing:
    """Take a fan off every leaderboard (or put them back); their points stay."""
    t = _tables()
    await _ensure_score_row(fan_id)
    await t.FanScore.update({t.FanScore.opted_out: bool(opted_out)}).where(t.FanScore.fan == fan_id)
    await recompute(fan_id, venue_id=venue_id)
    return await standing(fan_id)


async def standing(fan_id: int, *, venue_id: int | None = None) -> Standing:
    """Where ``fan_id`` stands: points all time, this season and this ISO week (UTC), the
    best medal held and the exact global rank (all time)."""
    from podium.social.leaderboard import rank_of

    t = _tables()
    now = datetime.now(timezone.utc)
    row = await t.FanScore.select().where(t.FanScore.fan == fan_id).first()
    if row is None:
        return Standing(fan_id=fan_id)
    season_points = await _points_since(fan_id, datetime(now.year, 1, 1, tzinfo=timezone.utc))
    week_points = await _points_in_week(fan_id, week_of(now))
    label = medal_label(row["medal"]) or None
    rank = None
    if not row["opted_out"] and not row["excluded"] and row["points"] > 0:
        rank = await rank_of(ALL, fan_id)
    return Standing(
        fan_id=fan_id, points_all_time=row["points"], points_season=season_points,
        points_week=week_points, medal=row["medal"].split(".", 1)[-1] or None,
        medal_label=label, medal_rank=row["medal_rank"], rank=rank,
        opted_out=row["opted_out"], excluded=row["excluded"])


async def _points_since(fan_id: int, since: datetime) -> int:
    t = _tables()
    rows = await t.PointsEntry.select(t.PointsEntry.points).where(
        (t.PointsEntry.fan == fan_id) & (t.PointsEntry.at >= since))
    return sum(r["points"] for r in rows)


async def _points_in_week(fan_id: int, week: str) -> int:
    t = _tables()
    row = await t.BoardScore.select(t.BoardScore.points).where(
        t.BoardScore.slot == f"week:{week}|{fan_id}").first()
    if row is not None:
        return int(row["points"])
    # Not on the boards (opted out...): sum this week's awards.
    rows = await t.PointsEntry.select(t.PointsEntry.points, t.PointsEntry.at).where(
        t.PointsEntry.fan == fan_id)
    return sum(r["points"] for r in rows if week_of(r["at"]) == week)


class HistoryItem(msgspec.Struct, frozen=True):
    """One award in a fan's history."""

    rule: str
    description: str
    action_id: int
    kind: str
    target: str
    points: int
    at: datetime


async def history(fan_id: int, *, limit: int = 50, offset: int = 0) -> list[HistoryItem]:
    """A fan's awards, newest first, with the rule's description."""
    t = _tables()
    rows = await t.PointsEntry.select().where(t.PointsEntry.fan == fan_id).order_by(
        t.PointsEntry.at, ascending=False).order_by(t.PointsEntry.id, ascending=False
    ).limit(limit).offset(offset)
    host = bound_host()
    registry = host.registry(REWARD_RULES) if host else None
    out = []
    for r in rows:
        rule = registry.get(r["rule"]) if registry else None
        out.append(HistoryItem(r["rule"], str(rule.description) if rule else r["rule"],
                               r["action_id"], r["kind"], r["target"], r["points"], r["at"]))
    return out


async def medal_goals(fan_id: int, *, venue_id: int | None = None) -> list[MedalGoal]:
    """The next medals (lifetime, this season) and the fan's progress to them."""
    now = datetime.now(timezone.utc)
    mine = await standing(fan_id)
    tiers = await tiers_for(bound_host(), venue_id)
    return next_goals(tiers, mine.points_all_time, mine.points_season, season_of(now))


async def fans_with_facts() -> list[int]:
    """Every fan with a fan action or a score row (what a rebuild walks)."""
    t = _tables()
    acted = await t.FanAction.select(t.FanAction.fan).distinct()
    scored = await t.FanScore.select(t.FanScore.fan)
    return sorted({r["fan"] for r in acted} | {r["fan"] for r in scored})


async def rebuild(*, venue_id: int | None = None, host: PluginHost | None = None) -> int:
    """Recompute every fan from the facts, recount the score buckets from the board rows
    and refill Redis; returns the fans walked. Safe while the app serves: each fan is
    recomputed under their lock."""
    from podium.social.leaderboard import reload_redis

    fans = await fans_with_facts()
    for fan_id in fans:
        await recompute(fan_id, venue_id=venue_id, host=host, announce=False)
    await recount_buckets()
    await reload_redis()
    return len(fans)


async def recount_buckets() -> None:
    """Rewrite the score buckets and the rank buckets from the board rows (they drift only
    if edited by hand; the rewrite also drops the buckets left empty)."""
    from podium.social.leaderboard import recount_rank_buckets_sql

    t = _tables()
    async with atomic():
        await t.ScoreBucket.delete(force=True)
        await t.ScoreBucket.raw(
            "INSERT INTO social_score_bucket (slot, board, points, fans) "
            "SELECT board || '|' || CAST(points AS VARCHAR), board, points, COUNT(*) "
            "FROM social_board_score GROUP BY board, points")
        await t.RankBucket.delete(force=True)
        for statement in recount_rank_buckets_sql():
            await t.RankBucket.raw(statement)
