"""The fan hub's contracts: reward rules and medal tiers, both pure.

Registered through ``podium_reward_rules`` and ``podium_medal_tiers``; both registries are
kept per plugin (two plugins may each have a ``gold`` tier). Points, medals and ranks are
derived from the ledger of fan actions, so a rule is a function of that ledger: an
unfollow takes its points back because the rule sees the follow and the unfollow, and a
replayed action counts once because the ledger records it once.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from podium.core.events import FanAction, PointsAward
from podium.core.plugins import RegistryHook


@runtime_checkable
class RewardRule(Protocol):
    """Turns a fan's actions into point awards. Pure: no database, no clock."""

    #: name within its plugin, e.g. ``"follow"`` (told apart as ``plugin.name``).
    name: str
    #: one sentence fans read ("1 point per athlete you follow").
    description: str
    #: the action kinds it looks at (``follow``, ``unfollow``...); others are not passed.
    action_kinds: frozenset[str]

    def awards(self, actions: Sequence[FanAction]) -> Sequence[PointsAward]:
        """The awards one fan's actions earn, oldest action first. Called with the whole
        ledger of that fan (of the kinds it looks at), so the answer is the fan's total
        under this rule, never a delta; a negative award takes points back."""
        ...


@runtime_checkable
class MedalTier(Protocol):
    """A medal a fan holds once their points reach ``threshold`` in a season."""

    #: name within its plugin, e.g. ``"gold"``.
    name: str
    #: what fans read ("Gold").
    label: str
    #: the points needed.
    threshold: int
    #: the season it counts in (``"2026"``), or ``None`` for all time.
    season: str | None
    #: its rank among the plugin's tiers (bronze 1, silver 2, gold 3).
    rank: int


#: Typed keys of the (per-plugin) registries: ``host.registry(MEDAL_TIERS)`` is a
#: ``Registry[MedalTier]`` keyed ``plugin.name``.
REWARD_RULES: RegistryHook[RewardRule] = RegistryHook("podium_reward_rules")
MEDAL_TIERS: RegistryHook[MedalTier] = RegistryHook("podium_medal_tiers")
