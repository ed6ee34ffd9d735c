"""Venue pages (home, week calendar, event page, booking, organiser forms), calendar
feeds, and the JSON API (:mod:`podium.core.venue.api`).

Pages render the full layout for a browser and the content block for htmx requests; the
week calendar swaps only its container (``hx-select="#calendar"``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.datastructures import FormMultiDict
from litestar.params import FromQuery, QueryParameter
from litestar.response import Redirect, Template

from podium.core.accounts.auth import requires_role
from podium.core.accounts.routes import safe_next
from podium.core.activation.service import cached_for_request
from podium.core.i18n import N_, _, babel_locale, format_datetime, ngettext
from podium.core.database import reading
from podium.core.errors import Conflict, InvalidInput, NotFound, PodiumError
from podium.core.page_cache import ANY, anonymous_page
from podium.core.pages import is_partial_request, render
from podium.core.validation import EARLIEST, LATEST, MAX_ID, MAX_PAGE
from podium.core.venue import feeds, rules
from podium.core.venue.api import API_ROUTES, Id
from podium.core.venue.bookings import (
    book,
    booking_of,
    cancel_booking,
    count_places_sold,
    user_bookings,
)
from podium.core.venue.context import current_venue_id, venue_scope
from podium.core.venue.events import (
    HomeSummary,
    cancel_event,
    create_event,
    events_between,
    get_event,
    home_summary,
    update_event,
)
from podium.core.venue.kinds import EventKind, event_kinds, kind_info
from podium.core.venue.series import create_series, get_series
from podium.core.venue.spaces import get_space, list_spaces
from podium.core.venue.tables import Series, Venue

ORGANISER = [requires_role("organiser")]
SIGNED_IN = [requires_role()]
FEED_PAST = timedelta(days=90)


@dataclass(frozen=True)
class Clock:
    """Formats instants in the venue's time zone for templates."""

    tz: str

    def local(self, value: datetime) -> datetime:
        """The instant in the venue's zone."""
        return value.astimezone(rules.zone(self.tz))

    def time(self, value: datetime) -> str:
        """``18:30``."""
        return format_datetime(value, "time", self.tz)

    def day(self, value: datetime) -> str:
        """``Tue 24 Nov`` (``mar. 24 nov.``: the request's locale)."""
        return format_datetime(value, "day", self.tz)

    def long_day(self, value: datetime) -> str:
        """``Tuesday 24 November 2026`` (``mardi 24 novembre 2026``)."""
        return format_datetime(value, "long_day", self.tz)

    def span(self, event: dict[str, Any]) -> str:
        """``Tue 24 Nov, 18:00–20:00`` (the end day is repeated when it differs)."""
        start, end = self.local(event["starts_at"]), self.local(event["ends_at"])
        if start.date() == end.date():
            return f"{self.day(start)}, {self.time(start)}–{self.time(end)}"
        return f"{self.day(start)} {self.time(start)} – {self.day(end)} {self.time(end)}"

    def days_of(self, event: dict[str, Any]) -> tuple[date, date]:
        """The first and last local day an event is on (an end at midnight belongs to the
        day before)."""
        return (self.local(event["starts_at"]).date(),
                self.local(event["ends_at"] - timedelta(microseconds=1)).date())

    def on_day(self, event: dict[str, Any], day: date) -> str:
        """An event's times as one day of the calendar shows them: ``14:00–22:30``; for an
        event over several days ``14:00 →`` on its first day, ``→ 22:30`` on its last and
        "all day" between."""
        first, last = self.days_of(event)
        starts, ends = self.time(event["starts_at"]), self.time(event["ends_at"])
        if first == last or not first <= day <= last:  # one day, or a day it is not on
            return f"{starts}–{ends}"
        if day == first:
            return f"{starts} →"
        if day == last:
            return f"→ {ends}"
        return _("all day")

    def input_value(self, value: datetime | None) -> str:
        """The value of a ``datetime-local`` input."""
        return self.local(value).strftime("%Y-%m-%dT%H:%M") if value else ""


