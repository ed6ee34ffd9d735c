"""The ledger's service on the real database (SQLite, or PostgreSQL with
PODIUM_TEST_DATABASE_URL): appending, idempotency, tiles, checkpoints and milestones,
keys and origin, the cache's recovery."""

from __future__ import annotations

import pytest

from podium.core.database import wipe_all_tables
from podium.plugins.ledger import entries, merkle, note, service
from podium.plugins.ledger.note import Signer
from podium.plugins.ledger.tables import LedgerCheckpoint, LedgerEntry, LedgerKey

from .support import (
    assert_log_is_sound,
    checked_in,
    issued,
    paid,
    revoked,
    transferred,
)


@pytest.fixture(autouse=True)
def _fresh_cache():
    service.forget_cache()
    yield
    service.forget_cache()


async def test_a_new_log_starts_with_a_signed_empty_checkpoint(podium_db):
    latest = await service.start_log()
    assert latest.size == 0 and latest.root_hash == merkle.EMPTY_ROOT
    assert latest.reason == "log started"
    verifier = await service.verifier()
    assert verifier.name == service.DEFAULT_ORIGIN
    assert note.open_checkpoint(latest.note, verifier).size == 0
    assert await LedgerKey.count() == 1


async def test_append_is_idempotent_on_the_domain_event_and_index(podium_db):
    event = issued("tk_1", "tk_2")
    first = await service.record_event(event)
    again = await service.record_event(event)
    assert (first.count, first.size) == (2, 2)
    assert (again.count, again.size, again.checkpoint) == (0, 2, None)
    # A batch repeating itself, and mixing old and new entries, appends each once.
    more = entries.entries_of(issued("tk_3"))
    done = await service.append(entries.entries_of(event) + more + more)
    assert (done.count, done.size) == (1, 3)
    assert await LedgerEntry.count() == 3
    assert await assert_log_is_sound() == 3


async def test_every_kind_of_ticket_event_is_logged_and_the_log_stays_sound(podium_db):
    for event in (issued("tk_1", "tk_2"), paid("or_1", "tk_1", "tk_2"),
                  transferred("tk_1"), transferred("tk_2", price=2500),
                  revoked("tk_2", "refunded"), checked_in("tk_1")):
        await service.record_event(event)
    history = await service.ticket_history("tk_1")
    assert [h["kind"] for h in history] == ["issued", "paid", "transferred", "checked_in"]
    assert [h["kind"] for h in await service.ticket_history("tk_2")] == \
        ["issued", "paid", "resold", "refunded"]
    assert await assert_log_is_sound() == 7
    # one checkpoint per batch, plus the log's start
    assert await LedgerCheckpoint.count() == 7


async def test_the_first_check_in_of_a_venue_event_marks_doors_open(podium_db):
    await service.record_event(issued("a", "b", "c", event=40))
    await service.record_event(issued("x", event=41))
    opened = await service.record_event(checked_in("a", event=40))
    later = await service.record_event(checked_in("b", event=40, minutes=2))
    both = await service.record_event(checked_in("c", event=40, minutes=3))
    other = await service.record_event(checked_in("x", event=41))
    assert opened.checkpoint and "doors open: venue event 40" in opened.checkpoint.reason
    assert later.checkpoint and "doors open" not in later.checkpoint.reason
    assert both.checkpoint and "doors open" not in both.checkpoint.reason
    assert other.checkpoint and "doors open: venue event 41" in other.checkpoint.reason


async def test_publish_checkpoint_signs_the_current_tree_for_a_milestone(podium_db):
    await service.record_event(issued("a", "b"))
    milestone = await service.publish_checkpoint("sales closed for venue event 40")
    assert milestone.size == 2 and milestone.reason == "sales closed for venue event 40"
    latest = await service.latest_checkpoint()
    assert latest == milestone
    assert await assert_log_is_sound() == 2


