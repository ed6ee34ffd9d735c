"""The venue's rules as pure functions: conflicts, recurrence expansion, calendar weeks.

Plain data in, plain data out: no database, no HTTP. The venue's services (events,
series: see :mod:`podium.core.venue.service`) load rows, call these and persist the
outcome; the hypothesis property tests exercise them directly.

Conflicts
    An event occupies each of its spaces during ``[start - setup, end + teardown)`` (a
    half-open interval, so an event that ends at 10:00 and one that starts at 10:00 do not
    clash). Two events conflict when they share a space and their occupied intervals
    overlap. Cancelled events occupy nothing.

Recurrence
    RFC 5545 RRULEs expanded with ``python-dateutil`` in the venue's local wall time, so a
    session at 18:00 stays at 18:00 across daylight-saving changes. Podium accepts the
    subset of RRULE a venue needs and that always terminates quickly (see
    :func:`normalise_rule`); every stored rule is bounded by ``COUNT`` or ``UNTIL``.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from itertools import islice
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.rrule import rrulestr

from podium.core.i18n import _, babel_locale, format_date, format_list, ngettext

# --------------------------------------------------------------------------------------
# Conflicts
# --------------------------------------------------------------------------------------

MAX_BUFFER_MINUTES = 24 * 60
"""Setup and teardown buffers are each at most a day (bounds the conflict search window)."""


@dataclass(frozen=True)
class Occupancy:
    """An event as the conflict rule sees it.

    :param key: what identifies the event (its id; ``None`` for one not saved yet).
    :param start: when the event starts (timezone-aware).
    :param end: when it ends (after ``start``).
    :param spaces: ids of the spaces it uses.
    :param setup: buffer before ``start`` during which the spaces are already taken.
    :param teardown: buffer after ``end`` during which the spaces are still taken.
    :param cancelled: cancelled events never conflict.
    """

    key: Hashable
    start: datetime
    end: datetime
    spaces: frozenset[int]
    setup: timedelta = timedelta(0)
    teardown: timedelta = timedelta(0)
    cancelled: bool = False

    @property
    def blocked_from(self) -> datetime:
        """Start of the interval the spaces are taken (setup included), in UTC.

        (Arithmetic happens in UTC: on a zone-aware datetime Python adds wall time.)"""
        return self.start.astimezone(timezone.utc) - self.setup

    @property
    def blocked_until(self) -> datetime:
        """End (exclusive) of the interval the spaces are taken (teardown included), in UTC."""
        return self.end.astimezone(timezone.utc) + self.teardown


@dataclass(frozen=True)
class Clash:
    """One conflict: the other event and the spaces both need at the same time."""

    other: Occupancy
    spaces: frozenset[int]


def intervals_overlap(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> bool:
    """True if the half-open intervals ``[a_start, a_end)`` and ``[b_start, b_end)`` overlap."""
    return a_start < b_end and b_start < a_end


def shared_busy_spaces(a: Occupancy, b: Occupancy) -> frozenset[int]:
    """The spaces ``a`` and ``b`` both need at overlapping times; empty if they do not clash.

    Symmetric. An event never clashes with itself (same non-``None`` key), and a cancelled
    event clashes with nothing.
    """
    if a.cancelled or b.cancelled:
        return frozenset()
    if a.key is not None and a.key == b.key:
        return frozenset()
    shared = a.spaces & b.spaces
    if not shared:
        return frozenset()
    if not intervals_overlap(a.blocked_from, a.blocked_until, b.blocked_from, b.blocked_until):
        return frozenset()
    return shared


def find_conflicts(candidate: Occupancy, others: Iterable[Occupancy]) -> list[Clash]:
    """Every event in ``others`` that clashes with ``candidate``, earliest first."""
    clashes = []
    for other in others:
        spaces = shared_busy_spaces(candidate, other)
        if spaces:
            clashes.append(Clash(other=other, spaces=spaces))
    clashes.sort(key=lambda c: (c.other.start, str(c.other.key)))
    return clashes


def mutual_conflicts(items: Sequence[Occupancy]) -> list[tuple[Occupancy, Occupancy]]:
    """Pairs of ``items`` that clash with each other (used for a series' own occurrences).

    A sweep over the items sorted by the start of their occupied interval: only items whose
    intervals are still open can clash, so this is fast for the usual non-overlapping case.
    """
    ordered = sorted(items, key=lambda o: o.blocked_from)
    pairs: list[tuple[Occupancy, Occupancy]] = []
    open_items: list[Occupancy] = []
    for item in ordered:
        open_items = [o for o in open_items if o.blocked_until > item.blocked_from]
        pairs.extend((o, item) for o in open_items if shared_busy_spaces(o, item))
        open_items.append(item)
    return pairs


def policy_allows_acknowledgement(clashes: Iterable[Clash], policies: dict[int, str]) -> bool:
    """True if every clashing space has the ``warn`` policy (an organiser may acknowledge).

    A space missing from ``policies`` counts as ``error``.
    """
    spaces = {space for clash in clashes for space in clash.spaces}
    return all(policies.get(space, "error") == "warn" for space in spaces)


# --------------------------------------------------------------------------------------
# Recurrence
# --------------------------------------------------------------------------------------

ALLOWED_FREQ = ("DAILY", "WEEKLY", "MONTHLY")
ALLOWED_PARTS = ("FREQ", "INTERVAL", "BYDAY", "WKST", "COUNT", "UNTIL")
MAX_OCCURRENCES = 400
"""A series has at most this many occurrences (a daily session for a year fits)."""
MAX_SPAN = timedelta(days=366)
"""The last occurrence of a series starts at most this long after the first."""
HORIZON = timedelta(weeks=26)
"""A rule with neither ``COUNT`` nor ``UNTIL`` is bounded with ``UNTIL`` = first start + 26 weeks."""
MAX_RULE_LENGTH = 300

_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_BYDAY_RE = re.compile(r"^([+-]?[1-5])?(MO|TU|WE|TH|FR|SA|SU)$")
_UNTIL_RE = re.compile(r"^(\d{8})(T(\d{6})(Z?))?$")


class RuleError(ValueError):
    """An RRULE Podium cannot accept; the message says why, in words for an organiser."""


#: The repeat picker's choices (the event form), beside "does not repeat".
PICKER_FREQS = ("DAILY", "WEEKLY", "MONTHLY")
WEEKDAYS = _WEEKDAYS


def compose_rule(repeat: str, days: Iterable[str] = (), count: str = "", until: str = ""
                 ) -> str:
    """The RRULE the event form's repeat picker describes; ``""`` when it does not repeat.

    :param repeat: ``""``, ``DAILY``, ``WEEKLY`` or ``MONTHLY``.
    :param days: for ``WEEKLY``, the weekdays (``MO``..``SU``); none means the start's own.
    :param count: how many dates (digits), or ``""``.
    :param until: the last date (``YYYY-MM-DD``), or ``""``; not with ``count``.
    :raises RuleError: a choice the picker does not offer, a bad number or date, or both
        ``count`` and ``until``. :func:`normalise_rule` then checks the rule as any other.
    """
    repeat, count, until = repeat.strip().upper(), count.strip(), until.strip()
    if not repeat:
        return ""
    if repeat not in PICKER_FREQS:
        raise RuleError(_("repeat must be every day, every week or every month"))
    parts = [f"FREQ={repeat}"]
    chosen = {d.strip().upper() for d in days if d.strip()}
    if repeat == "WEEKLY" and chosen:
        if not chosen <= set(WEEKDAYS):
            raise RuleError(_("the repeat days must be days of the week"))
        parts.append("BYDAY=" + ",".join(d for d in WEEKDAYS if d in chosen))
    if count and until:
        raise RuleError(_("give either a number of dates or a last date, not both"))
    if count:
        times = _bounded_int(count, _("the number of dates"), 1, MAX_OCCURRENCES)
        parts.append(f"COUNT={times}")
    if until:
        try:
            last = date.fromisoformat(until)
        except ValueError as exc:
            raise RuleError(_("the last date must be a date")) from exc
        parts.append(f"UNTIL={last:%Y%m%d}")
    return ";".join(parts)


def zone(tz: str) -> ZoneInfo:
    """The :class:`ZoneInfo` for an IANA name; :class:`RuleError` if unknown."""
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise RuleError(_("unknown time zone %(tz)s", tz=f"{tz!r}")) from exc


FIRST_YEAR = 1970
"""The first year Podium's calendar shows (as :data:`podium.core.validation.EARLIEST`)."""
LAST_YEAR = 2199
"""The last year Podium's calendar shows (:data:`podium.core.validation.LATEST` is 2200-01-01)."""


class OutOfRange(RuleError):
    """A date or time beyond what Python's datetimes (years 1–9999) can hold once moved
    to another time zone; the message names the value."""


def localize(wall: datetime, tz: str) -> datetime:
    """Attach the venue's time zone to a naive wall-clock time, safely across DST.

    A wall time that does not exist (the spring-forward gap, e.g. 02:30 on the last Sunday
    of March in Paris) moves forward by the gap (03:30); an ambiguous one (the autumn
    repeat) takes its first instance.

    :raises OutOfRange: the wall time has no UTC instant (within a day of 0001-01-01 or
        9999-12-31, where the offset would leave the years datetimes can hold).
    """
    zone_info = zone(tz)
    aware = wall.replace(tzinfo=zone_info, fold=0)
    try:
        # Round-trip through UTC: a time in the gap comes back shifted, which is what we want.
        return aware.astimezone(timezone.utc).astimezone(zone_info)
    except OverflowError as exc:
        raise OutOfRange(_("%(wall)s in %(tz)s is out of range", wall=f"{wall:%Y-%m-%d %H:%M}", tz=tz)) from exc


def wall_time(instant: datetime, tz: str) -> datetime:
    """The naive local wall-clock time of an aware instant in the venue's zone.

    :raises OutOfRange: the instant's local time falls outside years 1–9999.
    """
    try:
        return instant.astimezone(zone(tz)).replace(tzinfo=None)
    except OverflowError as exc:
        raise OutOfRange(_("%(isoformat)s is out of range in %(tz)s", isoformat=instant.isoformat(), tz=tz)) from exc


def _format_local(value: datetime) -> str:
    return value.strftime("%Y%m%dT%H%M%S")


def normalise_rule(text: str, first_start: datetime, tz: str) -> str:
    """Check an organiser's RRULE and return it in Podium's canonical, bounded form.

    Accepted: ``FREQ`` (DAILY, WEEKLY or MONTHLY), ``INTERVAL`` (1–99), ``BYDAY`` (weekdays;
    an ordinal such as ``1SA`` or ``-1FR`` with MONTHLY only), ``WKST``, and at most one of
    ``COUNT`` (1–400) and ``UNTIL``. This subset covers a venue's sessions and can always be
    expanded quickly (rules such as "every 30 February" would make dateutil search until
    the year 9999). ``UNTIL`` may be a date (inclusive: the end of that day, venue time), a
    local date-time, or a UTC date-time ending in ``Z``; it is stored as local wall time.
    A rule with neither bound gets ``UNTIL`` = first start + 26 weeks (:data:`HORIZON`).

    :param text: the rule, with or without a leading ``RRULE:``.
    :param first_start: the first occurrence's start (aware).
    :param tz: the venue's IANA time zone.
    :raises RuleError: naming what is wrong.
    """
    if not isinstance(text, str) or not text.strip():
        raise RuleError(_("the repeat rule is empty"))
    raw = text.strip()
    if len(raw) > MAX_RULE_LENGTH or any(ch in raw for ch in "\x00\r\n"):
        raise RuleError(_("the repeat rule must be one line of at most %(max_rule_length)s characters", max_rule_length=MAX_RULE_LENGTH))
    if raw.upper().startswith("RRULE:"):
        raw = raw[6:]
    parts: dict[str, str] = {}
    for chunk in raw.upper().split(";"):
        if not chunk:
            continue
        name, sep, value = chunk.partition("=")
        name, value = name.strip(), value.strip()
        if not sep or not value:
            raise RuleError(_("%(chunk)s is not NAME=VALUE", chunk=f"{chunk!r}"))
        if name not in ALLOWED_PARTS:
            raise RuleError(
                _("%(name)s is not supported; use %(allowed_parts)s", name=name, allowed_parts=', '.join(ALLOWED_PARTS))
            )
        if name in parts:
            raise RuleError(_("%(name)s is given twice", name=name))
        parts[name] = value
    freq = parts.get("FREQ")
    if freq not in ALLOWED_FREQ:
        raise RuleError(_("FREQ must be one of %(allowed_freq)s", allowed_freq=', '.join(ALLOWED_FREQ)))
    canonical = [f"FREQ={freq}"]
    if "INTERVAL" in parts:
        interval = _bounded_int(parts["INTERVAL"], "INTERVAL", 1, 99)
        canonical.append(f"INTERVAL={interval}")
    if "BYDAY" in parts:
        days = []
        for token in parts["BYDAY"].split(","):
            match = _BYDAY_RE.match(token.strip())
            if not match:
                raise RuleError(_("BYDAY %(token)s is not a weekday such as MO or 1SA", token=f"{token!r}"))
            if match.group(1) and freq != "MONTHLY":
                raise RuleError(_("a numbered weekday (e.g. 1SA) needs FREQ=MONTHLY"))
            days.append(token.strip())
        if len(set(days)) != len(days):
            raise RuleError(_("BYDAY repeats a day"))
        canonical.append("BYDAY=" + ",".join(days))
    if "WKST" in parts:
        if parts["WKST"] not in _WEEKDAYS:
            raise RuleError(_("WKST must be a weekday such as MO"))
        canonical.append(f"WKST={parts['WKST']}")
    if "COUNT" in parts and "UNTIL" in parts:
        raise RuleError(_("give COUNT or UNTIL, not both"))
    local_start = wall_time(first_start, tz)
    if "COUNT" in parts:
        count = _bounded_int(parts["COUNT"], "COUNT", 1, MAX_OCCURRENCES)
        canonical.append(f"COUNT={count}")
    else:
        until = (
            _parse_until(parts["UNTIL"], tz) if "UNTIL" in parts else local_start + HORIZON
        )
        if until < local_start:
            raise RuleError(_("UNTIL is before the first occurrence"))
        canonical.append(f"UNTIL={_format_local(until)}")
    rule = ";".join(canonical)
    try:
        starts = list(islice(rrulestr(rule, dtstart=local_start), MAX_OCCURRENCES + 1))
    except (ValueError, TypeError, OverflowError) as exc:  # dateutil's own checks
        raise RuleError(_("the repeat rule is not valid: %(reason)s", reason=exc)) from exc
    if not starts:
        raise RuleError(_("the repeat rule gives no occurrence"))
    if len(starts) > MAX_OCCURRENCES:
        raise RuleError(_("a series may have at most %(max_occurrences)s occurrences", max_occurrences=MAX_OCCURRENCES))
    if starts[-1] - starts[0] > MAX_SPAN:
        if freq == "MONTHLY" and "BYDAY" not in parts and local_start.day > 28:
            # RFC 5545 skips the months without that day, which surprises people.
            raise RuleError(_(
                "a series may span at most one year, and every month on day %(day)s skips "
                "the months that have no day %(day)s; start on day 28 at the latest, or "
                "give fewer dates", day=local_start.day))
        raise RuleError(_("a series may span at most one year; create another one after that"))
    return rule


def _bounded_int(value: str, name: str, low: int, high: int) -> int:
    if not value.isdigit():
        raise RuleError(_("%(name)s must be a whole number", name=name))
    number = int(value)
    if not low <= number <= high:
        raise RuleError(_("%(name)s must be between %(low)s and %(high)s", name=name, low=low, high=high))
    return number


def _parse_until(value: str, tz: str) -> datetime:
    """``UNTIL`` as a naive local wall time (a date means the end of that day)."""
    match = _UNTIL_RE.match(value)
    if not match:
        raise RuleError(_("UNTIL must look like 20261231 or 20261231T180000 or 20261231T170000Z"))
    try:
        day = datetime.strptime(match.group(1), "%Y%m%d")
        if not match.group(2):
            return datetime.combine(day.date(), time(23, 59, 59))
        moment = datetime.strptime(match.group(1) + match.group(3), "%Y%m%d%H%M%S")
    except ValueError as exc:
        raise RuleError(_("UNTIL is not a real date: %(reason)s", reason=exc)) from exc
    if match.group(4):  # UTC: convert to the venue's wall time
        return wall_time(moment.replace(tzinfo=timezone.utc), tz)
    return moment


def expand(
    rule: str,
    first_start: datetime,
    tz: str,
    exdates: Iterable[datetime] = (),
) -> list[datetime]:
    """The start of every occurrence of a (normalised) rule, in order, as aware datetimes.

    Expansion happens in the venue's wall time (18:00 stays 18:00 across DST changes) and
    each start is then localized (see :func:`localize`). ``exdates`` (aware) are left out.
    At most :data:`MAX_OCCURRENCES` are produced.
    """
    local_start = wall_time(first_start, tz)
    excluded = {d.astimezone(timezone.utc) for d in exdates}
    out: list[datetime] = []
    seen: set[datetime] = set()
    for wall in islice(rrulestr(rule, dtstart=local_start), MAX_OCCURRENCES):
        instant = localize(wall, tz)
        key = instant.astimezone(timezone.utc)
        # Two wall times can land on one instant only in a DST gap; keep the first.
        if key in excluded or key in seen:
            continue
        seen.add(key)
        out.append(instant)
    return out


def missing_occurrences(
    rule: str, first_start: datetime, tz: str, scheduled: Iterable[datetime]
) -> list[datetime]:
    """Starts the rule gives that are not in ``scheduled`` (cancelled or removed dates:
    the series' ``EXDATE`` list)."""
    keep = {d.astimezone(timezone.utc) for d in scheduled}
    return [s for s in expand(rule, first_start, tz) if s.astimezone(timezone.utc) not in keep]


def rule_parts(rule: str) -> dict[str, str]:
    """A canonical rule as ``{NAME: VALUE}`` (for building an iCalendar ``RRULE``)."""
    return dict(part.split("=", 1) for part in rule.split(";") if "=" in part)


def _day_name(byday: str) -> str:
    """``TU`` → "Tuesday", ``1SU`` → "first Sunday", ``-1FR`` → "last Friday" (the
    request's language)."""
    match = _BYDAY_RE.match(byday)
    if not match:
        return byday
    name = str(babel_locale().days["format"]["wide"][WEEKDAYS.index(match.group(2))])
    ordinal = {"1": _("first %(day)s", day=name), "2": _("second %(day)s", day=name),
               "3": _("third %(day)s", day=name), "4": _("fourth %(day)s", day=name),
               "5": _("fifth %(day)s", day=name), "-1": _("last %(day)s", day=name)}
    return ordinal.get((match.group(1) or "").lstrip("+"), name)


def describe_rule(rule: str) -> str:
    """A canonical rule in words, in the request's language: "every week on Tuesday and
    Thursday, 8 times", "every 2 days until 31 Dec 2026"."""
    parts = rule_parts(rule)
    interval = int(parts.get("INTERVAL", "1"))
    freq = parts.get("FREQ", "")
    if freq == "DAILY":
        text = ngettext("every day", "every %(num)s days", interval)
    elif freq == "WEEKLY":
        text = ngettext("every week", "every %(num)s weeks", interval)
    else:
        text = ngettext("every month", "every %(num)s months", interval)
    if "BYDAY" in parts:
        text = _("%(every)s on %(days)s", every=text,
                 days=format_list(_day_name(d) for d in parts["BYDAY"].split(",")))
    if "COUNT" in parts:
        count = int(parts["COUNT"])
        text = ngettext("%(rule)s, %(num)s time", "%(rule)s, %(num)s times", count, rule=text)
    elif "UNTIL" in parts:
        until = datetime.strptime(parts["UNTIL"], "%Y%m%dT%H%M%S")
        text = _("%(rule)s until %(date)s", rule=text, date=format_date(until.date()))
    return text


# --------------------------------------------------------------------------------------
# Calendar weeks
# --------------------------------------------------------------------------------------

_WEEK_RE = re.compile(r"^(\d{4})-W(\d{2})$")


def parse_iso_week(value: str) -> date:
    """The Monday of an ISO week written ``2026-W48``; :class:`ValueError` if malformed,
    not a week of its year (``2026-W53``), or outside :data:`FIRST_YEAR`–:data:`LAST_YEAR`
    (the years Podium holds events in: the calendar refuses rather than show empty weeks
    at the edges of what datetimes can hold)."""
    match = _WEEK_RE.match(value or "")
    if not match:
        raise ValueError("a week looks like 2026-W48")
    year, week = int(match.group(1)), int(match.group(2))
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(f"the year must be between {FIRST_YEAR} and {LAST_YEAR}")
    try:
        return date.fromisocalendar(year, week, 1)
    except ValueError as exc:
        raise ValueError(f"{value} is not a week of {year}") from exc


def iso_week_of(day: date) -> str:
    """The ISO week label (``2026-W48``) of a date."""
    year, week, _weekday = day.isocalendar()
    return f"{year:04d}-W{week:02d}"


def week_bounds(monday: date, tz: str) -> tuple[datetime, datetime]:
    """The aware instants where a week starts and ends (Monday 00:00 to next Monday 00:00).

    :raises OutOfRange: the week touches the first or last day datetimes can hold.
    """
    if monday > date.max - timedelta(days=7):
        raise OutOfRange(_("the week of %(isoformat)s is out of range", isoformat=monday.isoformat()))
    start = localize(datetime.combine(monday, time()), tz)
    end = localize(datetime.combine(monday + timedelta(days=7), time()), tz)
    return start, end
