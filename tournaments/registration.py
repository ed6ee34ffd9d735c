"""The field of a tournament until its start: the organiser adds entrants, players (or team
captains) register, withdraw and check in, the waitlist fills freed places, the organiser
checks entrants in by hand and orders the seeding.

Each write locks the tournament row and re-checks inside the transaction, so concurrent
registrations never exceed the capacity and concurrent seed moves never lose each other.
"""

from __future__ import annotations

import itertools

import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from piccolo.columns.combination import Combinable

from podium.core.accounts.service import CurrentUser
from podium.core.database import atomic
from podium.core.i18n import _
from podium.core.errors import Conflict, InvalidInput, NotFound
from podium.core.validation import whole_number
from podium.core.venue.service import clean_text
from podium.tournaments import teams
from podium.tournaments.kernel import (
    MAX_CAPACITY,
    touch,
    entrant_in,
    lock_tournament,
    now,
    require_not_started,
    user_entrants,
)
from podium.tournaments.tables import Entrant as EntrantRow
from podium.tournaments.tables import PlayerRating, TeamMember

ENTRANT_NAME_MAX = 80
MAX_RATING = 1e7


def entrant_dict(row: Mapping[str, Any]) -> dict[str, Any]:
    """An entrant row as plain data."""
    return {
        "id": row["id"], "tournament_id": row["tournament"], "name": row["name"],
        "seed": row["seed"], "rating": row["rating"], "user_id": row["user"],
        "checked_in": row["checked_in"], "status": row["status"],
        "created_at": row["created_at"],
    }


async def list_entrants(tournament_id: int, statuses: Iterable[str] | None = None
                        ) -> list[dict[str, Any]]:
    """Entrants of a tournament: by seed once started, else by requested seed then
    registration order (the waitlist in the order it will be promoted)."""
    where: Combinable = EntrantRow.tournament == tournament_id
    if statuses is not None:
        where &= EntrantRow.status.is_in(list(statuses))
    rows = await EntrantRow.select().where(where).order_by(EntrantRow.id)
    rows.sort(key=lambda r: (r["seed"] is None, r["seed"] or 0, r["id"]))
    return [entrant_dict(r) for r in rows]


