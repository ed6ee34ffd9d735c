"""The scan verdict is a pure function: examples for every code, and properties over
every combination of ticket state, claims, time and revocations."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from podium.ticketing.secrets import TicketClaims
from podium.ticketing.verdict import REASONS, TicketState, decide

# Pure code: the PostgreSQL pass of the suite skips it (``-m 'not pure'``).
pytestmark = pytest.mark.pure

T0 = datetime(2026, 12, 3, 18, 0, tzinfo=timezone.utc)
CLAIMS = TicketClaims("abc", 2, 7, 11, T0 - timedelta(hours=2), T0 + timedelta(hours=4))
STATE = TicketState(code="abc", event_id=11, ticket_type_id=7, status="valid", serial=2,
                    order_status="paid", allows_reentry=False, inside=False,
                    last_scan_at=None, last_scan_gate="")


def judge(claims=CLAIMS, ticket=STATE, *, signature_ok=True, scanner=11, direction="entry", now=T0):
    return decide(claims=claims, signature_ok=signature_ok, ticket=ticket,
                  scanner_event_id=scanner, direction=direction, now=now)


def test_every_code_by_example():
    assert judge().code == "ok"
    assert judge(None).code == "invalid"
    assert judge(ticket=None).code == "invalid"
    assert judge(signature_ok=False).code == "invalid"
    assert judge(replace(CLAIMS, serial=1)).code == "revoked"
    assert judge(replace(CLAIMS, serial=3)).code == "invalid"
    assert judge(ticket=replace(STATE, revoked_serials=frozenset({2}))).code == "revoked"
    assert judge(ticket=replace(STATE, status="refunded")).code == "revoked"
    assert judge(scanner=12).code == "wrong_event"
    assert judge(scanner=None).code == "ok"
    assert judge(ticket=replace(STATE, order_status="pending")).code == "not_paid"
    assert judge(ticket=replace(STATE, order_status=None)).code == "ok"
    assert judge(now=T0 - timedelta(hours=3)).code == "not_yet_valid"
    assert judge(now=T0 + timedelta(hours=5)).code == "expired"
    inside = replace(STATE, inside=True, last_scan_at=T0, last_scan_gate="North")
    twice = judge(ticket=inside)
    assert (twice.code, twice.at, twice.gate) == ("already_redeemed", T0, "North")
    assert judge(direction="exit").code == "not_inside"
    assert judge(ticket=inside, direction="exit").code == "ok"
    assert judge(ticket=inside, direction="exit", now=T0 + timedelta(hours=9)).code == "ok"
    left = replace(STATE, last_scan_at=T0, last_scan_gate="South")
    assert judge(ticket=left).code == "already_redeemed"
    assert judge(ticket=replace(left, allows_reentry=True)).code == "ok"
    assert set(REASONS) >= {"ok", "invalid", "revoked", "wrong_event", "not_paid",
                            "not_yet_valid", "expired", "already_redeemed"}


times = st.datetimes(min_value=datetime(2026, 12, 1), max_value=datetime(2026, 12, 6),
                     timezones=st.just(timezone.utc))
states = st.builds(
    TicketState, code=st.sampled_from(["abc", "xyz"]), event_id=st.sampled_from([11, 12]),
    ticket_type_id=st.sampled_from([7, 8]), status=st.sampled_from(["valid", "cancelled", "refunded", "revoked"]),
    serial=st.integers(1, 4), order_status=st.sampled_from([None, "paid", "pending", "refunded"]),
    allows_reentry=st.booleans(), inside=st.booleans(), last_scan_at=st.none() | times,
    last_scan_gate=st.sampled_from(["", "North", "South"]),
    revoked_serials=st.frozensets(st.integers(1, 4), max_size=3),
)
claim_sets = st.none() | st.builds(
    TicketClaims, st.sampled_from(["abc", "xyz"]), st.integers(1, 4), st.sampled_from([7, 8]),
    st.sampled_from([11, 12]), st.just(T0 - timedelta(hours=2)), st.just(T0 + timedelta(hours=4)))


@given(claim_sets, st.none() | states, st.booleans(), st.none() | st.sampled_from([11, 12]),
       st.sampled_from(["entry", "exit"]), times)
def test_ok_only_when_every_rule_holds(claims, ticket, signature_ok, scanner, direction, now):
    verdict = judge(claims, ticket, signature_ok=signature_ok, scanner=scanner,
                    direction=direction, now=now)
    assert verdict.code in REASONS
    if verdict.ok:
        assert claims is not None and ticket is not None and signature_ok
        assert claims.code == ticket.code and claims.event_id == ticket.event_id
        assert claims.serial == ticket.serial and claims.serial not in ticket.revoked_serials
        assert ticket.status == "valid" and ticket.order_status in (None, "paid")
        assert scanner in (None, claims.event_id)
        if direction == "entry":
            assert claims.valid_from <= now <= claims.valid_until
            assert not ticket.inside
            assert ticket.last_scan_at is None or ticket.allows_reentry
        else:
            assert ticket.inside
    if verdict.code == "already_redeemed":
        assert ticket is not None and verdict.at == ticket.last_scan_at
    if claims is None or ticket is None or not signature_ok:
        assert verdict.code == "invalid"


@given(states, times)
def test_an_entry_then_an_entry_is_never_two_admissions(ticket, now):
    """Applying an accepted entry to the state makes the next entry a refusal."""
    first = judge(replace(CLAIMS, code=ticket.code, event_id=ticket.event_id,
                          ticket_type_id=ticket.ticket_type_id, serial=ticket.serial),
                  ticket, scanner=None, now=now)
    if first.ok:
        after = replace(ticket, inside=True, last_scan_at=now, last_scan_gate="North")
        again = judge(replace(CLAIMS, code=ticket.code, event_id=ticket.event_id,
                              ticket_type_id=ticket.ticket_type_id, serial=ticket.serial),
                      after, scanner=None, now=now)
        assert again.code == "already_redeemed" and again.gate == "North"
