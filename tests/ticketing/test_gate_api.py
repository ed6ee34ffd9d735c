"""POST /api/v1/checkin and friends: every answer code, nonce replay, re-entry rules,
input errors, the offline kit, offline uploads with conflicts, counts and the page."""

from __future__ import annotations

from datetime import timedelta

from podium.core.database import atomic
from podium.core.events import TicketsCheckedIn, decode
from podium.core.outbox.tables import OutboxEvent
from podium.core.testing import DEFAULT_PASSWORD
from podium.tests.core.test_venue_support import bearer_for, quick_user
from podium.tests.ticketing.gate_support import nonce, open_event, scan_body, staff_headers, tickets
from podium.tests.ticketing.support import ticket_type
from podium.ticketing import secrets, tickets as ticket_service
from podium.ticketing.gate import verify_secret
from podium.ticketing.tables import Order, Scan, Ticket
from podium.ticketing.tickets import utc_now

URL = "/api/v1/checkin"


async def _checkins() -> list[TicketsCheckedIn]:
    rows = await OutboxEvent.select(OutboxEvent.type, OutboxEvent.payload).where(
        OutboxEvent.type == "TicketsCheckedIn").order_by(OutboxEvent.id)
    found = [decode(r["type"], r["payload"]) for r in rows]
    return [e for e in found if isinstance(e, TicketsCheckedIn)]


async def test_ok_then_already_redeemed_with_when_and_where(podium_client):
    setup = await open_event()
    [ticket] = await tickets(setup)
    headers = await staff_headers()
    first = await podium_client.post(URL, json=scan_body(ticket["secret"], event_id=setup["event"]["id"]),
                                     headers=headers)
    assert first.status_code == 200, first.text
    body = first.json()
    assert body["status"] == "ok" and body["direction"] == "entry" and body["gate"] == "North"
    assert body["ticket"]["id"] == ticket["code"] and body["ticket"]["type"]["name"] == "Tribune"
    assert body["ticket"]["event"]["id"] == setup["event"]["id"]
    second = await podium_client.post(URL, json=scan_body(ticket["secret"], gate="South"), headers=headers)
    assert second.status_code == 409
    refusal = second.json()
    assert refusal["code"] == "already_redeemed" and refusal["gate"] == "North" and refusal["at"]
    assert refusal["detail"]
    row = await Ticket.select().where(Ticket.code == ticket["code"]).first()
    assert row["inside"] and row["last_scan_gate"] == "North"
    scans = await Scan.select(Scan.result, Scan.gate).order_by(Scan.id)
    assert [(s["result"], s["gate"]) for s in scans] == [("ok", "North"), ("already_redeemed", "South")]
    [event] = await _checkins()
    [checkin] = event.checkins
    assert (checkin.ticket_id, checkin.gate, checkin.direction, checkin.offline) == (
        ticket["code"], "North", "entry", False)
    assert checkin.venue_event_id == setup["event"]["id"]


async def test_the_same_nonce_replays_the_first_answer(podium_client):
    setup = await open_event()
    [ticket] = await tickets(setup)
    headers = await staff_headers()
    body = scan_body(ticket["secret"])
    first = await podium_client.post(URL, json=body, headers=headers)
    again = await podium_client.post(URL, json=body, headers=headers)
    assert first.status_code == again.status_code == 200
    assert again.json()["replayed"] is True
    assert {k: v for k, v in again.json().items() if k != "replayed"} == first.json()
    assert await Scan.count() == 1 and len(await _checkins()) == 1
    # A refused scan replays its refusal too, even once the ticket has left.
    refused_body = scan_body(ticket["secret"])
    refused = await podium_client.post(URL, json=refused_body, headers=headers)
    assert refused.json()["code"] == "already_redeemed"
    assert (await podium_client.post(URL, json=scan_body(ticket["secret"], direction="exit"),
                                     headers=headers)).status_code == 200
    replay = await podium_client.post(URL, json=refused_body, headers=headers)
    assert replay.status_code == 409 and replay.json()["code"] == "already_redeemed"
    # A replayed invalid scan, too.
    garbage = scan_body("nonsense")
    assert (await podium_client.post(URL, json=garbage, headers=headers)).status_code == 404
    assert (await podium_client.post(URL, json=garbage, headers=headers)).json()["replayed"]