def _rating(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidInput(_("rating must be a number"), field="rating")
    number = float(value)
    if number != number or abs(number) > MAX_RATING:  # NaN or absurd
        raise InvalidInput(_("rating must be between -%(max_rating)s and %(max_rating)s", max_rating=f"{MAX_RATING:g}"),
                           field="rating")
    return number


async def _next_seed(tournament_id: int) -> int:
    """The seed of an entrant joining now (inside the tournament's lock): the smallest seed
    no registered entrant holds that comes after the field's size — the order of
    registration. A withdrawal's gap is never reused for a later entrant (no two entrants
    share a seed), and an organiser's high requested seed ("seed 7" in a field of 3)
    stays behind the entrants who join after it."""
    rows = await EntrantRow.select(EntrantRow.seed).where(
        (EntrantRow.tournament == tournament_id) & (EntrantRow.status == "registered"))
    taken = {r["seed"] for r in rows if r["seed"] is not None}
    seed = len(rows) + 1
    while seed in taken:
        seed += 1
    return seed


async def _registered_count(tournament_id: int) -> int:
    return await EntrantRow.count().where(
        (EntrantRow.tournament == tournament_id) & (EntrantRow.status == "registered"))


def _window_open(opens: datetime | None, closes: datetime | None, at: datetime) -> bool:
    return (opens is None or at >= opens) and (closes is None or at < closes)


# --------------------------------------------------------------------------------------
# Entering and leaving the field
# --------------------------------------------------------------------------------------


async def add_entrant(tournament_id: int, values: Mapping[str, Any], user: CurrentUser | None
                      ) -> dict[str, Any]:
    """The organiser adds an entrant by name (optional requested ``seed`` and ``rating``).

    Organiser entrants count against the capacity (409 ``full`` when it is reached); a
    name already in the field is refused (409 ``name_taken``). Returns the entrant; its
    ``seed`` is the requested one, or its place in the field.
    """
    name = clean_text(values.get("name"), "name", ENTRANT_NAME_MAX)
    rating = _rating(values.get("rating"))
    async with atomic():
        t = await lock_tournament(tournament_id)
        require_not_started(t)
        count = await _registered_count(tournament_id)
        if t["capacity"] is not None and count >= t["capacity"]:
            raise Conflict(_("the field is full (%(capacity)s entrants)", capacity=t['capacity']), code="full")
        if name.casefold() in await _names_in_field(tournament_id):
            raise Conflict(_("%(name)s is already in the field", name=name), code="name_taken")
        seed = whole_number(values.get("seed"), "seed", 1, MAX_CAPACITY, nullable=True)
        if seed is None:  # after the last seed: a withdrawal's gap is never reused
            seed = await _next_seed(tournament_id)
        row = EntrantRow(tournament=tournament_id, name=name, seed=seed, rating=rating,
                         status="registered", created_at=now())
        await row.save()
        await touch(t)
    return entrant_dict(row.to_dict())


async def register(tournament_id: int, user: CurrentUser, values: Mapping[str, Any] | None = None
                   ) -> dict[str, Any]:
    """A signed-in player (or a team captain) registers; waitlisted when the field is full.

    Team tournaments (``team_size`` > 1) need ``team_name``; the caller becomes the
    captain. The tournament row is locked and the field re-counted inside the transaction,
    so concurrent registrations never exceed the capacity.

    :raises Conflict: ``registration_closed``, ``already_registered``, ``started``.
    """
    values = values or {}
    async with atomic():
        t = await lock_tournament(tournament_id)
        require_not_started(t)
        if t["status"] != "registration" or not _window_open(
                t["registration_opens"], t["registration_closes"], now()):
            raise Conflict(_("registration is not open for this tournament"),
                           code="registration_closed")
        mine = await user_entrants(tournament_id, user.id, ("registered", "waitlisted"))
        if mine:
            raise Conflict(_("you are already registered for this tournament"),
                           code="already_registered", entrant_id=mine[0])
        if t["team_size"] > 1:
            name = clean_text(values.get("team_name"), "team_name", ENTRANT_NAME_MAX)
        else:
            name = clean_text(values.get("name") or user.display_name or user.username,
                              "name", ENTRANT_NAME_MAX)
        count = await _registered_count(tournament_id)
        full = t["capacity"] is not None and count >= t["capacity"]
        stamp = now()
        # A place in the field comes with the next seed (order of registration); a
        # waitlisted player gets one when promoted (fill_from_waitlist).
        row = EntrantRow(tournament=tournament_id, user=user.id, name=name,
                         seed=None if full else await _next_seed(tournament_id),
                         status="waitlisted" if full else "registered", created_at=stamp,
                         status_changed_at=stamp)
        await row.save()
        if t["team_size"] > 1:
            await TeamMember(entrant=row.id, user=user.id, role="captain", status="accepted",
                             created_at=stamp).save()
        if not full and t["seeding"] == "rating":
            row.seed = (await _seed_by_stored_rating(t))[row.id]
        await touch(t)
    return entrant_dict(row.to_dict())


async def withdraw(tournament_id: int, user: CurrentUser) -> dict[str, Any]:
    """The caller withdraws before the start; the first waitlisted entrant takes the place.

    Returns ``{"withdrawn": entrant, "promoted": entrant or None}``.
    """
    async with atomic():
        t = await lock_tournament(tournament_id)
        require_not_started(t)
        rows = await EntrantRow.select().where(
            (EntrantRow.tournament == tournament_id) & (EntrantRow.user == user.id)
            & EntrantRow.status.is_in(["registered", "waitlisted"]))
        if not rows:
            if await user_entrants(tournament_id, user.id, ("registered", "waitlisted")):
                # A team member, not its captain: only the captain withdraws the team.
                raise Conflict(_("you play for a team here: leave the team instead (only its "
                               "captain withdraws the team)"), code="team_member")
            raise NotFound(_("you are not registered for this tournament"), code="not_registered")
        row = rows[0]
        held_a_place = row["status"] == "registered"
        await EntrantRow.update({EntrantRow.status: "withdrawn",
                                 EntrantRow.status_changed_at: now()}).where(
            EntrantRow.id == row["id"])
        row.update(status="withdrawn")
        promoted = await fill_from_waitlist(t) if held_a_place else None
        await touch(t)
    return {"withdrawn": entrant_dict(row), "promoted": promoted}


async def fill_from_waitlist(t: Mapping[str, Any]) -> dict[str, Any] | None:
    """Fill free places from the waitlist, first come first served (inside the lock of
    ``t``). Returns the first entrant promoted, if any."""
    promoted = None
    while t["capacity"] is None or await _registered_count(t["id"]) < t["capacity"]:
        nxt = await EntrantRow.select().where(
            (EntrantRow.tournament == t["id"]) & (EntrantRow.status == "waitlisted")
        ).order_by(EntrantRow.id).first()
        if nxt is None:
            break
        seed = await _next_seed(t["id"])
        await EntrantRow.update({EntrantRow.status: "registered", EntrantRow.seed: seed,
                                 EntrantRow.status_changed_at: now()}).where(
            EntrantRow.id == nxt["id"])
        nxt.update(status="registered", seed=seed)
        promoted = promoted or entrant_dict(nxt)
    return promoted


# --------------------------------------------------------------------------------------
# Check-in
# --------------------------------------------------------------------------------------


async def check_in(tournament_id: int, user: CurrentUser) -> dict[str, Any]:
    """The caller checks in (inside the check-in window)."""
    async with atomic():
        t = await lock_tournament(tournament_id)
        require_not_started(t)
        if t["checkin_opens"] is None:
            raise Conflict(_("this tournament has no check-in"), code="no_checkin")
        if not _window_open(t["checkin_opens"], t["checkin_closes"], now()):
            raise Conflict(_("check-in is not open"), code="checkin_closed")
        ids = await user_entrants(tournament_id, user.id, ("registered",))
        if not ids:
            raise Conflict(_("you have no place in this tournament to check in for"),
                           code="not_registered")
        row = await EntrantRow.select().where(EntrantRow.id == ids[0]).first()
        # Just found in this transaction, under the tournament's lock (entrants are never
        # deleted on their own).
        assert row is not None
        await teams.require_full_roster(t, row)  # a team checks in with a full roster
        await EntrantRow.update({EntrantRow.checked_in: True}).where(EntrantRow.id == ids[0])
        await touch(t)
        row["checked_in"] = True
    return entrant_dict(row)


async def set_checked_in(tournament_id: int, entrant_id: int, checked_in: bool
                         ) -> dict[str, Any]:
    """The organiser checks an entrant in (or out) by hand, until the start.

    This is also the organiser's override for a team short of players (players cannot
    check such a team in): checked in by hand, it plays short-handed instead of being
    dropped at the start. Losing another player un-checks it again (teams.remove).
    """
    async with atomic():
        t = await lock_tournament(tournament_id)
        require_not_started(t)
        row = await entrant_in(tournament_id, entrant_id)
        await EntrantRow.update({EntrantRow.checked_in: bool(checked_in)}).where(
            EntrantRow.id == entrant_id)
        await touch(t)
        row["checked_in"] = bool(checked_in)
    return entrant_dict(row)


# --------------------------------------------------------------------------------------
# Seeding (until the start)
# --------------------------------------------------------------------------------------


async def set_seeding(tournament_id: int, entrant_ids: Sequence[int]) -> list[dict[str, Any]]:
    """The organiser orders the registered field by hand (re-seeding until start).

    ``entrant_ids`` lists every registered entrant once, strongest first.
    """
    if not isinstance(entrant_ids, Sequence) or len(entrant_ids) > MAX_CAPACITY:
        raise InvalidInput(_("entrant_ids must be a list"), field="entrant_ids")
    async with atomic():
        t = await lock_tournament(tournament_id)
        require_not_started(t)
        field_ids = set(await _seeded_field(tournament_id))
        if len(set(entrant_ids)) != len(entrant_ids) or set(entrant_ids) != field_ids:
            raise InvalidInput(_("list every registered entrant exactly once"),
                               field="entrant_ids")
        await _write_seeding(t, entrant_ids)
    return await list_entrants(tournament_id, ("registered",))


async def seed_at_random(tournament_id: int) -> list[dict[str, Any]]:
    """Shuffle the registered field's seeding (the console's "at random" button)."""
    order = await _seeded_field(tournament_id)
    random.SystemRandom().shuffle(order)
    return await set_seeding(tournament_id, order)


async def move_seed(tournament_id: int, entrant_id: int, delta: int) -> list[dict[str, Any]]:
    """Move a registered entrant ``delta`` places (negative: stronger) in the seeding."""
    return await _reseed(tournament_id, entrant_id, lambda at: at + delta)


async def place_seed(tournament_id: int, entrant_id: int, seed: Any) -> list[dict[str, Any]]:
    """Give a registered entrant seed ``seed`` (1 strongest); the others keep their order
    (what dragging a row of the console's seeding table does). A seed beyond the field
    puts the entrant last."""
    place = whole_number(seed, "seed", 1, MAX_CAPACITY)
    return await _reseed(tournament_id, entrant_id, lambda _at: place - 1)


async def _reseed(tournament_id: int, entrant_id: int, target: Callable[[int], int]
                  ) -> list[dict[str, Any]]:
    """Move one entrant to index ``target(current index)`` (clamped to the field), reading
    and writing the order under one lock so concurrent moves never lose each other."""
    async with atomic():
        t = await lock_tournament(tournament_id)
        require_not_started(t)
        order = await _seeded_field(tournament_id)
        if entrant_id not in order:
            raise NotFound(_("entrant %(entrant_id)s is not in the field", entrant_id=entrant_id))
        at = order.index(entrant_id)
        order.insert(max(0, min(len(order) - 1, target(at))), order.pop(at))
        await _write_seeding(t, order)
    return await list_entrants(tournament_id, ("registered",))


async def _seed_by_stored_rating(t: Mapping[str, Any]) -> dict[int, int]:
    """Re-seed the registered field by rating (inside the lock of ``t``, for a tournament
    that seeds by rating): the organiser's ``rating`` of an entrant, else its player's
    stored openskill ordinal in this game; unrated entrants after, in registration order.
    Stored ratings are read as they are (refreshing them writes apart); the start orders
    the field again with fresh ones. Returns entrant id → seed."""
    from podium.tournaments.ratings import game_key  # ratings imports this module

    field = await list_entrants(t["id"], ("registered",))
    users = [e["user_id"] for e in field if e["user_id"] is not None]
    stored = {r["user"]: r["ordinal"] for r in await PlayerRating.select(
        PlayerRating.user, PlayerRating.ordinal).where(
        (PlayerRating.game == game_key(t["game"])) & PlayerRating.user.is_in(users or [0]))}

    def rating(e: Mapping[str, Any]) -> float | None:
        return e["rating"] if e["rating"] is not None else stored.get(e["user_id"])

    order = [e["id"] for e in sorted(field, key=lambda e: (
        rating(e) is None, -(rating(e) or 0), e["seed"] is None, e["seed"] or 0, e["id"]))]
    await _write_seeding(t, order)
    return {eid: seed for seed, eid in enumerate(order, start=1)}


async def _seeded_field(tournament_id: int) -> list[int]:
    """The registered entrants' ids in the current seed order (unseeded last)."""
    return [e["id"] for e in await list_entrants(tournament_id, ("registered",))]


async def _write_seeding(t: Mapping[str, Any], entrant_ids: Sequence[int]) -> None:
    """Store seeds 1..N in this order and bump the version (inside the lock)."""
    for seed, eid in enumerate(entrant_ids, start=1):
        await EntrantRow.update({EntrantRow.seed: seed}).where(EntrantRow.id == eid)
    await touch(t)


# --------------------------------------------------------------------------------------
# Many entrants at once (the console's pasted list)
# --------------------------------------------------------------------------------------

# The most lines one paste may hold (a 4,096-entrant field fits).
MAX_PASTED_LINES = 4096


def parse_entrant_lines(text: str) -> tuple[list[tuple[str, int | None]], list[str]]:
    """A pasted list of entrants, one per line: ``Name`` or ``Name, seed`` (a tab works
    too, as a spreadsheet column pastes). Blank lines are skipped.

    Pure (no database): returns ``(entrants, errors)`` where ``entrants`` are ``(name,
    seed or None)`` in order and ``errors`` says, per bad line, what is wrong ("line 3: the
    seed must be a whole number from 1"); a duplicate name or seed in the list is an error
    on its second line. The caller adds nothing when ``errors`` is not empty.
    """
    entrants: list[tuple[str, int | None]] = []
    errors: list[str] = []
    names: dict[str, int] = {}
    seeds: dict[int, int] = {}
    lines = text.splitlines()
    if len(lines) > MAX_PASTED_LINES:
        return [], [_("at most %(n)s lines at once", n=MAX_PASTED_LINES)]
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line:
            continue
        name, seed_text = line, ""
        for sep in ("\t", ","):
            if sep in line:
                name, seed_text = (part.strip() for part in line.rsplit(sep, 1))
                break
        seed: int | None = None
        if seed_text:
            if not seed_text.isdecimal() or not 1 <= int(seed_text) <= MAX_CAPACITY:
                errors.append(_("line %(line)s: the seed must be a whole number from 1 to "
                                "%(max)s (got %(got)s)", line=number, max=MAX_CAPACITY,
                                got=repr(seed_text[:12])))
                continue
            seed = int(seed_text)
        try:
            name = clean_text(name, "name", ENTRANT_NAME_MAX)
        except InvalidInput as exc:
            errors.append(_("line %(line)s: %(problem)s", line=number, problem=exc.detail))
            continue
        if name.casefold() in names:
            errors.append(_("line %(line)s: %(name)s is already on line %(other)s", line=number,
                            name=name, other=names[name.casefold()]))
            continue
        if seed is not None and seed in seeds:
            errors.append(_("line %(line)s: seed %(seed)s is already on line %(other)s",
                            line=number, seed=seed, other=seeds[seed]))
            continue
        names[name.casefold()] = number
        if seed is not None:
            seeds[seed] = number
        entrants.append((name, seed))
    return entrants, errors


async def _names_in_field(tournament_id: int) -> set[str]:
    """The names (case-folded) of the entrants holding or awaiting a place: an organiser's
    addition may not repeat one (two "Grace" rows could not be told apart)."""
    return {r["name"].casefold() for r in await EntrantRow.select(EntrantRow.name).where(
        (EntrantRow.tournament == tournament_id)
        & EntrantRow.status.is_in(["registered", "waitlisted"]))}


async def add_entrants(tournament_id: int, text: str) -> list[dict[str, Any]]:
    """The organiser adds many entrants by name from a pasted list
    (:func:`parse_entrant_lines`): all of them, or none when any line is wrong, a name is
    already in the field, or the list does not fit in the places left (checked under the
    tournament's lock, like a single addition). Returns the entrants added.

    :raises InvalidInput: ``bad_lines`` with ``errors`` (one message per bad line).
    :raises Conflict: ``full`` (with ``places_left``), ``started``.
    """
    if not isinstance(text, str) or len(text) > MAX_PASTED_LINES * (ENTRANT_NAME_MAX + 10):
        raise InvalidInput(_("the list is too long"), field="entrants")
    entrants, errors = parse_entrant_lines(text)
    if not entrants and not errors:
        raise InvalidInput(_("write one entrant per line"), field="entrants")
    async with atomic():
        t = await lock_tournament(tournament_id)
        require_not_started(t)
        present = await _names_in_field(tournament_id)
        errors += [_("%(name)s is already in the field", name=name) for name, _seed in entrants
                   if name.casefold() in present]
        if errors:
            raise InvalidInput(_("nothing was added: %(errors)s", errors="; ".join(errors[:20]))
                               + (_(" (and %(n)s more)", n=len(errors) - 20)
                                  if len(errors) > 20 else ""),
                               field="entrants", code="bad_lines", errors=errors)
        count = await _registered_count(tournament_id)
        if t["capacity"] is not None and count + len(entrants) > t["capacity"]:
            left = max(0, t["capacity"] - count)
            raise Conflict(_("nothing was added: %(n)s entrants do not fit in the %(left)s "
                             "places left", n=len(entrants), left=left), code="full",
                           places_left=left)
        stamp = now()
        taken = {r["seed"] for r in await EntrantRow.select(EntrantRow.seed).where(
            (EntrantRow.tournament == tournament_id) & (EntrantRow.status == "registered"))}
        free = (seed for seed in itertools.count(count + 1) if seed not in taken)
        rows = [EntrantRow(tournament=tournament_id, name=name,
                           seed=seed if seed is not None else next(free),
                           status="registered", created_at=stamp, status_changed_at=stamp)
                for name, seed in entrants]
        await EntrantRow.insert(*rows)
        # The names are new to the field (checked above): they find the rows just added.
        added = await EntrantRow.select().where(
            (EntrantRow.tournament == tournament_id) & EntrantRow.user.is_null()
            & (EntrantRow.status == "registered")
            & EntrantRow.name.is_in([name for name, _seed in entrants])).order_by(EntrantRow.id)
        requested = {r["id"]: seed for r in added for name, seed in entrants
                     if r["name"] == name and seed is not None}
        if requested:
            # A requested seed is a place in the field: the others keep their order around it.
            order = [eid for eid in await _seeded_field(tournament_id) if eid not in requested]
            for eid, seed in sorted(requested.items(), key=lambda kv: kv[1]):
                order.insert(min(seed - 1, len(order)), eid)
            await _write_seeding(t, order)
        else:
            await touch(t)
        added = await EntrantRow.select().where(
            EntrantRow.id.is_in([r["id"] for r in added])).order_by(EntrantRow.id)
    return [entrant_dict(r) for r in added]
