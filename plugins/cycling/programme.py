"""The meet's programme: the scheduling problem built from the meet, the registered
scheduler run off the event loop, the draft, pins (a phase dragged to a slot), published
versions and the iCalendar feed.

* Phases: one per round of each competition's progression table (``c<id>:<phase>``), its
  minutes from its heats and the typical durations (DOMAIN.md), the riders who may race in
  it (the whole field: any of them may qualify), the phases it follows; a competition
  without a table is one phase.
* Sessions: the meet's competition sessions (their part of the day from the venue's wall
  time); the track's other occupancy in the venue calendar (other events on the track
  space, with their set-up and tear-down buffers) is handed over as blocked intervals.
* Finals wish the evening (soft, per competition) and are followed by a medal ceremony.
* Recovery: per discipline, the longest of its competitions' settings (a per-category
  setting on each competition).
* A published version is never changed again; each phase keeps the number of the version
  in which its slot last changed, the ``SEQUENCE`` of its ``VEVENT``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from typing import Any

from zoneinfo import ZoneInfo

import anyio.to_thread
from icalendar import Calendar, Event as VEvent

from podium.core.accounts.service import CurrentUser
from podium.core.database import atomic, for_update
from podium.core.i18n import _
from podium.core.errors import Conflict, InvalidInput, NotFound
from podium.core.outbox import record
from podium.core.plugins import PluginHost
from podium.core.validation import check_instant
from podium.core.venue.contracts import Heat as ContractHeat
from podium.core.venue.contracts import (
    PROGRAMME_SCHEDULERS,
    BlockedInterval,
    Phase,
    ProgrammeProblem,
    ProgrammeScheduler,
    Schedule,
    SessionWindow,
)
from podium.core.venue.service import events_between
from podium.plugins.cycling import service
from podium.plugins.cycling.events import ProgrammeChanged
from podium.plugins.cycling.explain import competition_of_phase, with_names, worded_all
from podium.plugins.cycling.results import competition_progress
from podium.plugins.cycling.tables import (
    Competition,
    Meet,
    MeetSession,
    ProgrammePin,
    ProgrammeVersion,
)
from podium.plugins.cycling.scheduler.said import (
    Said,
    at_ref,
    phase_ref,
    time_ref,
    to_json,
)
from podium.plugins.cycling.terms import competition_title, heat_label, phase_title

PREFERRED_SCHEDULER = "cp_sat"
CHANGEOVER_MINUTES = 2
#: Minutes on the track: per rider of a timed phase, per race of a match, per bunch heat.
MINUTES_PER_TIMED_RIDER = 1
MINUTES_PER_MATCH_RACE = 3
MINUTES_PER_KEIRIN_HEAT = 5
#: A single bunch race (no table), by discipline.
BUNCH_RACE_MINUTES = {"scratch": 15, "points": 30, "tempo": 15, "elimination": 20,
                      "madison": 45, "omnium": 20, "keirin": 5}
PHASE_KEY_MAX = 100
CEREMONY_MINUTES = 10
#: Between two races of one rider inside a best-of-three round.
HEAT_RECOVERY_MINUTES = 10


def phase_key(competition_id: int, phase_id: str) -> str:
    """A programme phase's id: competition and round (``c12:QF``)."""
    return f"c{competition_id}:{phase_id}"


def _heat_minutes(discipline: str, fmt: str, riders: int) -> int:
    """Typical track minutes of one heat (DOMAIN.md), the changeover included."""
    if fmt == "timed":
        return max(1, riders) * MINUTES_PER_TIMED_RIDER
    if fmt == "match":
        return MINUTES_PER_MATCH_RACE
    if discipline == "keirin":
        return MINUTES_PER_KEIRIN_HEAT
    return BUNCH_RACE_MINUTES.get(discipline, 15)


