"""Prizes: real things (signed jerseys...) an admin offers fans, in a limited stock, to
fans with a medal or a place in the top N; each fan claims a prize once.

A claim is a write that competes for something scarce: it waits its turn for the prize
(:func:`~podium.core.database.row_queue`), locks the prize row (``FOR UPDATE`` on
PostgreSQL, ``BEGIN IMMEDIATE`` on SQLite) and asks :func:`claim_refusal` again inside the
transaction with the stock and the fan's claims as they are now, so concurrent fans never
claim more than the stock. The rule itself is pure (:mod:`podium.social.prize_rules`).

``LOCKING`` is the negative control of the race test: with ``PODIUM_PRIZES_NO_LOCK=1``
(honoured only under the test suite) claims run without the transaction and the lock,
and the race test shows more claims than stock. Never set it elsewhere.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from datetime import datetime, timezone
from typing import Any, ClassVar

from podium.core.i18n import _
from podium.core.accounts.service import CurrentUser
from podium.core.database import atomic, for_update, row_queue
from podium.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from podium.core.events import DomainEvent
from podium.core.outbox import record
from podium.core.validation import check_instant, clean_text, is_id, whole_number
from podium.social.prize_rules import (
    FanStanding,
    PrizeRules,
    Refusal,
    claim_refusal,
    condition_label,
)
from podium.social.tables import Prize, PrizeClaim

NAME_MAX = 120
DESCRIPTION_MAX = 2000
MAX_STOCK = 100_000
MAX_TOP_RANK = 100_000
#: Admins offer prizes; they do not claim them.
ADMIN_REFUSAL = Refusal("not_a_fan", "admins offer prizes; fans claim them")


def _lock_removed(variable: str) -> bool:
    """True when the test suite set ``variable=1`` to run the writes without their lock."""
    return (os.environ.get(variable) == "1"
            and os.environ.get("PODIUM_TESTING_CONFIGURED") == "1")


#: ``False`` only in the negative control of the race test (see the module docstring).
LOCKING = not _lock_removed("PODIUM_PRIZES_NO_LOCK")


class PrizeClaimed(DomainEvent, frozen=True, kw_only=True):
    """A fan claimed a prize; ``left`` is the stock left after the claim. Live pages only
    (no plugin hook yet)."""

    hook: ClassVar[str | None] = None
    prize_id: int
    fan_id: int
    claim_id: int
    left: int


def utc_now() -> datetime:
    """The current instant (UTC)."""
    return datetime.now(timezone.utc)


async def fan_standing(fan_id: int) -> FanStanding:
    """What a prize's condition looks at, from the points ledger
    (:func:`podium.social.points.standing`): the medal rank and the leaderboard rank
    (none when the fan opted out of the leaderboard)."""
    from podium.social.points import standing  # the points part of the hub: load late

    found = await standing(fan_id)
    return FanStanding(medal_rank=int(found.medal_rank),
                       rank=None if found.opted_out or not found.rank else int(found.rank))


#: How claims learn a fan's standing (tests may swap it for one that needs no points).
StandingOf = Callable[[int], Awaitable[FanStanding]]


def _rules(row: Mapping[str, Any]) -> PrizeRules:
    return PrizeRules(stock=row["stock"], claimed=row["claimed"],
                      min_medal_rank=row["min_medal_rank"], top_rank=row["top_rank"],
                      opens_at=row["opens_at"], closes_at=row["closes_at"], active=row["active"])


def _needs_standing(rules: PrizeRules) -> bool:
    return rules.min_medal_rank > 0 or rules.top_rank is not None


def prize_dict(row: Mapping[str, Any]) -> dict[str, Any]:
    """A prize as pages and the API show it: its fields, ``left`` and ``condition``."""
    rules = _rules(row)
    return {
        "id": row["id"], "name": row["name"], "description": row["description"],
        "stock": row["stock"], "claimed": row["claimed"], "left": rules.left,
        "min_medal_rank": row["min_medal_rank"], "top_rank": row["top_rank"],
        "opens_at": row["opens_at"], "closes_at": row["closes_at"], "active": row["active"],
        "condition": condition_label(rules), "created_at": row["created_at"],
    }


def _optional_instant(value: Any, name: str) -> datetime | None:
    return None if value is None or value == "" else check_instant(value, name)


def check_prize(data: Mapping[str, Any]) -> dict[str, Any]:
    """A new prize's fields, checked: name, description, stock (1..100,000), the medal
    (0..3), top N (none or 1..100,000) and the claim window (closing after opening).

    :raises InvalidInput: naming the first wrong field.
    """
    opens = _optional_instant(data.get("opens_at"), "opens_at")
    closes = _optional_instant(data.get("closes_at"), "closes_at")
    if opens is not None and closes is not None and closes <= opens:
        raise InvalidInput(_("claims must close after they open"), field="closes_at")
    return {
        "name": clean_text(data.get("name"), "name", NAME_MAX),
        "description": clean_text(data.get("description"), "description", DESCRIPTION_MAX,
                                  required=False, multiline=True),
        "stock": whole_number(data.get("stock"), "stock", 1, MAX_STOCK),
        "min_medal_rank": whole_number(data.get("min_medal_rank", 0), "min_medal_rank", 0, 3),
        "top_rank": whole_number(data.get("top_rank"), "top_rank", 1, MAX_TOP_RANK, nullable=True),
        "opens_at": opens, "closes_at": closes,
    }


def _require_admin(user: CurrentUser) -> None:
    if not user.is_admin:
        raise Forbidden(_("only a venue admin may manage prizes"))


async def create_prize(data: Mapping[str, Any], admin: CurrentUser) -> dict[str, Any]:
    """Offer a new prize (admins only); returns it."""
    _require_admin(admin)
    fields = check_prize(data)
    prize = Prize(**fields, claimed=0, active=True, created_by=admin.id, created_at=utc_now())
    await prize.save()
    return prize_dict(prize.to_dict())


async def get_prize(prize_id: int) -> dict[str, Any]:
    """One prize. :raises NotFound: no such prize."""
    row = await Prize.select().where(Prize.id == prize_id).first() if is_id(prize_id) else None
    if row is None:
        raise NotFound(_("there is no prize %(prize_id)s", prize_id=prize_id))
    return prize_dict(row)


async def list_prizes(*, include_inactive: bool = False, fan: CurrentUser | None = None,
                      standing_of: StandingOf | None = None) -> list[dict[str, Any]]:
    """Prizes, newest first (withdrawn ones only with ``include_inactive``). With ``fan``,
    each says whether that fan may claim it (``can_claim``, else ``why_not``) and whether
    they already did (``mine``: the claim)."""
    query = Prize.select().order_by(Prize.id, ascending=False)
    if not include_inactive:
        query = query.where(Prize.active == True)  # noqa: E712 - a column comparison
    rows = await query
    out = [prize_dict(r) for r in rows]
    if fan is None or not out:
        return out
    mine = {c["prize"]: c for c in await PrizeClaim.select().where(
        (PrizeClaim.fan == fan.id) & PrizeClaim.prize.is_in([p["id"] for p in out]))}
    standing: FanStanding | None = None
    now = utc_now()
    for prize, row in zip(out, rows):
        rules = _rules(row)
        if standing is None and _needs_standing(rules) and not fan.is_admin:
            standing = await (standing_of or fan_standing)(fan.id)
        base = standing or FanStanding()
        claim = mine.get(prize["id"])
        refusal = (ADMIN_REFUSAL if fan.is_admin else claim_refusal(
            rules, FanStanding(base.medal_rank, base.rank, already_claimed=claim is not None), now))
        prize["mine"] = claim_dict(claim) if claim else None
        prize["can_claim"] = refusal is None
        prize["why_not"] = refusal.detail if refusal else None
        prize["why_not_code"] = refusal.code if refusal else None
    return out


@contextlib.asynccontextmanager
async def _locked(prize_id: int) -> AsyncIterator[None]:
    if LOCKING:
        async with row_queue(("prize", prize_id)), atomic():
            yield
    else:
        yield


async def claim(prize_id: int, fan: CurrentUser, *, standing_of: StandingOf | None = None) -> dict[str, Any]:
    """Claim one of a prize for ``fan``; returns the claim (with ``prize`` and ``left``).

    The prize row is locked and the stock, the fan's claim and the condition re-checked
    inside one transaction, so concurrent claims never pass the stock.

    :raises NotFound: no such prize.
    :raises Conflict: ``out_of_stock``, ``already_claimed``, ``medal_needed``,
        ``rank_needed``, ``not_open``, ``closed``, ``withdrawn`` or ``not_a_fan``.
    """
    if not is_id(prize_id):
        raise NotFound(_("there is no prize %(prize_id)s", prize_id=prize_id))
    if fan.is_admin:
        raise Conflict(ADMIN_REFUSAL.detail, code=ADMIN_REFUSAL.code)
    async with _locked(prize_id):
        row = await for_update(Prize.select().where(Prize.id == prize_id)).first() if LOCKING \
            else await Prize.select().where(Prize.id == prize_id).first()
        if row is None:
            raise NotFound(_("there is no prize %(prize_id)s", prize_id=prize_id))
        rules = _rules(row)
        already = await PrizeClaim.exists().where(
            (PrizeClaim.prize == prize_id) & (PrizeClaim.fan == fan.id))
        # The standing is read inside the lock too: eligibility is re-checked with the
        # stock, never from an earlier page.
        standing = (await (standing_of or fan_standing)(fan.id)
                    if _needs_standing(rules) else FanStanding())
        refusal = claim_refusal(
            rules, FanStanding(standing.medal_rank, standing.rank, already_claimed=already), utc_now())
        if refusal is not None:
            raise Conflict(refusal.detail, code=refusal.code, left=rules.left)
        stamp = utc_now()
        made = PrizeClaim(prize=prize_id, fan=fan.id, claim_key=f"{prize_id}:{fan.id}",
                          claimed_at=stamp)
        await made.save()
        # Written from the count read under the lock: without the lock this is the lost
        # update the race test's negative control shows.
        await Prize.update({Prize.claimed: rules.claimed + 1}).where(Prize.id == prize_id)
        left = rules.left - 1
        await record(PrizeClaimed(prize_id=prize_id, fan_id=fan.id, claim_id=int(made.id), left=left))
    out = claim_dict(made.to_dict())
    out.update(prize=prize_dict({**row, "claimed": rules.claimed + 1}), left=left)
    return out


def claim_dict(row: Mapping[str, Any]) -> dict[str, Any]:
    """A claim as pages and the API show it."""
    return {
        "id": row["id"], "prize_id": row["prize"], "fan_id": row["fan"],
        "claimed_at": row["claimed_at"], "handed_over_at": row.get("handed_over_at"),
    }


async def claims_of_fan(fan_id: int) -> list[dict[str, Any]]:
    """A fan's claims, newest first, each with its prize's name."""
    rows = await PrizeClaim.select(
        *PrizeClaim.all_columns(), PrizeClaim.prize.name.as_alias("prize_name"),
        PrizeClaim.prize.description.as_alias("prize_description"),
    ).where(PrizeClaim.fan == fan_id).order_by(PrizeClaim.id, ascending=False)
    return [{**claim_dict(r), "prize_name": r["prize_name"],
             "prize_description": r["prize_description"]} for r in rows]


async def claims_of_prize(prize_id: int) -> list[dict[str, Any]]:
    """A prize's claims in the order they were made, with each fan's names."""
    rows = await PrizeClaim.select(
        *PrizeClaim.all_columns(), PrizeClaim.fan.username.as_alias("username"),
        PrizeClaim.fan.display_name.as_alias("display_name"),
    ).where(PrizeClaim.prize == prize_id).order_by(PrizeClaim.id)
    return [{**claim_dict(r), "username": r["username"], "display_name": r["display_name"]}
            for r in rows]


async def mark_handed_over(claim_id: int, admin: CurrentUser) -> dict[str, Any]:
    """Record that the fan received the prize (admins only); doing it twice is a conflict.

    :raises NotFound: no such claim. :raises Conflict: ``already_handed_over``.
    """
    _require_admin(admin)
    if not is_id(claim_id):
        raise NotFound(_("there is no claim %(claim_id)s", claim_id=claim_id))
    async with atomic():
        row = await for_update(PrizeClaim.select().where(PrizeClaim.id == claim_id)).first()
        if row is None:
            raise NotFound(_("there is no claim %(claim_id)s", claim_id=claim_id))
        if row["handed_over_at"] is not None:
            raise Conflict(_("this prize was already handed over"), code="already_handed_over")
        stamp = utc_now()
        await PrizeClaim.update({PrizeClaim.handed_over_at: stamp,
                                 PrizeClaim.handed_over_by: admin.id}).where(PrizeClaim.id == claim_id)
    return claim_dict({**row, "handed_over_at": stamp})


async def set_stock(prize_id: int, stock: Any, admin: CurrentUser) -> dict[str, Any]:
    """Change a prize's stock (admins only): never below what is already claimed.

    :raises InvalidInput: not a whole number in 1..100,000. :raises Conflict:
        ``below_claimed``.
    """
    _require_admin(admin)
    count = whole_number(stock, "stock", 1, MAX_STOCK)
    if not is_id(prize_id):
        raise NotFound(_("there is no prize %(prize_id)s", prize_id=prize_id))
    async with row_queue(("prize", prize_id)), atomic():
        row = await for_update(Prize.select().where(Prize.id == prize_id)).first()
        if row is None:
            raise NotFound(_("there is no prize %(prize_id)s", prize_id=prize_id))
        if count < row["claimed"]:
            raise Conflict(_("%(claimed)s are already claimed; the stock cannot be lower",
                             claimed=row['claimed']),
                           code="below_claimed", claimed=row["claimed"])
        await Prize.update({Prize.stock: count}).where(Prize.id == prize_id)
    return prize_dict({**row, "stock": count})


async def set_active(prize_id: int, active: bool, admin: CurrentUser) -> dict[str, Any]:
    """Withdraw a prize (``active`` false: no more claims) or offer it again."""
    _require_admin(admin)
    if not is_id(prize_id):
        raise NotFound(_("there is no prize %(prize_id)s", prize_id=prize_id))
    async with atomic():
        row = await for_update(Prize.select().where(Prize.id == prize_id)).first()
        if row is None:
            raise NotFound(_("there is no prize %(prize_id)s", prize_id=prize_id))
        await Prize.update({Prize.active: bool(active)}).where(Prize.id == prize_id)
    return prize_dict({**row, "active": bool(active)})
