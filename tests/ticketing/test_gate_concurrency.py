"""Four gates scan the same tickets at the same moment through a real server: each
ticket is admitted exactly once. The negative control switches the ticket lock off
(``PODIUM_GATE_UNSAFE_NO_LOCK=1`` in the server's environment) and shows a double
admission, so the test proves the lock is what prevents it."""

from __future__ import annotations

import asyncio
import itertools
from collections import Counter

import httpx
import pytest

from podium.tests.core.test_venue_support import bearer_for, many_users
from podium.tests.ticketing.gate_support import open_event, scan_body, tickets
from podium.ticketing.tables import Scan, Ticket

GATES = 4
TICKETS = 10
_ROUNDS = itertools.count()


async def _rush(url: str, count: int) -> tuple[list[dict], list[httpx.Response]]:
    """``count`` tickets, each scanned at the same time by four staff at four gates."""
    setup = await open_event()
    batch = await tickets(setup, count)
    staff = await many_users(f"gate{next(_ROUNDS)}x", GATES, roles="staff")
    headers = [await bearer_for(u) for u in staff]
    limits = httpx.Limits(max_connections=GATES * count, max_keepalive_connections=GATES * count)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=60) as client:
        responses = await asyncio.gather(*[
            client.post("/api/v1/checkin", headers=headers[g],
                        json=scan_body(t["secret"], gate=f"Gate {g + 1}",
                                       event_id=setup["event"]["id"]))
            for t in batch for g in range(GATES)
        ])
    return batch, list(responses)


async def test_four_gates_admit_each_ticket_once(podium_live_server):
    batch, responses = await _rush(podium_live_server.url, TICKETS)
    assert {r.status_code for r in responses} <= {200, 409}, [r.text for r in responses]
    admitted = Counter(r.json()["ticket"]["id"] for r in responses if r.status_code == 200)
    assert admitted == Counter({t["code"]: 1 for t in batch})
    refusals = [r.json() for r in responses if r.status_code == 409]
    assert len(refusals) == TICKETS * (GATES - 1)
    assert {r["code"] for r in refusals} == {"already_redeemed"}
    # The refusal names the gate that let the ticket in.
    winner = {r.json()["ticket"]["id"]: r.json()["gate"] for r in responses if r.status_code == 200}
    assert all(r["gate"] == winner[r["ticket"]["id"]] for r in refusals)
    assert await Scan.count().where(Scan.result == "ok") == TICKETS
    assert await Ticket.count().where(Ticket.inside == True) == TICKETS  # noqa: E712


@pytest.fixture
def unlocked_server(monkeypatch, request):
    """The live server with the ticket lock switched off (negative control)."""
    monkeypatch.setenv("PODIUM_GATE_UNSAFE_NO_LOCK", "1")
    return request.getfixturevalue("podium_live_server")


async def test_without_the_lock_a_ticket_is_admitted_twice(unlocked_server):
    doubles = 0
    for _round in range(5):  # a race: give it a few chances to show
        _batch, responses = await _rush(unlocked_server.url, TICKETS)
        admitted = Counter(r.json()["ticket"]["id"] for r in responses if r.status_code == 200)
        doubles += sum(n - 1 for n in admitted.values() if n > 1)
        print(f"negative control, round {_round + 1}: {doubles} double admissions")
        if doubles:
            break
    assert doubles > 0, "the negative control admitted nobody twice: is the switch still wired?"
