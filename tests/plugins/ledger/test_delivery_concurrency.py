"""The ledger hears of ticket events through the outbox, at least once, and appends each
entry once; appends are serialised across tasks and across processes."""

from __future__ import annotations

import asyncio
import os
import sys
import textwrap
from datetime import datetime, timedelta, timezone

import pytest

from podium.core.database import atomic
from podium.core.outbox import record
from podium.core.outbox.dispatcher import Dispatcher
from podium.core.outbox.tables import OutboxEvent
from podium.core.testing import plugin_host
from podium.plugins.ledger import entries, service

from .support import (
    VENUE,
    assert_log_is_sound,
    checked_in,
    issued,
    paid,
    revoked,
    transferred,
)

TICKET_HOOKS = ("podium_tickets_issued", "podium_orders_paid", "podium_tickets_transferred",
                "podium_tickets_revoked", "podium_tickets_checked_in")


@pytest.fixture(autouse=True)
def _fresh_cache():
    service.forget_cache()
    yield
    service.forget_cache()


async def _redeliver_everything() -> None:
    """Put every outbox row back in the queue, as a crash between the plugin's call and
    the dispatcher's settling would: the same events reach the ledger again."""
    past = datetime.now(timezone.utc) - timedelta(seconds=5)
    await OutboxEvent.update({OutboxEvent.status: "pending", OutboxEvent.pending: None,
                              OutboxEvent.next_attempt_at: past,
                              OutboxEvent.claimed_until: None}, force=True)


@pytest.mark.hooks(*TICKET_HOOKS)
async def test_events_recorded_through_the_outbox_are_appended_once(podium_db):
    host = plugin_host(["ledger"])
    events = [issued("tk_1", "tk_2"), paid("or_1", "tk_1", "tk_2"), transferred("tk_1"),
              revoked("tk_2", "refunded"), checked_in("tk_1")]
    async with atomic():
        await record(*events)
    dispatcher = Dispatcher(host)
    assert await dispatcher.drain() == len(events)
    rows = await OutboxEvent.select(OutboxEvent.status)
    assert {r["status"] for r in rows} == {"delivered"}
    size = await assert_log_is_sound()
    assert size == 6
    await _redeliver_everything()
    assert await dispatcher.drain() == len(events)  # every event told again...
    assert await assert_log_is_sound() == size  # ...and nothing appended twice
    # The hooks themselves, called directly twice with the same event (a retry).
    again = issued("tk_9")
    for _ in range(2):
        await host.acall_for({"ledger"}, "podium_tickets_issued", event=again)
    assert await assert_log_is_sound() == size + 1


@pytest.mark.hooks("podium_tickets_issued", "podium_routes")
async def test_a_ticket_sold_in_the_app_is_provable_through_the_api(podium_app_factory,
                                                                     podium_client_factory):
    client = await podium_client_factory(podium_app_factory())
    async with atomic():
        await record(issued("tk_web"))
    await client.settle()
    response = await client.get("/api/v1/tickets/tk_web/proof")
    assert response.status_code == 200
    body = response.json()
    assert body["tree_size"] == 1 and len(body["entries"]) == 1


async def test_concurrent_appends_in_one_process_are_serialised(podium_db):
    shared = issued("shared")  # the same delivery arriving from several tasks at once
    distinct = [issued(f"c{i}", f"d{i}") for i in range(12)]
    jobs = [service.record_event(e) for e in distinct] + [service.record_event(shared)
                                                           for _ in range(4)]
    results = await asyncio.gather(*jobs)
    assert sum(r.count for r in results) == 12 * 2 + 1
    assert await assert_log_is_sound() == 25
    sizes = sorted(r.size for r in results if r.count)
    assert len(set(sizes)) == len(sizes), "two writers produced the same tree size"


SCRIPT = textwrap.dedent("""
    import asyncio, sys
    from podium.core.database import close_pool, open_pool
    from podium.core.events import IssuedTicket, TicketsIssued
    from podium.plugins.ledger import service

    async def main(tag, count):
        await open_pool()
        try:
            shared = TicketsIssued(venue_id=1, event_id="shared-delivery", tickets=(
                IssuedTicket("shared", 2, 40, "commit-shared", 1500),))
            for i in range(count):
                await service.record_event(TicketsIssued(venue_id=1, tickets=(
                    IssuedTicket(f"{tag}-{i}", 2, 40, f"commit-{tag}-{i}", 1500),)))
                if i == count // 2:
                    await service.record_event(shared)
        finally:
            await close_pool()

    asyncio.run(main(sys.argv[1], int(sys.argv[2])))
""")


async def test_concurrent_appends_from_several_processes_are_serialised(podium_db):
    await service.start_log()  # the log and its key exist before the race (one key)
    env = dict(os.environ, PICCOLO_CONF="podium.web.piccolo_conf")
    procs = [await asyncio.create_subprocess_exec(
        sys.executable, "-c", SCRIPT, f"p{n}", "12", env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE) for n in range(3)]
    outputs = await asyncio.wait_for(asyncio.gather(*[p.communicate() for p in procs]), 180)
    for proc, (_out, err) in zip(procs, outputs):
        assert proc.returncode == 0, err.decode()[-2000:]
    assert await assert_log_is_sound() == 3 * 12 + 1
    assert len(await service.ticket_indices("shared")) == 1


async def test_the_first_key_is_created_once_even_when_workers_race(podium_db):
    results = await asyncio.gather(*[service.record_event(issued(f"k{i}")) for i in range(5)])
    assert all(r.count == 1 for r in results)
    from podium.plugins.ledger.tables import LedgerHead, LedgerKey

    assert await LedgerKey.count() == 1 and await LedgerHead.count() == 1
    assert await assert_log_is_sound() == 5


def test_entries_of_a_foreign_event_are_none():
    from podium.core.events import PointsAward, PointsAwarded

    assert entries.entries_of(PointsAwarded(venue_id=VENUE, awards=(
        PointsAward(fan_id=1, points=1, rule="r", action_id=1),))) == []
