"""The tournaments themselves: create one (name, game, format and its options, the field's
rules and windows), read one, list a venue's, and switch plugins per tournament.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from piccolo.columns.combination import Combinable
from piccolo.query.functions.aggregate import Count

from podium.core.accounts.service import CurrentUser
from podium.core.activation.service import enabled_plugins, scope_switches, switch
from podium.core.database import atomic
from podium.core.i18n import _
from podium.core.errors import Conflict, InvalidInput, NotFound
from podium.core.plugins import PluginHost
from podium.core.validation import check_page, whole_number
from podium.core.venue.service import MAX_ID, check_instant, clean_text
from podium.core.venue.tables import Event
from podium.tournaments.formats import check_options, check_size, format_for, format_owner
from podium.tournaments.kernel import (
    DEFAULT_LIMIT,
    ENTRANT_STATUSES,
    MAX_CAPACITY,
    STARTED,
    TOURNAMENT_SCOPE,
    Change,
    announce,
    load_json,
    lock_tournament,
    now,
    scope_of,
    touch,
)
from podium.tournaments.registration import fill_from_waitlist
from podium.tournaments.tables import Entrant as EntrantRow
from podium.tournaments.tables import MatchReport, Tournament

NAME_MAX = 120
GAME_MAX = 80
FORMAT_NAME_MAX = 100
DESCRIPTION_MAX = 5000
MAX_TEAM_SIZE = 20
STATUSES = ("draft", "registration", "running", "finished")
SEEDINGS = ("manual", "rating", "random")
WINDOWS = ("registration_opens", "registration_closes", "checkin_opens", "checkin_closes")


def tournament_dict(row: Mapping[str, Any]) -> dict[str, Any]:
    """A tournament row as plain data (what the API and pages show)."""
    return {
        "id": row["id"], "venue_id": row["venue"], "event_id": row["event"],
        "name": row["name"], "game": row["game"], "format": row["format"],
        "options": load_json(row["options"]), "description": row["description"],
        "capacity": row["capacity"], "team_size": row["team_size"], "seeding": row["seeding"],
        "registration_opens": row["registration_opens"],
        "registration_closes": row["registration_closes"],
        "checkin_opens": row["checkin_opens"], "checkin_closes": row["checkin_closes"],
        "status": row["status"], "version": row["log_version"], "auto_call": row["auto_call"],
        "created_at": row["created_at"], "started_at": row["started_at"],
        "finished_at": row["finished_at"], "archived_at": row.get("archived_at"),
        "checkin_state": checkin_state(row["checkin_opens"], row["checkin_closes"]),
    }


def checkin_state(opens: datetime | None, closes: datetime | None) -> str:
    """Where a check-in window stands now: ``none`` (no check-in), ``before``, ``open``,
    ``closed`` (pages show the check-in button only while ``open``)."""
    if opens is None:
        return "none"
    at = now()
    if at < opens:
        return "before"
    return "closed" if closes is not None and at >= closes else "open"


def _windows(values: Mapping[str, Any]) -> dict[str, datetime | None]:
    """The registration and check-in windows, checked: each closes after it opens, and a
    check-in window has an opening time."""
    windows = {w: None if values.get(w) is None else check_instant(values.get(w), w)
               for w in WINDOWS}
    for prefix in ("registration", "checkin"):
        opens, closes = windows[f"{prefix}_opens"], windows[f"{prefix}_closes"]
        if opens and closes and closes <= opens:
            raise InvalidInput(_("the registration window must close after it opens")
                               if prefix == "registration" else
                               _("the check-in window must close after it opens"),
                               field=f"{prefix}_closes")
    if windows["checkin_closes"] and not windows["checkin_opens"]:
        raise InvalidInput(_("a check-in window needs an opening time"), field="checkin_opens")
    return windows


async def _clean(host: PluginHost, venue_id: int | None, values: Mapping[str, Any],
                 tournament_id: int | None = None) -> dict[str, Any]:
    """Every field of a tournament checked (what :func:`create_tournament` and
    :func:`update_tournament` store): the format checks its options, the capacity fits the
    format, the windows are in order, the event exists.

    :raises InvalidInput: the first bad field, named.
    """
    name = clean_text(values.get("name"), "name", NAME_MAX)
    game = clean_text(values.get("game"), "game", GAME_MAX)
    format_name = clean_text(values.get("format"), "format", FORMAT_NAME_MAX)
    description = clean_text(values.get("description"), "description", DESCRIPTION_MAX,
                             required=False, multiline=True)
    fmt = await format_for(host, format_name, venue_id, tournament_id)
    options = check_options(fmt, values.get("options"))
    capacity = whole_number(values.get("capacity"), "capacity", 2, MAX_CAPACITY, nullable=True)
    if capacity is not None:
        # Capacity × format: refuse now a field that could never start (the start checks
        # again, with the real field, for tournaments without a capacity).
        check_size(fmt, capacity, options)
    team_size = whole_number(values.get("team_size", 1), "team_size", 1, MAX_TEAM_SIZE)
    seeding = values.get("seeding") or "manual"
    if seeding not in SEEDINGS:
        raise InvalidInput(_("seeding must be one of %(seedings)s", seedings=', '.join(SEEDINGS)), field="seeding")
    windows = _windows(values)
    event_id = whole_number(values.get("event_id"), "event_id", 1, MAX_ID, nullable=True)
    if event_id is not None and not await Event.exists().where(Event.id == event_id):
        raise InvalidInput(_("there is no event %(event_id)s", event_id=event_id), field="event_id")
    auto_call = values.get("auto_call", True)
    if not isinstance(auto_call, bool):
        raise InvalidInput(_("auto_call must be true or false"), field="auto_call")
    return {"name": name, "game": game, "format": format_name, "options": options,
            "description": description, "capacity": capacity, "team_size": team_size,
            "seeding": seeding, "event_id": event_id, "auto_call": auto_call, **windows}


async def create_tournament(
    host: PluginHost, venue_id: int | None, values: Mapping[str, Any], user: CurrentUser | None
) -> dict[str, Any]:
    """Create a tournament (organiser): name, game, format, options and the field's rules.

    ``values``: ``name``, ``game``, ``format``, ``options`` (checked by the format),
    optional ``description``, ``capacity``, ``team_size`` (1 = solo), ``seeding``
    (``manual``, ``rating``, ``random``), ``registration_opens/closes``,
    ``checkin_opens/closes`` (aware datetimes), ``event_id``, ``status`` (``draft`` or
    ``registration``, the default). Records a ``TournamentChanged`` event.
    """
    clean = await _clean(host, venue_id, values)
    status = values.get("status") or "registration"
    if status not in ("draft", "registration"):
        raise InvalidInput(_("a new tournament is a draft or open for registration"), field="status")
    row = Tournament(
        venue=venue_id, event=clean["event_id"], name=clean["name"], game=clean["game"],
        format=clean["format"], options=clean["options"], description=clean["description"],
        capacity=clean["capacity"], team_size=clean["team_size"], seeding=clean["seeding"],
        status=status, created_by=user.id if user else None, auto_call=clean["auto_call"],
        created_at=now(), registration_opens=clean["registration_opens"],
        registration_closes=clean["registration_closes"],
        checkin_opens=clean["checkin_opens"], checkin_closes=clean["checkin_closes"],
    )
    async with atomic():
        await row.save()
        await touch(await lock_tournament(row.id))
    return await get_tournament(row.id)


# Fields frozen once a tournament has started: the bracket was built from them.
FROZEN_AT_START = ("format", "options", "capacity", "team_size", "seeding")
EDITABLE = ("name", "game", "format", "options", "description", "capacity", "team_size",
            "seeding", "event_id", "auto_call", "status", *WINDOWS)
_COLUMNS = {"event_id": "event"}


async def update_tournament(host: PluginHost, tournament_id: int, values: Mapping[str, Any],
                            user: CurrentUser | None) -> dict[str, Any]:
    """Change a tournament's settings (organiser): only the keys present in ``values`` (any
    of :data:`EDITABLE`; ``None`` clears an optional one), checked as at creation.

    Until the start everything may change (``status`` between ``draft`` and
    ``registration``); a higher capacity promotes the waitlist. Once started, the format,
    its options, the capacity, the team size and the seeding method are frozen. The row is
    locked and re-read, so the check and the write see the same field. Records a
    ``TournamentChanged`` event.

    :raises InvalidInput: an unknown or bad field.
    :raises Conflict: ``started`` (a frozen field after the start), ``archived``,
        ``capacity_below_field`` (fewer places than registered entrants).
    """
    unknown = sorted(set(values) - set(EDITABLE))
    if unknown:
        raise InvalidInput(_("%(field)s cannot be changed here", field=unknown[0]),
                           field=unknown[0])
    async with atomic():
        t = await lock_tournament(tournament_id)
        current = tournament_dict(t)
        merged = {**current, **values}
        if "format" in values and values["format"] != current["format"] \
                and "options" not in values:
            merged["options"] = {}  # another format's options mean nothing to this one
        clean = await _clean(host, t["venue"], merged, tournament_id)
        changed = {k: v for k, v in clean.items() if v != current[k]}
        if t["status"] in STARTED:
            frozen = [k for k in FROZEN_AT_START if k in changed]
            if frozen:
                raise Conflict(_("this tournament has started: its %(field)s can no longer change",
                                 field=frozen[0].replace("_", " ")), code="started",
                               field=frozen[0])
        if "status" in values and values["status"] != t["status"]:
            if t["status"] not in ("draft", "registration") or \
                    values["status"] not in ("draft", "registration"):
                raise InvalidInput(_("status moves between draft and registration before the "
                                     "start (start the tournament from its console)"),
                                   field="status")
            changed["status"] = values["status"]
        if changed.get("capacity") is not None:
            count = await EntrantRow.count().where(
                (EntrantRow.tournament == tournament_id) & (EntrantRow.status == "registered"))
            if count > changed["capacity"]:
                raise Conflict(_("%(n)s entrants hold a place: the capacity cannot go below "
                                 "that (remove entrants first)", n=count),
                               code="capacity_below_field",
                               field="capacity")
        if changed:
            await Tournament.update({getattr(Tournament, _COLUMNS.get(k, k)): v
                                     for k, v in changed.items()}).where(
                Tournament.id == tournament_id)
            t = await lock_tournament(tournament_id)
            if "capacity" in changed and t["status"] not in STARTED:
                await fill_from_waitlist(t)
            await touch(t)
    return await get_tournament(tournament_id)


async def delete_tournament(tournament_id: int, user: CurrentUser | None) -> str:
    """Delete a tournament before its start (its entrants, reports and stations go with it),
    or archive one that has started (its facts stay; it leaves the lists and takes no more
    writes). Returns ``"deleted"`` or ``"archived"``; records a ``TournamentChanged`` event
    with that status.

    :raises Conflict: ``archived`` when it is archived already.
    """
    async with atomic():
        t = await lock_tournament(tournament_id)
        if t["status"] in STARTED:
            await Tournament.update({Tournament.archived_at: now()}).where(
                Tournament.id == tournament_id)
            outcome = "archived"
        else:
            # Rows that point at the tournament without a cascading key go first.
            await MatchReport.delete().where(MatchReport.tournament == tournament_id)
            await Tournament.delete().where(Tournament.id == tournament_id)
            outcome = "deleted"
        await announce(t, Change(tournament_id, t["log_version"] + 1, [], [], outcome))
    return outcome


async def get_tournament(tournament_id: int) -> dict[str, Any]:
    """One tournament with its entrant counts.

    :raises NotFound: no such tournament.
    """
    row = await Tournament.select().where(Tournament.id == tournament_id).first()
    if row is None:
        raise NotFound(_("there is no tournament %(tournament_id)s", tournament_id=tournament_id))
    out = tournament_dict(row)
    counts = await EntrantRow.select(EntrantRow.status).where(
        EntrantRow.tournament == tournament_id)
    out["entrant_counts"] = {s: sum(1 for c in counts if c["status"] == s)
                             for s in ENTRANT_STATUSES}
    return out


async def list_tournaments(
    venue_id: int | None, status: str | None = None, limit: int = DEFAULT_LIMIT, offset: int = 0
) -> tuple[list[dict[str, Any]], int]:
    """Tournaments (of the venue, when one exists), newest first, and the total."""
    check_page(limit, offset)
    if status is not None and status not in STATUSES:
        raise InvalidInput(_("status must be one of %(statuses)s", statuses=', '.join(STATUSES)), field="status")
    where: Combinable = Tournament.archived_at.is_null()
    if venue_id is not None:
        where &= (Tournament.venue == venue_id) | Tournament.venue.is_null()
    if status is not None:
        where &= Tournament.status == status
    rows = await Tournament.select().where(where).order_by(
        Tournament.id, ascending=False).limit(limit).offset(offset)
    total = await Tournament.count().where(where)
    counts = await _entrant_counts([r["id"] for r in rows])
    return [{**tournament_dict(r), "entrant_counts": counts[r["id"]]} for r in rows], total


async def _entrant_counts(tournament_ids: list[int]) -> dict[int, dict[str, int]]:
    """Entrants per status of each tournament, in one grouped query (no query per row)."""
    out = {tid: dict.fromkeys(ENTRANT_STATUSES, 0) for tid in tournament_ids}
    if tournament_ids:
        rows = await EntrantRow.select(
            EntrantRow.tournament, EntrantRow.status, Count(alias="n")).where(
            EntrantRow.tournament.is_in(tournament_ids)).group_by(
            EntrantRow.tournament, EntrantRow.status)
        for r in rows:
            if r["status"] in out[r["tournament"]]:
                out[r["tournament"]][r["status"]] = r["n"]
    return out


# --------------------------------------------------------------------------------------
# Plugins switched per tournament
# --------------------------------------------------------------------------------------


async def plugin_switches(host: PluginHost, tournament_id: int) -> list[dict[str, Any]]:
    """The tournament-scoped plugins with this tournament's switch for each
    (:func:`podium.core.activation.service.scope_switches`), plus ``runs_format``: the
    plugin provides the tournament's format and so cannot be switched off here."""
    return await _switch_rows(host, await get_tournament(tournament_id))


