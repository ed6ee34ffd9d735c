"""C2SP tlog-tiles paths and bundles, and ticket events → canonical entries (pure)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from podium.core.events import (
    CheckIn,
    IssuedTicket,
    OrdersPaid,
    PaidOrder,
    TicketRevocation,
    TicketsCheckedIn,
    TicketsIssued,
    TicketsRevoked,
    TicketsTransferred,
    TicketTransfer,
)
from podium.plugins.ledger import entries, tiles
from podium.plugins.ledger.tiles import TilePathError, TileRef, parse_tile_path, tile_path

# Pure code: the PostgreSQL pass of the suite skips it (``-m 'not pure'``).
pytestmark = pytest.mark.pure

AT = datetime(2026, 12, 3, 18, 0, tzinfo=timezone.utc)


# -- tiles --------------------------------------------------------------------------------------


def test_index_encoding_follows_the_spec_example():
    assert tiles.encode_index(1234067) == "x001/x234/067"
    assert tiles.encode_index(0) == "000"
    assert tiles.encode_index(1000) == "x001/000"
    assert tile_path(0, 1234067) == "tile/0/x001/x234/067"
    assert tile_path(2, 5, 17) == "tile/2/005.p/17"
    assert tile_path(None, 3, 1) == "tile/entries/003.p/1"


@given(level=st.one_of(st.none(), st.integers(0, 63)), index=st.integers(0, 10**15),
       width=st.integers(1, 256))
def test_paths_round_trip(level, index, width):
    path = tile_path(level, index, width)
    assert parse_tile_path(path.removeprefix("tile/")) == TileRef(level, index, width)


@pytest.mark.parametrize("path", [
    "0", "0/1", "0/01", "0/0001", "00/000", "64/000", "-1/000", "x/000", "0/x000/001",
    "0/001/x002", "0/x1/000", "0/000.p/0", "0/000.p/256", "0/000.p/07", "0/000.p/", "0/000.p",
    "0/000.p/5/6", "entries/000.p/300", "data/000", "0/000.q/5", "0/ 000", "",
])
def test_non_canonical_paths_are_refused(path):
    with pytest.raises(TilePathError):
        parse_tile_path(path)


def test_the_specs_70000_entry_example():
    found = list(tiles.tiles_for(70000))
    level0 = [t for t in found if t.level == 0]
    assert len(level0) == 274 and sum(not t.partial for t in level0) == 273
    assert level0[-1].width == 112
    assert [(t.level, t.index, t.width) for t in found if t.level and t.level >= 1] == \
        [(1, 0, 256), (1, 1, 17), (2, 0, 1)]
    # "a tree of size 256 will be represented by a full level 0 tile and a partial level 1
    # tile of width 1"
    assert [(t.level, t.width) for t in tiles.tiles_for(256)] == [(0, 256), (1, 1)]
    assert list(tiles.tiles_for(0)) == []
    assert tiles.tile_width(70000, 1, 1) == 17 and tiles.tile_width(70000, 1, 2) == 0


@given(st.lists(st.binary(max_size=300), max_size=20))
def test_bundles_round_trip(items):
    assert tiles.decode_bundle(tiles.encode_bundle(items)) == items


def test_bundle_limits():
    with pytest.raises(ValueError):
        tiles.encode_bundle([b"x" * 65536])
    assert tiles.encode_bundle([b"a"]) == b"\x00\x01a"
    for truncated in (b"\x00", b"\x00\x05abc"):
        with pytest.raises(ValueError):
            tiles.decode_bundle(truncated)


# -- entries -------------------------------------------------------------------------------------


def parse(entry: entries.PendingEntry) -> dict:
    return json.loads(entry.body)


def test_issued_entries_are_canonical_json_without_personal_data():
    event = TicketsIssued(venue_id=1, event_id="e1", occurred_at=AT, order_ref="or_1",
                          tickets=(IssuedTicket("tk_1", 2, 40, "c0ffee", 1500),))
    [e] = entries.entries_of(event)
    assert e.body == (b'{"at":"2026-12-03T18:00:00Z","currency":"EUR","event":40,'
                      b'"holder":"c0ffee","kind":"issued","order":"or_1","price_cents":1500,'
                      b'"serial":1,"src":"e1#0","ticket":"tk_1","type":2,"v":1}')
    assert e.src == "e1#0" and e.tickets == ("tk_1",) and e.venue_event_id == 40


def test_each_event_becomes_the_right_kinds():
    issued = TicketsIssued(venue_id=1, event_id="i", occurred_at=AT, tickets=(
        IssuedTicket("a", 1, 9, "h1"), IssuedTicket("b", 1, 9, "h2")))
    paid = OrdersPaid(venue_id=1, event_id="p", occurred_at=AT, orders=(
        PaidOrder("or_1", 9, 3000, "EUR", "card", ("a", "b")),))
    moved = TicketsTransferred(venue_id=1, event_id="t", occurred_at=AT, transfers=(
        TicketTransfer("a", 9, "h1", "h3", serial=2),
        TicketTransfer("b", 9, "h2", "h4", serial=2, price_cents=2500)))
    revoked = TicketsRevoked(venue_id=1, event_id="r", occurred_at=AT, revocations=(
        TicketRevocation("a", 9, "reissued", 2, new_serial=3),
        TicketRevocation("b", 9, "refunded", 2), TicketRevocation("c", 9, "revoked", 1),
        TicketRevocation("d", 9, "cancelled", 1)))
    offline_at = AT - timedelta(minutes=5)
    scans = TicketsCheckedIn(venue_id=1, event_id="c", occurred_at=AT, checkins=(
        CheckIn("a", "north", offline_at, 9, offline=True, check_in_list="main"),
        CheckIn("a", "north", AT, 9, direction="exit")))
    kinds = [parse(e)["kind"] for ev in (issued, paid, moved, revoked, scans)
             for e in entries.entries_of(ev)]
    assert kinds == ["issued", "issued", "paid", "transferred", "resold", "reissued",
                     "refunded", "revoked", "cancelled", "checked_in", "checked_out"]
    [p] = entries.entries_of(paid)
    assert parse(p)["tickets"] == ["a", "b"] and p.tickets == ("a", "b")
    assert parse(p)["method"] == "card" and parse(p)["total_cents"] == 3000
    transfer, resale = [parse(e) for e in entries.entries_of(moved)]
    assert "price_cents" not in transfer and resale["price_cents"] == 2500
    assert transfer["from"] == "h1" and transfer["to"] == "h3" and transfer["serial"] == 2
    assert parse(entries.entries_of(revoked)[0])["new_serial"] == 3
    first_scan = parse(entries.entries_of(scans)[0])
    assert first_scan["at"] == "2026-12-03T17:55:00Z"  # the gate's own time
    assert first_scan["offline"] is True and first_scan["list"] == "main"
    assert first_scan["gate"] == "north"
    for ev in (issued, paid, moved, revoked, scans):
        for e in entries.entries_of(ev):
            assert set(parse(e)) <= {
                "v", "kind", "ticket", "tickets", "event", "type", "holder", "serial",
                "price_cents", "currency", "order", "total_cents", "method", "from", "to",
                "new_serial", "gate", "offline", "list", "at", "src", "part", "parts",
                "reason"}


def test_a_huge_order_is_split_so_each_entry_fits_a_bundle():
    ids = tuple(f"tk_{i:05d}_{'x' * 40}" for i in range(1200))
    event = OrdersPaid(venue_id=1, event_id="big", occurred_at=AT, orders=(
        PaidOrder("or_big", 9, 10**6, "EUR", "invoice", ids),))
    parts = entries.entries_of(event)
    assert len(parts) == 3 and all(len(p.body) <= entries.MAX_ENTRY_BYTES for p in parts)
    assert [p.src for p in parts] == ["big#0/1", "big#0/2", "big#0/3"]
    assert sum(len(parse(p)["tickets"]) for p in parts) == 1200
    assert {parse(p)["parts"] for p in parts} == {3}


def test_times_are_utc_rfc3339_and_big_numbers_stay_exact():
    assert entries.iso(datetime(2026, 1, 1, 12, 0, 0, 5)) == "2026-01-01T12:00:00.000005Z"
    paris = timezone(timedelta(hours=1))
    assert entries.iso(datetime(2026, 1, 1, 13, 0, tzinfo=paris)) == "2026-01-01T12:00:00Z"
    event = TicketsIssued(venue_id=1, event_id="n", occurred_at=AT,
                          tickets=(IssuedTicket("a", 1, 9, "h", price_cents=2**60),))
    assert parse(entries.entries_of(event)[0])["price_cents"] == str(2**60)


def test_an_oversized_entry_is_refused_not_truncated():
    event = TicketsIssued(venue_id=1, event_id="x", occurred_at=AT,
                          tickets=(IssuedTicket("a" * 70000, 1, 9, "h"),))
    with pytest.raises(ValueError, match="at most"):
        entries.entries_of(event)
