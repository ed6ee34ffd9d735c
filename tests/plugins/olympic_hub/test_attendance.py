"""A ticket checked in at the gate is an ``attend`` fact of its holder, once."""

from __future__ import annotations

import pytest

from podium.social.tables import FanAction
from podium.tests.core.test_venue_support import bearer_for, quick_user
from podium.tests.ticketing.gate_support import open_event, scan_body, staff_headers
from podium.tests.ticketing.support import issue

pytestmark = pytest.mark.hooks("podium_tickets_checked_in")


async def test_a_checked_in_ticket_earns_attendance_once(podium_client) -> None:
    c = podium_client
    setup = await open_event(reentry=True)
    fan = await quick_user("fan1")
    [ticket] = await issue(setup["event"], setup["type_id"], fan.id)
    [walk_in] = await issue(setup["event"], setup["type_id"], None)  # no account: no points
    gate = await staff_headers()
    for body in (scan_body(ticket["secret"]), scan_body(ticket["secret"], direction="exit"),
                 scan_body(ticket["secret"]), scan_body(walk_in["secret"])):
        r = await c.post("/api/v1/checkin", json={**body, "event_id": setup["event"]["id"]}, headers=gate)
        assert r.status_code == 200, r.text
    facts = await FanAction.select().where(FanAction.kind == "attend")
    assert [(f["fan"], f["target"]) for f in facts] == [(fan.id, f"event:{setup['event']['id']}")]
    me = (await c.get("/api/v1/hub/me", headers=await bearer_for(fan))).json()
    assert me["standing"]["points_all_time"] == 5
    assert [h["rule"] for h in me["history"]] == ["olympic_hub.attend"]
