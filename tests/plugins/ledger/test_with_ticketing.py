"""The ledger with the real ticketing domain: tickets it issues and reissues reach the log
through the outbox with their holder commitments, and erasing an event's holder key leaves
the log verifiable."""

from __future__ import annotations

import pytest

from podium.core.outbox.dispatcher import Dispatcher
from podium.core.testing import plugin_host
from podium.plugins.ledger import service
from podium.tests.ticketing.support import issue, ticket_type, ticketed_event
from podium.ticketing import tickets
from podium.ticketing.keys import event_keys, forget_holders

from .support import assert_log_is_sound


@pytest.fixture(autouse=True)
def _fresh_cache():
    service.forget_cache()
    yield
    service.forget_cache()


@pytest.mark.hooks("podium_tickets_issued", "podium_tickets_revoked")
async def test_tickets_of_the_domain_are_logged_with_commitments_only(podium_db, podium_users):
    ada = await podium_users("ada", "fan")
    event = await ticketed_event()
    type_id = await ticket_type(event["id"])
    [ticket] = await issue(event, type_id, ada.id)
    await tickets.reissue(ticket, venue_id=event["venue_id"])
    dispatcher = Dispatcher(plugin_host(["ledger"]))
    await dispatcher.drain()
    history = await service.ticket_history(ticket["code"])
    assert [h["kind"] for h in history] == ["issued", "reissued"]
    issued = history[0]["data"]
    keys = await event_keys(event["id"])
    assert issued["holder"] == keys.commitment(ada.id) != ""
    values = {str(v) for h in history for v in h["data"].values()}
    assert not values & {"ada", ada.username, ada.display_name}  # no name, only a commitment
    assert await forget_holders(event["id"])  # erasure: the key is gone...
    assert await assert_log_is_sound() == 2  # ...and the log still verifies
    proof = await service.ticket_proof(ticket["code"])
    assert len(proof.entries) == 2
