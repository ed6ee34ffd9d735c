"""The Olympic hub's reward rules and medal tiers: pure functions of one fan's ledger.

Every rule sees the whole ledger of one fan (of the kinds it looks at), oldest first, and
returns that fan's awards under it, so recomputing from the facts always gives the same
points (the points engine in ``podium.social.points`` stores what they return).

Choices, written down:

* **Once per target, ever.** A follow (like, watch, attendance) earns the first time it is
  paid for a target; an unfollow (unlike) takes back exactly what that target holds; a
  re-follow of a target that was already paid earns nothing, so churn never farms points.
* **Daily caps** count the points *earned* (gross, before take-backs) per rule per UTC
  day: an action over the cap is kept in the ledger but earns 0, and its target has not
  been paid, so a later action on it (another day) may still earn.
* **Predictions**: the fan's last ``predict`` on a match before its first settlement
  counts; the latest ``predict_settled`` fact (detail: the winner, recorded when the result
  is in and again after a correction) decides; a right prediction earns once per match.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from podium.core.events import FanAction, PointsAward
from podium.core.i18n import LazyString, lazy_ngettext, lazy_pgettext, pgettext
from podium.plugins.olympic_hub.settings import HubSettings

FOLLOW, UNFOLLOW, LIKE, UNLIKE = "follow", "unfollow", "like", "unlike"
WATCH, ATTEND, PREDICT, PREDICT_SETTLED = "watch", "attend", "predict", "predict_settled"


def _ordered(actions: Iterable[FanAction]) -> list[FanAction]:
    # Oldest first, then by id: the ledger's order, whatever order the caller passed.
    return sorted(actions, key=lambda a: (a.at, a.action_id))


class _DailyCap:
    """Gross points earned per UTC day, against a cap (``None``: no cap)."""

    def __init__(self, cap: int | None) -> None:
        self.cap = cap
        self.earned: dict[date, int] = {}

    def allow(self, action: FanAction, points: int) -> int:
        """The points ``action`` may earn today (``points``, less what the cap leaves)."""
        if self.cap is None:
            return points
        day = action.at.date()
        room = max(0, self.cap - self.earned.get(day, 0))
        granted = min(points, room)
        self.earned[day] = self.earned.get(day, 0) + granted
        return granted


@dataclass(frozen=True)
class RelationRule:
    """Points for a relation with a target (follow, like), taken back when it ends.

    :param on_kind: the action that starts it (``follow``).
    :param off_kind: the action that ends it (``unfollow``).
    :param points: what the first start on a target earns.
    :param daily_cap: the most points it earns per fan per UTC day (``None``: no cap).
    """

    name: str
    summary: str | LazyString  # translated when shown

    @property
    def description(self) -> str:
        """What the rule gives, in the current locale."""
        return str(self.summary)
    on_kind: str
    off_kind: str
    points: int = 1
    daily_cap: int | None = None

    @property
    def action_kinds(self) -> frozenset[str]:
        """The kinds this rule reads."""
        return frozenset({self.on_kind, self.off_kind})

    def awards(self, actions: Sequence[FanAction]) -> Sequence[PointsAward]:
        """One award per paid start and per take-back (see the module's choices)."""
        cap = _DailyCap(self.daily_cap)
        held: dict[str, int] = {}      # target -> points it holds now
        paid: set[str] = set()         # targets that were ever paid
        active: dict[str, bool] = {}
        out: list[PointsAward] = []
        for action in _ordered(actions):
            target = action.target
            if action.kind == self.on_kind:
                if active.get(target):
                    continue  # already on: a duplicate start earns nothing
                active[target] = True
                if target in paid or self.points <= 0:
                    continue
                granted = cap.allow(action, self.points)
                if granted > 0:
                    paid.add(target)
                    held[target] = granted
                    out.append(PointsAward(action.fan_id, granted, self.name, action.action_id))
            elif action.kind == self.off_kind:
                if not active.get(target):
                    continue
                active[target] = False
                back = held.pop(target, 0)
                if back:
                    out.append(PointsAward(action.fan_id, -back, self.name, action.action_id))
        return out


@dataclass(frozen=True)
class OncePerTargetRule:
    """Points for an action, once per target (a video watched to the end, an event
    attended), under a daily cap."""

    name: str
    summary: str | LazyString  # translated when shown

    @property
    def description(self) -> str:
        """What the rule gives, in the current locale."""
        return str(self.summary)
    kind: str
    points: int
    daily_cap: int | None = None

    @property
    def action_kinds(self) -> frozenset[str]:
        """The kinds this rule reads."""
        return frozenset({self.kind})

    def awards(self, actions: Sequence[FanAction]) -> Sequence[PointsAward]:
        """One award for the first paid action on each target."""
        cap = _DailyCap(self.daily_cap)
        paid: set[str] = set()
        out: list[PointsAward] = []
        for action in _ordered(actions):
            if action.kind != self.kind or action.target in paid or self.points <= 0:
                continue
            granted = cap.allow(action, self.points)
            if granted > 0:
                paid.add(action.target)
                out.append(PointsAward(action.fan_id, granted, self.name, action.action_id))
        return out


@dataclass(frozen=True)
class PredictionRule:
    """Points for a right prediction of a match winner, once per match.

    Reads ``predict`` (target ``match:<tournament>:<key>``, detail the entrant id the fan
    names) and ``predict_settled`` (same target, detail the winner's entrant id, recorded
    for each predicting fan when the result is in, and again after a correction). The
    fan's last prediction made before the match's first settlement counts; the latest
    settlement decides. The award is tied to that settlement fact.
    """

    name: str
    summary: str | LazyString  # translated when shown

    @property
    def description(self) -> str:
        """What the rule gives, in the current locale."""
        return str(self.summary)
    points: int
    daily_cap: int | None = None

    @property
    def action_kinds(self) -> frozenset[str]:
        """The kinds this rule reads."""
        return frozenset({PREDICT, PREDICT_SETTLED})

    def awards(self, actions: Sequence[FanAction]) -> Sequence[PointsAward]:
        """One award per match the fan named the winner of in time."""
        picked: dict[str, str] = {}
        first_settled: set[str] = set()
        latest: dict[str, FanAction] = {}
        for action in _ordered(actions):
            if action.kind == PREDICT and action.target not in first_settled:
                picked[action.target] = action.detail  # a change of mind before the result
            elif action.kind == PREDICT_SETTLED:
                first_settled.add(action.target)
                latest[action.target] = action
        cap = _DailyCap(self.daily_cap)
        out: list[PointsAward] = []
        for target, action in sorted(latest.items(), key=lambda kv: (kv[1].at, kv[1].action_id)):
            right = bool(action.detail) and picked.get(target) == action.detail
            if not right or self.points <= 0:
                continue
            granted = cap.allow(action, self.points)
            if granted > 0:
                out.append(PointsAward(action.fan_id, granted, self.name, action.action_id))
        return out


@dataclass(frozen=True)
class Tier:
    """A medal tier (see :class:`podium.social.contracts.MedalTier`).

    :param medal: the medal's word (translated when shown); ``label`` adds the season.
    """

    name: str
    medal: str | LazyString
    threshold: int
    season: str | None
    rank: int

    @property
    def label(self) -> str:
        """What fans read, in the current locale ("Silver", "Argent 2026")."""
        if self.season is None:
            return str(self.medal)
        return pgettext("medal tier", "%(medal)s %(season)s", medal=self.medal, season=self.season)


#: The hub's tiers: name (the key stored and announced) and the word fans read.
MEDALS = (("bronze", lazy_pgettext("medal tier", "Bronze")),
          ("silver", lazy_pgettext("medal tier", "Silver")),
          ("gold", lazy_pgettext("medal tier", "Gold")))


def medal_tiers(lifetime: Sequence[int], seasonal: Sequence[int],
                seasons: Iterable[str]) -> list[Tier]:
    """Bronze, silver and gold on lifetime points (``lifetime`` thresholds) and, for each
    season named, on that season's points (``seasonal`` thresholds)."""
    tiers = [Tier(name, medal, threshold, None, rank)
             for rank, ((name, medal), threshold) in enumerate(zip(MEDALS, lifetime), 1)]
    for season in seasons:
        tiers += [Tier(f"{name}-{season}", medal, threshold, season, rank)
                  for rank, ((name, medal), threshold) in enumerate(zip(MEDALS, seasonal), 1)]
    return tiers


def hub_rules(settings: HubSettings) -> list[RelationRule | OncePerTargetRule | PredictionRule]:
    """The hub's rules with the points and caps of ``settings``."""
    s = settings
    return [
        RelationRule("follow", lazy_ngettext("%(num)s point per athlete you follow",
                                             "%(num)s points per athlete you follow", s.follow_points),
                     FOLLOW, UNFOLLOW, s.follow_points, s.follow_daily_cap),
        RelationRule("like", lazy_ngettext("%(num)s point per post or video you like",
                                           "%(num)s points per post or video you like", s.like_points),
                     LIKE, UNLIKE, s.like_points, s.like_daily_cap),
        OncePerTargetRule("watch", lazy_ngettext("%(num)s point per video watched to the end",
                                                 "%(num)s points per video watched to the end",
                                                 s.watch_points),
                          WATCH, s.watch_points, s.watch_daily_cap),
        OncePerTargetRule("attend", lazy_ngettext("%(num)s point per event you attend",
                                                  "%(num)s points per event you attend", s.attend_points),
                          ATTEND, s.attend_points, s.attend_daily_cap),
        PredictionRule("predict", lazy_ngettext("%(num)s point per match winner you predict",
                                                "%(num)s points per match winner you predict",
                                                s.predict_points),
                       s.predict_points, s.predict_daily_cap),
    ]


def hub_tiers(settings: HubSettings, this_year: int) -> list[Tier]:
    """Lifetime medals, and seasonal ones from the first season to next year."""
    seasons = [str(y) for y in range(settings.first_season, max(this_year, settings.first_season) + 2)]
    return medal_tiers(settings.medals, settings.season_medals, seasons)