async def test_invalid_secrets_answer_404(podium_client):
    setup = await open_event()
    [ticket] = await tickets(setup)
    other = await open_event(title="Other")
    [foreign] = await tickets(other)
    headers = await staff_headers()
    secret = ticket["secret"]
    claims = secrets.read_claims(secret)
    forged_text = claims.text().replace(f".{claims.serial}.", f".{claims.serial + 1}.", 1)
    bad = [
        "", "not a ticket", secret[:-3] + ("AAA" if not secret.endswith("AAA") else "BBB"),
        secret.replace(ticket["code"], "x" * 22), f"{forged_text}.{secret.rpartition('.')[2]}",
        # another event's signature on this ticket's claims
        f"{claims.text()}.{foreign['secret'].rpartition('.')[2]}", "T1." + "9" * 300, "é" * 50,
    ]
    for value in bad:
        response = await podium_client.post(URL, json=scan_body(value), headers=headers)
        assert response.status_code == 404, (value, response.text)
        assert response.json()["code"] == "invalid" and "ticket" not in response.json()
    assert await Scan.count().where(Scan.result == "invalid") == len(bad)
    assert not (await Ticket.select(Ticket.inside).where(Ticket.id == ticket["id"]).first())["inside"]


async def test_revoked_wrong_event_not_paid(podium_client):
    setup = await open_event()
    [reissued, refunded, mine] = await tickets(setup, 3)
    headers = await staff_headers()
    async with atomic():
        fresh = await ticket_service.reissue(reissued, venue_id=None)
        await ticket_service.revoke([refunded], "refunded", venue_id=None)
    old = await podium_client.post(URL, json=scan_body(reissued["secret"]), headers=headers)
    assert old.status_code == 409 and old.json()["code"] == "revoked"
    gone = await podium_client.post(URL, json=scan_body(refunded["secret"]), headers=headers)
    assert gone.json()["code"] == "revoked"
    other = await open_event(title="Other")
    wrong = await podium_client.post(URL, json=scan_body(mine["secret"], event_id=other["event"]["id"]),
                                     headers=headers)
    assert wrong.status_code == 409 and wrong.json()["code"] == "wrong_event"
    assert (await podium_client.post(URL, json=scan_body(fresh["secret"]), headers=headers)).status_code == 200
    # A ticket whose order is not (or no longer) paid.
    order = Order(code="or_pending", event=setup["event"]["id"], status="pending", created_at=utc_now())
    await order.save()
    async with atomic():
        [unpaid] = await ticket_service.issue(
            event_id=setup["event"]["id"], venue_id=None, order_id=order.id, order_code="or_pending",
            holder_id=None, lines=[(setup["type_id"], 1, 1500, "EUR")])
    response = await podium_client.post(URL, json=scan_body(unpaid["secret"]), headers=headers)
    assert response.status_code == 409 and response.json()["code"] == "not_paid"
    await Order.update({Order.status: "paid"}).where(Order.id == order.id)
    assert (await podium_client.post(URL, json=scan_body(unpaid["secret"]), headers=headers)).status_code == 200
    assert len(await _checkins()) == 2