async def test_tiles_cover_more_than_one_level(podium_db):
    # 600 entries: two full level-0 tiles, a partial one, and a partial level-1 tile.
    batch = [entries.entries_of(issued(*[f"tk_{i}_{j}" for j in range(100)], order=f"o{i}"))
             for i in range(6)]
    for b in batch:
        await service.append(b)
    assert await assert_log_is_sound() == 600
    proof = await service.ticket_proof("tk_5_99")
    [entry] = proof.entries
    assert entry.index == 599
    merkle.verify_inclusion(599, 600, entry.leaf_hash, entry.proof, proof.checkpoint.root_hash)


async def test_a_write_that_rolls_back_leaves_no_trace_in_the_log_or_the_cache(podium_db, monkeypatch):
    await service.record_event(issued("a"))

    async def broken(*args, **kwargs):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(service, "_store_checkpoint", broken)
    with pytest.raises(RuntimeError, match="disk is full"):
        await service.record_event(issued("b"))
    monkeypatch.undo()
    assert await LedgerEntry.count() == 1
    assert service._CACHE.store.size == 1  # the cached tree dropped the leaf again
    await service.record_event(issued("c"))
    assert await assert_log_is_sound() == 2


async def test_a_replaced_database_is_noticed_by_the_cache(podium_db):
    await service.record_event(issued("a", "b", "c"))
    await service.ticket_proof("a")  # warms this process's tree
    old = await service.head()
    await wipe_all_tables()
    await service.record_event(issued("z"))
    new = await service.head()
    assert new is not None and old is not None and new.log_id != old.log_id
    proof = await service.ticket_proof("z")
    assert proof.checkpoint.size == 1 and await assert_log_is_sound() == 1


async def test_the_origin_comes_from_the_setting_and_stays_fixed(podium_db, monkeypatch, caplog):
    monkeypatch.setenv(service.ORIGIN_ENV, "tickets.velodrome.example/ledger")
    await service.record_event(issued("a"))
    verifier = await service.verifier()
    assert verifier.name == "tickets.velodrome.example/ledger"
    monkeypatch.setenv(service.ORIGIN_ENV, "somewhere.else/ledger")
    await service.record_event(issued("b"))
    latest = await service.latest_checkpoint()
    assert latest is not None and latest.note.startswith("tickets.velodrome.example/ledger\n")
    assert "ignored" in caplog.text


async def test_a_bad_origin_setting_is_refused(podium_db, monkeypatch):
    monkeypatch.setenv(service.ORIGIN_ENV, "has space")
    with pytest.raises(service.LedgerConfigError):
        await service.record_event(issued("a"))


async def test_an_operator_can_pin_the_signing_key(podium_db, monkeypatch):
    pinned = Signer.generate("tickets.velodrome.example/ledger")
    monkeypatch.setenv(service.SIGNING_KEY_ENV, pinned.text())
    await service.record_event(issued("a"))
    assert await service.verifier() == pinned.verifier
    latest = await service.latest_checkpoint()
    assert latest is not None
    assert note.open_checkpoint(latest.note, pinned.verifier).size == 1
    assert await LedgerKey.count() == 0  # nothing stored: the operator keeps it
    monkeypatch.setenv(service.SIGNING_KEY_ENV, "PRIVATE+KEY+garbage")
    service.forget_cache()
    with pytest.raises(service.LedgerConfigError):
        await service.record_event(issued("b"))


async def test_consistency_between_any_two_sizes_and_bad_sizes(podium_db):
    for i in range(5):
        await service.record_event(issued(f"t{i}", f"u{i}"))
    for first in range(11):
        for second in range(first, 11):
            c = await service.consistency(first, second)
            merkle.verify_consistency(first, second, c.first_root, c.second_root, c.proof)
    from podium.core.errors import InvalidInput

    for first, second in [(3, 2), (0, 11), (-1, 2)]:
        with pytest.raises(InvalidInput):
            await service.consistency(first, second)


async def test_unknown_ticket(podium_db):
    from podium.core.errors import NotFound

    with pytest.raises(NotFound) as caught:
        await service.ticket_proof("nope")
    assert caught.value.code == "unknown_ticket"
    await service.record_event(issued("a"))
    with pytest.raises(NotFound):
        await service.ticket_proof("nope")
