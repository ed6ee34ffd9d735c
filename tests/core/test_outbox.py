"""The outbox: domain events recorded with the write, delivered after commit to each
enabled plugin apart (a raising one retried with backoff, never failing or duplicating
the write), and to the live pages through the same path."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from podium.core.activation.service import set_enabled
from podium.core.database import atomic
from podium.core.events import (
    CheckIn,
    CompletedMatch,
    DomainEvent,
    EventChange,
    EventsChanged,
    FanAction,
    FanActionsRecorded,
    IssuedTicket,
    MatchesCompleted,
    PointsAward,
    OrdersPaid,
    PaidOrder,
    PointsAwarded,
    ScopeRef,
    TicketRevocation,
    TicketsCheckedIn,
    TicketsIssued,
    TicketsRevoked,
    TicketsTransferred,
    TicketTransfer,
    TournamentStarted,
    decode,
    encode,
)
from podium.core.outbox import record
from podium.core.outbox import service as outbox
from podium.core.outbox.dispatcher import Dispatcher, LiveMessage
from podium.core.outbox.tables import OutboxEvent
from podium.core.testing import make_plugin, plugin_host
from podium.tests.core.test_venue_support import sample_venue_event

VENUE = 1
AT = datetime(2026, 12, 3, 18, 0, tzinfo=timezone.utc)

# One event of each class a plugin can hear of, with the hook it goes to.
NOTIFIED = [
    EventsChanged(venue_id=VENUE, changes=(EventChange("created", 4, sample_venue_event(4)),)),
    TournamentStarted(venue_id=VENUE, tournament_id=9, version=2, format="swiss",
                      entrant_ids=(3, 1, 2)),
    MatchesCompleted(venue_id=VENUE, tournament_id=9, version=5, matches=(
        CompletedMatch(id=5, key="W1-1", stage=1, round=1, entrant_ids=(1, 2), winner_id=1,
                       games=((3, 1),)),)),
    TicketsIssued(venue_id=VENUE, tickets=(IssuedTicket("tk_1", 2, 40, "c0ffee", 1500),)),
    OrdersPaid(venue_id=VENUE, orders=(PaidOrder("or_1", 40, 1500, "EUR", "at_venue", ("tk_1",)),)),
    TicketsCheckedIn(venue_id=VENUE, checkins=(CheckIn("tk_1", "north", AT, 40),)),
    TicketsTransferred(venue_id=VENUE, transfers=(
        TicketTransfer("tk_1", 40, "c0ffee", "beef", serial=2, price_cents=1500),)),
    TicketsRevoked(venue_id=VENUE, revocations=(TicketRevocation("tk_1", 40, "refunded", 2),)),
    FanActionsRecorded(venue_id=VENUE, actions=(
        FanAction(action_id=1, fan_id=3, kind="follow", target="athlete:12", at=AT,
                  idempotency_key="f-3-12-1"),)),
    PointsAwarded(venue_id=VENUE, awards=(PointsAward(fan_id=3, points=1, rule="follow",
                                                      action_id=1),)),
]


class Clock:
    """A clock the test moves forward to reach retries."""

    def __init__(self) -> None:
        self.now = datetime.now(timezone.utc)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def listener(hook: str, seen: list[DomainEvent], *, fail_times: int = 0):
    """A plugin hook implementation recording what it was told, raising at first if asked."""
    failures = {"left": fail_times}

    async def impl(event):
        if failures["left"]:
            failures["left"] -= 1
            raise RuntimeError("partner API down")
        seen.append(event)

    return {hook: impl}


@pytest.mark.hooks(*[type(e).hook for e in NOTIFIED])
@pytest.mark.parametrize("event", NOTIFIED, ids=lambda e: type(e).__name__)
async def test_each_event_reaches_the_plugins_enabled_in_its_scope(podium_db, event):
    hook = type(event).hook
    on, off = [], []
    scope = "tournament" if event.scope() else "venue"
    host = plugin_host(extra=[
        make_plugin("listens", scope=scope, **listener(hook, on)),
        make_plugin("switched_off", scope=scope, default_enabled=False, **listener(hook, off)),
    ])
    async with atomic():
        await record(event)
    assert await Dispatcher(host).drain() == 1
    assert on == [event] and off == []  # the same typed, immutable value back
    row = await OutboxEvent.select().first()
    assert row["status"] == "delivered" and json.loads(row["pending"]) == []


async def test_a_rolled_back_write_records_nothing(podium_db):
    seen: list[DomainEvent] = []
    host = plugin_host(extra=[make_plugin("listens", **listener("podium_tickets_issued", seen))])
    with pytest.raises(RuntimeError):
        async with atomic():
            await record(NOTIFIED[3])
            raise RuntimeError("the write failed after recording")
    assert await OutboxEvent.count() == 0
    assert await Dispatcher(host).drain() == 0 and seen == []


async def test_a_raising_plugin_is_retried_alone_with_backoff_until_it_succeeds(podium_db, caplog):
    clock = Clock()
    flaky, steady = [], []
    host = plugin_host(extra=[
        make_plugin("flaky", **listener("podium_tickets_issued", flaky, fail_times=2)),
        make_plugin("steady", **listener("podium_tickets_issued", steady)),
    ])
    dispatcher = Dispatcher(host, clock=clock)
    await record(NOTIFIED[3])
    await dispatcher.drain()
    assert steady == [NOTIFIED[3]] and flaky == []
    assert "plugin 'flaky' failed" in caplog.text  # logged with its name
    row = await OutboxEvent.select().first()
    assert row["status"] == "pending" and row["attempts"] == 1
    assert json.loads(row["pending"]) == ["flaky"] and "partner API down" in row["last_error"]
    # Not due before its backoff (2 s after the first failure, then 4 s).
    assert await dispatcher.drain() == 0
    clock.advance(2.1)
    await dispatcher.drain()
    assert flaky == [] and (await OutboxEvent.select().first())["attempts"] == 2
    clock.advance(3)
    assert await dispatcher.drain() == 0
    clock.advance(1.1)
    await dispatcher.drain()
    assert flaky == [NOTIFIED[3]] and steady == [NOTIFIED[3]]  # each told exactly once
    row = await OutboxEvent.select().first()
    assert row["status"] == "delivered" and row["attempts"] == 2


async def test_attempts_run_out_then_an_admin_retries(podium_db, monkeypatch):
    monkeypatch.setattr(outbox, "MAX_ATTEMPTS", 2)
    clock = Clock()
    seen: list[DomainEvent] = []
    host = plugin_host(extra=[make_plugin("down", **listener("podium_points_awarded", seen,
                                                              fail_times=2))])
    dispatcher = Dispatcher(host, clock=clock)
    await record(NOTIFIED[-1])
    await dispatcher.drain()
    clock.advance(3600)
    await dispatcher.drain()
    assert (await OutboxEvent.select().first())["status"] == "failed"
    clock.advance(3600)
    assert await dispatcher.drain() == 0
    assert await outbox.retry_failed() == 1
    await dispatcher.drain()
    assert seen == [NOTIFIED[-1]]


async def test_concurrent_dispatchers_deliver_each_event_once(podium_db):
    told: list[str] = []

    async def slow(event):
        await asyncio.sleep(0.001)
        told.append(event.event_id)

    host = plugin_host(extra=[make_plugin("counts", podium_tickets_issued=slow)])
    events = [TicketsIssued(venue_id=VENUE, tickets=(IssuedTicket(f"tk_{i}", 1, 1),))
              for i in range(60)]
    await record(*events)
    # Two dispatchers (two workers) claiming batches at once: leases keep them apart.
    first, second = Dispatcher(host, batch=7), Dispatcher(host, batch=7)
    await asyncio.gather(first.drain(), second.drain())
    assert sorted(told) == sorted(e.event_id for e in events)
    assert await OutboxEvent.count().where(OutboxEvent.status == "delivered") == 60


@pytest.mark.hooks("podium_outbox_batch", "podium_tickets_issued", "podium_orders_paid")
async def test_a_batch_taking_plugin_gets_a_round_in_one_call_and_retries_it_whole(podium_db):
    calls: list[list[str]] = []
    one_by_one: list[str] = []
    failures = {"left": 1}

    async def batch(events):
        if failures["left"]:
            failures["left"] -= 1
            raise RuntimeError("disk full")
        calls.append([e.event_id for e in events])

    async def never(event):  # a batch taker's per-event hooks only declare its interest
        raise AssertionError("told one by one")

    async def each(event):
        one_by_one.append(event.event_id)

    host = plugin_host(extra=[
        make_plugin("batches", podium_outbox_batch=batch, podium_tickets_issued=never,
                    podium_orders_paid=never),
        make_plugin("single", podium_tickets_issued=each),
    ])
    issued = [TicketsIssued(venue_id=VENUE, tickets=(IssuedTicket(f"tk_{i}", 1, 1),))
              for i in range(5)]
    other = TournamentStarted(venue_id=VENUE, tournament_id=9, version=2, format="swiss",
                              entrant_ids=(1, 2))
    events = [*issued[:2], NOTIFIED[4], other, *issued[2:]]
    await record(*events)
    clock = Clock()  # after the writes: rows recorded after "now" are not due yet
    dispatcher = Dispatcher(host, clock=clock)
    await dispatcher.drain()
    # The failed call leaves the plugin pending on every event of it; the others went on.
    assert calls == [] and one_by_one == [e.event_id for e in issued]
    rows = await OutboxEvent.select().order_by(OutboxEvent.id)
    assert [json.loads(r["pending"]) for r in rows] == [
        [] if e is other else ["batches"] for e in events]
    clock.advance(2.1)
    await dispatcher.drain()
    wanted = [e.event_id for e in events if e is not other]
    assert calls == [wanted]  # one call, in outbox order, only the events it wants
    assert one_by_one == [e.event_id for e in issued]  # never told twice
    assert await OutboxEvent.count().where(OutboxEvent.status == "delivered") == len(events)


@pytest.mark.hooks("podium_live_messages")
async def test_live_messages_go_out_through_the_same_path(podium_db):
    published: list[LiveMessage] = []

    async def publish(message: LiveMessage) -> None:
        published.append(message)

    def to_live(event, render):
        if isinstance(event, TicketsCheckedIn):
            return [LiveMessage(("gate-north",), "scans", render("count.html", {"n": 1}))]
        return []

    def broken(event, render):
        raise ValueError("a bad fragment")

    host = plugin_host(extra=[make_plugin("live", podium_live_messages=to_live),
                              make_plugin("broken", podium_live_messages=broken)])
    dispatcher = Dispatcher(host, publish=publish, render=lambda name, ctx: f"{name}:{ctx['n']}")
    await record(NOTIFIED[5])
    await dispatcher.drain()
    # The broken translator is logged; the others' messages still go out.
    assert published == [LiveMessage(("gate-north",), "scans", "count.html:1")]
    assert (await OutboxEvent.select().first())["status"] == "delivered"


async def test_unknown_event_types_are_set_aside_not_retried_forever(podium_db):
    await record(NOTIFIED[0])
    await OutboxEvent.update({OutboxEvent.type: "GoneWithItsPlugin"}).where(OutboxEvent.id > 0)
    assert await Dispatcher(plugin_host()).drain() == 1
    assert (await OutboxEvent.select().first())["status"] == "delivered"


def test_events_are_immutable_and_scoped():
    event = NOTIFIED[2]
    with pytest.raises(AttributeError):
        event.version = 6  # type: ignore[misc]
    assert event.scope() == ScopeRef("tournament", 9)
    assert NOTIFIED[0].scope() is None


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(NOTIFIED), st.integers(min_value=1, max_value=2**31 - 1),
       st.text(max_size=40))
def test_encoding_round_trips(template, venue_id, title):
    import msgspec

    event = msgspec.structs.replace(template, venue_id=venue_id)
    if isinstance(event, EventsChanged):
        event = msgspec.structs.replace(
            event, changes=(EventChange("updated", venue_id,
                                        sample_venue_event(venue_id, title)),))
    assert decode(type(event).__name__, encode(event)) == event


# -- through the HTTP API ----------------------------------------------------------------


@pytest.mark.hooks("podium_events_changed")
async def test_a_raising_plugin_never_fails_or_duplicates_the_write(podium_app_factory,
                                                                    podium_client_factory):
    from podium.core.venue.tables import Event
    from podium.tests.core.test_venue_support import bearer_for, event_body, quick_user, seed_venue

    calls: list[str] = []

    def partner(event):
        calls.append(event.event_id)
        if len(calls) < 3:
            raise ConnectionError("the ticketing partner is unreachable")

    app = podium_app_factory(extra=[make_plugin("partner", podium_events_changed=partner)])
    client = await podium_client_factory(app)
    ids = await seed_venue()
    await set_enabled(app.state.plugin_host, "partner", "venue", ids["venue"], True)
    org = await bearer_for(await quick_user("olga", "organiser"))
    response = await client.post("/api/v1/events", json=event_body([ids["lounge"]]), headers=org)
    assert response.status_code == 201  # the plugin raised after commit: the write stands
    written = OutboxEvent.type == "EventsChanged"  # (switching the plugin on recorded one too)
    assert await Event.count() == 1 and await OutboxEvent.count().where(written) == 1
    assert len(calls) == 1
    clock = Clock()
    app.state.outbox.clock = clock
    for _ in range(2):
        clock.advance(60)
        await client.settle()
    # Called again until it succeeded, always with the same event id; the write happened once.
    assert len(calls) == 3 and len(set(calls)) == 1
    assert await Event.count() == 1
    assert (await OutboxEvent.select().where(written).first())["status"] == "delivered"


async def test_the_outbox_command_shows_failures_and_retries_them(podium_db, monkeypatch):
    from podium.tests.core.test_plugins_inventory import run_podium

    monkeypatch.setattr(outbox, "MAX_ATTEMPTS", 1)
    host = plugin_host(extra=[make_plugin("down", **listener("podium_tickets_issued", [],
                                                              fail_times=5))])
    await record(NOTIFIED[3])
    await Dispatcher(host).drain()
    shown = run_podium("outbox", "--status", "failed")
    assert shown.returncode == 0, shown.stderr
    assert NOTIFIED[3].event_id in shown.stdout and "to tell: down" in shown.stdout
    assert "partner API down" in shown.stdout
    again = run_podium("outbox", "retry", NOTIFIED[3].event_id)
    assert again.returncode == 0 and "1 failed event queued again" in again.stdout
    assert (await OutboxEvent.select().first())["status"] == "pending"


async def test_a_writes_events_are_gathered_into_one_insert_at_commit(podium_db, monkeypatch):
    from podium.core.database import gather_before_commit

    statements: list[int] = []
    real_insert = outbox._insert

    async def counting(events):
        statements.append(len(events))
        await real_insert(events)

    monkeypatch.setattr(outbox, "_insert", counting)
    flushed: list[list[str]] = []

    async def flush(items):
        flushed.append(list(items))

    async with atomic():
        await record(NOTIFIED[3])
        async with atomic():  # a nested block joins the outer transaction
            await record(NOTIFIED[4], None, NOTIFIED[5])
            assert gather_before_commit("spy", "a", flush)
        assert gather_before_commit("spy", "b", flush)
        assert await OutboxEvent.count() == 0  # not yet written: gathered
    assert statements == [3] and flushed == [["a", "b"]]
    rows = await OutboxEvent.select(OutboxEvent.event_id).order_by(OutboxEvent.id)
    assert [r["event_id"] for r in rows] == [e.event_id for e in NOTIFIED[3:6]]
    assert not gather_before_commit("spy", "c", flush)  # outside atomic(): nothing gathered

    with pytest.raises(RuntimeError):
        async with atomic():
            await record(NOTIFIED[6])
            raise RuntimeError("the write failed")
    assert statements == [3] and await OutboxEvent.count() == 3
