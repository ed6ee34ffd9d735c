"""``podium tickets ...``: box-office chores for operators."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import click

T = TypeVar("T")


def _with_database(action: Callable[[], Awaitable[T]]) -> T:
    """Run ``action`` with the database open (the pool on PostgreSQL)."""
    from podium.core.database import close_pool, open_pool

    async def run() -> T:
        await open_pool()
        try:
            return await action()
        finally:
            await close_pool()

    return asyncio.run(run())


@click.group("tickets")
def tickets_group() -> None:
    """Box-office chores: erasure of holders."""


@tickets_group.command("forget-holders")
@click.argument("event_id", type=int)
def forget_holders_command(event_id: int) -> None:
    """Forget who held the tickets of EVENT_ID in the ledger (GDPR erasure).

    The event's holder key is destroyed and replaced: the ledger's commitments for its
    tickets stay verifiable but no longer name anyone. Tickets and accounts are untouched.
    """
    from podium.ticketing.keys import forget_holders

    if _with_database(lambda: forget_holders(event_id)):
        click.echo(f"event {event_id}: holder key destroyed; its ledger commitments name no one now")
    else:
        raise click.ClickException(f"event {event_id} has no ticket keys yet")
