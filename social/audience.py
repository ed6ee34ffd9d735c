"""Who may see a post: the pure rule of exclusive content (plain data in, plain data out).

A post's audience is public, "for followers" (of one athlete or of any of a list of
athletes), "for a medal and up" (a minimum medal rank: bronze 1, silver 2, gold 3), or
both, in which case every condition must hold. The post's author and venue admins always
see it. :func:`visible` answers whether a viewer may see a post and, when not, what would
unlock it, so a locked card can say "Follow Anna Meyer to unlock" without showing the post.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from podium.core.i18n import _, lazy_pgettext

#: Medal names by rank (what locked cards say); the tiers' labels come from plugins, but
#: the rank is the contract (bronze 1, silver 2, gold 3).
MEDAL_NAMES = {1: "bronze", 2: "silver", 3: "gold"}
MAX_MEDAL_RANK = 3


@dataclass(frozen=True)
class AthleteRef:
    """An athlete a post's audience names: id and display name."""

    id: int
    name: str


@dataclass(frozen=True)
class PostRules:
    """A post's audience.

    :param author_id: the user who wrote it (sees it always).
    :param followers_of: athletes whose followers may see it (any one of them is enough);
        empty: no follow condition.
    :param min_medal_rank: the lowest medal rank that may see it (0: no medal condition).
    """

    author_id: int
    followers_of: tuple[AthleteRef, ...] = ()
    min_medal_rank: int = 0

    @property
    def public(self) -> bool:
        """True when the post has no condition at all."""
        return not self.followers_of and self.min_medal_rank <= 0


@dataclass(frozen=True)
class Viewer:
    """Who looks: ``user_id`` ``None`` for a visitor who is not signed in.

    :param follows: ids of the athletes the viewer follows.
    :param medal_rank: the viewer's medal rank (0 none, 1 bronze, 2 silver, 3 gold).
    :param admin: a venue admin (sees everything, to moderate).
    """

    user_id: int | None = None
    follows: frozenset[int] = frozenset()
    medal_rank: int = 0
    admin: bool = False


@dataclass(frozen=True)
class Unlock:
    """One unmet condition and what meets it.

    :param kind: ``follow`` (follow one of ``athletes``) or ``medal`` (reach ``medal_rank``).
    :param text: what a locked card says ("Follow Anna Meyer to unlock").
    """

    kind: str
    text: str
    athletes: tuple[AthleteRef, ...] = ()
    medal_rank: int = 0


@dataclass(frozen=True)
class Access:
    """The answer of :func:`visible`: ``missing`` lists the unmet conditions (empty
    exactly when ``allowed``)."""

    allowed: bool
    missing: list[Unlock] = field(default_factory=list)


def medal_name(rank: int) -> str:
    """``silver`` for 2; ranks above gold read as gold (the machine name)."""
    return MEDAL_NAMES.get(min(max(rank, 1), MAX_MEDAL_RANK), "gold")


#: What people read for each medal, in their language.
MEDAL_WORDS = {"bronze": lazy_pgettext("medal", "bronze"), "silver": lazy_pgettext("medal", "silver"),
               "gold": lazy_pgettext("medal", "gold")}


def medal_word(rank: int) -> str:
    """The medal of ``rank`` as people read it (``silver`` / ``argent``)."""
    return str(MEDAL_WORDS[medal_name(rank)])


def _names(athletes: tuple[AthleteRef, ...]) -> str:
    names = [a.name for a in athletes]
    if len(names) == 1:
        return names[0]
    return _("%(names)s or %(last)s", names=", ".join(names[:-1]), last=names[-1])


def visible(post_rules: PostRules, viewer: Viewer) -> Access:
    """Whether ``viewer`` may see a post with ``post_rules``, and what unlocks it if not.

    Allowed when the viewer wrote it, is an admin, or meets every condition: follows at
    least one of ``followers_of`` (when any) and holds at least ``min_medal_rank``.
    """
    if viewer.admin or (viewer.user_id is not None and viewer.user_id == post_rules.author_id):
        return Access(True)
    missing: list[Unlock] = []
    wanted = post_rules.followers_of
    if wanted and not any(a.id in viewer.follows for a in wanted):
        missing.append(Unlock("follow", _("Follow %(names)s to unlock", names=_names(wanted)),
                              athletes=wanted))
    if post_rules.min_medal_rank > 0 and viewer.medal_rank < post_rules.min_medal_rank:
        rank = post_rules.min_medal_rank
        missing.append(Unlock("medal", _("Reach %(medal)s to unlock", medal=medal_word(rank)),
                              medal_rank=rank))
    return Access(not missing, missing)


def audience_label(post_rules: PostRules) -> str:
    """What the audience is, in a few words: ``Public``, ``For followers``, ``For silver
    and up``, ``For followers with silver and up``."""
    if post_rules.min_medal_rank <= 0:
        return _("For followers") if post_rules.followers_of else _("Public")
    medal = medal_word(post_rules.min_medal_rank)
    if post_rules.followers_of:
        return _("For followers with %(medal)s and up", medal=medal)
    return _("For %(medal)s and up", medal=medal)