async def _venue_row(request: Request[Any, Any, Any]) -> dict[str, Any] | None:
    venue_id = await current_venue_id(request)
    if venue_id is None:
        return None
    return await Venue.select().where(Venue.id == venue_id).first()


def _kind_map(request: Request[Any, Any, Any]) -> dict[str, EventKind]:
    registry = event_kinds(request.app.state.plugin_host)
    return dict(registry.items())


def _base_context(request: Request[Any, Any, Any], venue: dict[str, Any] | None) -> dict[str, Any]:
    tz = venue["timezone"] if venue else "Europe/Paris"
    return {
        "venue": venue,
        "clock": Clock(tz),
        "kinds": _kind_map(request),
        "enabled_plugins": cached_for_request(request),
    }


# --------------------------------------------------------------------------------------
# Home and calendar
# --------------------------------------------------------------------------------------


@get("/", include_in_schema=False)
@anonymous_page(ANY)  # the home page shows a bit of everything: any event renders it again
async def home(request: Request[Any, Any, Any]) -> Template:
    """The venue home page: what is on now and next, and today's sessions with places left."""
    async with reading():
        venue = await _venue_row(request)
        summary = (
            await home_summary(venue["id"], venue["timezone"]) if venue else HomeSummary()
        )
        if venue:
            await count_places_sold(await venue_scope(request),
                                    summary.now + summary.next + summary.today_sessions)
    ctx = _base_context(request, venue)
    ctx.update(summary=summary, now=datetime.now(timezone.utc))
    return render(request, "venue/home.html", ctx)


@get("/calendar", include_in_schema=False)
# Tickets sold or refunded change the places left (count_places_sold).
@anonymous_page("EventsChanged", "BookingsChanged", "TicketsIssued", "TicketsRevoked")
async def calendar(request: Request[Any, Any, Any], week: FromQuery[str | None] = None,
                   space: Annotated[int | None, QueryParameter(ge=1, le=MAX_ID)] = None) -> Template:
    """The week calendar (``?week=2026-W48``, optional ``&space=<id>``); htmx swaps the
    ``#calendar`` container when navigating weeks."""
    venue = await _venue_row(request)
    tz = venue["timezone"] if venue else "Europe/Paris"
    today = rules.wall_time(datetime.now(timezone.utc), tz).date()
    if week:
        try:
            monday = rules.parse_iso_week(week)
        except ValueError as exc:
            raise InvalidInput(_("week: %(exc)s", exc=exc), field="week") from exc
    else:
        monday = today - timedelta(days=today.weekday())
    start, end = rules.week_bounds(monday, tz)
    days: list[dict[str, Any]] = [
        {"date": monday + timedelta(days=i), "events": []} for i in range(7)
    ]
    spaces: list[dict[str, Any]] = []
    if venue:
        async with reading():
            spaces = await list_spaces(venue["id"])
            if space is not None and space not in {s["id"] for s in spaces}:
                raise NotFound(_("there is no space %(space)s here", space=space))
            events = await count_places_sold(
                await venue_scope(request),
                await events_between(venue["id"], start, end, space_id=space))
        clock = Clock(tz)
        for event in events:
            first, last = clock.days_of(event)
            day, last = max(first, monday), min(last, monday + timedelta(days=6))
            while day <= last:
                days[(day - monday).days]["events"].append(event)
                day += timedelta(days=1)
    ctx = _base_context(request, venue)
    ctx.update(
        days=days, today=today, monday=monday, week=rules.iso_week_of(monday),
        prev_week=rules.iso_week_of(monday - timedelta(days=7)),
        next_week=rules.iso_week_of(monday + timedelta(days=7)),
        this_week=rules.iso_week_of(today), spaces=spaces, space=space,
        sunday=monday + timedelta(days=6), now=datetime.now(timezone.utc),
    )
    return render(request, "venue/calendar.html", ctx)


# --------------------------------------------------------------------------------------
# Event page and booking
# --------------------------------------------------------------------------------------