async def meet_phases(meet_id: int) -> list[dict[str, Any]]:
    """Every phase of the meet to schedule: ``key``, ``competition_id``, ``competition``,
    ``name``, ``label``, ``discipline``, ``category``, ``minutes``, ``after`` (keys),
    ``riders``, ``heats`` (contract heats), ``final``, ``evening``, ``recovery``."""
    out = []
    for comp in await service.list_competitions(meet_id):
        entries = await service.list_entries(comp["id"])
        riders = frozenset(e["rider"] for e in entries)
        progress = await competition_progress(comp)
        last = progress.phases[-1]["id"] if progress.phases else None
        for phase in progress.phases:
            heats = [h for h in progress.heats if h.phase_id == phase["id"]]
            contract_heats = tuple(ContractHeat(
                id=h.heat_id,
                minutes=_heat_minutes(comp["discipline"], phase["format"], len(h.riders)),
                riders=frozenset(r for r in h.riders if r is not None),
                contest=h.contest_id if phase["format"] == "match" else "", race=h.race_no)
                for h in heats)
            minutes = max(3, sum(h.minutes for h in contract_heats))
            title = competition_title(comp)
            out.append({
                "key": phase_key(comp["id"], phase["id"]), "competition_id": comp["id"],
                "competition": title, "name": phase["name"], "phase_id": phase["id"],
                # In the language of the request that schedules (the scheduler's
                # explanations quote it); pages derive their own from the keys.
                "label": phase_title(title, phase["name"]),
                "discipline": comp["discipline"], "category": comp["category"],
                "minutes": minutes, "heats": contract_heats,
                "after": [phase_key(comp["id"], a) for a in phase["after"]],
                "riders": riders, "final": phase["kind"] == "final" or phase["id"] == last,
                "evening": comp["evening_finals"], "recovery": comp["recovery_minutes"],
            })
    return out


async def track_busy(meet: dict[str, Any], start: datetime, end: datetime
                     ) -> list[BlockedInterval]:
    """Other events on the meet's track in ``[start, end)``, widened by their buffers."""
    events = await events_between(meet["venue_id"], start - timedelta(hours=6),
                                  end + timedelta(hours=6), space_id=meet["track_space_id"],
                                  include_cancelled=False)
    busy = []
    for event in events:
        if event["id"] == meet["event_id"]:
            continue
        lo = event["starts_at"] - timedelta(minutes=event.get("setup_minutes") or 0)
        hi = event["ends_at"] + timedelta(minutes=event.get("teardown_minutes") or 0)
        if lo < end and start < hi:
            busy.append(BlockedInterval(starts_at=lo, ends_at=hi, reason=event["title"]))
    return busy


def part_of_day(at: datetime, tz: str) -> str:
    """``morning``, ``afternoon`` or ``evening`` for a session starting at ``at``."""
    hour = at.astimezone(ZoneInfo(tz)).hour
    return "morning" if hour < 12 else "afternoon" if hour < 17 else "evening"


