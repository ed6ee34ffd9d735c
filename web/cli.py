"""The ``podium`` command: run, migrate, demo, plugins, user, plus what plugins add."""

from __future__ import annotations

import asyncio
import json
import sys

import click

from podium.core.plugins import PluginLoadError, flatten
from podium.core.settings import SettingsError, load_settings


def _run(coro):
    return asyncio.run(coro)


async def _with_db(coro_fn, *args, **kwargs):
    """Open the database (pool on PostgreSQL) around one CLI action."""
    from podium.core.database import close_pool, open_pool

    await open_pool()
    try:
        return await coro_fn(*args, **kwargs)
    finally:
        await close_pool()


@click.group()
def main() -> None:
    """Podium: e-sport tournaments, track cycling, ticketing and a fan hub for one venue."""


@main.command()
def migrate() -> None:
    """Apply every pending database migration (core, domains, plugins)."""
    from podium.core.database import migrate as run_migrations

    _run(_with_db(run_migrations))
    click.echo("migrations applied")


@main.command()
@click.option("--host", default=None, help="Interface to bind (default PODIUM_HOST or 127.0.0.1).")
@click.option("--port", default=None, type=int, help="Port (default PORT or 8000).")
@click.option("--workers", default=1, show_default=True, help="Worker processes (use Redis beyond 1).")
@click.option("--reload", is_flag=True, help="Restart on code changes (development).")
@click.option("--no-migrate", is_flag=True, help="Do not apply migrations first.")
@click.option("--no-access-log", is_flag=True,
              help="No line per request (the reverse proxy logs them; saves CPU under load).")
def run(host: str | None, port: int | None, workers: int, reload: bool, no_migrate: bool,
        no_access_log: bool) -> None:
    """Migrate, then serve the web app with uvicorn.

    Several workers (``--workers N``) need PostgreSQL and Redis (PODIUM_REDIS_URL): live
    messages and the page cache's versions are shared through Redis; SQLite allows one
    writer at a time and in-memory channels reach only the worker that published."""
    import uvicorn

    settings = load_settings()
    if workers > 1 and not settings.redis_url:
        raise click.ClickException(
            "--workers above 1 needs PODIUM_REDIS_URL: without Redis a result reported "
            "through one worker would not reach screens connected to another")
    if not no_migrate:
        from podium.core.database import migrate as run_migrations

        _run(_with_db(run_migrations))
    uvicorn.run(
        "podium.web.app:create_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers,
        reload=reload,
        access_log=not no_access_log,
        proxy_headers=False,  # the app believes X-Forwarded-For only from PODIUM_TRUSTED_PROXIES
    )


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def plugins(as_json: bool) -> None:
    """List loaded plugins: name, version, scope, where enabled, hooks implemented.

    Reads the activation table of the configured database; run ``podium migrate`` first.
    """
    from podium.core.activation.service import describe_activation
    from podium.core.venue.service import default_venue_id
    from podium.web.assembly import make_plugin_host

    host = make_plugin_host()

    async def describe() -> tuple[list[dict], int | None]:
        venue_id = await default_venue_id()
        return await describe_activation(host, venue_id), venue_id

    try:
        rows, venue_id = _run(_with_db(describe))
    except Exception as exc:  # most often: the database has not been migrated yet
        raise click.ClickException(
            f"cannot read plugin activation ({exc}); run `podium migrate` first"
        ) from exc
    if as_json:
        payload = {"venue_id": venue_id, "plugins": rows, "blocked": sorted(host.blocked)}
        click.echo(json.dumps(payload, indent=2))
        return
    if not rows:
        click.echo("no plugins loaded")
    for row in rows:
        state = "on" if row["enabled_for_venue"] else "off"
        click.echo(
            f"{row['name']} {row['version']}  scope={row['scope']}  "
            f"venue={state} ({row['venue_setting']})  source={row['source']}"
        )
        switched = row["switched"] or {}
        for state in ("on", "off"):
            if switched.get(state):
                click.echo(f"    {state} for {switched['kind']}: "
                           f"{', '.join(map(str, switched[state]))}")
        click.echo(f"    hooks: {', '.join(row['hooks']) or '-'}")
    if host.blocked:
        click.echo(f"blocked: {', '.join(sorted(host.blocked))}")


