"""The ledger over HTTP: the tlog-tiles API, the proof API, the explorer pages, the
``ticket.history`` slot; bad input answers 4xx with a reason, never a 500."""

from __future__ import annotations

import base64
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from podium.core.testing import plugin_host
from podium.plugins.ledger import merkle, note, service, tiles
from podium.plugins.ledger.merkle import leaf_hash

from .support import checked_in, issued, paid


@pytest.fixture(autouse=True)
def _fresh_cache():
    service.forget_cache()
    yield
    service.forget_cache()


@pytest.fixture
async def client(podium_app_factory, podium_client_factory):
    return await podium_client_factory(podium_app_factory(plugins=["ledger"]))


async def _fill(n_orders: int = 3) -> None:
    for i in range(n_orders):
        await service.record_event(issued(f"tk_{i}a", f"tk_{i}b", order=f"or_{i}"))
        await service.record_event(paid(f"or_{i}", f"tk_{i}a", f"tk_{i}b"))
    await service.record_event(checked_in("tk_0a"))


@pytest.mark.hooks("podium_routes")
async def test_checkpoint_and_key_are_served_as_the_specs_say(client):
    await _fill()
    cp = await client.get("/ledger/checkpoint")
    assert cp.status_code == 200 and cp.headers["content-type"] == "text/plain; charset=utf-8"
    assert "no-cache" in cp.headers["cache-control"]
    key = await client.get("/ledger/key")
    verifier = note.parse_verifier_key(key.text)
    checkpoint = note.open_checkpoint(cp.content, verifier)
    assert checkpoint.origin == "podium.local/ledger" and checkpoint.size == 10


async def test_a_fresh_log_serves_an_empty_signed_checkpoint(client):
    cp = await client.get("/ledger/checkpoint")
    key = await client.get("/ledger/key")
    assert cp.status_code == 200 and key.status_code == 200
    assert note.open_checkpoint(cp.content, note.parse_verifier_key(key.text)).size == 0
    assert (await client.get("/ledger/tile/0/000.p/1")).status_code == 404


async def test_a_consistency_proof_as_the_logs_first_request(client):
    """The log is started apart from the GET's read transaction; the proof must still find
    it (it answered 503 "checkpoints but no head" when its snapshot predated the start)."""
    r = await client.get("/api/v1/ledger/consistency?first=0")
    assert r.status_code == 200, r.text
    assert r.json()["first"] == 0 and r.json()["second"] == 0


async def test_tiles_and_bundles_rebuild_the_signed_tree(client):
    for i in range(3):  # 300 entries: a full level-0 tile, a partial one, level 1 of width 1
        await service.record_event(issued(*[f"t{i}-{j}" for j in range(100)], order=f"o{i}"))
    cp = note.parse_checkpoint(
        (await client.get("/ledger/checkpoint")).text.split("\n\n")[0] + "\n")
    assert cp.size == 300
    store = merkle.MemoryHashStore()
    for ref in tiles.bundles_for(cp.size):
        r = await client.get(f"/ledger/{ref.path}")
        assert r.status_code == 200 and r.headers["content-type"] == "application/octet-stream"
        store.extend(leaf_hash(e) for e in tiles.decode_bundle(r.content))
    assert store.root() == cp.root_hash
    for ref in tiles.tiles_for(cp.size):
        r = await client.get(f"/ledger/{ref.path}")
        assert r.content == store.level_bytes(8 * ref.level, ref.index * 256, ref.width)
        cache = r.headers["cache-control"]
        assert ("immutable" in cache) == (not ref.partial)
    # a partial tile of an earlier (smaller) tree is still served
    early = await client.get("/ledger/tile/0/001.p/10")
    assert early.content == store.level_bytes(0, 256, 10)
    full = await client.get("/ledger/tile/0/000")
    assert (await client.get("/ledger/tile/0/000.p/100")).content == full.content[:3200]


@pytest.mark.parametrize(("path", "status"), [
    ("/ledger/tile/0/001", 404),           # the full tile does not exist yet
    ("/ledger/tile/0/000.p/200", 404),     # wider than the tree
    ("/ledger/tile/0/005.p/1", 404),       # beyond the tree
    ("/ledger/tile/1/000", 404),
    ("/ledger/tile/entries/001", 404),
    ("/ledger/tile/0/0000", 400),
    ("/ledger/tile/0/x000/001", 400),
    ("/ledger/tile/00/000", 400),
    ("/ledger/tile/0/000.p/0", 400),
    ("/ledger/tile/0/000.p/256", 400),
    ("/ledger/tile/99/000", 400),
    ("/ledger/tile/foo", 400),
    ("/ledger/tile/entries/000.p/5/x", 400),
])
async def test_tiles_beyond_the_tree_or_malformed_answer_with_a_reason(client, path, status):
    await _fill()
    r = await client.get(path)
    assert r.status_code == status and r.text.strip()
    assert r.headers["content-type"].startswith("text/plain")


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=st.text(alphabet="0123456789x./pentrisabc%-_", max_size=30))
async def test_no_tile_path_produces_a_server_error(client, path):
    r = await client.get("/ledger/tile/" + path)
    assert r.status_code in (200, 400, 404, 405), (path, r.status_code, r.text)


