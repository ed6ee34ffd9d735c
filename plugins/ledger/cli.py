"""``podium ledger``: verify any Podium ledger over HTTP, or show this one's status."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click
import httpx

from podium.plugins.ledger.verify import (
    FetchError,
    State,
    VerificationFailed,
    default_state_path,
    verify_log,
)


@click.group()
def ledger() -> None:
    """The ticket ledger: verify a published log, or show this server's."""


def _read_key(value: str | None) -> str | None:
    if value is None:
        return None
    if value.startswith("@"):
        try:
            return Path(value[1:]).expanduser().read_text().strip()
        except OSError as exc:
            raise click.ClickException(f"cannot read the key file {value[1:]}: {exc}") from exc
    return value.strip()


@ledger.command()
@click.argument("url")
@click.option("--key", "key", default=None,
              help="The verifier key to trust (<name>+<id>+<key>, or @FILE). Default: the "
                   "one pinned in the state file, else the log's own (trust on first use).")
@click.option("--state", "state_path", default=None, type=click.Path(dir_okay=False, path_type=Path),
              help="Where to remember the last verified checkpoint (default "
                   "~/.config/podium/ledger-<origin hash>.json).")
@click.option("--ticket", default=None, help="Also check this ticket's entries and proofs.")
@click.option("--api", "api_url", default=None,
              help="Base URL of the proof API (default: URL's scheme and host).")
@click.option("--timeout", default=30.0, show_default=True, help="Seconds per request.")
@click.pass_context
def verify(ctx: click.Context, url: str, key: str | None, state_path: Path | None,
           ticket: str | None, api_url: str | None, timeout: float) -> None:
    """Verify the ledger published at URL (e.g. https://venue.example/ledger).

    Checks the checkpoint's signature, rebuilds the Merkle tree from every entry and
    compares every tile and the root, checks that the checkpoint verified last time is a
    prefix of this one, and with --ticket checks that ticket's inclusion proofs. Exits 1
    with the reason on any failure.
    """
    transport = ctx.obj.get("transport") if isinstance(ctx.obj, dict) else None
    base = url.rstrip("/") + "/"
    parts = urlsplit(base)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise click.UsageError("URL must be http(s)://host/path of the ledger")
    api_base = (api_url or f"{parts.scheme}://{parts.netloc}").rstrip("/") + "/"
    with httpx.Client(transport=transport, timeout=timeout, follow_redirects=True,
                      headers={"User-Agent": "podium-ledger-verify/1"}) as client:

        def get(full: str) -> httpx.Response:
            try:
                response = client.get(full)
            except httpx.HTTPError as exc:
                raise FetchError(f"cannot fetch {full}: {exc}") from exc
            if response.status_code != 200:
                reason = response.text[:200].strip()
                raise FetchError(f"{full} answered {response.status_code}"
                                 + (f": {reason}" if reason else ""))
            return response

        def fetch(path: str) -> bytes:
            return get(base + path).content

        def fetch_api(path: str) -> Any:
            response = get(api_base + path)
            try:
                return response.json()
            except ValueError as exc:
                raise FetchError(f"{api_base + path} did not answer JSON") from exc

        try:
            if state_path is None:
                origin_hint = fetch("checkpoint").split(b"\n", 1)[0].decode("utf-8", "replace")
                state_path = default_state_path(origin_hint)
            state = State.load(state_path)
            report, new_state = verify_log(fetch, key_text=_read_key(key), state=state,
                                           ticket=ticket, fetch_api=fetch_api)
        except VerificationFailed as exc:
            raise click.ClickException(f"ledger verification FAILED: {exc}") from exc
    new_state.save(state_path)
    click.echo(f"ledger {report.origin}: OK")
    click.echo(f"  verifier key  {report.key}")
    click.echo(f"  tree size     {report.size}")
    click.echo(f"  root hash     {new_state.root_hash}")
    click.echo(f"  rebuilt from  {report.bundles} entry bundle(s); {report.tiles} tile(s) "
               "match")
    if report.previous_size is None:
        click.echo(f"  first check   state saved to {state_path}")
    else:
        click.echo(f"  consistent    with the checkpoint of size {report.previous_size} "
                   "verified before")
    if ticket is not None:
        click.echo(f"  ticket {ticket}: {len(report.ticket_entries)} entr"
                   f"{'y' if len(report.ticket_entries) == 1 else 'ies'} proven")
        for entry in report.ticket_entries:
            click.echo(f"    #{entry['index']}  {entry.get('kind', '?'):<12} {entry.get('at', '')}")


@ledger.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def status(as_json: bool) -> None:
    """This server's ledger: origin, size, key, the latest checkpoint."""
    from podium.core.database import close_pool, open_pool
    from podium.plugins.ledger import service

    async def read() -> dict[str, Any]:
        await open_pool()
        try:
            head = await service.head()
            if head is None:
                return {}
            latest = await service.latest_checkpoint(start=False)
            key = await service.verifier()
            return {
                "origin": head.origin, "size": head.size, "key": key.text(),
                "checkpoints": await service.checkpoint_count(),
                "latest": None if latest is None else {
                    "size": latest.size, "reason": latest.reason,
                    "created_at": latest.created_at.isoformat(), "note": latest.note},
            }
        finally:
            await close_pool()

    try:
        info = asyncio.run(read())
    except Exception as exc:  # most often: the database has not been migrated yet
        raise click.ClickException(f"cannot read the ledger ({exc}); run `podium migrate` "
                                   "first") from exc
    if as_json:
        click.echo(json.dumps(info, indent=2))
        return
    if not info:
        click.echo("the ledger is empty: nothing has been recorded yet")
        return
    click.echo(f"ledger {info['origin']}")
    click.echo(f"  entries       {info['size']}")
    click.echo(f"  checkpoints   {info['checkpoints']}")
    click.echo(f"  verifier key  {info['key']}")
    latest = info["latest"]
    if latest:
        click.echo(f"  latest        size {latest['size']}, {latest['created_at']} "
                   f"({latest['reason']})")
        click.echo("")
        click.echo(latest["note"].rstrip("\n"))
