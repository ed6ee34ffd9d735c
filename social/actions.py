"""The ledger of fan actions: the one way facts enter the fan hub.

A fan's follow, like, watch... is recorded once as a :class:`~podium.social.tables.FanAction`
(never updated or deleted) and announced as one
:class:`~podium.core.events.FanActionsRecorded` per call, in the same transaction; the
follow and like relations (:class:`~podium.social.tables.FanRelation`) are derived from
the facts in that transaction too.

What counts once:

* an idempotency key seen before is a replay: nothing new, the original fact is returned;
* without a key one is derived: for ``watch``, ``attend``, ``predict``... from the fan,
  kind, target and detail (a double-submitted click is a replay); for the relation kinds
  from the fan, kind, target and how many such facts there are (``follow`` number 2 is
  the follow after an unfollow);
* a ``follow`` while already following (``unfollow`` while not, the same for likes) is no
  fact at all (``changed=False``), so follow churn cannot farm points.

The relation rows are the scarce thing: they are created if missing, then locked
(``FOR UPDATE`` on PostgreSQL, ``BEGIN IMMEDIATE`` on SQLite) and re-read before deciding,
so two tabs following at once record one follow. ``LOCKING`` is the negative control of
the race tests: with ``PODIUM_SOCIAL_NO_LOCK=1`` (and only under the test suite) the
writes run without a transaction or lock and the race shows. Never set it elsewhere.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
from collections.abc import AsyncIterator, Iterable, Sequence
from datetime import datetime, timezone
from typing import Any

import msgspec
from piccolo.query.functions.aggregate import Count

from podium.core.i18n import LazyString, _, lazy_pgettext, stored_label
from podium.core.database import atomic, is_sqlite
from podium.core.errors import Conflict, InvalidInput, NotFound
from podium.core.events import FanAction as FanActionEvent
from podium.core.events import FanActionsRecorded
from podium.core.outbox import record as record_events
from podium.social.tables import Athlete, FanAction, FanRelation

FOLLOW = "follow"
UNFOLLOW = "unfollow"
LIKE = "like"
UNLIKE = "unlike"
WATCH = "watch"
ATTEND = "attend"
PREDICT = "predict"

#: What a fan reads for the built-in action kinds (a plugin's own kind reads as its name).
ACTION_LABELS: dict[str, LazyString] = {
    FOLLOW: lazy_pgettext("fan action", "followed"),
    UNFOLLOW: lazy_pgettext("fan action", "unfollowed"),
    LIKE: lazy_pgettext("fan action", "liked"), UNLIKE: lazy_pgettext("fan action", "unliked"),
    WATCH: lazy_pgettext("fan action", "watched"), ATTEND: lazy_pgettext("fan action", "attended"),
    PREDICT: lazy_pgettext("fan action", "predicted"),
}


def action_label(kind: str) -> str:
    """An action kind as the fan reads it, in the current locale (``like`` -> "liked" /
    "a aimé"); a kind this room does not know reads as its name."""
    return stored_label(ACTION_LABELS, kind)


#: Relation kinds: the action kind -> (relation, state after).
RELATION_OF: dict[str, tuple[str, bool]] = {
    FOLLOW: (FOLLOW, True), UNFOLLOW: (FOLLOW, False), LIKE: (LIKE, True), UNLIKE: (LIKE, False),
}
RELATIONS = (FOLLOW, LIKE)

KIND_RE = re.compile(r"^[a-z][a-z_]{0,31}$")
TARGET_RE = re.compile(r"^[a-z][a-z_]{0,19}:[A-Za-z0-9_.:\-]{1,100}$")
ATHLETE_TARGET_RE = re.compile(r"^athlete:([1-9][0-9]{0,9})$")
MAX_KEY = 200
MAX_DETAIL = 200
#: Rows per INSERT statement (PostgreSQL takes at most 32,767 parameters).
CHUNK = 1000
#: A batch is retried this often when a concurrent writer took one of its keys.
KEY_RACE_RETRIES = 3


def _lock_removed(variable: str) -> bool:
    """True when the test suite set ``variable=1`` to run the writes without their lock."""
    return (os.environ.get(variable) == "1"
            and os.environ.get("PODIUM_TESTING_CONFIGURED") == "1")


#: ``False`` only in the negative control of the race tests (see the module docstring).
LOCKING = not _lock_removed("PODIUM_SOCIAL_NO_LOCK")


class NewAction(msgspec.Struct, frozen=True):
    """An action to record (see :func:`record`)."""

    fan_id: int
    kind: str
    target: str
    key: str | None = None
    detail: str = ""
    at: datetime | None = None


class Recorded(msgspec.Struct, frozen=True):
    """What recording one action did.

    :param action: the fact, new or (on a replay) the original one; ``None`` when nothing
        was recorded because the relation was already in that state.
    :param replay: the key was seen before: nothing new.
    :param changed: a new fact was recorded.
    :param active: for follow/like kinds, whether the relation is on afterwards.
    """

    action: FanActionEvent | None
    replay: bool
    changed: bool
    active: bool | None = None


class _KeyRace(Exception):
    """A concurrent transaction recorded one of the batch's keys first: start again."""


