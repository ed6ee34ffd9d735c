"""Tables of the fan hub (the social domain).

Facts first: :class:`FanAction` is the ledger of what fans did through the hub, written
once and never updated or deleted; :class:`FanRelation` is the current state (who follows
or likes what) derived from it in the same transaction, kept so counts and "do I follow"
are one indexed read. Points, medals and ranks are derived from the ledger elsewhere.

Each part of the hub adds its own section below.
"""

from piccolo.columns import (
    JSON,
    BigInt,
    Boolean,
    ForeignKey,
    Integer,
    Serial,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from podium.core.accounts.tables import User

# -- athletes and fan actions ------------------------------------------------------------


class Athlete(Table, tablename="social_athlete"):
    """An athlete's public profile, owned by one user account.

    :param slug: the profile's name in URLs (``/athletes/<slug>``), unique.
    :param name: the display name, as shown.
    :param kind: ``cycling`` or ``esport``.
    :param discipline: a machine name: ``track_sprint``, ``keirin``, ``endurance``,
        ``team_pursuit``, ``omnium``... or ``esport:<game>``.
    :param country: IOC/UCI three-letter code (``FRA``).
    :param club: the club or team.
    :param photo_url: an https URL, or empty.
    :param links: the athlete's https links (a JSON list of strings).
    :param verified_at: when the account was verified (``None``: not verified).
    :param verified_by: the admin who verified it (``None`` for ``rel_me``).
    :param verification_note: why (the admin's note, or the link that linked back).
    :param verified_via: ``admin``, ``rel_me`` or empty.
    :param refused_at: when an admin refused to verify it (the reason in
        ``verification_note``); an edit puts it back in the queue.
    """

    id: Serial

    user = ForeignKey(User, null=False, unique=True, on_delete=OnDelete.cascade)
    slug = Varchar(length=60, unique=True, index=True)
    name = Varchar(length=80)
    kind = Varchar(length=16, default="cycling", index=True)
    discipline = Varchar(length=60, default="", index=True)
    country = Varchar(length=3, default="", index=True)
    club = Varchar(length=120, default="")
    bio = Text(default="")
    photo_url = Varchar(length=500, default="")
    links = JSON(default=[])
    verified_at = Timestamptz(null=True, default=None)
    verified_by = ForeignKey(User, null=True, default=None, on_delete=OnDelete.set_null)
    verification_note = Varchar(length=500, default="")
    verified_via = Varchar(length=16, default="")
    #: when an admin refused to verify it (it leaves the queue until its owner edits it).
    refused_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz()


class FanAction(Table, tablename="social_fan_action"):
    """A fact of the fan ledger: a fan did ``kind`` to ``target`` at ``at``. Never updated
    or deleted; ``idempotency_key`` (unique) makes a replayed action count once.

    :param fan: the user's id (a plain integer: the ledger outlives nothing it names).
    :param target: ``athlete:12``, ``post:3``, ``event:7``, ``match:4:W1-2``...
    :param detail: what the action says beyond its target (a prediction's winner).
    """

    id: Serial

    fan = Integer(index=True)
    kind = Varchar(length=32)
    target = Varchar(length=120)
    detail = Varchar(length=200, default="")
    at = Timestamptz()
    idempotency_key = Varchar(length=200, unique=True)


class FanRelation(Table, tablename="social_fan_relation"):
    """What a fan follows or likes now, derived from the ledger in the same transaction.

    Unique per (fan, kind, target); an unfollow sets ``active`` false and ``since`` to
    its time rather than deleting the row, so the row is there to lock next time.
    """

    id: Serial

    fan = Integer()
    kind = Varchar(length=16)  # ``follow`` or ``like``
    target = Varchar(length=120)
    active = Boolean(default=False)
    since = Timestamptz()


# -- points (derived from the fan actions; `podium hub rebuild` recomputes them) ---------


class PointsEntry(Table, tablename="social_points_entry"):
    """One award a reward rule gives a fan for an action (negative: taken back).

    Derived: the points engine replaces a fan's entries with what the rules say about
    their whole ledger, so a replayed delivery writes the same rows.
    """

    id: Serial

    fan = Integer(index=True)
    rule = Varchar(length=120)  # "plugin.rule"
    action_id = Integer()
    kind = Varchar(length=40)
    target = Varchar(length=120)
    points = Integer()
    at = Timestamptz()


class FanScore(Table, tablename="social_fan_score"):
    """A fan's totals and medal; its row is the lock a recompute of that fan holds.

    ``excluded``: admins and athletes (never on a leaderboard); ``opted_out``: the fan's
    own choice. ``medal`` is ``plugin.tier`` (empty: none).
    """

    id: Serial

    fan = Integer(unique=True)
    points = Integer(default=0)
    medal = Varchar(length=120, default="")
    medal_rank = Integer(default=0)
    opted_out = Boolean(default=False)
    excluded = Boolean(default=False)
    updated_at = Timestamptz()


class BoardScore(Table, tablename="social_board_score"):
    """A fan's points on one leaderboard (``all``, ``week:2026-W49``, ``season:2026``,
    ``discipline:keirin``, ``athlete:12``); ``reached``: when (epoch seconds) the fan got
    there, the first tie-break. ``slot`` is ``board|fan`` (unique). An index on
    ``(board, points DESC, reached, fan)`` serves the top ten and the tie count."""

    id: Serial

    slot = Varchar(length=140, unique=True)
    board = Varchar(length=120)
    fan = Integer(index=True)
    points = Integer()
    reached = BigInt()


class ScoreBucket(Table, tablename="social_score_bucket"):
    """How many fans of a board have exactly ``points`` (``slot``: ``board|points``):
    a rank sums the buckets above a score, never counts the fans."""

    id: Serial

    slot = Varchar(length=140, unique=True)
    board = Varchar(length=120)
    points = Integer()
    fans = Integer(default=0)


class RankBucket(Table, tablename="social_rank_bucket"):
    """How many fans of a board have an order code (points, then when they got there)
    with ``code >> level == bucket`` (``slot``: ``board|level|bucket``): the levels of a
    tree with a fan-out of 256 (:data:`podium.social.leaderboard.RANK_SHIFTS`), so an
    exact rank sums a few hundred bucket rows and counts a handful of tied fans, however
    many fans share a score. Maintained in the transaction that moves a fan's board row;
    an index on ``(board, level, bucket, fans)`` serves the sums."""

    id: Serial

    slot = Varchar(length=180, unique=True)
    board = Varchar(length=120)
    level = Integer()
    bucket = BigInt()
    fans = Integer(default=0)


# -- exclusive content -------------------------------------------------------------------


class MediaFile(Table, tablename="social_media_file"):
    """An uploaded image or video, kept by the media storage under ``token``.

    :param token: 32 random URL-safe characters (192 bits, never user-supplied): the stored
        name and the id in ``/hub/media/<token>``.
    :param content_type: what its bytes are (``video/mp4``...), found by reading them.
    :param kind: ``image`` or ``video``.
    """

    id: Serial

    token = Varchar(length=32, unique=True)
    content_type = Varchar(length=40)
    kind = Varchar(length=8)
    size = Integer(default=0)
    uploaded_by = ForeignKey(User, null=True, default=None, on_delete=OnDelete.set_null)
    created_at = Timestamptz()


class Post(Table, tablename="social_post"):
    """A post on the hub: text and an optional image or video, by an athlete (``athlete``
    set) or by the venue (``athlete`` null: an organiser or admin wrote it).

    :param followers_of: ids of the athletes whose followers may see it (a JSON list; any
        one is enough; empty: no follow condition).
    :param min_medal_rank: the lowest medal that may see it (0 none, 1 bronze, 2 silver,
        3 gold). Both conditions must hold when both are set.
    :param removed_at: set when a moderator took it down (it is then shown to nobody).
    """

    id: Serial

    author = ForeignKey(User, null=False, on_delete=OnDelete.cascade, index=True)
    athlete = ForeignKey(Athlete, null=True, default=None, on_delete=OnDelete.cascade, index=True)
    body = Text(default="")
    media = ForeignKey(MediaFile, null=True, default=None, on_delete=OnDelete.set_null)
    followers_of = JSON(default=[])
    min_medal_rank = Integer(default=0)
    created_at = Timestamptz(index=True)
    removed_at = Timestamptz(null=True, default=None)
    removed_by = ForeignKey(User, null=True, default=None, on_delete=OnDelete.set_null)


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
