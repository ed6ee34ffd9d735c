"""Meets, their sessions and competitions, riders and start lists: the rules, no HTTP.

A meet is a venue event of kind ``track_meet`` (created here through the venue service, or
an existing one adopted) run on the venue's track. Every write happens in one
:func:`~podium.core.database.atomic` block and records a :class:`MeetChanged` event there.
Entries compete for one place per rider in a competition: the competition row is locked
(:func:`~podium.core.database.for_update`) and the rule re-checked inside.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any

from podium.core.accounts.service import CurrentUser
from podium.core.database import atomic, for_update
from podium.core.i18n import _
from podium.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from podium.core.outbox import record
from podium.core.validation import check_instant, clean_text, is_id, whole_number
from podium.core.venue.service import VenueScope, create_event, get_event, list_spaces
from podium.plugins.cycling.events import MeetChanged
from podium.plugins.cycling.tables import Competition, Entry, Meet, MeetSession, Rider, Team

TRACK_MEET_KIND = "track_meet"
LEVELS = ("club", "regional", "national", "continental", "world")
SESSION_KINDS = ("competition", "warm-up", "training", "public")
CATEGORIES = ("elite-men", "elite-women", "junior-men", "junior-women")
#: Disciplines (DOMAIN.md); the progression tables are keyed by the same names.
DISCIPLINES = ("sprint", "keirin", "team_sprint", "individual_pursuit", "team_pursuit",
               "time_trial", "scratch", "points", "tempo", "elimination", "madison",
               "omnium")
COMPETITION_STATUSES = ("entries", "running", "finished")
#: Disciplines whose start-list entries are teams (:mod:`podium.plugins.cycling.teams`).
TEAM_EVENTS = ("team_sprint", "team_pursuit", "madison")
NAME_MAX = 120
RIDER_NAME_MAX = 80
TEAM_MAX = 80
MAX_ENTRIES = 200
MAX_PASTED_LINES = 200
MAX_SESSIONS = 60
MAX_COMPETITIONS = 80
UCI_ID = re.compile(r"\d{11}")
NATION = re.compile(r"[A-Z]{3}")


def utc_now() -> datetime:
    """The current instant (UTC): every stored timestamp comes from here."""
    return datetime.now(timezone.utc)


# -- meets ------------------------------------------------------------------------------


async def _track_space(venue_id: int, wanted: Any) -> int:
    spaces = await list_spaces(venue_id)
    if wanted is not None:
        if not is_id(wanted) or wanted not in {s["id"] for s in spaces}:
            raise InvalidInput(_("track_space_id is not a space of this venue"),
                               field="track_space_id")
        return int(wanted)
    for space in spaces:
        if space["slug"] == "track":
            return int(space["id"])
    raise InvalidInput(_("this venue has no space with the slug 'track'; name the track space"),
                       field="track_space_id")


async def create_meet(scope: VenueScope, values: dict[str, Any],
                      user: CurrentUser | None) -> dict[str, Any]:
    """Create a meet: adopt the venue event ``event_id`` (kind ``track_meet``) or create one
    from ``starts_at``/``ends_at`` on the track (the venue's conflict rules apply).

    :raises InvalidInput: a bad field; :raises Conflict: the event is already a meet, or
        the new event clashes with the track's calendar.
    """
    name = clean_text(values.get("name"), "name", NAME_MAX)
    level = values.get("level") or "club"
    if level not in LEVELS:
        raise InvalidInput(_("level must be one of %(choices)s", choices=', '.join(LEVELS)), field="level")
    track = await _track_space(scope.venue_id, values.get("track_space_id"))
    event_id = values.get("event_id")
    async with atomic():
        if event_id is not None:
            if not is_id(event_id):
                raise InvalidInput(_("event_id must be an event's id"), field="event_id")
            event = await get_event(event_id)
            if event["venue_id"] != scope.venue_id:
                raise NotFound(_("there is no event %(event_id)s", event_id=event_id))
            if event["kind"] != TRACK_MEET_KIND:
                raise InvalidInput(_("that event is not a track meet"), field="event_id")
            if track not in {s["id"] for s in event.get("spaces", ())}:
                raise InvalidInput(_("that event does not use the track"), field="event_id")
            if await Meet.exists().where(Meet.event_id == event_id):
                raise Conflict(_("that event already has a meet"), code="already_a_meet")
        else:
            starts = check_instant(values.get("starts_at"), "starts_at")
            ends = check_instant(values.get("ends_at"), "ends_at")
            event = await create_event(scope, {
                "title": name, "kind": TRACK_MEET_KIND, "starts_at": starts, "ends_at": ends,
                "space_ids": [track], "description": values.get("description") or "",
            }, user)
        meet = Meet(venue_id=scope.venue_id, event_id=event["id"], name=name, level=level,
                    track_space_id=track, created_by=user.id if user else None,
                    created_at=utc_now())
        await meet.save()
        await record(MeetChanged(venue_id=scope.venue_id, meet_id=meet.id, what="meet"))
    return await get_meet(meet.id)


async def get_meet(meet_id: int) -> dict[str, Any]:
    """A meet with its venue event's window (``starts_at``, ``ends_at``, ``uid``).

    :raises NotFound: no such meet."""
    row = await Meet.select().where(Meet.id == meet_id).first()
    if row is None:
        raise NotFound(_("there is no meet %(meet_id)s", meet_id=meet_id))
    event = await get_event(row["event_id"])
    row.update(starts_at=event["starts_at"], ends_at=event["ends_at"], uid=event["uid"],
               event_status=event["status"])
    return row


async def meet_of_event(event_id: int) -> dict[str, Any] | None:
    """The meet run as venue event ``event_id``, if any."""
    return await Meet.select(Meet.id, Meet.name).where(Meet.event_id == event_id).first()


async def list_meets(venue_id: int | None, limit: int = 50, offset: int = 0
                     ) -> tuple[list[dict[str, Any]], int]:
    """The venue's meets, newest first, and how many there are."""
    where = Meet.venue_id == venue_id if venue_id is not None else Meet.id > 0
    rows = await Meet.select().where(where).order_by(Meet.id, ascending=False) \
        .limit(limit).offset(offset)
    total = await Meet.count().where(where)
    out = []
    for row in rows:
        event = await get_event(row["event_id"])
        row.update(starts_at=event["starts_at"], ends_at=event["ends_at"])
        out.append(row)
    return out, total


# -- sessions ---------------------------------------------------------------------------


async def add_session(meet_id: int, values: dict[str, Any]) -> dict[str, Any]:
    """Add a session inside the meet's event window; sessions of one meet never overlap.

    :raises InvalidInput: outside the window, end before start, an unknown kind;
        :raises Conflict: ``session_overlap``."""
    name = clean_text(values.get("name"), "name", 80)
    kind = values.get("kind") or "competition"
    if kind not in SESSION_KINDS:
        raise InvalidInput(_("kind must be one of %(choices)s", choices=', '.join(SESSION_KINDS)), field="kind")
    starts = check_instant(values.get("starts_at"), "starts_at")
    ends = check_instant(values.get("ends_at"), "ends_at")
    if ends <= starts:
        raise InvalidInput(_("a session must end after it starts"), field="ends_at")
    async with atomic():
        meet = await for_update(Meet.select(Meet.id, Meet.venue_id, Meet.event_id)
                                .where(Meet.id == meet_id)).first()
        if meet is None:
            raise NotFound(_("there is no meet %(meet_id)s", meet_id=meet_id))
        event = await get_event(meet["event_id"])
        if starts < event["starts_at"] or ends > event["ends_at"]:
            raise InvalidInput(
                _("a session must lie within the meet's dates (%(starts_at)s to %(ends_at)s UTC)", starts_at=event['starts_at'], ends_at=event['ends_at']),
                field="starts_at")
        others = await MeetSession.select().where(MeetSession.meet == meet_id)
        if len(others) >= MAX_SESSIONS:
            raise Conflict(_("a meet has at most %(MAX_SESSIONS)s sessions", MAX_SESSIONS=MAX_SESSIONS), code="too_many")
        for other in others:
            if other["starts_at"] < ends and starts < other["ends_at"]:
                raise Conflict(_("it overlaps the session %(name)s", name=repr(other['name'])),
                               code="session_overlap")
        row = MeetSession(meet=meet_id, name=name, kind=kind, starts_at=starts, ends_at=ends)
        await row.save()
        await record(MeetChanged(venue_id=meet["venue_id"], meet_id=meet_id, what="sessions"))
    return (await MeetSession.select().where(MeetSession.id == row.id).first()) or {}


async def list_sessions(meet_id: int) -> list[dict[str, Any]]:
    """The meet's sessions in time order."""
    return await MeetSession.select().where(MeetSession.meet == meet_id) \
        .order_by(MeetSession.starts_at)


async def remove_session(meet_id: int, session_id: int) -> None:
    """Remove a session (its pins go with it)."""
    async with atomic():
        row = await MeetSession.select(MeetSession.id).where(
            (MeetSession.id == session_id) & (MeetSession.meet == meet_id)).first()
        if row is None:
            raise NotFound(_("there is no session %(session_id)s in this meet", session_id=session_id))
        await MeetSession.delete().where(MeetSession.id == session_id)
        venue = await Meet.select(Meet.venue_id).where(Meet.id == meet_id).first()
        await record(MeetChanged(venue_id=venue["venue_id"] if venue else None,
                                 meet_id=meet_id, what="sessions"))


# -- competitions -----------------------------------------------------------------------


def check_table_id(table_id: str, discipline: str) -> str:
    """A progression table id that exists (empty: chosen by the field size at the start)."""
    if not table_id:
        return ""
    from podium.plugins.cycling import heats

    if not heats.table_exists(table_id):
        raise InvalidInput(_("there is no progression table %(table_id)s", table_id=repr(table_id)), field="table_id")
    return table_id


async def add_competition(meet_id: int, values: dict[str, Any]) -> dict[str, Any]:
    """Add a competition (category × discipline, optional progression table, recovery).

    :raises InvalidInput: a bad field; :raises Conflict: the same category and discipline
        twice."""
    category = values.get("category")
    if category not in CATEGORIES:
        raise InvalidInput(_("category must be one of %(choices)s", choices=', '.join(CATEGORIES)), field="category")
    discipline = values.get("discipline")
    if discipline not in DISCIPLINES:
        raise InvalidInput(_("discipline must be one of %(choices)s", choices=', '.join(DISCIPLINES)),
                           field="discipline")
    # No name of the organiser's: none stored; pages title it from the category and the
    # discipline in the reader's language (terms.competition_title).
    name = clean_text(values.get("name") or "", "name", NAME_MAX, required=False)
    table_id = check_table_id(clean_text(values.get("table_id") or "", "table_id", 80,
                                         required=False), discipline)
    recovery = whole_number(values.get("recovery_minutes", 30), "recovery_minutes", 0, 240)
    evening = values.get("evening_finals", True)
    if not isinstance(evening, bool):
        raise InvalidInput(_("evening_finals must be true or false"), field="evening_finals")
    async with atomic():
        meet = await for_update(Meet.select(Meet.id, Meet.venue_id)
                                .where(Meet.id == meet_id)).first()
        if meet is None:
            raise NotFound(_("there is no meet %(meet_id)s", meet_id=meet_id))
        existing = await Competition.select(Competition.category, Competition.discipline) \
            .where(Competition.meet == meet_id)
        if len(existing) >= MAX_COMPETITIONS:
            raise Conflict(_("a meet has at most %(MAX_COMPETITIONS)s competitions", MAX_COMPETITIONS=MAX_COMPETITIONS),
                           code="too_many")
        if any(e["category"] == category and e["discipline"] == discipline for e in existing):
            raise Conflict(_("this meet already has that competition"), code="duplicate")
        row = Competition(meet=meet_id, name=name, category=category, discipline=discipline,
                          table_id=table_id, recovery_minutes=recovery, evening_finals=evening)
        await row.save()
        await record(MeetChanged(venue_id=meet["venue_id"], meet_id=meet_id,
                                 what="competitions"))
    return await get_competition(row.id)


async def get_competition(competition_id: int) -> dict[str, Any]:
    """A competition; :class:`NotFound` otherwise."""
    row = await Competition.select().where(Competition.id == competition_id).first()
    if row is None:
        raise NotFound(_("there is no competition %(competition_id)s", competition_id=competition_id))
    return row


async def list_competitions(meet_id: int) -> list[dict[str, Any]]:
    """The meet's competitions in creation order."""
    return await Competition.select().where(Competition.meet == meet_id).order_by(Competition.id)


async def set_entries_open(competition_id: int, is_open: bool) -> dict[str, Any]:
    """Open or close self-entry for a competition (before it starts)."""
    async with atomic():
        comp = await for_update(Competition.select().where(
            Competition.id == competition_id)).first()
        if comp is None:
            raise NotFound(_("there is no competition %(competition_id)s", competition_id=competition_id))
        await Competition.update({Competition.entries_open: is_open}).where(
            Competition.id == competition_id)
        await _record_meet(comp["meet"], "entries")
    return await get_competition(competition_id)


async def _record_meet(meet_id: int, what: str) -> None:
    venue = await Meet.select(Meet.venue_id).where(Meet.id == meet_id).first()
    await record(MeetChanged(venue_id=venue["venue_id"] if venue else None, meet_id=meet_id,
                             what=what))


# -- riders -----------------------------------------------------------------------------


def check_rider(values: dict[str, Any]) -> dict[str, Any]:
    """A rider's checked fields: ``name``; ``uci_id`` (11 digits, optional); ``nation``
    (3 letters, upper-cased); ``team``."""
    name = clean_text(values.get("name"), "name", RIDER_NAME_MAX)
    uci = clean_text(values.get("uci_id") or "", "uci_id", 20, required=False).replace(" ", "")
    if uci and not UCI_ID.fullmatch(uci):
        raise InvalidInput(_("a UCI ID is 11 digits, e.g. 10012345678"), field="uci_id")
    nation = clean_text(values.get("nation") or "", "nation", 3, required=False).upper()
    if nation and not NATION.fullmatch(nation):
        raise InvalidInput(_("nation is a 3-letter code, e.g. FRA"), field="nation")
    team = clean_text(values.get("team") or "", "team", TEAM_MAX, required=False)
    return {"name": name, "uci_id": uci or None, "nation": nation, "team": team}


async def _rider_for(fields: dict[str, Any], user_id: int | None = None) -> int:
    """The rider with this UCI ID (updated) or a new one; inside the caller's transaction."""
    if fields["uci_id"]:
        existing = await Rider.select(Rider.id, Rider.user_id).where(
            Rider.uci_id == fields["uci_id"]).first()
        if existing is not None:
            changes: dict[Any, Any] = {Rider.name: fields["name"], Rider.team: fields["team"]}
            if fields["nation"]:
                changes[Rider.nation] = fields["nation"]
            if user_id is not None and existing["user_id"] is None:
                changes[Rider.user_id] = user_id
            await Rider.update(changes).where(Rider.id == existing["id"])
            return int(existing["id"])
    row = Rider(name=fields["name"], uci_id=fields["uci_id"], nation=fields["nation"],
                team=fields["team"], user_id=user_id, created_at=utc_now())
    await row.save()
    return int(row.id)


async def get_rider(rider_id: int) -> dict[str, Any]:
    """A rider; :class:`NotFound` otherwise."""
    row = await Rider.select().where(Rider.id == rider_id).first()
    if row is None:
        raise NotFound(_("there is no rider %(rider_id)s", rider_id=rider_id))
    return row


def parse_pasted_riders(text: str) -> list[dict[str, Any]]:
    """Riders pasted one a line: ``name, nation, UCI ID, team`` (commas, semicolons or
    tabs; trailing fields optional). Every line is checked before anything is written; the
    error names the line."""
    if not isinstance(text, str):
        raise InvalidInput(_("riders must be text"), field="riders")
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        raise InvalidInput(_("paste at least one rider"), field="riders")
    if len(lines) > MAX_PASTED_LINES:
        raise InvalidInput(_("paste at most %(MAX_PASTED_LINES)s riders at once", MAX_PASTED_LINES=MAX_PASTED_LINES), field="riders")
    out = []
    for number, line in enumerate(lines, start=1):
        parts = [p.strip() for p in re.split(r"[,;\t]", line)]
        parts += [""] * (4 - len(parts))
        if len(parts) > 4:
            raise InvalidInput(_("line %(number)s: write name, nation, UCI ID, team", number=number),
                               field="riders")
        try:
            out.append(check_rider({"name": parts[0], "nation": parts[1], "uci_id": parts[2],
                                    "team": parts[3]}))
        except InvalidInput as exc:
            raise InvalidInput(_("line %(number)s: %(detail)s", number=number, detail=exc.detail), field="riders") from exc
    return out


async def _lock_open_competition(competition_id: int) -> dict[str, Any]:
    comp = await for_update(Competition.select().where(Competition.id == competition_id)).first()
    if comp is None:
        raise NotFound(_("there is no competition %(competition_id)s", competition_id=competition_id))
    if comp["status"] != "entries":
        raise Conflict(_("the competition has started: its start list is frozen"),
                       code="started")
    return comp


async def _enter(comp: dict[str, Any], rider_ids: list[int], seeds: list[int | None],
                 bibs: list[int | None]) -> None:
    if comp["discipline"] in TEAM_EVENTS:
        raise InvalidInput(_("this is a team event: enter a team (its riders are its members)"),
                           field="riders")
    current = await Entry.select(Entry.rider, Entry.seed).where(
        Entry.competition == comp["id"])
    entered = {e["rider"] for e in current}
    if len(current) + len(rider_ids) > MAX_ENTRIES:
        raise Conflict(_("a competition takes at most %(MAX_ENTRIES)s riders", MAX_ENTRIES=MAX_ENTRIES), code="full")
    if len(set(rider_ids)) != len(rider_ids):
        raise InvalidInput(_("a rider is listed twice"), field="riders")
    twice = [r for r in rider_ids if r in entered]
    if twice:
        rider = await get_rider(twice[0])
        raise Conflict(_("%(name)s is already entered", name=rider['name']), code="already_entered")
    next_seed = max((e["seed"] for e in current), default=0) + 1
    stamp = utc_now()
    rows = []
    for rider_id, seed, bib in zip(rider_ids, seeds, bibs):
        rows.append(Entry(competition=comp["id"], rider=rider_id,
                          seed=seed if seed is not None else next_seed, bib=bib,
                          created_at=stamp))
        if seed is None:
            next_seed += 1
    await Entry.insert(*rows)
    await _record_meet(comp["meet"], "entries")


async def enter_riders(competition_id: int, riders: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The organiser enters riders (each ``name``, ``nation``, ``uci_id``, ``team``, optional
    ``seed`` and ``bib``); a known UCI ID reuses that rider. All or nothing.

    :raises Conflict: ``started``, ``already_entered``, ``full``."""
    if not riders:
        raise InvalidInput(_("enter at least one rider"), field="riders")
    checked = [check_rider(r) for r in riders]
    seeds = [whole_number(r.get("seed"), "seed", 1, 999, nullable=True) for r in riders]
    bibs = [whole_number(r.get("bib"), "bib", 1, 9999, nullable=True) for r in riders]
    async with atomic():
        comp = await _lock_open_competition(competition_id)
        ids = [await _rider_for(fields) for fields in checked]
        await _enter(comp, ids, seeds, bibs)
    return await list_entries(competition_id)


async def self_enter(competition_id: int, user: CurrentUser, values: dict[str, Any]
                     ) -> list[dict[str, Any]]:
    """A rider with an account enters themself while entries are open (their rider record
    is found by account or UCI ID, or made from ``values`` and linked to the account).

    :raises Conflict: ``entries_closed``, ``started``, ``already_entered``."""
    async with atomic():
        comp = await _lock_open_competition(competition_id)
        if not comp["entries_open"]:
            raise Conflict(_("entries are closed for this competition"), code="entries_closed")
        linked = await Rider.select(Rider.id).where(Rider.user_id == user.id).first()
        if linked is not None:
            rider_id = int(linked["id"])
        else:
            fields = check_rider({"name": values.get("name") or user.display_name
                                  or user.username, **{k: values.get(k) for k in
                                                       ("uci_id", "nation", "team")}})
            rider_id = await _rider_for(fields, user_id=user.id)
            owner = await Rider.select(Rider.user_id).where(Rider.id == rider_id).first()
            if owner and owner["user_id"] not in (None, user.id):
                raise Forbidden(_("that UCI ID belongs to another account's rider"))
        await _enter(comp, [rider_id], [None], [None])
    return await list_entries(competition_id)


async def withdraw_entry(competition_id: int, rider_id: int) -> list[dict[str, Any]]:
    """Take a rider off the start list before the start."""
    async with atomic():
        comp = await _lock_open_competition(competition_id)
        gone = await Entry.select(Entry.id).where(
            (Entry.competition == competition_id) & (Entry.rider == rider_id)).first()
        if gone is None:
            raise NotFound(_("that rider is not entered"))
        await Entry.delete().where(Entry.id == gone["id"])
        await _record_meet(comp["meet"], "entries")
    return await list_entries(competition_id)


async def set_seeding(competition_id: int, rider_ids: list[int],
                      points: dict[int, int | None] | None = None) -> list[dict[str, Any]]:
    """Order the start list (strongest first) before the start: every entry once (rider
    ids; team ids in a team event). ``points``, when given, stores each entry's ranking
    points with the order."""
    async with atomic():
        comp = await _lock_open_competition(competition_id)
        table: Any = Team if comp["discipline"] in TEAM_EVENTS else Entry
        key = table.id if table is Team else Entry.rider
        current = await table.select(table.id, key.as_alias("key")).where(
            table.competition == competition_id)
        if len(rider_ids) != len(current) or sorted(rider_ids) != sorted(
                e["key"] for e in current):
            raise InvalidInput(_("list every entry exactly once"), field="rider_ids")
        row_of = {e["key"]: e["id"] for e in current}
        for seed, entry_id in enumerate(rider_ids, start=1):
            changes: dict[Any, Any] = {table.seed: seed}
            if points is not None:
                changes[table.ranking_points] = points.get(entry_id)
            await table.update(changes).where(table.id == row_of[entry_id])
        await _record_meet(comp["meet"], "entries")
    if table is Team:
        from podium.plugins.cycling.teams import list_teams

        return await list_teams(competition_id)
    return await list_entries(competition_id)


async def seed_by_points(comp: dict[str, Any], points: dict[int, int | None], *,
                         spread: bool = False) -> list[dict[str, Any]]:
    """Store ranking points and order the start list by them (:func:`order_by_points`);
    with ``spread`` (keirin only) riders of one team then ride different first heats.

    :raises InvalidInput: points for an id that is not entered, or out of range."""
    is_team = comp["discipline"] in TEAM_EVENTS
    if is_team:
        from podium.plugins.cycling.teams import list_teams

        entries = await list_teams(comp["id"])
    else:
        entries = await list_entries(comp["id"])
    key = "id" if is_team else "rider"
    ids = {e[key] for e in entries}
    if set(points) - ids:
        raise InvalidInput(_("points name an entry that is not on the start list"),
                           field="points")
    for value in points.values():
        whole_number(value, "points", 0, 10**6, nullable=True)
    order = order_by_points(entries, points, key)
    if spread and comp["discipline"] == "keirin":
        order = spread_by_team(comp["table_id"], comp["discipline"], entries, order)
    return await set_seeding(comp["id"], order, {i: points.get(i) for i in ids})


def order_by_positions(entries: list[dict[str, Any]], positions: dict[int, int | None],
                       key: str = "rider") -> list[int]:
    """Entry ids ordered by the positions the organiser typed (1 = strongest); an entry
    without a position keeps its place after the ones typed before it, ties keep the
    current order (a stable sort)."""
    def where(ie: tuple[int, dict[str, Any]]) -> tuple[float, int]:
        typed = positions.get(ie[1][key])
        return (typed if typed is not None else ie[0] + 1.5, ie[0])
    return [e[key] for _, e in sorted(enumerate(entries), key=where)]


def spread_by_team(table_id: str, discipline: str, entries: list[dict[str, Any]],
                   order: list[int]) -> list[int]:
    """``order`` (rider ids) changed so riders of one team (their team, else their nation)
    ride different first-round heats where the progression table allows it (keirin,
    DOMAIN.md); unchanged when no table covers the field."""
    from podium.plugins.cycling.heats import table_for
    from podium.plugins.cycling.progression import SeededRider, spread_teams

    try:
        table = table_for(table_id, discipline, len(order))
    except (KeyError, ValueError):
        return order
    if table is None or not table.covers(len(order)):
        return order
    team_of = {e["rider"]: (e.get("team") or e.get("nation") or None) for e in entries}
    field = [SeededRider(rider_id=r, team=team_of.get(r)) for r in order]
    return [r.rider_id for r in spread_teams(table, field)]


def order_by_points(entries: list[dict[str, Any]], points: dict[int, int | None],
                    key: str = "rider") -> list[int]:
    """Entry ids (``entries[i][key]``, in their current seed order) strongest first by
    ranking points: most points first, entries without points after those with points,
    ties keep the current order (a stable sort)."""
    ranked = sorted(enumerate(entries), key=lambda ie: (
        points.get(ie[1][key]) is None, -(points.get(ie[1][key]) or 0), ie[0]))
    return [e[key] for _, e in ranked]


async def list_entries(competition_id: int) -> list[dict[str, Any]]:
    """The start list in seed order, each entry with its rider's fields."""
    rows = await Entry.select(
        Entry.id, Entry.seed, Entry.bib, Entry.rider,
        Entry.rider.name.as_alias("name"), Entry.rider.nation.as_alias("nation"),
        Entry.rider.team.as_alias("team"), Entry.rider.uci_id.as_alias("uci_id"),
        Entry.rider.user_id.as_alias("user_id"), Entry.ranking_points,
    ).where(Entry.competition == competition_id).order_by(Entry.seed).order_by(Entry.id)
    return rows
