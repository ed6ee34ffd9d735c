"""The organiser's transfer and resale rules, as properties (pure functions)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from podium.ticketing import rules

# Pure code: the PostgreSQL pass of the suite skips it (``-m 'not pure'``).
pytestmark = pytest.mark.pure

START = datetime(2026, 12, 20, 18, 0, tzinfo=timezone.utc)

settings = st.builds(
    rules.Rules, st.booleans(), st.booleans(), st.one_of(st.none(), st.integers(0, 10**6)),
    st.builds(lambda m: START + timedelta(minutes=m), st.integers(-10**5, 10**5)),
)
states = st.builds(rules.TicketState, st.sampled_from(["valid", "cancelled", "refunded", "revoked"]),
                   st.booleans(), st.integers(0, 10**6))
instants = st.builds(lambda m: START + timedelta(minutes=m), st.integers(-2 * 10**5, 2 * 10**5))


@given(settings, states, instants, st.booleans())
def test_a_transfer_happens_exactly_when_every_rule_allows_it(r, t, now, to_self):
    refusal = rules.transfer_refusal(r, t, now, to_self=to_self)
    allowed = r.transfers_allowed and t.status == "valid" and not t.inside and now < r.deadline and not to_self
    assert (refusal is None) == allowed
    if refusal is not None:
        assert refusal.code and refusal.detail
        if not r.transfers_allowed:
            assert refusal.code == "transfers_not_allowed"


@given(settings, states, instants, st.integers(-10, 2 * 10**6))
def test_a_resale_price_is_never_above_the_cap(r, t, now, price):
    refusal = rules.resale_refusal(r, t, now, price_cents=price)
    cap = t.face_value_cents if r.resale_cap_cents is None else r.resale_cap_cents
    allowed = (r.resale_allowed and t.status == "valid" and not t.inside and now < r.deadline
               and 0 <= price <= cap)
    assert (refusal is None) == allowed
    if refusal is None:
        assert price <= rules.resale_cap(r, t.face_value_cents)
    elif r.resale_allowed and t.status == "valid" and not t.inside and now < r.deadline:
        assert refusal.code in ("over_cap", "invalid_price")


@given(settings, states)
def test_the_default_cap_is_face_value(r, t):
    if r.resale_cap_cents is None:
        assert rules.resale_cap(r, t.face_value_cents) == t.face_value_cents


@given(settings, states, instants)
def test_nothing_changes_hands_after_the_deadline(r, t, now):
    if now >= r.deadline:
        assert rules.transfer_refusal(r, t, now, to_self=False) is not None
        assert rules.resale_refusal(r, t, now) is not None
        assert rules.resale_refusal(r, t, now, price_cents=0) is not None