async def _event_page_context(request: Request[Any, Any, Any], event_id: int) -> dict[str, Any]:
    async with reading():
        event = await get_event(event_id)
        await count_places_sold(await venue_scope(request), [event])
        venue = await Venue.select().where(Venue.id == event["venue_id"]).first()
        user = request.user
        mine = await booking_of(user.id, event_id) if user else None
        series = await get_series(event["series_id"]) if event["series_id"] else None
    ctx = _base_context(request, venue)
    now = datetime.now(timezone.utc)
    upcoming = []
    if series:
        upcoming = [o for o in series["occurrences"] if o["ends_at"] > now and o["id"] != event_id][:6]
    ctx.update(event=event, mine=mine, series=series, upcoming=upcoming, now=now,
               kind=kind_info(request.app.state.plugin_host, event["kind"]))
    return ctx


@get("/events/{event_id:int}", include_in_schema=False)
async def event_page(request: Request[Any, Any, Any], event_id: Id) -> Template:
    """An event: when, where, places left (live), the booking form, organiser actions."""
    ctx = await _event_page_context(request, event_id)
    return render(request, "venue/event.html", ctx)


async def _booking_panel(request: Request[Any, Any, Any], event_id: int, *, message: str = "",
                         error: str = "", status: int = 200) -> Template:
    ctx = await _event_page_context(request, event_id)
    ctx.update(message=message, error=error)
    return render(request, "venue/partials/booking.html", ctx, status_code=status, partial=True)


