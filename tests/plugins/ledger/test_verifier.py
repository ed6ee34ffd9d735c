"""The independent verifier (``podium ledger verify``) catches every tampering: a changed
entry, a reordered entry, a forged proof, a bad signature, a rewritten or shrunken history,
a swapped key — as a function and through the CLI, against the app in process and
against a live server."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from podium.core.database import atomic, wipe_all_tables
from podium.core.outbox import record
from podium.plugins.ledger import service, tiles
from podium.plugins.ledger.cli import ledger
from podium.plugins.ledger.note import Signer
from podium.plugins.ledger.verify import State, VerificationFailed, verify_log

from .support import checked_in, issued, paid, transferred

BASE = "http://testserver.local"
LEDGER = BASE + "/ledger"


@pytest.fixture(autouse=True)
def _fresh_cache():
    service.forget_cache()
    yield
    service.forget_cache()


@pytest.fixture
async def client(podium_app_factory, podium_client_factory):
    return await podium_client_factory(podium_app_factory(plugins=["ledger"]))


async def fill(prefix: str = "tk", orders: int = 2) -> None:
    for i in range(orders):
        await service.record_event(issued(f"{prefix}_{i}a", f"{prefix}_{i}b", order=f"or_{i}"))
        await service.record_event(paid(f"or_{i}", f"{prefix}_{i}a", f"{prefix}_{i}b"))
    await service.record_event(transferred(f"{prefix}_0a", price=2000))
    await service.record_event(checked_in(f"{prefix}_0a"))


async def snapshot(client, tickets: tuple[str, ...] = ("tk_0a",)) -> dict[str, bytes]:
    """Everything a verifier may fetch, by path (what the tampering transport serves)."""
    out: dict[str, bytes] = {}
    for path in ("/ledger/checkpoint", "/ledger/key"):
        out[path] = (await client.get(path)).content
    size = int(out["/ledger/checkpoint"].split(b"\n")[1])
    for ref in [*tiles.bundles_for(size), *tiles.tiles_for(size)]:
        out[f"/ledger/{ref.path}"] = (await client.get(f"/ledger/{ref.path}")).content
    for t in tickets:
        out[f"/api/v1/tickets/{t}/proof"] = (await client.get(f"/api/v1/tickets/{t}/proof")).content
    return out


def served(resources: dict[str, bytes]) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        key = request.url.raw_path.decode()
        if key in resources:
            return httpx.Response(200, content=resources[key])
        return httpx.Response(404, text="not found")
    return httpx.MockTransport(handler)


def run_cli(resources: dict[str, bytes], state: Path, *extra: str) -> Any:
    return CliRunner().invoke(ledger, ["verify", LEDGER, "--state", str(state), *extra],
                              obj={"transport": served(resources)})


def fetcher(resources: dict[str, bytes]):
    def fetch(path: str) -> bytes:
        try:
            return resources["/ledger/" + path]
        except KeyError:
            raise VerificationFailed(f"{path} answered 404") from None
    return fetch


def api(resources: dict[str, bytes]):
    return lambda path: json.loads(resources["/" + path.split("?")[0]])


def bundle_path(resources: dict[str, bytes]) -> str:
    return next(p for p in resources if p.startswith("/ledger/tile/entries/"))


# -- the verifier as a function -------------------------------------------------------------------


async def test_an_honest_log_verifies_and_its_state_is_kept(client):
    await fill()
    res = await snapshot(client)
    report, state = verify_log(fetcher(res), ticket="tk_0a", fetch_api=api(res))
    assert report.size == 8 and report.bundles == 1 and report.tiles == 1
    assert [e["kind"] for e in report.ticket_entries] == ["issued", "paid", "resold",
                                                         "checked_in"]
    assert state.size == 8 and state.key == report.key
    await service.record_event(issued("tk_late"))
    res2 = await snapshot(client)
    report2, state2 = verify_log(fetcher(res2), state=state)
    assert report2.previous_size == 8 and state2.size == 9


async def test_every_single_byte_flip_of_any_resource_is_detected(client):
    await fill(orders=1)
    res = await snapshot(client)
    verify_log(fetcher(res), ticket="tk_0a", fetch_api=api(res))
    trials = 0
    for path, blob in res.items():
        if path in ("/ledger/key",) or path.startswith("/api/"):
            continue
        for position in range(len(blob)):
            tampered = dict(res)
            tampered[path] = blob[:position] + bytes([blob[position] ^ 0x01]) + blob[position + 1:]
            with pytest.raises(VerificationFailed):
                verify_log(fetcher(tampered), key_text=res["/ledger/key"].decode())
            trials += 1
    assert trials > 500


async def test_every_tampered_proof_is_detected(client):
    await fill()
    res = await snapshot(client)
    original = json.loads(res["/api/v1/tickets/tk_0a/proof"])
    variants = []
    for i, e in enumerate(original["entries"]):
        for j in range(len(e["proof"])):  # a forged proof element
            forged = json.loads(json.dumps(original))
            raw = bytearray(__import__("base64").b64decode(forged["entries"][i]["proof"][j]))
            raw[0] ^= 0x80
            forged["entries"][i]["proof"][j] = __import__("base64").b64encode(raw).decode()
            variants.append(forged)
        wrong_index = json.loads(json.dumps(original))
        wrong_index["entries"][i]["index"] = (e["index"] + 1) % original["tree_size"]
        variants.append(wrong_index)
        changed = json.loads(json.dumps(original))
        changed["entries"][i]["entry"] = e["entry"].replace('"EUR"', '"USD"').replace(
            '"v":1', '"v":2')
        variants.append(changed)
    truncated = json.loads(json.dumps(original))
    truncated["entries"][0]["proof"] = truncated["entries"][0]["proof"][:-1]
    variants.append(truncated)
    other = json.loads(json.dumps(original))
    other["entries"] = json.loads(res["/api/v1/tickets/tk_0a/proof"])["entries"][:0]
    variants.append(other)
    for variant in variants:
        tampered = dict(res)
        tampered["/api/v1/tickets/tk_0a/proof"] = json.dumps(variant).encode()
        with pytest.raises(VerificationFailed):
            verify_log(fetcher(tampered), ticket="tk_0a", fetch_api=api(tampered))
    assert len(variants) > 10


# -- through the CLI ------------------------------------------------------------------------------


async def test_cli_verifies_remembers_and_checks_consistency(client, tmp_path):
    await fill()
    state = tmp_path / "state.json"
    first = run_cli(await snapshot(client), state, "--ticket", "tk_0a")
    assert first.exit_code == 0, first.output
    assert "OK" in first.output and "first check" in first.output
    assert "ticket tk_0a: 4 entries proven" in first.output
    assert json.loads(state.read_text())["size"] == 8
    await service.record_event(checked_in("tk_1a", minutes=5))
    second = run_cli(await snapshot(client), state)
    assert second.exit_code == 0, second.output
    assert "consistent    with the checkpoint of size 8" in second.output


@pytest.mark.parametrize("attack", ["changed entry", "reordered entries", "forged proof",
                                    "bad signature", "tampered tile", "missing bundle",
                                    "unknown ticket"])
async def test_cli_fails_with_a_reason_on_each_attack(client, tmp_path, attack):
    await fill()
    res = await snapshot(client)
    bundle = bundle_path(res)
    if attack == "changed entry":
        res[bundle] = res[bundle].replace(b'"price_cents":1500', b'"price_cents":1400', 1)
    elif attack == "reordered entries":
        items = tiles.decode_bundle(res[bundle])
        items[1], items[2] = items[2], items[1]
        res[bundle] = tiles.encode_bundle(items)
    elif attack == "forged proof":
        proof = json.loads(res["/api/v1/tickets/tk_0a/proof"])
        proof["entries"][0]["proof"][0] = proof["entries"][0]["proof"][1]
        res["/api/v1/tickets/tk_0a/proof"] = json.dumps(proof).encode()
    elif attack == "bad signature":
        cp = res["/ledger/checkpoint"]
        i = cp.rindex(b" ") + 5
        res["/ledger/checkpoint"] = cp[:i] + (b"A" if cp[i:i + 1] != b"A" else b"B") + cp[i + 1:]
    elif attack == "tampered tile":
        path = next(p for p in res if p.startswith("/ledger/tile/0/"))
        res[path] = bytes(32) + res[path][32:]
    elif attack == "missing bundle":
        del res[bundle]
    args = ("--ticket", "nobody") if attack == "unknown ticket" else ("--ticket", "tk_0a")
    result = run_cli(res, tmp_path / "state.json", *args)
    assert result.exit_code == 1, result.output
    assert "ledger verification FAILED" in result.output
    assert not (tmp_path / "state.json").exists()  # nothing remembered from a bad log


async def test_cli_detects_a_rewritten_history(client, tmp_path, monkeypatch):
    # The operator keeps the same signing key and origin, but rebuilds the log with a
    # different past: the checkpoint verified before is no longer a prefix.
    monkeypatch.setenv(service.SIGNING_KEY_ENV, Signer.generate("podium.local/ledger").text())
    await fill()
    state = tmp_path / "state.json"
    assert run_cli(await snapshot(client), state).exit_code == 0
    await wipe_all_tables()
    service.forget_cache()
    await service.record_event(issued("tk_0a", "forged", order="or_0"))
    await fill(prefix="tk")
    result = run_cli(await snapshot(client), state)
    assert result.exit_code == 1
    assert "history was rewritten" in result.output


async def test_cli_detects_a_shrunken_log_and_a_changed_key(client, tmp_path, monkeypatch):
    monkeypatch.setenv(service.SIGNING_KEY_ENV, Signer.generate("podium.local/ledger").text())
    await fill()
    state = tmp_path / "state.json"
    assert run_cli(await snapshot(client), state).exit_code == 0
    await wipe_all_tables()
    service.forget_cache()
    await service.record_event(issued("tk_0a"))
    shrunk = run_cli(await snapshot(client), state)
    assert shrunk.exit_code == 1 and "shrank" in shrunk.output
    # a new key (the same origin) is refused unless the operator passes it explicitly
    monkeypatch.setenv(service.SIGNING_KEY_ENV, Signer.generate("podium.local/ledger").text())
    await wipe_all_tables()
    service.forget_cache()
    await fill()
    res = await snapshot(client)
    changed = run_cli(res, state)
    assert changed.exit_code == 1 and "different verifier key" in changed.output
    fresh = run_cli(res, tmp_path / "other.json", "--key", res["/ledger/key"].decode())
    assert fresh.exit_code == 0, fresh.output


async def test_cli_refuses_a_key_that_does_not_sign_the_log(client, tmp_path):
    await fill()
    stranger = Signer.generate("podium.local/ledger").verifier.text()
    result = run_cli(await snapshot(client), tmp_path / "s.json", "--key", stranger)
    assert result.exit_code == 1 and "does not verify" in result.output
    bad = run_cli(await snapshot(client), tmp_path / "s.json", "--key", "not-a-key")
    assert bad.exit_code == 1 and "unusable" in bad.output


def test_state_path_defaults_to_the_config_dir(monkeypatch, tmp_path):
    from podium.plugins.ledger.verify import default_state_path

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    path = default_state_path("podium.local/ledger")
    assert path.parent == tmp_path / "podium" and path.name.startswith("ledger-")
    State(origin="o", key="k", size=1, root_hash="x").save(path)
    assert State.load(path) == State(origin="o", key="k", size=1, root_hash="x")
    path.write_text("{broken")
    with pytest.raises(VerificationFailed, match="unreadable"):
        State.load(path)


@pytest.mark.hooks("podium_cli_commands")
async def test_cli_against_a_live_server(podium_live_server, tmp_path):
    """The real app under uvicorn: events recorded through the outbox, delivered by the
    server's own dispatcher, then verified over HTTP."""
    async with atomic():
        await record(issued("live_1", "live_2", order="or_live"))
    async with atomic():
        await record(checked_in("live_1"))
    url = podium_live_server.url
    async with httpx.AsyncClient(timeout=5) as http:
        for _ in range(150):  # the server's dispatcher polls every second
            body = (await http.get(f"{url}/ledger/checkpoint")).text
            if body.split("\n")[1] == "3":
                break
            await asyncio.sleep(0.1)
        else:
            pytest.fail(f"the live server did not log the events: {body!r}")
    state = tmp_path / "live.json"
    args = ["verify", f"{url}/ledger", "--state", str(state), "--ticket", "live_1"]
    result = await asyncio.to_thread(CliRunner().invoke, ledger, args)
    assert result.exit_code == 0, result.output
    assert "ticket live_1: 2 entries proven" in result.output
    # the same check from the installed command, as an operator would run it
    env = dict(os.environ, XDG_CONFIG_HOME=str(tmp_path))
    podium = Path(sys.executable).with_name("podium")
    done = await asyncio.to_thread(subprocess.run, [str(podium), "ledger", "verify",
                                                    f"{url}/ledger"],
                                   capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    status = await asyncio.to_thread(subprocess.run, [str(podium), "ledger", "status"],
                                     capture_output=True, text=True, env=env, timeout=120)
    assert status.returncode == 0, status.stderr
    assert "entries       3" in status.stdout and "doors open" in status.stdout