async def build_problem(meet_id: int, tz: str = "Europe/Paris", time_limit_s: float = 3.0
                        ) -> tuple[ProgrammeProblem, list[dict[str, Any]]]:
    """The :class:`ProgrammeProblem` of a meet and its phases (for labels): competition
    sessions as windows, the track's other events as blocked intervals, pins, recovery per
    discipline and per category, finals wished in the evening (with a medal ceremony)."""
    meet = await service.get_meet(meet_id)
    sessions = [s for s in await service.list_sessions(meet_id) if s["kind"] == "competition"]
    if not sessions:
        raise Conflict(_("add at least one competition session first"), code="no_sessions")
    phases = await meet_phases(meet_id)
    if not phases:
        raise Conflict(_("add a competition with riders first"), code="no_phases")
    blocked = await track_busy(meet, sessions[0]["starts_at"], sessions[-1]["ends_at"])
    windows = tuple(SessionWindow(id=str(s["id"]), starts_at=s["starts_at"],
                                  ends_at=s["ends_at"], kind="competition", label=s["name"],
                                  part=part_of_day(s["starts_at"], tz)) for s in sessions)
    pins = {p["phase"]: p for p in await ProgrammePin.select().where(
        ProgrammePin.meet == meet_id)}
    recovery: dict[str, int] = {}
    by_category: dict[str, int] = {}
    built = []
    for p in phases:
        recovery[p["discipline"]] = max(recovery.get(p["discipline"], 0), p["recovery"])
        by_category[p["category"]] = max(by_category.get(p["category"], 0), p["recovery"])
        pin = pins.get(p["key"])
        built.append(Phase(
            id=p["key"], competition=str(p["competition_id"]), discipline=p["discipline"],
            minutes=p["minutes"], after=tuple(p["after"]), riders=p["riders"],
            pinned_session=str(pin["session"]) if pin else None,
            pinned_start=pin["starts_at"] if pin else None,
            label=p["label"], category=p["category"], heats=p["heats"], final=p["final"],
            ceremony_minutes=CEREMONY_MINUTES if p["final"] else 0,
            wish_part="evening" if p["final"] and p["evening"] else None))
    problem = ProgrammeProblem(
        phases=tuple(built), sessions=windows, recovery_minutes=recovery,
        category_recovery_minutes=by_category, changeover_minutes=CHANGEOVER_MINUTES,
        heat_recovery_minutes={"sprint": HEAT_RECOVERY_MINUTES},
        blocked=tuple(blocked), time_limit_s=time_limit_s)
    return problem, phases


def pick_scheduler(host: PluginHost) -> ProgrammeScheduler:
    """The ``cp_sat`` scheduler when registered, else the first one registered."""
    registry = host.registry(PROGRAMME_SCHEDULERS)
    chosen = registry.get(PREFERRED_SCHEDULER)
    if chosen is None:
        names = registry.names()
        if not names:
            raise Conflict(_("no programme scheduler is installed"), code="no_scheduler")
        chosen = registry[names[0]]
    return chosen


def _explanations(schedule: Schedule, phases: dict[str, dict[str, Any]]
                  ) -> list[Any]:
    """What the organiser reads about the result, as data worded when shown
    (:mod:`plugins.cycling.explain`): why phases are unplaced and which soft wishes are
    unmet. The scheduler's own explanations are kept as data when it gives them
    (``said``: the schedulers of this plugin), else as its text. (Its ``message``, a
    solver's log line, is not kept: the draft shows its status and solver.)"""
    out: list[Any] = []
    explained = {e.subject for e in schedule.explanations if e.kind == "unplaced"}
    for key in schedule.unplaced:
        if key not in explained:
            p = phases.get(key)
            out.append(to_json(Said.of("phase_no_fit", phase=phase_ref(
                key, p["label"] if p else key))))
    out.extend(getattr(e, "said", None) or e.text for e in schedule.explanations)
    return with_names(out, {key: p["name"] for key, p in phases.items()})


