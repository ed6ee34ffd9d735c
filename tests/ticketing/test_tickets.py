"""Ticket secrets (signed, offline-verifiable), issuing, rotating and revoking."""

from __future__ import annotations

from datetime import datetime, timezone

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from podium.core.database import atomic
from podium.core.events import TicketsIssued, TicketsRevoked, decode, encode
from podium.core.outbox.tables import OutboxEvent
from podium.tests.core.test_venue_support import quick_user
from podium.tests.ticketing.support import issue, ticket_type, ticketed_event
from podium.ticketing import secrets, tickets
from podium.ticketing.keys import event_keys, forget_holders
from podium.ticketing.tables import RevokedSecret, Ticket

KEY = Ed25519PrivateKey.generate()
OTHER = Ed25519PrivateKey.generate()
AT = datetime(2026, 12, 3, 18, 0, tzinfo=timezone.utc)

codes = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
                min_size=1, max_size=30)
claims = st.builds(secrets.TicketClaims, codes, st.integers(1, 10**6), st.integers(1, 10**9),
                   st.integers(1, 10**9), st.just(AT), st.just(AT.replace(hour=23)))


@given(claims)
def test_a_signed_secret_reads_back_its_claims(c):
    assert secrets.verify(KEY.public_key(), secrets.sign(KEY, c)) == c


@given(claims, st.data())
def test_any_changed_character_or_other_key_fails(c, data):
    secret = secrets.sign(KEY, c)
    assert secrets.verify(OTHER.public_key(), secret) is None
    i = data.draw(st.integers(0, len(secret) - 1))
    replacement = data.draw(st.sampled_from("0A9z.-_"))
    altered = secret[:i] + replacement + secret[i + 1:]
    if altered != secret:
        verified = secrets.verify(KEY.public_key(), altered)
        # base64url's last character carries padding bits: a change there may decode to
        # the same signature bytes, and then the claims are the original ones.
        assert verified is None or verified == c


@given(st.text(max_size=500))
def test_garbage_is_never_a_ticket(text):
    assert secrets.verify(KEY.public_key(), text) is None or text.startswith("T1.")


async def _events(kind):
    return [decode(r["type"], r["payload"]) for r in await OutboxEvent.select().order_by(OutboxEvent.id)
            if r["type"] == kind.__name__]


async def test_issue_signs_with_the_event_key_and_commits_holders(podium_db):
    event = await ticketed_event()
    fan = await quick_user("fanny")
    type_id = await ticket_type(event["id"])
    made = await issue(event, type_id, fan.id, quantity=3)
    keys = await event_keys(event["id"])
    assert len({t["code"] for t in made}) == 3
    for ticket in made:
        c = secrets.verify(keys.public_key, ticket["secret"])
        assert c is not None and (c.code, c.serial, c.event_id, c.ticket_type_id) == (
            ticket["code"], 1, event["id"], type_id)
        assert c.valid_from < event["starts_at"] < c.valid_until
    [recorded] = await _events(TicketsIssued)
    assert {t.ticket_id for t in recorded.tickets} == {t["code"] for t in made}
    commitment = recorded.tickets[0].holder_commitment
    assert len(commitment) == 64
    assert "fanny" not in encode(recorded) and "holder_id" not in encode(recorded)
    assert commitment == keys.commitment(fan.id)
    # Forgetting holders replaces the key: the old commitment no longer matches anyone.
    assert await forget_holders(event["id"])
    assert (await event_keys(event["id"])).commitment(fan.id) != commitment


async def test_rotating_and_revoking_put_secrets_on_the_revocation_list(podium_db):
    event = await ticketed_event()
    fan = await quick_user("fanny")
    type_id = await ticket_type(event["id"])
    first, second = await issue(event, type_id, fan.id, quantity=2)
    async with atomic():
        row = await Ticket.select().where(Ticket.code == first["code"]).first()
        rotated = await tickets.reissue(tickets.ticket_dict(row), venue_id=event["venue_id"])
    assert rotated["serial"] == 2 and rotated["secret"] != first["secret"]
    async with atomic():
        row = await Ticket.select().where(Ticket.code == second["code"]).first()
        await tickets.revoke([tickets.ticket_dict(row)], "refunded", venue_id=event["venue_id"])
    assert await tickets.revocation_list(event["id"]) == [f"{first['code']}.1", f"{second['code']}.1"]
    assert await RevokedSecret.count() == 2
    [reissued, refunded] = await _events(TicketsRevoked)
    assert reissued.revocations[0].reason == "reissued" and reissued.revocations[0].new_serial == 2
    assert refunded.revocations[0].reason == "refunded"
    assert (await Ticket.select(Ticket.status).where(Ticket.code == second["code"]).first())["status"] == "refunded"


async def test_the_forget_holders_command_destroys_the_holder_key(podium_db):
    from podium.tests.core.test_plugins_inventory import run_podium

    event = await ticketed_event()
    fan = await quick_user("fanny")
    await issue(event, await ticket_type(event["id"]), fan.id)
    before = (await event_keys(event["id"])).commitment(fan.id)
    done = run_podium("tickets", "forget-holders", str(event["id"]))
    assert done.returncode == 0, done.stderr
    assert "name no one" in done.stdout
    assert (await event_keys(event["id"])).commitment(fan.id) != before
    missing = run_podium("tickets", "forget-holders", "999999")
    assert missing.returncode != 0 and "no ticket keys" in missing.stderr