async def test_validity_window(podium_client):
    setup = await open_event()
    now = utc_now()
    early_type = await ticket_type(setup["event"]["id"], "Late shift", valid_from=now + timedelta(hours=1),
                                   valid_until=now + timedelta(hours=3))
    late_type = await ticket_type(setup["event"]["id"], "Morning", valid_from=now - timedelta(hours=3),
                                  valid_until=now - timedelta(hours=1))
    [early] = await tickets({**setup, "type_id": early_type})
    [late] = await tickets({**setup, "type_id": late_type})
    headers = await staff_headers()
    assert (await podium_client.post(URL, json=scan_body(early["secret"]), headers=headers)).json()["code"] == "not_yet_valid"
    assert (await podium_client.post(URL, json=scan_body(late["secret"]), headers=headers)).json()["code"] == "expired"
    # The device's time decides (an offline scan judged when it happened).
    then = (now - timedelta(hours=2)).isoformat()
    assert (await podium_client.post(URL, json=scan_body(late["secret"], scanned_at=then),
                                     headers=headers)).status_code == 200


async def test_reentry_rules(podium_client):
    once = await open_event()
    again = await open_event(reentry=True, title="Day pass")
    [single] = await tickets(once)
    [multi] = await tickets(again)
    headers = await staff_headers()

    async def scan(ticket, direction):
        return (await podium_client.post(URL, json=scan_body(ticket["secret"], direction=direction),
                                         headers=headers)).json()["code"]

    assert await scan(single, "exit") == "not_inside"
    assert [await scan(single, d) for d in ("entry", "exit", "entry", "exit")] == [
        "ok", "ok", "already_redeemed", "not_inside"]
    assert [await scan(multi, d) for d in ("entry", "entry", "exit", "entry", "exit", "exit")] == [
        "ok", "already_redeemed", "ok", "ok", "ok", "not_inside"]
    directions = [c.checkins[0].direction for c in await _checkins()]
    assert directions == ["entry", "exit", "entry", "exit", "entry", "exit"]


async def test_bad_input_is_refused_and_nothing_recorded(podium_client):
    setup = await open_event()
    [ticket] = await tickets(setup)
    headers = await staff_headers()
    cases = [
        {"gate": "", "nonce": nonce(), "secret": ticket["secret"]},
        {"gate": "N", "nonce": "short", "secret": ticket["secret"]},
        {"gate": "N", "nonce": nonce(), "secret": ticket["secret"], "direction": "sideways"},
        {"gate": "N" * 61, "nonce": nonce(), "secret": ticket["secret"]},
        {"gate": "N\x07", "nonce": nonce(), "secret": ticket["secret"]},
        {"gate": "N", "nonce": nonce(), "secret": ticket["secret"], "scanned_at": "yesterday"},
        {"gate": "N", "nonce": nonce(), "secret": ticket["secret"], "scanned_at": "2026-01-01T10:00:00"},
        {"gate": "N", "nonce": nonce(), "secret": ticket["secret"], "scanned_at": "2999-01-01T10:00:00+00:00"},
        {"gate": "N", "nonce": nonce(), "secret": ticket["secret"], "event_id": 0},
        {"gate": "N", "nonce": nonce(), "secret": "x" * 5000},
        {"gate": "N", "nonce": nonce(), "secret": ticket["secret"], "surprise": 1},
        {"gate": "N", "nonce": nonce()},
        {"gate": "N", "nonce": nonce(), "secret": 12},
    ]
    for body in cases:
        response = await podium_client.post(URL, json=body, headers=headers)
        assert 400 <= response.status_code < 500 and response.status_code not in (404, 409), (body, response.text)
        assert response.json()["code"] and response.json()["detail"]
    assert await Scan.count() == 0
    assert (await podium_client.post(URL, content=b"{", headers={**headers, "content-type": "application/json"})).status_code == 400
    assert (await podium_client.post(URL, json=scan_body(ticket["secret"]))).status_code == 401
    fan = await bearer_for(await quick_user("fan1", "fan"))
    assert (await podium_client.post(URL, json=scan_body(ticket["secret"]), headers=fan)).status_code == 403
    assert await Scan.count() == 0