async def schedule_meet(host: PluginHost, meet_id: int, tz: str = "Europe/Paris",
                        time_limit_s: float = 3.0) -> dict[str, Any]:
    """Schedule the meet (pins kept) and store the result as the draft."""
    problem, phases = await build_problem(meet_id, tz, time_limit_s)
    scheduler = pick_scheduler(host)
    # CPU-bound (CP-SAT): run it in a worker thread, never on the event loop.
    schedule = await anyio.to_thread.run_sync(scheduler.schedule, problem)
    by_key = {p["key"]: p for p in phases}
    # Keys, never words: the label is derived when read (competition_id, phase_name: the
    # progression table's name of the round), in the reader's language.
    placements = [{
        "phase": pl.phase_id, "session": int(pl.session_id),
        "start": pl.starts_at.astimezone(timezone.utc).isoformat(),
        "end": pl.ends_at.astimezone(timezone.utc).isoformat(),
        "phase_name": by_key[pl.phase_id]["name"] if pl.phase_id in by_key else "",
        "ceremony_end": pl.ceremony_ends_at.astimezone(timezone.utc).isoformat()
        if pl.ceremony_ends_at else None,
        "heats": [{"heat": h.heat_id, "start": h.starts_at.astimezone(timezone.utc).isoformat()}
                  for h in pl.heats],
        "competition_id": by_key.get(pl.phase_id, {}).get("competition_id"),
    } for pl in sorted(schedule.placements, key=lambda x: x.starts_at)]
    # Stored as codes and parameters, worded for each reader when shown.
    solver = getattr(scheduler, "name", "")
    explanations = [to_json(Said.of("track_busy", event=b.reason, start=at_ref(b.starts_at),
                                    end=time_ref(b.ends_at)))
                    for b in problem.blocked] + _explanations(schedule, by_key)
    async with atomic():
        meet = await for_update(Meet.select(Meet.id, Meet.venue_id).where(
            Meet.id == meet_id)).first()
        if meet is None:
            raise NotFound(_("there is no meet %(meet_id)s", meet_id=meet_id))
        await ProgrammeVersion.delete().where((ProgrammeVersion.meet == meet_id)
                                              & (ProgrammeVersion.number == 0))
        await ProgrammeVersion(
            meet=meet_id, number=0, solver=solver,
            status=schedule.status, placements=placements, unplaced=list(schedule.unplaced),
            explanations=explanations, sequences={}, created_at=service.utc_now()).save()
        await record(ProgrammeChanged(venue_id=meet["venue_id"], meet_id=meet_id,
                                      status=schedule.status))
    return await draft(meet_id) or {}


def _decode(row: dict[str, Any]) -> dict[str, Any]:
    """A programme row with its JSON columns loaded and instants parsed."""
    for name in ("placements", "unplaced", "explanations", "sequences"):
        if isinstance(row[name], str):
            row[name] = json.loads(row[name])
    for p in row["placements"]:
        p["starts_at"] = datetime.fromisoformat(p["start"])
        p["ends_at"] = datetime.fromisoformat(p["end"])
    return row


async def _titled(row: dict[str, Any] | None) -> dict[str, Any] | None:
    """A decoded programme with every placement's ``label`` ("Elite women sprint —
    Quarter-finals") and ``phase_title`` derived from its keys in the reader's language.

    Rows stored before titles were derived carry an English ``label``: it is shown only
    when the competition is gone. ``explanations`` are worded for the reader
    (``{"code", "detail"}``); ``stored_explanations`` keeps them as stored."""
    if row is None:
        return None
    comps = {c["id"]: c for c in await Competition.select(
        Competition.id, Competition.name, Competition.category, Competition.discipline,
    ).where(Competition.meet == row["meet"])}
    row["stored_explanations"] = row["explanations"]
    row["explanations"] = worded_all(row["explanations"], comps)
    for p in row["placements"]:
        comp = comps.get(p.get("competition_id") or competition_of_phase(p["phase"]) or 0)
        phase = p.get("phase_name") or ""
        p["phase_title"] = heat_label(phase) if phase else ""
        if comp is not None:
            p["label"] = phase_title(competition_title(comp), phase)
        else:
            p["label"] = p.get("label") or p["phase"]
    return row


async def draft(meet_id: int) -> dict[str, Any] | None:
    """The current draft programme (placements with ``starts_at``/``ends_at`` and their
    ``label`` in the reader's language), if any."""
    row = await ProgrammeVersion.select().where((ProgrammeVersion.meet == meet_id)
                                                & (ProgrammeVersion.number == 0)).first()
    return await _titled(_decode(row) if row else None)


async def published(meet_id: int, number: int | None = None) -> dict[str, Any] | None:
    """A published version (the latest when ``number`` is ``None``), labels derived as in
    :func:`draft`."""
    query = ProgrammeVersion.select().where((ProgrammeVersion.meet == meet_id)
                                            & (ProgrammeVersion.number > 0))
    if number is not None:
        query = query.where(ProgrammeVersion.number == number)
    row = await query.order_by(ProgrammeVersion.number, ascending=False).first()
    return await _titled(_decode(row) if row else None)


