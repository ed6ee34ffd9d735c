"""iCalendar (RFC 5545) feeds of a venue or one of its spaces, with stable UIDs.

* A one-off event is one ``VEVENT`` whose ``UID`` is the event's stored ``uid`` (it never
  changes, not even when the event is edited; ``SEQUENCE`` counts edits). A cancelled
  one-off event stays in the feed with ``STATUS:CANCELLED`` so subscribed calendars drop it.
* A recurring series is one ``VEVENT`` with the series' ``UID``, its ``RRULE`` and an
  ``EXDATE`` for every date that was cancelled or removed; an occurrence that was edited
  (moved, retitled...) is an extra ``VEVENT`` with the same ``UID`` and a ``RECURRENCE-ID``.
* Times are written in the venue's zone (``TZID``) with a ``VTIMEZONE``; ``UNTIL`` in UTC.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from icalendar import Calendar, Event as VEvent, vRecur

from podium.core.venue import rules

PRODID = "-//Podium//Venue calendar//EN"


def _fill(vevent: VEvent, event: dict[str, Any], tz: str, kind_label: str) -> None:
    zone = rules.zone(tz)
    vevent.add("dtstart", event["starts_at"].astimezone(zone))
    vevent.add("dtend", event["ends_at"].astimezone(zone))
    vevent.add("summary", event["title"])
    if event.get("description"):
        vevent.add("description", event["description"])
    if event.get("spaces"):
        vevent.add("location", ", ".join(s["name"] for s in event["spaces"]))
    vevent.add("categories", [kind_label])
    vevent.add("status", "CANCELLED" if event["status"] == "cancelled" else "CONFIRMED")
    vevent.add("sequence", event.get("sequence", 0))
    vevent.add("dtstamp", (event.get("updated_at") or datetime.now(timezone.utc)).astimezone(timezone.utc))


def build_calendar(
    name: str,
    tz: str,
    events: list[dict[str, Any]],
    series: list[dict[str, Any]],
    kind_labels: dict[str, str],
    base_url: str = "",
) -> bytes:
    """The iCalendar text of a venue (or space) feed.

    :param name: the calendar's display name.
    :param tz: the venue's IANA zone.
    :param events: decorated events (see :func:`podium.core.venue.events.get_event`);
        occurrences of ``series`` among them are folded into their series.
    :param series: the series whose occurrences appear in ``events`` (rows of
        :class:`~podium.core.venue.tables.Series`).
    :param kind_labels: ``{kind name: label}`` for ``CATEGORIES``.
    :param base_url: prefix for each event's ``URL`` (e.g. ``https://venue.example``).
    """
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", tz)
    zone = rules.zone(tz)
    by_series: dict[int, list[dict[str, Any]]] = {}
    for event in events:
        if event.get("series_id"):
            by_series.setdefault(event["series_id"], []).append(event)
            continue
        vevent = VEvent()
        vevent.add("uid", event["uid"])
        _fill(vevent, event, tz, kind_labels.get(event["kind"], event["kind"]))
        if base_url:
            vevent.add("url", f"{base_url}/events/{event['id']}")
        cal.add_component(vevent)
    for item in series:
        occurrences = by_series.get(item["id"], [])
        master = VEvent()
        master.add("uid", item["uid"])
        first = item["first_start"].astimezone(zone)
        master.add("dtstart", first)
        # Exact duration (added in UTC), as RFC 5545 computes it for each occurrence.
        end = item["first_start"].astimezone(timezone.utc) + timedelta(minutes=item["duration_minutes"])
        master.add("dtend", end.astimezone(zone))
        master.add("summary", item["title"])
        if item.get("description"):
            master.add("description", item["description"])
        locations = sorted({s["name"] for e in occurrences for s in e["spaces"]})
        if locations:
            master.add("location", ", ".join(locations))
        master.add("categories", [kind_labels.get(item["kind"], item["kind"])])
        master.add("status", "CONFIRMED")
        master.add("dtstamp", item["created_at"].astimezone(timezone.utc))
        master.add("rrule", _recur(item["rule"], tz))
        scheduled = [e["recurrence_id"] for e in occurrences
                     if e["status"] == "scheduled" and e.get("recurrence_id")]
        exdates = rules.missing_occurrences(item["rule"], item["first_start"], tz, scheduled)
        for exdate in exdates:
            master.add("exdate", exdate.astimezone(zone))
        cal.add_component(master)
        for event in occurrences:
            moved = (
                event["status"] == "scheduled"
                and event.get("recurrence_id") is not None
                and event.get("sequence", 0) > 0
            )
            if not moved:
                continue
            override = VEvent()
            override.add("uid", item["uid"])
            override.add("recurrence-id", event["recurrence_id"].astimezone(zone))
            _fill(override, event, tz, kind_labels.get(event["kind"], event["kind"]))
            cal.add_component(override)
    cal.add_missing_timezones()
    ical: bytes = cal.to_ical()  # icalendar leaves to_ical() unannotated
    return ical


def _recur(rule: str, tz: str) -> vRecur:
    """A canonical rule as an iCalendar ``RRULE`` (``UNTIL`` converted to UTC)."""
    parts = rules.rule_parts(rule)
    recur: dict[str, Any] = {"FREQ": parts["FREQ"]}
    if "INTERVAL" in parts:
        recur["INTERVAL"] = int(parts["INTERVAL"])
    if "BYDAY" in parts:
        recur["BYDAY"] = parts["BYDAY"].split(",")
    if "WKST" in parts:
        recur["WKST"] = parts["WKST"]
    if "COUNT" in parts:
        recur["COUNT"] = int(parts["COUNT"])
    if "UNTIL" in parts:
        local = datetime.strptime(parts["UNTIL"], "%Y%m%dT%H%M%S")
        recur["UNTIL"] = rules.localize(local, tz).astimezone(timezone.utc)
    return vRecur(recur)