@pytest.mark.hooks("podium_routes")
async def test_the_proof_api_proves_a_tickets_history(client):
    await _fill()
    r = await client.get("/api/v1/tickets/tk_0a/proof")
    assert r.status_code == 200
    body = r.json()
    verifier = note.parse_verifier_key((await client.get("/ledger/key")).text)
    cp = note.open_checkpoint(body["checkpoint"], verifier)
    assert body["tree_size"] == cp.size == 10
    assert base64.b64decode(body["root_hash"]) == cp.root_hash
    kinds = []
    for e in body["entries"]:
        leaf = base64.b64decode(e["leaf_hash"])
        assert leaf == leaf_hash(e["entry"].encode())
        merkle.verify_inclusion(e["index"], cp.size, leaf,
                                [base64.b64decode(p) for p in e["proof"]], cp.root_hash)
        kinds.append(json.loads(e["entry"])["kind"])
    assert kinds == ["issued", "paid", "checked_in"]


async def test_the_proof_api_refuses_unknown_and_bad_ticket_ids(client):
    await _fill()
    r = await client.get("/api/v1/tickets/nope/proof")
    assert r.status_code == 404 and r.json()["code"] == "unknown_ticket"
    r = await client.get("/api/v1/tickets/" + "x" * 201 + "/proof")
    assert r.status_code == 422 and r.json()["code"] == "bad_ticket_id"


async def test_checkpoint_list_and_consistency_api(client):
    await _fill()
    page = (await client.get("/api/v1/ledger/checkpoints?limit=3&offset=1")).json()
    assert page["total"] == 8 and page["limit"] == 3 and len(page["items"]) == 3
    assert [c["tree_size"] for c in page["items"]] == [9, 8, 6]
    c = (await client.get("/api/v1/ledger/consistency?first=4&second=10")).json()
    merkle.verify_consistency(4, 10, base64.b64decode(c["first_root"]),
                              base64.b64decode(c["second_root"]),
                              [base64.b64decode(p) for p in c["proof"]])
    bad = await client.get("/api/v1/ledger/consistency?first=9&second=4")
    assert bad.status_code == 422 and bad.json()["code"] == "bad_sizes"
    assert (await client.get("/api/v1/ledger/consistency?first=-1")).status_code == 400
    assert (await client.get("/api/v1/ledger/consistency?first=99")).status_code == 422
    assert (await client.get("/api/v1/ledger/checkpoints?limit=0")).status_code == 400


@pytest.mark.hooks("podium_template_dirs", "podium_static_dirs", "podium_nav_items")
async def test_the_explorer_lists_checkpoints_and_finds_a_ticket(client):
    await _fill()
    page = await client.get("/ledger")
    assert page.status_code == 200
    assert "Ticket ledger" in page.text and "doors open: event 40" in page.text
    assert "new entries" in page.text and ">batch<" not in page.text  # the reason in words
    in_french = (await client.get("/ledger", headers={"Accept-Language": "fr"})).text
    assert "ouverture des portes : évènement 40" in in_french and "nouvelles entrées" in in_french
    from podium.plugins.ledger.routes import reason_label

    assert reason_label("log started") == "log started"
    assert reason_label("sales closed by the box office") == "sales closed by the box office"
    from podium.core.i18n import use_locale

    assert reason_label("batch; doors open: venue event 40") == "new entries and doors open: event 40"
    with use_locale("fr"):  # joined as French joins a list, not with an English "; "
        assert reason_label("batch; doors open: venue event 40") == (
            "nouvelles entrées et ouverture des portes : évènement 40")
    assert 'href="/ledger"' in page.text  # the navigation entry
    assert '<script src="/static/ledger/ledger.js" defer></script>' in page.text
    found = await client.get("/ledger", params={"ticket": "tk_1b"})
    assert 'data-ledger-ticket="tk_1b"' in found.text and "Order paid" in found.text
    missing = await client.get("/ledger", params={"ticket": "nobody"})
    assert "no entry for ticket" in missing.text
    too_long = await client.get("/ledger", params={"ticket": "y" * 300})
    assert too_long.status_code == 200 and "printable characters" in too_long.text
    assert (await client.get("/ledger?page=0")).status_code == 400
    assert (await client.get("/static/ledger/ledger.js")).status_code == 200
    verify = await client.get("/ledger/verify")
    assert verify.status_code == 200 and "data-ledger-verify" in verify.text
    assert "<script>" not in verify.text  # no inline script (a CSP comes later)


