"""The typed contracts: a plugin implementing each one registers through its hook, the
host's registry hands it back, and the Protocol recognises it (mypy checks the same
implementations statically: they are typed against the contracts)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import pytest

from podium.core import Registry
from podium.core.events import FanAction, IssuedTicket, PointsAward
from podium.core.plugins import ScopeKind
from podium.core.testing import make_plugin, plugin_host
from podium.core.venue.contracts import (
    PROGRAMME_SCHEDULERS,
    Phase,
    Placement,
    ProgrammeProblem,
    ProgrammeScheduler,
    Schedule,
    SessionWindow,
)
from podium.social.contracts import MEDAL_TIERS, REWARD_RULES, MedalTier, RewardRule
from podium.ticketing.contracts import (
    PAYMENT_METHODS,
    TICKET_PROVIDERS,
    OrderSummary,
    PaymentMethod,
    PaymentStep,
    ProviderReceipt,
    TicketProvider,
)
from podium.tournaments.engine.base import BracketFormat

# Pure code: the PostgreSQL pass of the suite skips it (``-m 'not pure'``).
pytestmark = pytest.mark.pure


class FreeEntry:
    """Pays orders of 0 at once (a third party's name: the box office owns ``free``)."""

    name = "gift"
    label = "Gift"

    def accepts(self, total_cents: int, currency: str) -> bool:
        return total_cents == 0

    async def begin(self, order: OrderSummary) -> PaymentStep:
        return PaymentStep("paid" if order.total_cents == 0 else "failed")


@dataclass
class MirrorProvider:
    """Remembers what it was told."""

    name: str = "mirror"
    label: str = "Mirror"
    exclusive: bool = False
    seen: list[str] = field(default_factory=list)

    async def issue(self, tickets: Sequence[IssuedTicket]) -> Sequence[ProviderReceipt]:
        self.seen += [t.ticket_id for t in tickets]
        return [ProviderReceipt(t.ticket_id, external_id=f"x-{t.ticket_id}") for t in tickets]

    async def revoke(self, ticket_ids: Sequence[str]) -> None:
        self.seen = [t for t in self.seen if t not in ticket_ids]


class OnePointPerFollow:
    """1 point per athlete followed; an unfollow takes it back."""

    name = "follow"
    description = "1 point per athlete you follow"
    action_kinds = frozenset({"follow", "unfollow"})

    def awards(self, actions: Sequence[FanAction]) -> Sequence[PointsAward]:
        out = []
        for a in actions:
            out.append(PointsAward(a.fan_id, 1 if a.kind == "follow" else -1, self.name,
                                   a.action_id))
        return out


@dataclass(frozen=True)
class Tier:
    name: str
    label: str
    threshold: int
    rank: int
    season: str | None = None


class InOrder:
    """Places phases one after the other in the first session."""

    name = "in_order"
    label = "In order"

    def schedule(self, problem: ProgrammeProblem) -> Schedule:
        session = problem.sessions[0]
        at, placed = session.starts_at, list[Placement]()
        for phase in problem.phases:
            end = at + timedelta(minutes=phase.minutes)
            if end > session.ends_at:
                return Schedule("infeasible", tuple(placed),
                                tuple(p.id for p in problem.phases[len(placed):]))
            placed.append(Placement(phase.id, session.id, at, end))
            at = end + timedelta(minutes=problem.changeover_minutes)
        return Schedule("optimal", tuple(placed))


def _registers(hook: str, *items: object):
    def register(registry: Registry[object]) -> None:
        for item in items:
            registry.add(item.name, item)  # type: ignore[attr-defined]

    return {hook: register}


@pytest.mark.hooks("podium_payment_methods", "podium_ticket_providers", "podium_reward_rules",
                   "podium_medal_tiers", "podium_programme_schedulers", "podium_scope_kinds")
async def test_each_contract_is_registered_and_recognised():
    provider = MirrorProvider()
    host = plugin_host(extra=[
        make_plugin("box", **_registers("podium_payment_methods", FreeEntry())),
        make_plugin("partner", **_registers("podium_ticket_providers", provider)),
        make_plugin("hub", **_registers("podium_reward_rules", OnePointPerFollow()),
                    **{"podium_medal_tiers": _registers(
                        "x", Tier("bronze", "Bronze", 10, 1), Tier("gold", "Gold", 100, 3))["x"]}),
        make_plugin("rival", **_registers("podium_medal_tiers", Tier("gold", "Gold", 50, 1))),
        make_plugin("track", **_registers("podium_programme_schedulers", InOrder())),
        make_plugin("meets", scope="global", **_registers(
            "podium_scope_kinds", ScopeKind("meet", "Meet", path_param="meet_id"))),
    ])
    method = host.registry(PAYMENT_METHODS)["gift"]
    assert isinstance(method, PaymentMethod) and method.accepts(0, "EUR")
    step = await method.begin(OrderSummary(order_id=1, total_cents=0, currency="EUR",
                                           venue_event_id=4))
    assert step.status == "paid"

    partner = host.registry(TICKET_PROVIDERS)["mirror"]
    assert isinstance(partner, TicketProvider)
    receipts = await partner.issue([IssuedTicket("tk_1", 1, 4)])
    assert receipts[0].external_id == "x-tk_1" and provider.seen == ["tk_1"]

    rules = host.registry(REWARD_RULES)
    rule = rules["hub.follow"]
    assert isinstance(rule, RewardRule)
    at = datetime(2026, 12, 3, tzinfo=timezone.utc)
    ledger = [FanAction(1, 3, "follow", "athlete:1", at, "a"),
              FanAction(2, 3, "unfollow", "athlete:1", at, "b")]
    assert sum(a.points for a in rule.awards(ledger)) == 0

    tiers = host.registry(MEDAL_TIERS)
    assert tiers.names() == ["hub.bronze", "hub.gold", "rival.gold"]  # "gold" twice: per plugin
    assert all(isinstance(tier, MedalTier) for _, tier in tiers.items())

    scheduler = host.registry(PROGRAMME_SCHEDULERS)["in_order"]
    assert isinstance(scheduler, ProgrammeScheduler)
    start = datetime(2026, 12, 5, 18, tzinfo=timezone.utc)
    problem = ProgrammeProblem(
        phases=(Phase("sprint-q", "sprint", "sprint", 40), Phase("keirin-r1", "keirin", "keirin", 30)),
        sessions=(SessionWindow("fri-pm", start, start + timedelta(hours=1)),),
        changeover_minutes=5)
    result = scheduler.schedule(problem)
    assert result.status == "infeasible" and result.unplaced == ("keirin-r1",)

    assert host.scope_kind("meet") == ScopeKind("meet", "Meet", "meet_id")
    assert host.scope_kind("tournament") is not None  # declared by the tournament domain


def test_the_shipped_formats_satisfy_the_format_contract():
    host = plugin_host(["esport"])
    formats = host.registry("podium_bracket_formats")
    assert formats.names()
    assert all(isinstance(fmt, BracketFormat) for _, fmt in formats.items())