def _int_field(form: FormMultiDict, name: str, *, default: int | None = None) -> int | None:
    raw = str(form.get(name, "") or "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise InvalidInput(_("%(value1)s must be a whole number", value1=name.replace('_', ' ')), field=name) from exc


@post("/events/{event_id:int}/book", include_in_schema=False, guards=SIGNED_IN)
async def book_page(request: Request[Any, Any, Any], event_id: Id) -> Any:
    """Book places from the event page (htmx swaps the booking panel)."""
    form = await request.form()
    htmx = is_partial_request(request)
    try:
        scope = await venue_scope(request)
        _booking, remaining = await book(scope, event_id, request.user,
                                         _int_field(form, "places", default=1))
    except (Conflict, InvalidInput) as exc:
        if htmx:  # htmx swaps only 2xx answers: show the reason in the panel
            return await _booking_panel(request, event_id, error=exc.detail)
        ctx = await _event_page_context(request, event_id)
        ctx.update(error=exc.detail)
        return render(request, "venue/event.html", ctx, status_code=exc.status_code)
    if htmx:
        return await _booking_panel(request, event_id, message=ngettext("Booked. %(num)s place left.", "Booked. %(num)s places left.", remaining))
    return Redirect(f"/events/{event_id}", status_code=303)


@post("/bookings/{booking_id:int}/cancel", include_in_schema=False, guards=SIGNED_IN)
async def cancel_booking_page(request: Request[Any, Any, Any], booking_id: Id) -> Any:
    """Cancel one of my bookings (from the event page or from My bookings)."""
    form = await request.form()
    booking = await cancel_booking(booking_id, request.user)
    if is_partial_request(request) and form.get("panel") == "1":
        return await _booking_panel(request, booking["event_id"], message=_("Your booking is cancelled."))
    return Redirect(safe_next(str(form.get("next") or f"/events/{booking['event_id']}")), status_code=303)


@get("/me/bookings", include_in_schema=False, guards=SIGNED_IN)
async def my_bookings(request: Request[Any, Any, Any]) -> Template:
    """The signed-in user's bookings, upcoming first, then past and cancelled ones."""
    async with reading():
        venue = await _venue_row(request)
        rows, _total = await user_bookings(request.user.id, limit=MAX_PAGE)
    now = datetime.now(timezone.utc)
    upcoming = [b for b in rows if b["status"] == "active" and b["event"]["ends_at"] > now]
    others = [b for b in rows if b not in upcoming]
    others.sort(key=lambda b: b["event"]["starts_at"], reverse=True)
    ctx = _base_context(request, venue)
    ctx.update(upcoming=upcoming, others=others, now=now)
    return render(request, "venue/my_bookings.html", ctx)


# --------------------------------------------------------------------------------------
# Organiser forms
# --------------------------------------------------------------------------------------


def parse_local(raw: str, name: str, tz: str) -> datetime | None:
    """A ``datetime-local`` form value in the venue's time zone (empty: ``None``); a value
    that is not a date and time, or outside 1970–2199, is :class:`InvalidInput`."""
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        wall = datetime.fromisoformat(raw)
    except ValueError as exc:
        raise InvalidInput(_("%(name)s is not a date and time", name=name), field=name) from exc
    if wall.tzinfo is not None:
        return wall
    if not EARLIEST.year <= wall.year < LATEST.year:
        raise InvalidInput(_("%(name)s must be between 1970 and 2200", name=name), field=name)
    return rules.localize(wall, tz)


def _form_values(form: FormMultiDict, tz: str) -> dict[str, Any]:
    """The event form's fields as service values (times in the venue's zone)."""
    spaces = []
    for raw in form.getall("spaces", []):
        try:
            spaces.append(int(raw))
        except (TypeError, ValueError) as exc:
            raise InvalidInput(_("unknown space"), field="spaces") from exc
    starts_at = parse_local(str(form.get("starts_at", "")), "start", tz)
    ends_at = parse_local(str(form.get("ends_at", "")), "end", tz)
    if starts_at is None:
        raise InvalidInput(_("start is required"), field="starts_at")
    if ends_at is None:
        raise InvalidInput(_("end is required"), field="ends_at")
    return {
        "title": str(form.get("title", "")),
        "kind": str(form.get("kind", "")),
        "description": str(form.get("description", "")),
        "starts_at": starts_at,
        "ends_at": ends_at,
        "space_ids": spaces,
        "capacity": _int_field(form, "capacity"),
        "setup_minutes": _int_field(form, "setup_minutes", default=0),
        "teardown_minutes": _int_field(form, "teardown_minutes", default=0),
    }


def _echo(form: FormMultiDict) -> dict[str, Any]:
    """What the user typed, to refill the form after an error."""
    keys = ("title", "kind", "description", "starts_at", "ends_at", "capacity",
            "setup_minutes", "teardown_minutes", "rule", "repeat", "repeat_count", "repeat_until")
    echo: dict[str, str | list[str]] = {k: str(form.get(k, "")) for k in keys}
    echo["spaces"] = [str(s) for s in form.getall("spaces", [])]
    echo["repeat_days"] = [str(d) for d in form.getall("repeat_days", [])]
    return echo


async def _form_page(request: Request[Any, Any, Any], *, event: dict[str, Any] | None, form: dict[str, Any],
                     errors: list[str] | None = None, conflicts: list[dict[str, Any]] | None = None,
                     acknowledgeable: bool = False, status: int = 200) -> Template:
    scope = await venue_scope(request)
    venue = await Venue.select().where(Venue.id == scope.venue_id).first()
    ctx = _base_context(request, venue)
    clock = ctx["clock"]
    shown = []
    for item in conflicts or []:
        item = dict(item)
        item["when"] = clock.span({"starts_at": datetime.fromisoformat(item["start"]),
                                   "ends_at": datetime.fromisoformat(item["end"])})
        if item.get("occurrence_start"):
            item["occurrence_when"] = clock.day(datetime.fromisoformat(item["occurrence_start"]))
        shown.append(item)
    ctx.update(
        event=event, form=form, errors=errors or [], conflicts=shown,
        acknowledgeable=acknowledgeable, spaces=await list_spaces(scope.venue_id),
        kind_choices=scope.kinds, rule_examples=RULE_EXAMPLES, weekdays=_weekday_choices(),
    )
    return render(request, "venue/event_form.html", ctx, status_code=status)


def _weekday_choices() -> list[tuple[str, str]]:
    """``[("MO", "Mon"), ...]`` in the request's language (Babel's day names)."""
    names = babel_locale().days["format"]["abbreviated"]
    return [(code, names[index]) for index, code in enumerate(rules.WEEKDAYS)]


RULE_EXAMPLES = [
    ("FREQ=DAILY;COUNT=7", N_("every day, 7 times")),
    ("FREQ=WEEKLY;BYDAY=TU,TH", N_("every Tuesday and Thursday for 26 weeks")),
    ("FREQ=WEEKLY;BYDAY=SA;UNTIL=20270630", N_("every Saturday until 30 June 2027")),
    ("FREQ=MONTHLY;BYDAY=1SU;COUNT=6", N_("the first Sunday of the month, 6 times")),
]


def _blank_form(clock: Clock) -> dict[str, Any]:
    start = clock.local(datetime.now(timezone.utc)).replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    return {"title": "", "kind": "public_session", "description": "",
            "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
            "capacity": "", "setup_minutes": "0", "teardown_minutes": "0", "rule": "", "spaces": [],
            "repeat": "", "repeat_days": [], "repeat_count": "", "repeat_until": ""}


@get("/events/new", include_in_schema=False, guards=ORGANISER)
async def new_event_page(request: Request[Any, Any, Any]) -> Template:
    """The form to create an event or a recurring series."""
    scope = await venue_scope(request)
    return await _form_page(request, event=None, form=_blank_form(Clock(scope.tz)))


async def _submit(request: Request[Any, Any, Any], event_id: int | None) -> Any:
    form = await request.form()
    scope = await venue_scope(request)
    acknowledge = str(form.get("acknowledge_conflicts", "")).lower() in {"on", "1", "true", "yes"}
    event = await get_event(event_id) if event_id is not None else None
    try:
        values = _form_values(form, scope.tz)
        rule = _form_rule(form)
        if event is None and rule:
            duration = int((values["ends_at"] - values["starts_at"]).total_seconds() // 60)
            if duration <= 0:
                raise InvalidInput(_("the event must end after it starts"), field="ends_at")
            series = await create_series(scope, {
                **values, "rule": rule, "first_start": values["starts_at"],
                "duration_minutes": duration,
            }, request.user, acknowledge=acknowledge)
            target = f"/events/{series['occurrences'][0]['id']}"
        elif event is None:
            created = await create_event(scope, values, request.user, acknowledge=acknowledge)
            target = f"/events/{created['id']}"
        else:
            await update_event(scope, event["id"], values, request.user,
                               acknowledge=acknowledge)
            target = f"/events/{event['id']}"
    except Conflict as exc:
        return await _form_page(
            request, event=event, form=_echo(form), errors=[_sentence(exc.detail)],
            conflicts=exc.extra.get("conflicts", []),
            acknowledgeable=bool(exc.extra.get("acknowledgeable")), status=409,
        )
    except PodiumError as exc:
        return await _form_page(request, event=event, form=_echo(form),
                                errors=[_sentence(exc.detail)], status=exc.status_code)
    if request.headers.get("hx-request"):
        return Response(content="", status_code=200, headers={"HX-Redirect": target})
    return Redirect(target, status_code=303)


def _form_rule(form: FormMultiDict) -> str:
    """The repeat rule of the event form: the RRULE typed under "Advanced" when there is
    one, otherwise what the repeat picker describes (``""``: a one-off event)."""
    typed = str(form.get("rule", "") or "").strip()
    if typed:
        return typed
    try:
        return rules.compose_rule(str(form.get("repeat", "") or ""),
                                  [str(d) for d in form.getall("repeat_days", [])],
                                  str(form.get("repeat_count", "") or ""),
                                  str(form.get("repeat_until", "") or ""))
    except rules.RuleError as exc:
        raise InvalidInput(str(exc), field="repeat") from exc


def _sentence(text: str) -> str:
    text = text.strip()
    return (text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")) if text else ""


@post("/events/new", include_in_schema=False, guards=ORGANISER)
async def new_event_submit(request: Request[Any, Any, Any]) -> Any:
    """Create the event (or series); conflicts come back as warnings on the form."""
    return await _submit(request, None)


@get("/events/{event_id:int}/edit", include_in_schema=False, guards=ORGANISER)
async def edit_event_page(request: Request[Any, Any, Any], event_id: Id) -> Template:
    """The form to change an event (or one occurrence of a series)."""
    scope = await venue_scope(request)
    event = await get_event(event_id)
    clock = Clock(scope.tz)
    form = {
        "title": event["title"], "kind": event["kind"], "description": event["description"],
        "starts_at": clock.input_value(event["starts_at"]),
        "ends_at": clock.input_value(event["ends_at"]),
        "capacity": "" if event["capacity"] is None else str(event["capacity"]),
        "setup_minutes": str(event["setup_minutes"]),
        "teardown_minutes": str(event["teardown_minutes"]), "rule": "",
        "spaces": [str(s["id"]) for s in event["spaces"]],
    }
    return await _form_page(request, event=event, form=form)


@post("/events/{event_id:int}/edit", include_in_schema=False, guards=ORGANISER)
async def edit_event_submit(request: Request[Any, Any, Any], event_id: Id) -> Any:
    """Save the changes; conflicts come back as warnings on the form."""
    return await _submit(request, event_id)


@post("/events/{event_id:int}/cancel", include_in_schema=False, guards=ORGANISER)
async def cancel_event_page(request: Request[Any, Any, Any], event_id: Id) -> Redirect:
    """Cancel an event, or one date of a series on its own."""
    scope = await venue_scope(request)
    await cancel_event(scope, event_id, request.user)
    return Redirect(f"/events/{event_id}", status_code=303)


# --------------------------------------------------------------------------------------
# iCalendar feeds
# --------------------------------------------------------------------------------------


async def _feed(request: Request[Any, Any, Any], venue_id: int, space_id: int | None) -> Response[bytes]:
    async with reading():
        venue = await Venue.select().where(Venue.id == venue_id).first()
        if venue is None:
            raise NotFound(_("there is no venue %(venue_id)s", venue_id=venue_id))
        name = venue["name"]
        if space_id is not None:
            space = await get_space(venue_id, space_id)
            name = f"{venue['name']} · {space['name']}"
        since = datetime.now(timezone.utc) - FEED_PAST
        events = await events_between(venue_id, since, LATEST, space_id=space_id)
        series_ids = sorted({e["series_id"] for e in events if e["series_id"]})
        series = (await Series.select().where(Series.id.is_in(series_ids)).order_by(Series.id)
                  if series_ids else [])
    labels = {name: str(kind.label) for name, kind in _kind_map(request).items()}
    body = feeds.build_calendar(name, venue["timezone"], events, series, labels,
                                base_url=str(request.base_url).rstrip("/"))
    filename = f"{venue['slug']}{'-space-' + str(space_id) if space_id else ''}.ics"
    # Litestar adds "; charset=utf-8" to text/* types itself (naming it here doubled it).
    return Response(content=body, media_type="text/calendar",
                    headers={"content-disposition": f'inline; filename="{filename}"'})


# The feed handlers answer ``Response[Any]``: Litestar documents the type argument as the
# body's JSON schema, and an iCalendar body has none (``Response[bytes]`` would claim a string).
@get("/venues/{venue_id:int}/calendar.ics", tags=["venue"], summary="iCalendar feed of a venue",
     media_type="text/calendar")
async def venue_feed(request: Request[Any, Any, Any], venue_id: Id) -> Response[Any]:
    """Every event of the venue (from 90 days ago) as iCalendar; series as RRULE + EXDATE."""
    return await _feed(request, venue_id, None)


@get("/venues/{venue_id:int}/spaces/{space_id:int}/calendar.ics", tags=["venue"],
     summary="iCalendar feed of one space", media_type="text/calendar")
async def space_feed(request: Request[Any, Any, Any], venue_id: Id, space_id: Id) -> Response[Any]:
    """The events using one space, as iCalendar."""
    return await _feed(request, venue_id, space_id)


PAGE_ROUTES = [
    home, calendar, event_page, book_page, cancel_booking_page, my_bookings, new_event_page,
    new_event_submit, edit_event_page, edit_event_submit, cancel_event_page, venue_feed,
    space_feed,
]
ROUTES = [*PAGE_ROUTES, *API_ROUTES]
