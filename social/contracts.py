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

from podium.core.events import DomainEvent, FanAction, PointsAward
from podium.core.plugins import RegistryHook


@runtime_checkable
class RewardRule(Protocol):
    """Turns a fan's actions into point awards. Pure: no database, no clock."""

    # Read-only members: a frozen dataclass or a class attribute satisfies them.

    @property
    def name(self) -> str:
        """Name within its plugin, e.g. ``"follow"`` (told apart as ``plugin.name``)."""
        ...

    @property
    def description(self) -> str:
        """One sentence fans read ("1 point per athlete you follow")."""
        ...

    @property
    def action_kinds(self) -> frozenset[str]:
        """The action kinds it looks at (``follow``, ``unfollow``...); others are not
        passed."""
        ...

    def awards(self, actions: Sequence[FanAction]) -> Sequence[PointsAward]:
        """The awards one fan's actions earn, oldest action first. Called with the whole
        ledger of that fan (of the kinds it looks at), so the answer is the fan's total
        under this rule, never a delta; a negative award takes points back."""
        ...


@runtime_checkable
class MedalTier(Protocol):
    """A medal a fan holds once their points reach ``threshold`` in a season."""

    @property
    def name(self) -> str:
        """Name within its plugin, e.g. ``"gold"``."""
        ...

    @property
    def label(self) -> str:
        """What fans read ("Gold"), in the current locale: asked each time it is shown
        (events and tables keep the tier's ``name``, never this)."""
        ...

    @property
    def threshold(self) -> int:
        """The points needed."""
        ...

    @property
    def season(self) -> str | None:
        """The season it counts in (``"2026"``), or ``None`` for all time."""
        ...

    @property
    def rank(self) -> int:
        """Its rank among the plugin's tiers (bronze 1, silver 2, gold 3)."""
        ...


#: Typed keys of the (per-plugin) registries: ``host.registry(MEDAL_TIERS)`` is a
#: ``Registry[MedalTier]`` keyed ``plugin.name``.
REWARD_RULES: RegistryHook[RewardRule] = RegistryHook("podium_reward_rules")
MEDAL_TIERS: RegistryHook[MedalTier] = RegistryHook("podium_medal_tiers")


class MedalReached(DomainEvent, frozen=True, kw_only=True):
    """A fan reached a higher medal (live pages only: the fan's page announces it).

    Medals are named by their tier's registry name, never by a label: what fans read is
    looked up when the banner is made, in each page's language
    (:func:`podium.social.points.medal_label`). Rows stored before carried an English
    ``label`` too; decoding ignores it.

    :param fan_id: the fan.
    :param medal: the tier's registry name (``plugin.tier``).
    :param rank: the tier's rank (bronze 1, silver 2, gold 3).
    """

    fan_id: int
    medal: str
    rank: int


class MedalLost(DomainEvent, frozen=True, kw_only=True):
    """A fan fell below the medal they held (an unfollow or unlike took its points back;
    live pages only: the fan's page announces it, as it announces a medal reached).

    Named by registry names, as :class:`MedalReached` (older rows' ``lost_label`` and
    ``label`` are ignored).

    :param fan_id: the fan.
    :param lost: the tier's registry name they held (``plugin.tier``).
    :param medal: the tier they hold now (empty: none).
    :param rank: the rank of the medal held now (0: none).
    """

    fan_id: int
    lost: str
    medal: str = ""
    rank: int = 0
