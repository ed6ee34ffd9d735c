"""The organiser's tournament form: create a tournament from the pages, edit it, delete it
(before the start) or archive it (after).

The form's format options are drawn from the chosen format's own option schema
(``option_specs``): a number box for ``int``, a checkbox for ``bool``, a list for
``choice``, a text box otherwise. Changing the format re-draws them over htmx (without
JavaScript the form is posted and shown again with the new format's options). Times are
typed in the venue's time zone. Every write goes through
:mod:`podium.tournaments.catalogue`, which records the domain events.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.datastructures import FormMultiDict
from litestar.params import FromQuery
from litestar.response import Redirect, Template

from podium.core.database import reading
from podium.core.i18n import _, gettext
from podium.core.errors import InvalidInput, PodiumError
from podium.core.pages import render
from podium.core.venue.context import current_venue_id
from podium.core.venue.routes import Clock, parse_local
from podium.core.venue.tables import Event, Venue
from podium.tournaments import catalogue, stations
from podium.tournaments.engine import BracketFormat, OptionSpec
from podium.tournaments.formats import available_formats
from podium.tournaments.kernel import STARTED
from podium.tournaments.routes.common import ORGANISER, Id, form_flag

# At most this many stations are added from the form (the console adds more).
MAX_FORM_STATIONS = 256
EVENTS_LISTED = 200
TEXT_FIELDS = ("name", "game", "description", "seeding", "status")


async def venue_clock(venue_id: int | None) -> Clock:
    """The venue's clock (its time zone; Europe/Paris without a venue)."""
    row = await Venue.select(Venue.timezone).where(Venue.id == venue_id).first() \
        if venue_id else None
    return Clock(row["timezone"] if row else "Europe/Paris")


def option_fields(fmt: BracketFormat, values: dict[str, Any]) -> list[dict[str, Any]]:
    """The format's options as form fields: each spec's description (``to_dict``) with the
    ``value`` to show (the stored or typed one, else the default) and the input ``kind``;
    ``label``, ``help`` and ``choice_labels`` (value, text) in the request's language (the
    format marks its English texts; the catalogues translate them)."""
    out = []
    for spec in fmt.option_specs:
        field = spec.to_dict()
        field["label"] = gettext(field["label"]) if field["label"] else ""
        field["help"] = gettext(field["help"]) if field["help"] else ""
        labels = spec.choice_labels or tuple(str(c).replace("_", " ") for c in spec.choices)
        field["choice_labels"] = [(c, gettext(label)) for c, label in zip(spec.choices, labels)]
        value = values.get(spec.name, field["default"])
        if isinstance(value, (list, tuple)):
            value = ", ".join(str(v) for v in value)
        field["value"] = value
        out.append(field)
    return out


def format_description(fmt: BracketFormat | None) -> str:
    """The format's one-sentence description in the request's language ("" without one)."""
    description = getattr(fmt, "description", "") if fmt else ""
    return gettext(description) if description else ""


def _option_name(spec: OptionSpec) -> str:
    """What an option is called in an error message, in the request's language."""
    return gettext(spec.label) if spec.label else spec.name.replace("_", " ")


def _parse_options(fmt: BracketFormat, form: FormMultiDict) -> dict[str, Any]:
    """The options the form sent for ``fmt`` (only its own; empty boxes keep the default),
    as the format's ``validate_options`` takes them."""
    options: dict[str, Any] = {}
    for spec in fmt.option_specs:
        key = f"opt_{spec.name}"
        if spec.kind == "bool":
            # A checkbox sends nothing when unticked: the hidden marker says it was shown.
            if form.get(f"{key}__shown"):
                options[spec.name] = form_flag(form, key)
            continue
        raw = str(form.get(key, "") or "").strip()
        if not raw:
            continue
        if spec.kind == "int":
            if not raw.lstrip("-").isdigit() or len(raw) > 9:
                raise InvalidInput(_("%(name)s must be a whole number", name=_option_name(spec)),
                                   field=key)
            options[spec.name] = int(raw)
        elif spec.kind == "int_list":
            bits = [b.strip() for b in raw.split(",") if b.strip()]
            if not all(b.isdigit() and len(b) < 10 for b in bits):
                raise InvalidInput(_("%(name)s: whole numbers separated by commas",
                                     name=_option_name(spec)), field=key)
            options[spec.name] = [int(b) for b in bits]
        elif spec.kind == "choice_list":
            options[spec.name] = [b.strip() for b in raw.split(",") if b.strip()]
        elif spec.kind == "choice" and all(isinstance(c, int) for c in spec.choices):
            options[spec.name] = int(raw) if raw.isdigit() else raw
        else:
            options[spec.name] = raw
    return options


