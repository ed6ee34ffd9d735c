"""Ticket types, quotas and settings through the API; the availability arithmetic's
invariants with hypothesis."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from podium.tests.ticketing.boxoffice import buy, shop
from podium.ticketing.availability import Ledger, quota_used


async def test_types_quotas_and_the_whole_event(podium_client, podium_users):
    event, tribune, org, fan, _staff = await shop(podium_client, podium_users, capacity=20)
    eid = event["id"]
    quotas = (await podium_client.get(f"/api/v1/events/{eid}/quotas", headers=org)).json()["items"]
    assert [(q["name"], q["size"], q["effective_size"]) for q in quotas] == [("Whole event", None, 20)]
    vip = (await podium_client.post(f"/api/v1/events/{eid}/ticket-types", json={
        "name": "VIP", "price_cents": 9000, "quota": 3, "max_per_order": 2}, headers=org)).json()
    assert len(vip["quota_ids"]) == 2 and vip["available"] == 3
    shared = (await podium_client.post(f"/api/v1/events/{eid}/quotas", json={
        "name": "Upper tier", "size": 5, "ticket_type_ids": [tribune["id"]]}, headers=org))
    assert shared.status_code == 201 and shared.json()["ticket_type_ids"] == [tribune["id"]]
    listed = {t["name"]: t for t in (await podium_client.get(f"/api/v1/events/{eid}/ticket-types")).json()["items"]}
    assert listed["Tribune"]["available"] == 5  # the tightest quota wins
    await buy(podium_client, fan, vip["id"], 2)
    listed = {t["name"]: t for t in (await podium_client.get(f"/api/v1/events/{eid}/ticket-types")).json()["items"]}
    assert listed["VIP"]["available"] == 1 and listed["Tribune"]["available"] == 5
    # The whole-event quota follows the capacity.
    await podium_client.patch(f"/api/v1/events/{eid}", json={"capacity": 4}, headers=org)
    listed = {t["name"]: t for t in (await podium_client.get(f"/api/v1/events/{eid}/ticket-types")).json()["items"]}
    assert listed["Tribune"]["available"] == 2 and listed["VIP"]["available"] == 1
    whole = next(q for q in (await podium_client.get(f"/api/v1/events/{eid}/quotas", headers=org)).json()["items"]
                 if q["whole_event"])
    bad = await podium_client.patch(f"/api/v1/quotas/{whole['id']}", json={"size": 9}, headers=org)
    assert bad.status_code == 422


async def test_type_validation_and_deletion(podium_client, podium_users):
    event, tribune, org, fan, staff = await shop(podium_client, podium_users, capacity=None)
    eid = event["id"]
    url = f"/api/v1/events/{eid}/ticket-types"
    bad_bodies = [
        {"name": "No quota", "price_cents": 100},  # an event without capacity needs one
        {"name": "", "quota": 5},
        {"name": "X", "quota": 5, "price_cents": -1},
        {"name": "X", "quota": 5, "currency": "EURO"},
        {"name": "X", "quota": 5, "currency": "USD"},  # the event sells in EUR
        {"name": "X", "quota": 5, "max_per_order": 0},
        {"name": "X", "quota": 5, "sale_starts_at": "2030-01-02T10:00:00+01:00",
         "sale_ends_at": "2030-01-01T10:00:00+01:00"},
        {"name": "X", "quota": 5, "sale_starts_at": "2030-01-02T10:00:00"},  # no offset
        {"name": "X", "quotas": [999999]},
        {"name": "X\x00", "quota": 5},
    ]
    for body in bad_bodies:
        response = await podium_client.post(url, json=body, headers=org)
        assert response.status_code in (400, 422), (body, response.text)
    assert (await podium_client.post(url, json={"name": "X", "quota": 5}, headers=fan)).status_code == 403
    lower = (await podium_client.post(url, json={"name": "Lower", "currency": "eur", "quota": 5},
                                      headers=org)).json()
    assert lower["currency"] == "EUR"
    # Never ordered: deleted, with its own quota.
    gone = (await podium_client.delete(f"/api/v1/ticket-types/{lower['id']}", headers=org)).json()
    assert gone == {"deleted": True, "ticket_type": None}
    assert (await podium_client.get(f"/api/v1/ticket-types/{lower['id']}")).status_code == 404
    # Ordered: deactivated instead, hidden from buyers, shown to organisers.
    await buy(podium_client, fan, tribune["id"], 1)
    kept = (await podium_client.delete(f"/api/v1/ticket-types/{tribune['id']}", headers=org)).json()
    assert kept["deleted"] is False and kept["ticket_type"]["active"] is False
    assert (await podium_client.get(url)).json()["total"] == 0
    assert (await podium_client.get(f"{url}?include_inactive=true")).status_code == 403
    assert (await podium_client.get(f"{url}?include_inactive=true", headers=org)).json()["total"] == 1


async def test_settings_are_checked(podium_client, podium_users):
    event, _tribune, org, fan, _staff = await shop(podium_client, podium_users)
    url = f"/api/v1/events/{event['id']}/ticket-settings"
    assert (await podium_client.get(url)).json()["hold_minutes"] == 15
    for body in ({"hold_minutes": 0}, {"offer_minutes": -5}, {"resale_cap_cents": -1},
                 {"transfer_deadline": "tomorrow"}, {"transfers_allowed": "yes"}, {"colour": 1}):
        assert (await podium_client.put(url, json=body, headers=org)).status_code in (400, 422), body
    assert (await podium_client.put(url, json={"hold_minutes": 30}, headers=fan)).status_code == 403
    saved = await podium_client.put(url, json={
        "hold_minutes": 30, "offer_minutes": 120, "resale_allowed": False, "resale_cap_cents": 2000,
        "transfer_deadline": "2030-01-01T12:00:00+01:00"}, headers=org)
    assert saved.status_code == 200
    body = saved.json()
    assert (body["hold_minutes"], body["offer_minutes"], body["resale_allowed"],
            body["resale_cap_cents"], body["transfers_allowed"]) == (30, 120, False, 2000, True)
    order = (await buy(podium_client, fan, _tribune["id"])).json()
    from datetime import datetime

    held = datetime.fromisoformat(order["expires_at"]) - datetime.fromisoformat(order["created_at"])
    assert 29 * 60 < held.total_seconds() <= 30 * 60


# -- the arithmetic ---------------------------------------------------------------------

type_ids = st.integers(1, 4)
quota_ids = st.integers(1, 3)
setups = st.tuples(
    st.dictionaries(quota_ids, st.one_of(st.none(), st.integers(0, 12)), min_size=1),
    st.dictionaries(type_ids, st.sets(quota_ids, max_size=3), min_size=1),
)
requests = st.lists(st.dictionaries(type_ids, st.integers(1, 5), min_size=1, max_size=3),
                    max_size=25)


@given(setups, requests)
def test_taking_never_exceeds_any_quota(setup, stream):
    sizes, type_quotas = setup
    type_quotas = {t: {q for q in qs if q in sizes} for t, qs in type_quotas.items()}
    ledger = Ledger.of(sizes, {}, type_quotas)
    accepted: list[tuple[int, int]] = []
    for request in stream:
        request = {t: n for t, n in request.items() if t in type_quotas}
        before = dict(ledger.left)
        short = ledger.take(request)
        if short:
            assert ledger.left == before  # a refusal changes nothing
            # ...and is explained: some quota of a short type cannot hold the request.
            need = quota_used(request.items(), type_quotas)
            assert any(before.get(q) is not None and need[q] > before[q]
                       for s in short for q in type_quotas[s.ticket_type_id])
        else:
            accepted += request.items()
    used = quota_used(accepted, type_quotas)
    for quota, size in sizes.items():
        if size is not None:
            assert used.get(quota, 0) <= size
            assert ledger.left[quota] == size - used.get(quota, 0)


@given(setups, st.dictionaries(type_ids, st.integers(0, 4)))
def test_available_is_what_one_type_can_take(setup, waiting):
    sizes, type_quotas = setup
    type_quotas = {t: {q for q in qs if q in sizes} for t, qs in type_quotas.items()}
    ledger = Ledger.of(sizes, {}, type_quotas, waiting)
    for type_id in type_quotas:
        left = ledger.available(type_id)
        if left is None:
            assert all(sizes[q] is None for q in type_quotas[type_id])
            continue
        assert left >= 0
        assert not ledger.shortfalls({type_id: left}) if left else True
        assert ledger.shortfalls({type_id: left + 1})