async def test_gate_kit(podium_client):
    setup = await open_event(reentry=True)
    [ticket, dead] = await tickets(setup, 2)
    async with atomic():
        await ticket_service.revoke([dead], "cancelled", venue_id=None)
    headers = await staff_headers()
    response = await podium_client.get(f"/api/v1/events/{setup['event']['id']}/gate-kit", headers=headers)
    assert response.status_code == 200
    kit = response.json()
    assert kit["event"]["id"] == setup["event"]["id"]
    assert kit["revoked"] == [f"{dead['code']}.1"]
    assert kit["types"][str(setup["type_id"])]["allows_reentry"] is True
    import base64

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    key = Ed25519PublicKey.from_public_bytes(base64.b64decode(kit["public_key"]))
    assert secrets.verify(key, ticket["secret"]) is not None
    assert await verify_secret(setup["event"]["id"], ticket["secret"])
    assert (await podium_client.get("/api/v1/events/999999/gate-kit", headers=headers)).status_code == 404
    fan = await bearer_for(await quick_user("fan1", "fan"))
    assert (await podium_client.get(f"/api/v1/events/{setup['event']['id']}/gate-kit", headers=fan)).status_code == 403


async def test_offline_batch_records_conflicts_and_is_idempotent(podium_client):
    setup = await open_event()
    event_id = setup["event"]["id"]
    [shared, solo, dead] = await tickets(setup, 3)
    async with atomic():
        await ticket_service.revoke([dead], "refunded", venue_id=None)
    headers = await staff_headers()
    earlier = (utc_now() - timedelta(minutes=5)).isoformat()
    # Gate North is online and lets the shared ticket in.
    assert (await podium_client.post(URL, json=scan_body(shared["secret"]), headers=headers)).status_code == 200
    # Gate South was offline: it let the shared ticket in too, and two more.
    queued = [
        {"secret": shared["secret"], "nonce": nonce(), "direction": "entry", "scanned_at": earlier, "verdict_offline": "ok"},
        {"secret": solo["secret"], "nonce": nonce(), "direction": "entry", "scanned_at": earlier, "verdict_offline": "ok"},
        {"secret": dead["secret"], "nonce": nonce(), "direction": "entry", "scanned_at": earlier, "verdict_offline": "ok"},
        {"secret": "garbage", "nonce": nonce(), "direction": "entry", "scanned_at": earlier, "verdict_offline": "invalid"},
        {"secret": solo["secret"], "nonce": "bad", "direction": "entry"},
    ]
    batch = {"gate": "South", "event_id": event_id, "scans": queued}
    response = await podium_client.post(f"{URL}/batch", json=batch, headers=headers)
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert [r["http_status"] for r in results] == [409, 200, 409, 404, 422]
    assert [r["code"] for r in results[:4]] == ["already_redeemed", "ok", "revoked", "invalid"]
    assert [r.get("conflict") for r in results[:4]] == [True, False, True, False]
    assert response.json()["conflicts"] == 2
    solo_row = await Ticket.select().where(Ticket.id == solo["id"]).first()
    assert solo_row["inside"] and solo_row["last_scan_gate"] == "South"
    assert solo_row["last_scan_at"].isoformat()[:19] == earlier[:19]
    offline_checkins = [c.checkins[0] for c in await _checkins() if c.checkins[0].offline]
    assert [(c.ticket_id, c.gate) for c in offline_checkins] == [(solo["code"], "South")]
    # Uploading the same queue again (a lost answer) changes nothing.
    again = await podium_client.post(f"{URL}/batch", json=batch, headers=headers)
    assert [r.get("replayed") for r in again.json()["results"][:4]] == [True] * 4
    assert await Scan.count() == 5
    conflicts = (await podium_client.get(f"/api/v1/events/{event_id}/gate-conflicts", headers=headers)).json()
    assert conflicts["total"] == 2
    first = conflicts["items"][0]
    assert {c["ticket_id"] for c in conflicts["items"]} == {shared["code"], dead["code"]}
    clash = next(c for c in conflicts["items"] if c["ticket_id"] == shared["code"])
    assert clash["gate"] == "South" and clash["other_gate"] == "North" and clash["result"] == "already_redeemed"
    assert first["scanned_at"]
    for bad in ({"gate": "South", "scans": []}, {"gate": "", "scans": queued[:1]},
                {"gate": "South", "scans": [queued[0]] * 501}):
        refused = await podium_client.post(f"{URL}/batch", json=bad, headers=headers)
        assert refused.status_code == 422, refused.text