def _optional_int(form: FormMultiDict, name: str, label: str) -> int | None:
    raw = str(form.get(name, "") or "").strip()
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 9:
        raise InvalidInput(_("%(name)s must be a whole number", name=label), field=name)
    return int(raw)


async def _form_values(form: FormMultiDict, formats: dict[str, BracketFormat], tz: str
                       ) -> dict[str, Any]:
    """The tournament form as the catalogue's values."""
    values: dict[str, Any] = {k: str(form.get(k, "") or "") for k in TEXT_FIELDS}
    values["format"] = format_name = str(form.get("format", "") or "")
    fmt = formats.get(format_name)
    if fmt is None:
        raise InvalidInput(_("choose a format"), field="format")
    values["options"] = _parse_options(fmt, form)
    values["capacity"] = _optional_int(form, "capacity", _("capacity"))
    values["team_size"] = _optional_int(form, "team_size", _("players per entrant")) or 1
    values["event_id"] = _optional_int(form, "event_id", _("event"))
    values["auto_call"] = form_flag(form, "auto_call")
    for window in catalogue.WINDOWS:
        values[window] = parse_local(str(form.get(window, "") or ""), window.replace("_", " "),
                                     tz)
    return values


async def _form_context(request: Request, t: dict[str, Any] | None,
                        echo: dict[str, Any] | None = None) -> dict[str, Any]:
    """What the form shows: the formats here, the venue's events, the values (the
    tournament's, or what was typed), the chosen format's option fields."""
    host = request.app.state.plugin_host
    venue_id = t["venue_id"] if t else await current_venue_id(request)
    formats = await available_formats(host, venue_id, t["id"] if t else None)
    clock = await venue_clock(venue_id)
    events = await Event.select(Event.id, Event.title, Event.starts_at).where(
        Event.venue == venue_id).order_by(Event.starts_at, ascending=False).limit(
        EVENTS_LISTED) if venue_id else []
    values: dict[str, Any] = dict(t) if t else {
        "name": "", "game": "", "format": next(iter(formats), ""), "options": {},
        "description": "", "capacity": None, "team_size": 1, "seeding": "manual",
        "event_id": None, "auto_call": True, "status": "registration",
        **dict.fromkeys(catalogue.WINDOWS)}
    for window in catalogue.WINDOWS:
        values[window] = clock.input_value(values.get(window))
    if echo:
        values.update(echo)
    fmt = formats.get(values["format"])
    return {"t": t, "values": values, "formats": formats, "events": events, "clock": clock,
            "option_fields": option_fields(fmt, values.get("options") or {}) if fmt else [],
            "format_description": format_description(fmt), "started": bool(t and t["status"] in STARTED), "seedings": catalogue.SEEDINGS,
            "frozen": catalogue.FROZEN_AT_START}


def _echo(form: FormMultiDict) -> dict[str, Any]:
    """What was typed, to show the form again after a refusal."""
    echo: dict[str, Any] = {k: str(form.get(k, "") or "") for k in (
        *TEXT_FIELDS, "format", "capacity", "team_size", "event_id", "stations",
        *catalogue.WINDOWS)}
    echo["auto_call"] = form_flag(form, "auto_call")
    echo["options"] = {k[4:]: v for k, v in form.items() if k.startswith("opt_")
                       and not k.endswith("__shown")}
    return echo


async def _form_refused(request: Request, tournament: dict[str, Any] | None, form: Any,
                        exc: PodiumError) -> Template:
    """The tournament form again, with what was typed and why it was refused (nothing
    was written)."""
    ctx = await _form_context(request, tournament, _echo(form))
    ctx["error"] = exc.detail
    return render(request, "tournaments/tournament_form.html", ctx,
                  status_code=exc.status_code)