def utc_now() -> datetime:
    """The current time, UTC."""
    return datetime.now(timezone.utc)


async def record(fan_id: int, kind: str, target: str, *, key: str | None = None,
                 detail: str = "", at: datetime | None = None) -> Recorded:
    """Record one fan action (see the module docstring for what counts once).

    :raises InvalidInput: a malformed kind, target, key or detail, or following oneself.
    :raises NotFound: following an athlete that does not exist.
    """
    [done] = await record_many([NewAction(fan_id, kind, target, key, detail, at)])
    return done


async def record_many(actions: Sequence[NewAction]) -> list[Recorded]:
    """Record a batch of fan actions in one transaction, in order; one answer per action.

    Facts go in with one ``INSERT ... ON CONFLICT (idempotency_key) DO NOTHING RETURNING``
    per thousand rows, and the batch's new facts are announced as one
    :class:`~podium.core.events.FanActionsRecorded`.
    """
    items = [_checked(action) for action in actions]
    if not items:
        return []
    await _check_follow_targets(items)
    for _attempt in range(KEY_RACE_RETRIES):
        try:
            async with _locked():
                return await _record_locked(items)
        except _KeyRace:
            continue
    raise Conflict(_("these actions are being recorded by another request; try again"),
                   code="busy")


@contextlib.asynccontextmanager
async def _locked() -> AsyncIterator[None]:
    if LOCKING:
        async with atomic():
            yield
    else:
        yield


def _checked(action: NewAction) -> NewAction:
    """The action with its time set, or InvalidInput naming what is wrong."""
    if not isinstance(action.fan_id, int) or isinstance(action.fan_id, bool) or not 0 < action.fan_id < 2**31:
        raise InvalidInput(_("fan_id must be a positive whole number"), field="fan_id")
    if not isinstance(action.kind, str) or not KIND_RE.match(action.kind):
        raise InvalidInput(_("kind must be a short lower-case word such as follow or like"),
                           field="kind")
    if not isinstance(action.target, str) or not TARGET_RE.match(action.target):
        raise InvalidInput(_("target must look like athlete:12 or post:3"), field="target")
    if action.kind in (FOLLOW, UNFOLLOW) and not ATHLETE_TARGET_RE.match(action.target):
        raise InvalidInput(_("only athletes can be followed (target athlete:<id>)"), field="target")
    if action.key is not None and (not isinstance(action.key, str) or not 0 < len(action.key) <= MAX_KEY
                                   or not action.key.isprintable()):
        raise InvalidInput(_("key must be 1 to %(most)s printable characters",
                             most=MAX_KEY), field="key")
    if not isinstance(action.detail, str) or len(action.detail) > MAX_DETAIL or not action.detail.isprintable():
        raise InvalidInput(_("detail must be at most %(most)s printable characters",
                             most=MAX_DETAIL),
                           field="detail")
    at = action.at
    if at is None:
        at = utc_now()
    elif not isinstance(at, datetime) or at.tzinfo is None:
        raise InvalidInput(_("at must be a time with its time zone"), field="at")
    return msgspec.structs.replace(action, at=at.astimezone(timezone.utc))


async def _check_follow_targets(items: Sequence[NewAction]) -> None:
    """Follows name existing athletes, and nobody follows themselves."""
    wanted = {int(m.group(1)) for a in items if a.kind == FOLLOW
              for m in [ATHLETE_TARGET_RE.match(a.target)] if m}
    if not wanted:
        return
    rows = await Athlete.select(Athlete.id, Athlete.user).where(Athlete.id.is_in(list(wanted)))
    owner = {r["id"]: r["user"] for r in rows}
    for action in items:
        if action.kind != FOLLOW:
            continue
        athlete_id = int(action.target.split(":", 1)[1])
        if athlete_id not in owner:
            raise NotFound(_("there is no athlete %(athlete_id)s", athlete_id=athlete_id))
        if owner[athlete_id] == action.fan_id:
            raise InvalidInput(_("you cannot follow yourself"), field="target")