async def test_the_ticket_page_and_history_fragment(client):
    await _fill()
    page = await client.get("/ledger/tickets/tk_0a")
    assert page.status_code == 200 and "Checked in at gate north" in page.text
    assert (await client.get("/ledger/tickets/unknown")).status_code == 404
    fragment = await client.get("/ledger/tickets/tk_0a/history")
    assert fragment.status_code == 200 and fragment.text.lstrip().startswith("{#") is False
    assert "<html" not in fragment.text and 'data-index="0"' in fragment.text
    empty = await client.get("/ledger/tickets/unknown/history")
    assert empty.status_code == 200 and "no entry" in empty.text


async def test_the_history_shows_times_in_the_venues_zone_for_the_locale(client):
    """An entry's time is an instant in the ledger (RFC 3339, UTC): a page shows it in the
    venue's zone (Europe/Paris: 18:00 UTC is 19:00 in December), written for its locale;
    the machine-readable value stays on ``<time datetime>``."""
    await _fill()
    french = await client.get("/ledger/tickets/tk_0a/history", headers={"Accept-Language": "fr"})
    english = await client.get("/ledger/tickets/tk_0a/history")
    assert '<time datetime="2026-12-03T18:00:00Z">jeu. 3 déc. 2026, 19:00</time>' in french.text
    assert '<time datetime="2026-12-03T18:00:00Z">Thu 3 Dec 2026, 19:00</time>' in english.text
    assert "UTC" not in french.text + english.text


@pytest.mark.hooks("podium_page_slots")
def test_the_ticket_history_slot_loads_the_fragment_with_htmx():
    host = plugin_host(["ledger"])
    enabled = {"ledger"}
    [html] = [f for r in host.call_for(enabled, "podium_page_slots", slot="ticket.history",
                                       context={"ticket_id": 'tk/"1"<x>'}) for f in r]
    assert 'hx-get="/ledger/tickets/tk%2F%221%22%3Cx%3E/history"' in html
    assert 'hx-trigger="load"' in html and "<x>" not in html
    assert '<script src="/static/ledger/ledger.js" defer></script>' in html
    others = host.call_for(enabled, "podium_page_slots", slot="layout.footer",
                           context={"ticket_id": "tk_1"})
    assert all(not r for r in others if r is not None)
    assert not [f for r in host.call_for(enabled, "podium_page_slots", slot="ticket.history",
                                         context={}) for f in r]


def test_the_ledger_cannot_be_switched_off():
    from podium.plugins.ledger import PODIUM_PLUGIN

    # A venue could otherwise hide ticket events by switching it off for a while.
    assert PODIUM_PLUGIN.scope == "global"



async def test_verifier_texts_come_from_the_page_in_its_language(client):
    """ledger.js writes only texts the page gives it (a JSON block, no inline script):
    every key it asks for is there, in French for a French page."""
    import re
    from pathlib import Path

    page = (await client.get("/ledger/verify", headers={"Accept-Language": "fr"})).text
    found = re.search(r'<script type="application/json" class="ledger-texts">(.*?)</script>', page, re.S)
    assert found and "<script>" not in page
    texts = json.loads(found.group(1))
    assert texts["verifying"] == "Vérification…"
    assert texts["failed"] == "✗ Échec de la vérification : {reason}"
    script = (Path(__file__).parents[3] / "plugins" / "ledger" / "static" / "ledger.js").read_text()
    asked = set(re.findall(r'\btr\("(\w+)"', script))
    for pair in re.findall(r'\btr\(\w+(?: instanceof Failure| === 1) \? "(\w+)" : "(\w+)"', script):
        asked |= set(pair)
    asked |= set(re.findall(r'\btr\(pinnedKey \? "(\w+)" : "(\w+)"', script)[0])
    assert len(asked) > 40 and asked <= set(texts), sorted(asked - set(texts))
    english = (await client.get("/ledger/verify")).text
    assert '"verifying": "Verifying…"' in english or "Verifying\\u2026" in english
