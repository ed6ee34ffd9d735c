"""Tables of the fan hub (the social domain).

Each part of the hub adds its own section below.
"""

from piccolo.columns import Boolean, ForeignKey, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from podium.core.accounts.tables import User

# -- prizes ------------------------------------------------------------------------------


class Prize(Table, tablename="social_prize"):
    """A real prize an admin offers fans (a signed jersey...), with a stock.

    :param stock: how many there are in all.
    :param claimed: how many fans have claimed one; only changed under the prize row's
        lock (:func:`podium.social.prizes.claim`), so it never passes ``stock``.
    :param min_medal_rank: the lowest medal that may claim (0 any fan, 1 bronze, 2 silver,
        3 gold).
    :param top_rank: only fans ranked this or better on the leaderboard may claim
        (``None``: no rank condition).
    :param opens_at: claims open then (``None``: at once).
    :param closes_at: claims close then (``None``: while stock lasts).
    :param active: false once an admin withdraws it.
    """

    id: Serial

    name = Varchar(length=120)
    description = Text(default="")
    stock = Integer(default=0)
    claimed = Integer(default=0)
    min_medal_rank = Integer(default=0)
    top_rank = Integer(null=True, default=None)
    opens_at = Timestamptz(null=True, default=None)
    closes_at = Timestamptz(null=True, default=None)
    active = Boolean(default=True)
    created_by = ForeignKey(User, null=True, default=None, on_delete=OnDelete.set_null)
    created_at = Timestamptz()


class PrizeClaim(Table, tablename="social_prize_claim"):
    """A fan's claim of a prize: one per prize and fan (``claim_key`` is
    ``<prize>:<fan>``, unique, so the database refuses a second one too).

    :param handed_over_at: when staff gave the prize to the fan (``None``: not yet).
    """

    id: Serial

    prize = ForeignKey(Prize, null=False, on_delete=OnDelete.cascade, index=True)
    fan = ForeignKey(User, null=False, on_delete=OnDelete.cascade, index=True)
    claim_key = Varchar(length=40, unique=True)
    claimed_at = Timestamptz()
    handed_over_at = Timestamptz(null=True, default=None)
    handed_over_by = ForeignKey(User, null=True, default=None, on_delete=OnDelete.set_null)