async def versions(meet_id: int) -> list[dict[str, Any]]:
    """Every published version's number, status and date (newest first)."""
    return await ProgrammeVersion.select(
        ProgrammeVersion.number, ProgrammeVersion.status, ProgrammeVersion.published_at,
        ProgrammeVersion.solver,
    ).where((ProgrammeVersion.meet == meet_id) & (ProgrammeVersion.number > 0)) \
        .order_by(ProgrammeVersion.number, ascending=False)


async def pin_phase(host: PluginHost, meet_id: int, phase: str, session_id: int,
                    starts_at: datetime | None, tz: str = "Europe/Paris") -> dict[str, Any]:
    """Pin a phase to a session (and a start time, if given), then reschedule the rest."""
    if not isinstance(phase, str) or not 0 < len(phase) <= PHASE_KEY_MAX:
        raise InvalidInput(_("no such phase"), field="phase")
    if phase not in {p["key"] for p in await meet_phases(meet_id)}:
        raise NotFound(_("there is no phase %(phase)s in this meet", phase=repr(phase)))
    if starts_at is not None:
        starts_at = check_instant(starts_at, "starts_at")
    async with atomic():
        session = await MeetSession.select().where((MeetSession.id == session_id)
                                                   & (MeetSession.meet == meet_id)).first()
        if session is None:
            raise InvalidInput(_("that session is not in this meet"), field="session_id")
        if starts_at is not None and not session["starts_at"] <= starts_at < session["ends_at"]:
            raise InvalidInput(_("the start must lie within the session"), field="starts_at")
        await ProgrammePin.delete().where((ProgrammePin.meet == meet_id)
                                          & (ProgrammePin.phase == phase))
        await ProgrammePin(meet=meet_id, phase=phase, session=session_id,
                           starts_at=starts_at).save()
    return await schedule_meet(host, meet_id, tz)


async def unpin_phase(host: PluginHost, meet_id: int, phase: str, tz: str = "Europe/Paris"
                      ) -> dict[str, Any]:
    """Let the scheduler place a pinned phase again, and reschedule."""
    async with atomic():
        await ProgrammePin.delete().where((ProgrammePin.meet == meet_id)
                                          & (ProgrammePin.phase == phase))
    return await schedule_meet(host, meet_id, tz)


async def pins(meet_id: int) -> dict[str, dict[str, Any]]:
    """The meet's pins by phase key."""
    return {p["phase"]: p for p in await ProgrammePin.select().where(
        ProgrammePin.meet == meet_id)}


async def publish(meet_id: int, user: CurrentUser | None) -> dict[str, Any]:
    """Publish the draft as the next version; a phase whose slot changed since the last
    published version gets this version's number as its ``SEQUENCE``.

    :raises Conflict: ``no_draft``, ``infeasible`` (nothing placed)."""
    async with atomic():
        meet = await for_update(Meet.select(Meet.id, Meet.venue_id).where(
            Meet.id == meet_id)).first()
        if meet is None:
            raise NotFound(_("there is no meet %(meet_id)s", meet_id=meet_id))
        current = await draft(meet_id)
        if current is None:
            raise Conflict(_("schedule the programme before publishing it"), code="no_draft")
        if not current["placements"]:
            raise Conflict(_("the draft places no phase: nothing to publish"), code="infeasible")
        last = await published(meet_id)
        number = (last["number"] if last else 0) + 1
        before = {p["phase"]: p for p in last["placements"]} if last else {}
        sequences = {}
        for p in current["placements"]:
            old = before.get(p["phase"])
            same = old is not None and (old["start"], old["end"], old["session"]) == \
                (p["start"], p["end"], p["session"])
            sequences[p["phase"]] = last["sequences"].get(p["phase"], number) \
                if same and last else number
        placements = [{k: v for k, v in p.items()
                       if k not in ("starts_at", "ends_at", "label", "phase_title")}
                      for p in current["placements"]]
        await ProgrammeVersion(
            meet=meet_id, number=number, solver=current["solver"], status=current["status"],
            placements=placements, unplaced=current["unplaced"],
            explanations=current["stored_explanations"], sequences=sequences,
            created_at=current["created_at"], published_at=service.utc_now(),
            published_by=user.id if user else None).save()
        await record(ProgrammeChanged(venue_id=meet["venue_id"], meet_id=meet_id,
                                      status=current["status"], published=number))
    return await published(meet_id, number) or {}


