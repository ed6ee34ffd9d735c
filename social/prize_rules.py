"""Who may claim a prize: the pure rule (plain data in, plain data out).

A prize has a stock, a condition (a minimum medal rank and/or a place in the top N of the
leaderboard) and an optional claim window. :func:`claim_refusal` says why a fan may not
claim it, or ``None`` when they may; the service (:mod:`podium.social.prizes`) asks it
again under the prize's lock, with the stock counted there.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from podium.core.i18n import _
from podium.social.audience import medal_word


@dataclass(frozen=True)
class PrizeRules:
    """A prize's conditions.

    :param stock: how many there are in all.
    :param claimed: how many are claimed already.
    :param min_medal_rank: the lowest medal that may claim (0: any fan).
    :param top_rank: only fans ranked this or better may claim (``None``: no rank needed).
    :param opens_at: claims start then (``None``: at once).
    :param closes_at: claims end then (``None``: while stock lasts).
    :param active: an admin may withdraw a prize.
    """

    stock: int
    claimed: int = 0
    min_medal_rank: int = 0
    top_rank: int | None = None
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    active: bool = True

    @property
    def left(self) -> int:
        """How many can still be claimed."""
        return max(0, self.stock - self.claimed)


@dataclass(frozen=True)
class FanStanding:
    """What a prize's condition looks at: the fan's medal rank and leaderboard rank
    (``None`` when the fan is not ranked: no points yet, or opted out)."""

    medal_rank: int = 0
    rank: int | None = None
    already_claimed: bool = False


@dataclass(frozen=True)
class Refusal:
    """Why a claim is refused: a stable ``code`` and a sentence for the fan."""

    code: str
    detail: str


def claim_refusal(rules: PrizeRules, fan: FanStanding, now: datetime) -> Refusal | None:
    """Why ``fan`` may not claim a prize with ``rules`` at ``now`` (``None``: they may).

    Checked in this order: withdrawn, window, already claimed, medal, rank, stock, so the
    fan hears about what they can act on before "none left".
    """
    if not rules.active:
        return Refusal("withdrawn", "this prize is no longer offered")
    if rules.opens_at is not None and now < rules.opens_at:
        return Refusal("not_open", _("claims for this prize have not opened yet"))
    if rules.closes_at is not None and now >= rules.closes_at:
        return Refusal("closed", _("claims for this prize are closed"))
    if fan.already_claimed:
        return Refusal("already_claimed", _("you have already claimed this prize"))
    if rules.min_medal_rank > 0 and fan.medal_rank < rules.min_medal_rank:
        return Refusal("medal_needed", _("this prize needs %(medal)s or better",
                                                medal=medal_word(rules.min_medal_rank)))
    if rules.top_rank is not None and (fan.rank is None or fan.rank > rules.top_rank):
        return Refusal("rank_needed", _("this prize is for the top %(rank)s fans",
                                               rank=rules.top_rank))
    if rules.left <= 0:
        return Refusal("out_of_stock", _("none left: every one has been claimed"))
    return None


def _first_up(text: str) -> str:
    return text[:1].upper() + text[1:]


def condition_label(rules: PrizeRules) -> str:
    """The condition in a few words: ``Any fan``, ``Silver and up``, ``Top 10``,
    ``Gold and up, top 3``."""
    if rules.min_medal_rank > 0:
        medal = medal_word(rules.min_medal_rank)
        if rules.top_rank is not None:
            return _first_up(_("%(medal)s and up, top %(rank)s", medal=medal, rank=rules.top_rank))
        return _first_up(_("%(medal)s and up", medal=medal))
    if rules.top_rank is not None:
        return _("Top %(rank)s", rank=rules.top_rank)
    return _("Any fan")