class OrganiserPages(Controller):
    """Create, edit, delete (or archive) a tournament from the pages (organisers only)."""

    path = "/tournaments"
    include_in_schema = False
    guards = ORGANISER

    @get("/new")
    async def new_tournament_page(self, request: Request) -> Template:
        """The form of a new tournament."""
        async with reading():
            ctx = await _form_context(request, None)
        return render(request, "tournaments/tournament_form.html", ctx)

    @get("/form-options")
    async def tournament_form_options(self, request: Request,
                                      format: FromQuery[str] = "") -> Template:
        """The option fields of one format (htmx: the format list changed)."""
        formats = await available_formats(request.app.state.plugin_host,
                                           await current_venue_id(request))
        fmt = formats.get(format)
        return render(request, "tournaments/partials/format_options.html",
                      {"option_fields": option_fields(fmt, {}) if fmt else [],
                       "format_description": format_description(fmt), "locked": False}, partial=True)

    @post("/new")
    async def create_tournament_page(self, request: Request) -> Any:
        """Create the tournament (and its stations), then open its console."""
        form = await request.form()
        host = request.app.state.plugin_host
        venue_id = await current_venue_id(request)
        try:
            formats = await available_formats(host, venue_id)
            values = await _form_values(form, formats, (await venue_clock(venue_id)).tz)
            count = _optional_int(form, "stations", _("stations")) or 0
            if count > MAX_FORM_STATIONS:
                raise InvalidInput(_("at most %(n)s stations here (the console adds more)",
                                     n=MAX_FORM_STATIONS), field="stations")
            t = await catalogue.create_tournament(host, venue_id, values, request.user)
            if count:
                await stations.add_stations(t["id"], {"count": count})
        except PodiumError as exc:
            return await _form_refused(request, None, form, exc)
        return Redirect(f"/tournaments/{t['id']}/console", status_code=303)

    @get("/{tournament_id:int}/edit")
    async def edit_tournament_page(self, request: Request, tournament_id: Id) -> Template:
        """The form of an existing tournament (the fields frozen by the start are shown, not
        editable)."""
        async with reading():
            ctx = await _form_context(request, await catalogue.get_tournament(tournament_id))
        return render(request, "tournaments/tournament_form.html", ctx)

    @post("/{tournament_id:int}/edit")
    async def update_tournament_page(self, request: Request, tournament_id: Id) -> Any:
        """Save the form: only what changed is written (frozen fields are not sent once
        started)."""
        form = await request.form()
        host = request.app.state.plugin_host
        t = await catalogue.get_tournament(tournament_id)
        try:
            formats = await available_formats(host, t["venue_id"], tournament_id)
            if t["status"] in STARTED:
                # The form does not show the frozen fields: they keep their values.
                fmt = formats.get(t["format"])
                values = await _form_values(
                    FormMultiDict({**dict(form.items()), "format": t["format"]}),
                    {t["format"]: fmt} if fmt else {}, (await venue_clock(t["venue_id"])).tz)
                for k in (*catalogue.FROZEN_AT_START, "status"):
                    values.pop(k, None)
            else:
                values = await _form_values(form, formats, (await venue_clock(t["venue_id"])).tz)
            await catalogue.update_tournament(host, tournament_id, values, request.user)
        except PodiumError as exc:
            return await _form_refused(request, t, form, exc)
        return Redirect(f"/tournaments/{tournament_id}/console", status_code=303)

    @post("/{tournament_id:int}/delete")
    async def delete_tournament_page(self, request: Request, tournament_id: Id) -> Any:
        """Delete the tournament before its start, archive it after; asks first (the form
        posts ``confirm=1`` once the organiser said yes)."""
        form = await request.form()
        t = await catalogue.get_tournament(tournament_id)
        if not form_flag(form, "confirm"):
            return render(request, "tournaments/tournament_delete.html",
                          {"t": t, "started": t["status"] in STARTED})
        try:
            await catalogue.delete_tournament(tournament_id, request.user)
        except PodiumError as exc:
            return render(request, "tournaments/tournament_delete.html",
                          {"t": t, "started": t["status"] in STARTED, "error": exc.detail},
                          status_code=exc.status_code)
        return Redirect("/tournaments", status_code=303)