async def programme_ics(meet_id: int, tz: str) -> bytes:
    """The meet's programme as iCalendar: one ``VEVENT`` per phase of the latest published
    version, ``UID`` stable per phase, ``SEQUENCE`` = the version it last changed in.

    Summaries are in the current locale (the feed's ``?lang=``, see the pages)."""
    meet = await service.get_meet(meet_id)
    version = await published(meet_id)
    cal = Calendar()
    cal.add("prodid", "-//Podium//Track meet programme//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", _("%(meet)s — programme", meet=meet["name"]))
    zone = ZoneInfo(tz)
    base = meet["uid"].split("@", 1)[0]
    if version is not None:
        stamp = version["published_at"].astimezone(timezone.utc)
        for p in version["placements"]:
            vevent = VEvent()
            vevent.add("uid", f"{base}-{p['phase'].replace(':', '-')}@podium")
            vevent.add("dtstart", p["starts_at"].astimezone(zone))
            vevent.add("dtend", p["ends_at"].astimezone(zone))
            vevent.add("summary", p["label"])
            vevent.add("sequence", version["sequences"].get(p["phase"], version["number"]))
            vevent.add("dtstamp", stamp)
            vevent.add("status", "CONFIRMED")
            cal.add_component(vevent)
    cal.add_missing_timezones()
    ical: bytes = cal.to_ical()
    return ical


def calendar_note(title: str) -> dict[str, Any]:
    """The note a draft gets when the track's calendar changes (``title``: the event)."""
    return to_json(Said.of("calendar_changed", title=title))


async def note_calendar_changes(changes: Sequence[tuple[str, str, datetime, datetime,
                                                        tuple[int, ...]]]) -> list[int]:
    """Flag the drafts a change of the track's calendar may invalidate.

    :param changes: ``(action, title, starts_at, ends_at, space ids)`` of changed venue
        events (not meets' own events).
    :returns: the meets whose draft was flagged (a note in its explanations, once).
    """
    flagged = []
    for meet in await Meet.select(Meet.id, Meet.venue_id, Meet.event_id, Meet.track_space_id):
        sessions = await service.list_sessions(meet["id"])
        if not sessions:
            continue
        start, end = sessions[0]["starts_at"], sessions[-1]["ends_at"]
        hits = [title for _action, title, lo, hi, spaces in changes
                if meet["track_space_id"] in spaces and lo < end + timedelta(hours=6)
                and start - timedelta(hours=6) < hi]
        if not hits:
            continue
        async with atomic():
            row = await for_update(ProgrammeVersion.select().where(
                (ProgrammeVersion.meet == meet["id"]) & (ProgrammeVersion.number == 0))).first()
            if row is None:
                continue
            notes = _decode(row)["explanations"]
            added = [calendar_note(t) for t in hits]
            fresh = [n for n in added if n not in notes]
            if not fresh:
                continue
            await ProgrammeVersion.update({ProgrammeVersion.explanations: fresh + notes}).where(
                ProgrammeVersion.id == row["id"])
            await record(ProgrammeChanged(venue_id=meet["venue_id"], meet_id=meet["id"],
                                          status=row["status"]))
        flagged.append(meet["id"])
    return flagged