async def test_the_conflicts_list_shows_local_times_for_the_locale(podium_client):
    """Staff read an offline conflict's times in the venue's zone (Europe/Paris), not as
    UTC clock times; each keeps its instant on ``<time datetime>``."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    setup = await open_event()
    event_id = setup["event"]["id"]
    [shared] = await tickets(setup)
    headers = await staff_headers()
    earlier = (utc_now() - timedelta(minutes=5)).isoformat()
    assert (await podium_client.post(URL, json=scan_body(shared["secret"], gate="North"),
                                     headers=headers)).status_code == 200
    again = await podium_client.post(URL, json=scan_body(shared["secret"], gate="North"),
                                     headers={**headers, "Accept-Language": "fr"})
    assert again.status_code == 409 and again.json()["code"] == "already_redeemed"
    assert again.json()["detail"] == "Déjà à l’intérieur"  # the scanner's answer, in its language
    queued = [{"secret": shared["secret"], "nonce": nonce(), "direction": "entry",
               "scanned_at": earlier, "verdict_offline": "ok"}]
    await podium_client.post(f"{URL}/batch", json={"gate": "South", "event_id": event_id, "scans": queued},
                             headers=headers)
    [clash] = (await podium_client.get(f"/api/v1/events/{event_id}/gate-conflicts", headers=headers)).json()["items"]

    def paris(iso: str) -> str:
        return datetime.fromisoformat(iso).astimezone(ZoneInfo("Europe/Paris")).strftime("%H:%M")

    await quick_user("gaspard", "staff")
    await podium_client.login("gaspard", DEFAULT_PASSWORD)
    page = await podium_client.get(f"/gate/events/{event_id}/conflicts", headers={"Accept-Language": "fr"})
    assert page.status_code == 200
    assert (f'accepté hors ligne à <strong>South</strong> (<time datetime="{clash["scanned_at"]}">'
            f'{paris(clash["scanned_at"])}</time>), mais le serveur répond') in page.text
    assert f'<time datetime="{clash["other_at"]}">{paris(clash["other_at"])}</time>' in page.text
    assert "mais le serveur répond : Déjà utilisé (porte North" in page.text  # not the stored English
    assert "UTC" not in page.text


async def test_counts_and_live_message(podium_client):
    from podium.ticketing.plugin import podium_live_messages

    setup = await open_event(reentry=True)
    event_id = setup["event"]["id"]
    [a, b] = await tickets(setup, 2)
    headers = await staff_headers()
    for ticket, gate, direction in ((a, "North", "entry"), (b, "South", "entry"), (a, "North", "entry"),
                                    (b, "North", "exit")):
        await podium_client.post(URL, json=scan_body(ticket["secret"], gate=gate, direction=direction),
                                 headers=headers)
    counts = (await podium_client.get(f"/api/v1/events/{event_id}/gate-counts", headers=headers)).json()
    assert counts["inside"] == 1
    assert counts["gates"] == [{"gate": "North", "entries": 1, "exits": 1, "refused": 1},
                               {"gate": "South", "entries": 1, "exits": 0, "refused": 0}]
    [event] = (await _checkins())[:1]
    rendered = []
    messages = await podium_live_messages(event, lambda name, ctx: rendered.append(ctx) or name)
    # The gate's counts, and the box office's ping to the sales dashboard.
    assert [(m.topics, m.event) for m in messages] == [
        ((f"sales-{event_id}",), "sales-changed"), ((f"gate-{event_id}",), "gate-counts")]
    assert rendered[0]["counts"]["inside"] == 1
    assert [m.event for m in await podium_live_messages(event, None)] == ["sales-changed"]


async def test_scanner_page_and_its_session_endpoints(podium_client):
    setup = await open_event()
    event_id = setup["event"]["id"]
    [ticket] = await tickets(setup)
    anonymous = await podium_client.get("/gate", follow_redirects=False)
    assert anonymous.status_code in (302, 303)
    await quick_user("gaston", "staff")
    await podium_client.login("gaston", DEFAULT_PASSWORD)
    page = await podium_client.get("/gate")
    assert page.status_code == 200 and "Track finals" in page.text and "<script>" not in page.text
    page = await podium_client.get(f"/gate?event={event_id}")
    assert 'sse-connect="/-/events?topics=gate-' in page.text and "scan-input" in page.text
    assert "/static/ticketing/scanner.js" in page.text
    token = await podium_client.csrf_token()
    response = await podium_client.post("/gate/checkin", json=scan_body(ticket["secret"], event_id=event_id),
                                        headers={"x-csrftoken": token})
    assert response.status_code == 200 and response.json()["status"] == "ok"
    no_csrf = await podium_client.post("/gate/checkin", json=scan_body(ticket["secret"]))
    assert no_csrf.status_code == 403
    again = await podium_client.post("/gate/checkin", json=scan_body(ticket["secret"]), headers={"x-csrftoken": token})
    assert again.status_code == 409 and again.json()["code"] == "already_redeemed"
    bad = await podium_client.post("/gate/checkin", json={"secret": "x", "gate": "", "nonce": nonce()},
                                   headers={"x-csrftoken": token})
    assert bad.status_code == 422 and bad.json()["code"] == "invalid"
    kit = await podium_client.get(f"/gate/events/{event_id}/kit")
    assert kit.status_code == 200 and kit.json()["public_key"]
    assert (await podium_client.get("/gate/events/999999/kit")).status_code == 404
    static = await podium_client.get("/static/ticketing/scanner.js")
    assert static.status_code == 200 and "Ed25519" in static.text
    conflicts = await podium_client.get(f"/gate/events/{event_id}/conflicts")
    assert conflicts.status_code == 200 and "No conflict" in conflicts.text


def _script_texts(page: str, element_id: str) -> dict:
    """The JSON block ``<script type="application/json" id=...>`` of a page."""
    import json
    import re

    found = re.search(rf'<script type="application/json" id="{element_id}">(.*?)</script>', page, re.S)
    assert found, f"no #{element_id} block"
    return json.loads(found.group(1))


async def test_scanner_texts_come_from_the_page_in_its_language(podium_client):
    """scanner.js writes only texts the page gives it (a JSON block, no inline script):
    every key the script asks for is there, in French for a French page."""
    import re
    from pathlib import Path

    setup = await open_event()
    await quick_user("gisele", "staff")
    await podium_client.login("gisele", DEFAULT_PASSWORD)
    url = f"/gate?event={setup['event']['id']}"
    english = _script_texts((await podium_client.get(url)).text, "scanner-texts")
    assert english["words"]["wrong_event"] == "Wrong event"
    french_page = (await podium_client.get(url, headers={"Accept-Language": "fr"})).text
    assert "<script>" not in french_page and "Rien en attente d’envoi" in french_page
    french = _script_texts(french_page, "scanner-texts")
    assert french["words"]["wrong_event"] == "Mauvais évènement"
    assert french["queued_other"] == "{n} scans en attente d’envoi"
    assert french["since_at_gate"] == "depuis {time} à la porte {gate}"
    script = (Path(__file__).parents[2] / "ticketing" / "static" / "scanner.js").read_text()
    asked = set(re.findall(r'\bt\("(\w+)"', script))
    asked |= set(re.findall(r'\bt\(n === 1 \? "(\w+)" : "(\w+)"', script)[0])
    assert len(asked) > 15 and asked <= set(french), sorted(asked - set(french))
    # The answer words cover the codes the script falls back on (English) when offline.
    assert all(re.search(rf'\b{code}: "', script) for code in french["words"])