async def _switch_rows(host: PluginHost, t: Mapping[str, Any]) -> list[dict[str, Any]]:
    rows = await scope_switches(host, t["venue_id"], scope_of(t["id"]))
    owner = format_owner(host, t["format"])
    for row in rows:
        row["runs_format"] = row["name"] == owner
    return rows


async def switch_plugin(host: PluginHost, tournament_id: int, plugin: str,
                        enabled: bool | None, user: CurrentUser | None) -> list[dict[str, Any]]:
    """Switch a tournament-scoped plugin on or off for one tournament, or (``None``) let the
    venue's setting decide again. Bumps the version so cached pages re-render.

    :raises NotFound: no such tournament or plugin.
    :raises InvalidInput: the plugin is not switched per tournament.
    :raises Conflict: ``format_plugin``: the switch would leave the tournament without the
        plugin that provides its format.
    """
    t = await get_tournament(tournament_id)
    if plugin not in host.plugins:
        raise NotFound(_("no plugin named %(plugin)s is loaded", plugin=f"{plugin!r}"))
    if format_owner(host, t["format"]) == plugin and (
            enabled is False
            or (enabled is None and plugin not in await enabled_plugins(host, t["venue_id"]))):
        raise Conflict(_("plugin %(plugin)s provides this tournament's format (%(format)s), so it stays on for this tournament", plugin=f"{plugin!r}", format=t['format']),
                       code="format_plugin")
    async with atomic():
        await switch(host, plugin, TOURNAMENT_SCOPE.name, tournament_id, enabled,
                     changed_by=user.id if user else None)
        await touch(t)
    return await _switch_rows(host, t)