@main.group(invoke_without_command=True)
@click.option("--status", type=click.Choice(["pending", "delivered", "failed"]), default=None,
              help="Only events in this state.")
@click.option("--limit", default=30, show_default=True, type=click.IntRange(1, 1000))
@click.pass_context
def outbox(ctx: click.Context, status: str | None, limit: int) -> None:
    """Recent domain events and their delivery: who is still to be told, the last error."""
    if ctx.invoked_subcommand is not None:
        return
    from podium.core.outbox.service import rows

    found = _run(_with_db(rows, status, limit))
    if not found:
        click.echo("the outbox is empty" + (f" ({status})" if status else ""))
        return
    for row in found:
        pending = json.loads(row["pending"]) if row["pending"] else []
        line = (f"{row['created_at']:%Y-%m-%d %H:%M:%S}  {row['event_id']}  {row['type']:<20} "
                f"{row['status']}")
        if row["status"] != "delivered":
            line += f"  attempts={row['attempts']}"
            if pending:
                line += f"  to tell: {', '.join(pending)}"
        click.echo(line)
        if row["status"] != "delivered" and row["last_error"]:
            click.echo(f"    last error: {row['last_error'][:300]}")


@outbox.command("retry")
@click.argument("event_ids", nargs=-1)
def outbox_retry(event_ids: tuple[str, ...]) -> None:
    """Put failed events (all, or those named) back in the queue; a running server delivers
    them within a second."""
    from podium.core.outbox.service import retry_failed

    count = _run(_with_db(retry_failed, list(event_ids)))
    click.echo(f"{count} failed event{'s' if count != 1 else ''} queued again")


@main.group()
def user() -> None:
    """Manage user accounts."""


@user.command("create")
@click.argument("username")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--roles", default="fan,player", show_default=True,
              help="Comma-separated: player, fan, staff, organiser, admin.")
@click.option("--display-name", default=None)
def user_create(username: str, password: str, roles: str, display_name: str | None) -> None:
    """Create a user."""
    from podium.core.accounts.service import create_user
    from podium.core.database import migrate as run_migrations
    from podium.core.errors import PodiumError

    async def go():
        await run_migrations()
        return await create_user(username, password, roles, display_name)

    try:
        created = _run(_with_db(go))
    except PodiumError as exc:
        raise click.ClickException(exc.detail) from exc
    click.echo(f"created {created.username} with roles {', '.join(sorted(created.roles))}")


@user.command("revoke-tokens")
@click.argument("username")
def user_revoke_tokens(username: str) -> None:
    """Revoke every API token of USERNAME (their scripts and apps must sign in again)."""
    from podium.core.accounts.service import revoke_user_tokens
    from podium.core.errors import PodiumError

    try:
        count = _run(_with_db(revoke_user_tokens, username))
    except PodiumError as exc:
        raise click.ClickException(exc.detail) from exc
    click.echo(f"revoked {count} API token{'s' if count != 1 else ''} of {username}")


def add_plugin_commands() -> None:
    """Attach the sub-commands plugins contribute through ``podium_cli_commands``."""
    from podium.web.assembly import make_plugin_host

    host = make_plugin_host()
    for command in flatten(host.call("podium_cli_commands")):
        if command.name in main.commands:
            raise click.ClickException(f"a plugin's command {command.name!r} clashes with an existing one")
        main.add_command(command)


def _add_demo() -> None:
    try:
        from podium.web.demo import demo
    except ImportError:
        return
    main.add_command(demo)


def cli_entry() -> None:
    """Entry point that turns configuration and plugin errors into one clear line."""
    try:
        _add_demo()
        add_plugin_commands()
    except (SettingsError, PluginLoadError) as exc:
        click.echo(f"podium: {exc}", err=True)
        sys.exit(2)
    main()
