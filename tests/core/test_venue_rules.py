"""Properties of the venue's pure rules: conflicts, recurrence expansion, ISO weeks."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from dateutil.rrule import rrulestr
from hypothesis import example, given, settings
from hypothesis import strategies as st

from podium.core.venue import rules
from podium.core.venue.rules import Occupancy

# Pure code: the PostgreSQL pass of the suite skips it (``-m 'not pure'``).
pytestmark = pytest.mark.pure

TZ = "Europe/Paris"
UTC = timezone.utc
BASE = datetime(2026, 1, 1, tzinfo=UTC)

minutes = st.integers(min_value=0, max_value=60 * 24 * 60)
buffers = st.integers(min_value=0, max_value=rules.MAX_BUFFER_MINUTES)
space_sets = st.frozensets(st.integers(min_value=1, max_value=4), min_size=1, max_size=4)


@st.composite
def occupancies(draw, key=None):
    start = BASE + timedelta(minutes=draw(minutes))
    length = timedelta(minutes=draw(st.integers(min_value=1, max_value=600)))
    return Occupancy(
        key=key if key is not None else draw(st.integers(1, 10**6)),
        start=start,
        end=start + length,
        spaces=draw(space_sets),
        setup=timedelta(minutes=draw(buffers)),
        teardown=timedelta(minutes=draw(buffers)),
        cancelled=draw(st.booleans()),
    )


def brute_force_clash(a: Occupancy, b: Occupancy) -> bool:
    """Minute-by-minute reference: is some minute of a shared space taken by both?"""
    if a.cancelled or b.cancelled or not (a.spaces & b.spaces):
        return False
    lo = max(a.blocked_from, b.blocked_from)
    hi = min(a.blocked_until, b.blocked_until)
    return lo < hi


@given(occupancies(key=1), occupancies(key=2))
def test_conflict_is_symmetric(a, b):
    assert rules.shared_busy_spaces(a, b) == rules.shared_busy_spaces(b, a)


@given(occupancies(key=1), occupancies(key=2))
def test_conflict_matches_reference(a, b):
    assert bool(rules.shared_busy_spaces(a, b)) == brute_force_clash(a, b)


@given(occupancies(key=1), occupancies(key=2))
def test_cancelled_events_never_conflict(a, b):
    cancelled = Occupancy(**{**a.__dict__, "cancelled": True})
    assert not rules.shared_busy_spaces(cancelled, b)
    assert not rules.find_conflicts(b, [cancelled])


@given(occupancies(key=1), st.integers(0, 600), buffers, buffers)
def test_buffers_are_respected(a, gap, teardown, setup):
    """B starts ``gap`` minutes after A ends, in the same space: they clash exactly when
    A's teardown and B's setup together are longer than the gap."""
    a = Occupancy(key=1, start=a.start, end=a.end, spaces=frozenset({1}),
                  teardown=timedelta(minutes=teardown))
    b_start = a.end + timedelta(minutes=gap)
    b = Occupancy(key=2, start=b_start, end=b_start + timedelta(hours=1), spaces=frozenset({1}),
                  setup=timedelta(minutes=setup))
    assert bool(rules.shared_busy_spaces(a, b)) == (teardown + setup > gap)


@given(occupancies(key=1))
def test_touching_intervals_do_not_conflict(a):
    a = Occupancy(key=1, start=a.start, end=a.end, spaces=a.spaces)
    b = Occupancy(key=2, start=a.end, end=a.end + timedelta(hours=2), spaces=a.spaces)
    assert not rules.shared_busy_spaces(a, b)
    c = Occupancy(key=3, start=a.end - timedelta(minutes=1), end=a.end + timedelta(hours=1),
                  spaces=a.spaces)
    assert rules.shared_busy_spaces(a, c) == a.spaces


@given(occupancies(key=1), occupancies(key=2))
def test_different_spaces_never_conflict(a, b):
    b = Occupancy(**{**b.__dict__, "spaces": frozenset(s + 10 for s in a.spaces)})
    assert not rules.shared_busy_spaces(a, b)


@given(st.lists(occupancies(), max_size=12))
def test_mutual_conflicts_finds_every_pair(items):
    items = [Occupancy(**{**o.__dict__, "key": i}) for i, o in enumerate(items)]
    found = {frozenset((a.key, b.key)) for a, b in rules.mutual_conflicts(items)}
    expected = {
        frozenset((a.key, b.key))
        for i, a in enumerate(items) for b in items[i + 1:]
        if brute_force_clash(a, b)
    }
    assert found == expected


def test_acknowledgement_needs_every_space_warn():
    a = Occupancy(key=1, start=BASE, end=BASE + timedelta(hours=1), spaces=frozenset({1, 2}))
    b = Occupancy(key=2, start=BASE, end=BASE + timedelta(hours=1), spaces=frozenset({1, 2}))
    clashes = rules.find_conflicts(a, [b])
    assert rules.policy_allows_acknowledgement(clashes, {1: "warn", 2: "warn"})
    assert not rules.policy_allows_acknowledgement(clashes, {1: "warn", 2: "error"})
    assert not rules.policy_allows_acknowledgement(clashes, {1: "warn"})


# -- recurrence ------------------------------------------------------------------------

first_starts = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2028, 12, 31),
).map(lambda d: rules.localize(d.replace(second=0, microsecond=0), TZ))
freqs = st.sampled_from(["DAILY", "WEEKLY", "MONTHLY"])
weekday_sets = st.lists(st.sampled_from(["MO", "TU", "WE", "TH", "FR", "SA", "SU"]),
                        min_size=1, max_size=7, unique=True)


@st.composite
def rule_texts(draw):
    freq = draw(freqs)
    parts = [f"FREQ={freq}"]
    if draw(st.booleans()):
        parts.append(f"INTERVAL={draw(st.integers(1, 3))}")
    if freq != "DAILY" or draw(st.booleans()):
        if draw(st.booleans()):
            parts.append("BYDAY=" + ",".join(draw(weekday_sets)))
    parts.append(f"COUNT={draw(st.integers(1, 60))}")
    return ";".join(parts)


def normalise_or_skip(text: str, first: datetime) -> str | None:
    """The normalised rule, or ``None`` when it is (rightly) refused for spanning over a year."""
    try:
        return rules.normalise_rule(text, first, TZ)
    except rules.RuleError as exc:
        assert "one year" in str(exc)
        return None


@settings(max_examples=150, deadline=None)
@given(rule_texts(), first_starts)
def test_expansion_count_order_bounds_and_wall_time(text, first):
    rule = normalise_or_skip(text, first)
    if rule is None:
        return
    starts = rules.expand(rule, first, TZ)
    count = int(rules.rule_parts(rule)["COUNT"])
    # Two wall times fall on one instant only inside a DST gap: at most one lost per gap.
    assert count - 2 <= len(starts) <= count
    assert starts == sorted(starts) and len(set(starts)) == len(starts)
    assert all(s >= first for s in starts)
    assert starts[-1] - starts[0] <= rules.MAX_SPAN
    wall = rules.wall_time(first, TZ).time()
    for s in starts:
        local = rules.wall_time(s, TZ)
        # DST-safe: the time of day never drifts (except a time inside the spring gap,
        # which moves forward by the gap).
        if local.time() != wall:
            assert rules.localize(local.replace(hour=wall.hour, minute=wall.minute), TZ) == s


@settings(max_examples=100, deadline=None)
@given(rule_texts(), first_starts, st.data())
def test_exdates_are_left_out(text, first, data):
    rule = normalise_or_skip(text, first)
    if rule is None:
        return
    starts = rules.expand(rule, first, TZ)
    removed = data.draw(st.lists(st.sampled_from(starts), unique=True, max_size=len(starts)))
    kept = rules.expand(rule, first, TZ, exdates=removed)
    assert kept == [s for s in starts if s not in removed]
    missing = rules.missing_occurrences(rule, first, TZ, kept)
    assert sorted(missing) == sorted(removed)


@settings(max_examples=80, deadline=None)
@given(first_starts, st.integers(1, 200))
@example(rules.localize(datetime(2025, 12, 15, 2, 0), TZ), 104)  # UNTIL on the gap time
def test_until_bounds_every_occurrence(first, days):
    until = rules.wall_time(first, TZ) + timedelta(days=days)
    rule = rules.normalise_rule(f"FREQ=DAILY;UNTIL={until:%Y%m%dT%H%M%S}", first, TZ)
    starts = rules.expand(rule, first, TZ)
    for start in starts:
        wall = rules.wall_time(start, TZ)
        # A wall time in the spring-forward gap happens an hour later (see
        # test_time_in_the_spring_gap_moves_forward): that start is bounded through the
        # gap time it stands for (hypothesis found 2026-03-29 02:00 → 03:00).
        gap_time = wall - timedelta(hours=1)
        assert wall <= until or (gap_time <= until and rules.localize(gap_time, TZ) == start)
    assert len(starts) >= days  # one a day, the DST gap can cost at most one


def test_daily_sessions_keep_their_wall_time_across_dst():
    first = rules.localize(datetime(2026, 3, 27, 18, 0), TZ)  # DST starts on 29 March
    starts = rules.expand(rules.normalise_rule("FREQ=DAILY;COUNT=4", first, TZ), first, TZ)
    assert [rules.wall_time(s, TZ).hour for s in starts] == [18, 18, 18, 18]
    assert [s.utcoffset() for s in starts] == [timedelta(hours=1)] * 2 + [timedelta(hours=2)] * 2


def test_time_in_the_spring_gap_moves_forward():
    first = rules.localize(datetime(2026, 3, 28, 2, 30), TZ)
    starts = rules.expand(rules.normalise_rule("FREQ=DAILY;COUNT=3", first, TZ), first, TZ)
    assert rules.wall_time(starts[1], TZ) == datetime(2026, 3, 29, 3, 30)


def test_open_rule_is_bounded_by_the_horizon():
    first = rules.localize(datetime(2026, 11, 24, 18, 0), TZ)
    rule = rules.normalise_rule("RRULE:freq=weekly;byday=tu", first, TZ)
    assert rule == "FREQ=WEEKLY;BYDAY=TU;UNTIL=20270525T180000"
    assert len(rules.expand(rule, first, TZ)) == 27


def test_date_only_until_includes_that_day():
    first = rules.localize(datetime(2026, 11, 24, 18, 0), TZ)
    rule = rules.normalise_rule("FREQ=DAILY;UNTIL=20261126", first, TZ)
    assert len(rules.expand(rule, first, TZ)) == 3


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "empty"),
        ("FREQ=SECONDLY;COUNT=3", "FREQ must be"),
        ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", "BYMONTH is not supported"),
        ("FREQ=DAILY;COUNT=3;UNTIL=20270101", "not both"),
        ("FREQ=DAILY;COUNT=0", "between 1 and 400"),
        ("FREQ=DAILY;COUNT=401", "between 1 and 400"),
        ("FREQ=DAILY;COUNT=x", "whole number"),
        ("FREQ=WEEKLY;BYDAY=1MO", "needs FREQ=MONTHLY"),
        ("FREQ=WEEKLY;BYDAY=XX", "not a weekday"),
        ("FREQ=DAILY;UNTIL=20200101", "before the first"),
        ("FREQ=WEEKLY;UNTIL=20281231", "one year"),
        ("FREQ=DAILY;UNTIL=20261341", "UNTIL"),
        ("FREQ=DAILY;FREQ=WEEKLY", "twice"),
        ("FREQ=DAILY\x00;COUNT=2", "one line"),
        ("DTSTART:20260101T000000\nRRULE:FREQ=DAILY", "one line"),
        ("FREQ", "NAME=VALUE"),
    ],
)
def test_bad_rules_are_refused_with_a_reason(text, message):
    first = rules.localize(datetime(2026, 11, 24, 18, 0), TZ)
    with pytest.raises(rules.RuleError, match=message):
        rules.normalise_rule(text, first, TZ)


def test_describe_rule():
    assert rules.describe_rule("FREQ=WEEKLY;BYDAY=TU,TH;COUNT=8") == (
        "every week on Tuesday and Thursday, 8 times")
    assert rules.describe_rule("FREQ=DAILY;INTERVAL=2;UNTIL=20261231T180000") == (
        "every 2 days until 31 Dec 2026")
    assert rules.describe_rule("FREQ=MONTHLY;BYDAY=1SU,-1FR;COUNT=1") == (
        "every month on first Sunday and last Friday, 1 time")


# -- weeks -----------------------------------------------------------------------------


@given(st.dates(min_value=date(1971, 1, 1), max_value=date(2199, 12, 31)))
def test_iso_week_round_trip(day):
    monday = rules.parse_iso_week(rules.iso_week_of(day))
    assert monday.weekday() == 0 and monday <= day < monday + timedelta(days=7)


@pytest.mark.parametrize("value", ["", "2026-48", "2026-W54", "2026-W00", "0000-W01", "2026-W1"])
def test_bad_weeks(value):
    with pytest.raises(ValueError):
        rules.parse_iso_week(value)


def test_week_bounds_cover_a_dst_week():
    start, end = rules.week_bounds(date(2026, 3, 23), TZ)
    # The week DST starts in is an hour short (aware subtraction in one zone is wall time,
    # so compare in UTC).
    assert end.astimezone(UTC) - start.astimezone(UTC) == timedelta(days=7) - timedelta(hours=1)


# -- dates at the edges of what datetimes hold (issue 8, point 7) --------------------------

# Zones with the largest offsets either way: a wall time near 0001-01-01 or 9999-12-31 in
# them has no UTC instant.
EDGE_ZONES = ["Europe/Paris", "Pacific/Kiritimati", "Etc/GMT+12", "America/St_Johns", "UTC"]
weeks_anywhere = st.builds(lambda y, w: f"{y:04d}-W{w:02d}",
                           st.integers(1, 9999), st.integers(0, 54))


@settings(max_examples=400)
@given(weeks_anywhere, st.sampled_from(EDGE_ZONES))
@example("0001-W01", "Europe/Paris")
@example("9999-W52", "Etc/GMT+12")
@example("2025-W53", "Europe/Paris")
@example("2020-W53", "Europe/Paris")
def test_any_iso_week_parses_or_is_refused_with_a_reason(label, tz):
    """Every week label of years 1–9999 (weeks 0–54, so invalid week 53s too) either gives
    a Monday whose bounds can be computed, or a :class:`ValueError` saying why; the week of
    ``0001-W01`` used to raise ``OverflowError`` (a 500 on ``/calendar``)."""
    try:
        monday = rules.parse_iso_week(label)
    except ValueError as exc:
        assert str(exc)
        return
    assert rules.FIRST_YEAR <= monday.isocalendar()[0] <= rules.LAST_YEAR
    start, end = rules.week_bounds(monday, tz)
    assert start < end


@pytest.mark.parametrize("label", ["0001-W01", "1969-W52", "2200-W01", "9999-W52", "2025-W53"])
def test_weeks_outside_podiums_years_are_refused(label):
    with pytest.raises(ValueError, match="year must be between|not a week"):
        rules.parse_iso_week(label)


@settings(max_examples=400)
@given(st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59)),
       st.sampled_from(EDGE_ZONES))
@example(datetime(1, 1, 1), "Europe/Paris")
@example(datetime(9999, 12, 31, 23, 0), "Etc/GMT+12")
def test_localize_any_wall_time_or_out_of_range(wall, tz):
    """Any naive wall time is localized or refused with :class:`rules.OutOfRange` (a
    :class:`ValueError` naming the value), never ``OverflowError``."""
    try:
        aware = rules.localize(wall, tz)
    except rules.OutOfRange as exc:
        assert "out of range" in str(exc)
        return
    assert rules.wall_time(aware, tz).date() >= wall.date() - timedelta(days=1)


@settings(max_examples=300)
@given(st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59),
                    timezones=st.sampled_from([timezone(timedelta(hours=h)) for h in (-23, -12, 0, 1, 14, 23)])),
       st.sampled_from(EDGE_ZONES))
def test_wall_time_of_any_instant_or_out_of_range(instant, tz):
    try:
        rules.wall_time(instant, tz)
    except rules.OutOfRange:
        pass


@settings(max_examples=300)
@given(st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59),
                    timezones=st.sampled_from([timezone(timedelta(hours=h)) for h in (-23, -1, 0, 1, 23)])))
@example(datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=1))))
@example(datetime(9999, 12, 31, 23, tzinfo=timezone(timedelta(hours=-2))))
def test_check_instant_refuses_any_out_of_range_instant(instant):
    """Podium's range check on instants answers :class:`InvalidInput` for any aware
    datetime outside 1970–2200 (it used to overflow converting 0001-01-01T00:00+01:00)."""
    from podium.core.errors import InvalidInput
    from podium.core.validation import EARLIEST, LATEST, check_instant

    try:
        value = check_instant(instant, "start")
    except InvalidInput as exc:
        assert "between 1970 and 2200" in exc.detail
        assert not EARLIEST <= instant < LATEST
        return
    assert EARLIEST <= value < LATEST


def test_rules_years_match_the_validation_range():
    from podium.core.validation import EARLIEST, LATEST

    assert rules.FIRST_YEAR == EARLIEST.year and rules.LAST_YEAR == LATEST.year - 1


@given(
    repeat=st.sampled_from(rules.PICKER_FREQS),
    days=st.sets(st.sampled_from(rules.WEEKDAYS)),
    count=st.integers(min_value=1, max_value=12),  # a series spans at most a year
    first=st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2028, 12, 31)),
)
@example(repeat="MONTHLY", days=set(), count=9, first=datetime(2026, 1, 31))
@settings(max_examples=150, deadline=None)
def test_the_repeat_picker_composes_a_rule_that_does_what_it_says(repeat, days, count, first):
    """Whatever the picker offers makes a valid rule: ``count`` dates, on the chosen
    weekdays only (every week), else on the first date's weekday, day or day of month.

    The one refusal: every month from the 29th, 30th or 31st skips the months without that
    day (RFC 5545, as calendar apps do), so 12 or fewer dates can span more than a year,
    which a series may not; the organiser is told so on the form."""
    rule = rules.compose_rule(repeat, sorted(days), str(count))
    start = rules.localize(first.replace(second=0, microsecond=0), TZ)
    try:
        canonical = rules.normalise_rule(rule, start, TZ)
    except rules.RuleError as exc:
        local = rules.wall_time(start, TZ)
        assert repeat == "MONTHLY" and local.day > 28
        assert f"skips the months that have no day {local.day}" in str(exc)
        wanted = list(rrulestr(rule, dtstart=local.replace(tzinfo=None)))
        assert wanted[-1] - wanted[0] > rules.MAX_SPAN
        return
    dates = rules.expand(canonical, start, TZ)
    weekdays = {rules.wall_time(d, TZ).weekday() for d in dates}
    assert 1 <= len(dates) <= count
    if repeat == "WEEKLY" and days:
        assert weekdays <= {rules.WEEKDAYS.index(d) for d in days}
    elif repeat == "WEEKLY":
        assert weekdays == {rules.wall_time(start, TZ).weekday()}
    elif repeat == "MONTHLY":
        assert {rules.wall_time(d, TZ).day for d in dates} == {rules.wall_time(start, TZ).day}


def test_the_repeat_picker_refuses_what_it_does_not_offer():
    assert rules.compose_rule("") == "" and rules.compose_rule("  ", ["MO"], "3") == ""
    assert rules.compose_rule("weekly", ["TH", "TU"], "", "2027-06-30") == (
        "FREQ=WEEKLY;BYDAY=TU,TH;UNTIL=20270630")
    assert rules.compose_rule("DAILY", ["MO"]) == "FREQ=DAILY"  # days only matter weekly
    for bad in (("YEARLY",), ("WEEKLY", ["XX"]), ("DAILY", (), "3", "2027-01-01"),
                ("DAILY", (), "0"), ("DAILY", (), "lots"), ("DAILY", (), "", "31/12/2027")):
        with pytest.raises(rules.RuleError):
            rules.compose_rule(*bad)