def _content_key(action: NewAction) -> str:
    digest = hashlib.sha256(f"{action.target}\x1f{action.detail}".encode()).hexdigest()[:32]
    return f"auto:{action.fan_id}:{action.kind}:{digest}"


def _rows_source(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> tuple[str, list[Any]]:
    """A set of rows as a SQL source with a fixed, small number of parameters, so a batch
    of a thousand rows is one short statement (Piccolo compiles every placeholder: a
    thousand of them cost more than running the query). PostgreSQL: ``unnest`` of one
    typed array per column; SQLite: ``json_each`` of one JSON array of rows.

    ``columns`` are ``name:type`` (``fan:integer``, ``at:timestamptz``...)."""
    names = [c.split(":", 1)[0] for c in columns]
    if is_sqlite():
        picks = ", ".join(f"json_extract(value, '$[{i}]') AS {n}" for i, n in enumerate(names))
        converted = [i for i, c in enumerate(columns) if c.endswith((":timestamptz", ":boolean"))]
        payload: Any = rows
        if converted:
            payload = [list(row) for row in rows]
            for row in payload:
                for i in converted:
                    row[i] = _sqlite_value(row[i])
        return f"(SELECT {picks} FROM json_each({{}}))", [json.dumps(payload)]
    arrays = ", ".join(f"{{}}::{c.split(':', 1)[1]}[]" for c in columns)
    args = [[row[i] for row in rows] for i in range(len(columns))]
    return f"(SELECT * FROM unnest({arrays}) AS v({', '.join(names)}))", args


def _sqlite_value(value: Any) -> Any:
    # As Piccolo's SQLite adapters store them: times as str() in UTC, booleans as 0/1.
    if isinstance(value, datetime):
        return str(value.astimezone(timezone.utc))
    if isinstance(value, bool):
        return int(value)
    return value


def _chunks(seq: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(seq), size):
        yield seq[start:start + size]


async def _record_locked(items: list[NewAction]) -> list[Recorded]:
    relation_keys = sorted({(a.fan_id, RELATION_OF[a.kind][0], a.target)
                            for a in items if a.kind in RELATION_OF})
    state, row_ids = await _lock_relations(relation_keys)
    # Derived keys of relation facts count the facts already there (under the lock).
    unkeyed = sorted({(a.fan_id, a.kind, a.target) for a in items
                      if a.kind in RELATION_OF and a.key is None})
    seen = await _fact_counts(unkeyed)
    keys = [a.key if a.key is not None else (None if a.kind in RELATION_OF else _content_key(a))
            for a in items]
    known = await _facts_by_key([k for k in keys if k is not None])

    results: list[Recorded | None] = [None] * len(items)
    new: list[tuple[int, NewAction, str]] = []  # (index, action, key)
    batch_keys: dict[str, int] = {}
    for index, (action, key) in enumerate(zip(items, keys)):
        relation = RELATION_OF.get(action.kind)
        rel_key = (action.fan_id, relation[0], action.target) if relation else None
        if key is not None and (key in known or key in batch_keys):
            # A replay; one of a key first seen in this batch gets its fact filled in below.
            results[index] = Recorded(action=known.get(key), replay=True, changed=False,
                                      active=state.get(rel_key) if rel_key else None)
            continue
        if relation is not None and rel_key is not None:
            if state.get(rel_key, False) == relation[1]:
                results[index] = Recorded(action=None, replay=False, changed=False,
                                          active=relation[1])
                continue
            state[rel_key] = relation[1]
            if key is None:
                count_key = (action.fan_id, action.kind, action.target)
                seen[count_key] = seen.get(count_key, 0) + 1
                key = f"auto:{action.fan_id}:{action.kind}:{action.target}:{seen[count_key]}"
        assert key is not None
        batch_keys[key] = index
        new.append((index, action, key))

    ids = await _insert_facts(new)
    facts: list[FanActionEvent] = []
    changed_relations: dict[tuple[int, str, str], tuple[bool, datetime]] = {}
    for index, action, key in new:
        action_id = ids.get(key)
        if action_id is None:  # another transaction took the key between our read and write
            if LOCKING:
                raise _KeyRace()
            results[index] = Recorded(action=None, replay=True, changed=False)
            continue
        assert action.at is not None
        fact = FanActionEvent(action_id=action_id, fan_id=action.fan_id, kind=action.kind,
                              target=action.target, at=action.at, idempotency_key=key,
                              detail=action.detail)
        facts.append(fact)
        relation = RELATION_OF.get(action.kind)
        if relation is not None:
            changed_relations[(action.fan_id, relation[0], action.target)] = (relation[1], action.at)
        results[index] = Recorded(action=fact, replay=False, changed=True,
                                  active=relation[1] if relation else None)
    # An in-batch replay points at the fact recorded earlier in the batch.
    by_key = {f.idempotency_key: f for f in facts}
    for index, (action, key) in enumerate(zip(items, keys)):
        done = results[index]
        if done is not None and done.replay and done.action is None and key in by_key:
            results[index] = msgspec.structs.replace(done, action=by_key[key])
    await _update_relations({row_ids[k]: v for k, v in changed_relations.items()})
    if facts:
        await record_events(FanActionsRecorded(actions=tuple(facts)))
    return [r for r in results if r is not None]


async def _lock_relations(keys: Sequence[tuple[int, str, str]]
                          ) -> tuple[dict[tuple[int, str, str], bool], dict[tuple[int, str, str], int]]:
    """Create the missing relation rows, lock them all, and read their state."""
    state: dict[tuple[int, str, str], bool] = {}
    row_ids: dict[tuple[int, str, str], int] = {}
    table = FanRelation._meta.tablename
    stamp = utc_now()
    lock = " FOR UPDATE" if LOCKING and not is_sqlite() else ""
    for chunk in _chunks(keys):
        source, args = _rows_source(("fan:integer", "kind:text", "target:text", "active:boolean",
                                     "since:timestamptz"),
                                    [(fan, kind, target, False, stamp) for fan, kind, target in chunk])
        await FanRelation.raw(
            f"INSERT INTO {table} (fan, kind, target, active, since) SELECT fan, kind, target, "
            f"active, since FROM {source} AS n WHERE true "
            f"ON CONFLICT (fan, kind, target) DO NOTHING", *args)
        source, args = _rows_source(("fan:integer", "kind:text", "target:text"), chunk)
        rows = await FanRelation.raw(
            f"SELECT id, fan, kind, target, active FROM {table} WHERE (fan, kind, target) IN "
            f"(SELECT fan, kind, target FROM {source} AS w) ORDER BY id{lock}", *args)
        for row in rows:
            key = (row["fan"], row["kind"], row["target"])
            state[key] = bool(row["active"])
            row_ids[key] = row["id"]
    return state, row_ids


async def _fact_counts(keys: Sequence[tuple[int, str, str]]) -> dict[tuple[int, str, str], int]:
    """How many facts each (fan, kind, target) has."""
    counts: dict[tuple[int, str, str], int] = {}
    table = FanAction._meta.tablename
    for chunk in _chunks(keys):
        source, args = _rows_source(("fan:integer", "kind:text", "target:text"), chunk)
        rows = await FanAction.raw(
            f"SELECT fan, kind, target, count(*) AS n FROM {table} WHERE (fan, kind, target) IN "
            f"(SELECT fan, kind, target FROM {source} AS w) GROUP BY fan, kind, target", *args)
        for row in rows:
            counts[(row["fan"], row["kind"], row["target"])] = int(row["n"])
    return counts


def _event_of(row: dict[str, Any]) -> FanActionEvent:
    return FanActionEvent(action_id=row["id"], fan_id=row["fan"], kind=row["kind"],
                          target=row["target"], at=row["at"],
                          idempotency_key=row["idempotency_key"], detail=row["detail"] or "")


async def _facts_by_key(keys: Sequence[str]) -> dict[str, FanActionEvent]:
    found: dict[str, FanActionEvent] = {}
    unique = sorted(set(keys))
    table = FanAction._meta.tablename
    for chunk in _chunks(unique):
        source, args = _rows_source(("k:text",), [(k,) for k in chunk])
        rows = await FanAction.raw(
            f"SELECT id, fan, kind, target, detail, at, idempotency_key FROM {table} "
            f"WHERE idempotency_key IN (SELECT k FROM {source} AS w)", *args)
        for row in rows:
            found[row["idempotency_key"]] = _event_of(row)
    return found


async def _insert_facts(new: Sequence[tuple[int, NewAction, str]]) -> dict[str, int]:
    """Insert the facts; their ids by key (a key another writer took is missing)."""
    ids: dict[str, int] = {}
    table = FanAction._meta.tablename
    for chunk in _chunks(new):
        source, args = _rows_source(
            ("fan:integer", "kind:text", "target:text", "detail:text", "at:timestamptz", "k:text"),
            [(a.fan_id, a.kind, a.target, a.detail, a.at, key) for _index, a, key in chunk])
        rows = await FanAction.raw(
            f"INSERT INTO {table} (fan, kind, target, detail, at, idempotency_key) "
            f"SELECT fan, kind, target, detail, at, k FROM {source} AS n WHERE true "
            f"ON CONFLICT (idempotency_key) DO NOTHING RETURNING id, idempotency_key", *args)
        for row in rows:
            ids[row["idempotency_key"]] = row["id"]
    return ids


async def _update_relations(changes: dict[int, tuple[bool, datetime]]) -> None:
    """Set the locked relation rows' state, one statement per thousand rows."""
    if not changes:
        return
    table = FanRelation._meta.tablename
    items = sorted(changes.items())
    for chunk in _chunks(items):
        source, args = _rows_source(("id:integer", "active:boolean", "since:timestamptz"),
                                    [(row_id, active, since) for row_id, (active, since) in chunk])
        await FanRelation.raw(
            f"UPDATE {table} SET active = v.active, since = v.since FROM {source} AS v "
            f"WHERE {table}.id = v.id", *args)


# -- queries -------------------------------------------------------------------------------


def _relation(kind: str) -> str:
    relation = RELATION_OF.get(kind, (kind, True))[0]
    if relation not in RELATIONS:
        raise InvalidInput(_("kind must be follow or like"), field="kind")
    return relation


async def is_active(fan_id: int, kind: str, target: str) -> bool:
    """True while ``fan_id`` follows (``kind="follow"``) or likes ``target``."""
    return await FanRelation.exists().where(
        (FanRelation.fan == fan_id) & (FanRelation.kind == _relation(kind))
        & (FanRelation.target == target) & (FanRelation.active == True))  # noqa: E712


async def active_targets(fan_id: int, kind: str, prefix: str = "athlete:") -> set[str]:
    """The targets (starting with ``prefix``) ``fan_id`` follows or likes now."""
    rows = await FanRelation.select(FanRelation.target).where(
        (FanRelation.fan == fan_id) & (FanRelation.kind == _relation(kind))
        & (FanRelation.active == True) & FanRelation.target.like(f"{prefix}%"))  # noqa: E712
    return {r["target"] for r in rows}


async def counts(targets: Iterable[str]) -> dict[str, dict[str, int]]:
    """Followers and likes of each target now: ``{target: {"follow": n, "like": m}}``."""
    wanted = sorted(set(targets))
    out = {t: {FOLLOW: 0, LIKE: 0} for t in wanted}
    for chunk in _chunks(wanted):
        rows = await FanRelation.select(
            FanRelation.target, FanRelation.kind, Count(FanRelation.id, alias="n"),
        ).where(FanRelation.target.is_in(list(chunk)) & (FanRelation.active == True)  # noqa: E712
                ).group_by(FanRelation.target, FanRelation.kind)
        for row in rows:
            if row["kind"] in RELATIONS:
                out[row["target"]][row["kind"]] = int(row["n"])
    return out


async def actions_of(fan_id: int, kinds: Iterable[str] | None = None) -> list[FanActionEvent]:
    """A fan's ledger, oldest first (optionally only some kinds), as reward rules read it."""
    query = FanAction.select().where(FanAction.fan == fan_id)
    if kinds is not None:
        wanted = sorted(set(kinds))
        if not wanted:
            return []
        query = query.where(FanAction.kind.is_in(wanted))
    return [_event_of(row) for row in await query.order_by(FanAction.id)]


async def followers_of(athlete_id: int) -> list[int]:
    """The ids of the fans following an athlete now, in the order they (last) followed."""
    rows = await FanRelation.select(FanRelation.fan).where(
        (FanRelation.kind == FOLLOW) & (FanRelation.target == f"athlete:{athlete_id}")
        & (FanRelation.active == True)).order_by(FanRelation.since).order_by(FanRelation.id)  # noqa: E712
    return [r["fan"] for r in rows]


def replay_relations(facts: Iterable[FanActionEvent]) -> dict[tuple[int, str, str], bool]:
    """The relations a ledger implies: ``(fan, "follow"|"like", target) -> active``, for
    every relation the facts touch. Pure; the ledger's order is the facts' order."""
    state: dict[tuple[int, str, str], bool] = {}
    for fact in facts:
        relation = RELATION_OF.get(fact.kind)
        if relation is not None:
            state[(fact.fan_id, relation[0], fact.target)] = relation[1]
    return state
