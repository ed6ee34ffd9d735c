"""The facts the Olympic hub adds to the fan ledger: attendance and predictions.

* **Attendance**: a ticket checked in at the gate (``podium_tickets_checked_in``) is an
  ``attend`` fact of the ticket's holder for the venue event, keyed by holder and event, so
  a re-entry, a redelivered event or two gates count once.
* **Predictions**: a fan names the winner of a match not yet decided (``predict``, target
  ``match:<tournament>:<key>``, detail the entrant id). When the result is in
  (``podium_matches_completed``) each predicting fan gets a ``predict_settled`` fact
  (detail: the winner), keyed by the delivery's event id, so a redelivery records nothing
  and a correction (a new event) settles again. The reward rule decides who was right.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from podium.core.i18n import _
from podium.core.errors import Conflict, InvalidInput, NotFound
from podium.core.events import CompletedMatch, TicketsCheckedIn
from podium.plugins.olympic_hub.rules import ATTEND, PREDICT, PREDICT_SETTLED
from podium.social.actions import NewAction, Recorded, record, record_many

log = logging.getLogger("podium.plugins.olympic_hub")

#: Match statuses after which a prediction is refused.
DECIDED = frozenset({"completed", "finished", "cancelled", "bye", "walkover"})


def match_target(tournament_id: int, key: str) -> str:
    """The fan-ledger target of a match."""
    return f"match:{tournament_id}:{key}"


async def record_attendance(event: TicketsCheckedIn) -> int:
    """An ``attend`` fact for the holder of each ticket that entered; returns how many
    new facts. Tickets without an account holder (a box-office sale) earn nothing."""
    try:
        from podium.ticketing.tables import Ticket
    except ImportError:  # the ticketing domain is not installed
        return 0
    codes = sorted({c.ticket_id for c in event.checkins if c.direction == "entry"})
    if not codes:
        return 0
    rows = await Ticket.select(Ticket.code, Ticket.holder, Ticket.event).where(Ticket.code.is_in(codes))
    by_code = {r["code"]: r for r in rows}
    actions = []
    for checkin in event.checkins:
        row = by_code.get(checkin.ticket_id)
        if checkin.direction != "entry" or row is None or row["holder"] is None:
            continue
        fan, venue_event = int(row["holder"]), int(row["event"])
        actions.append(NewAction(fan, ATTEND, f"event:{venue_event}",
                                 key=f"attend:{fan}:{venue_event}", at=checkin.checked_in_at))
    done = await record_many(actions) if actions else []
    return sum(1 for d in done if d.changed)


async def settle_matches(event_id: str, tournament_id: int, matches: Iterable[CompletedMatch],
                         at: Any) -> int:
    """A ``predict_settled`` fact per fan who predicted each match; returns how many new."""
    from podium.social.tables import FanAction

    actions = []
    for match in matches:
        target = match_target(tournament_id, match.key)
        rows = await FanAction.select(FanAction.fan).where(
            (FanAction.kind == PREDICT) & (FanAction.target == target)).distinct()
        winner = "" if match.winner_id is None else str(match.winner_id)
        for fan in sorted({r["fan"] for r in rows}):
            actions.append(NewAction(fan, PREDICT_SETTLED, target, detail=winner, at=at,
                                     key=f"settle:{event_id}:{match.key}:{fan}"))
    done = await record_many(actions) if actions else []
    return sum(1 for d in done if d.changed)


@dataclass(frozen=True)
class Side:
    """One side of a match a fan may pick."""

    entrant_id: int
    name: str


@dataclass(frozen=True)
class OpenMatch:
    """A match fans may still predict, with the caller's current pick."""

    id: int
    key: str
    round: int
    sides: tuple[Side, ...]
    picked: int | None = None


def _sides(slots: Any) -> tuple[Side, ...]:
    if isinstance(slots, str):  # a JSON column selected without load_json
        try:
            slots = json.loads(slots)
        except ValueError:
            return ()
    out = []
    for slot in slots or []:
        if isinstance(slot, dict) and isinstance(slot.get("entrant_id"), int):
            out.append(Side(slot["entrant_id"], str(slot.get("name") or f"Entrant {slot['entrant_id']}")))
    return tuple(out)


async def open_matches(tournament_id: int, fan_id: int | None, limit: int = 8) -> list[OpenMatch]:
    """Matches of a tournament whose two sides are known and that are not decided, with
    the fan's latest pick on each."""
    from podium.tournaments.tables import MatchRow

    rows = await MatchRow.select(MatchRow.id, MatchRow.key, MatchRow.round, MatchRow.slots,
                                 MatchRow.status, MatchRow.winner).where(
        MatchRow.tournament == tournament_id).order_by(MatchRow.round).order_by(MatchRow.position_index)
    picks = await _picks(fan_id, tournament_id) if fan_id else {}
    out = []
    for r in rows:
        sides = _sides(r["slots"])
        if r["status"] in DECIDED or r["winner"] is not None or len(sides) < 2:
            continue
        out.append(OpenMatch(r["id"], r["key"], r["round"], sides,
                             picks.get(match_target(tournament_id, r["key"]))))
        if len(out) >= limit:
            break
    return out


async def _picks(fan_id: int, tournament_id: int) -> dict[str, int]:
    from podium.social.tables import FanAction

    rows = await FanAction.select(FanAction.target, FanAction.detail).where(
        (FanAction.fan == fan_id) & (FanAction.kind == PREDICT)
        & FanAction.target.like(f"match:{tournament_id}:%")).order_by(FanAction.id)
    return {r["target"]: int(r["detail"]) for r in rows if r["detail"].isdigit()}


async def predict(fan_id: int, tournament_id: Any, match_key: Any, entrant_id: Any,
                  key: str | None = None) -> Recorded:
    """Record the fan's pick of a match winner (the latest pick before the result counts).

    :raises InvalidInput: a malformed tournament, match or entrant, or an entrant not in
        the match.
    :raises NotFound: no such match.
    :raises Conflict: ``match_decided`` — the match has a result already.
    """
    from podium.tournaments.tables import MatchRow

    if not isinstance(tournament_id, int) or isinstance(tournament_id, bool) or not 0 < tournament_id < 2**31:
        raise InvalidInput(_("tournament_id must be a tournament's id"), field="tournament_id")
    if not isinstance(match_key, str) or not 0 < len(match_key) <= 40:
        raise InvalidInput(_("match_key must be a match's key, such as W1-1"), field="match_key")
    try:
        entrant = int(entrant_id)
    except (TypeError, ValueError):
        raise InvalidInput(_("entrant_id must be one of the match's entrants"), field="entrant_id") from None
    row = await MatchRow.select(MatchRow.slots, MatchRow.status, MatchRow.winner).where(
        (MatchRow.tournament == tournament_id) & (MatchRow.key == match_key)).first()
    if row is None:
        raise NotFound(_("there is no match %(match_key)s in tournament %(tournament_id)s", match_key=match_key, tournament_id=tournament_id))
    if row["status"] in DECIDED or row["winner"] is not None:
        raise Conflict(_("this match is decided; predictions are closed"), code="match_decided")
    if entrant not in {s.entrant_id for s in _sides(row["slots"])}:
        raise InvalidInput(_("entrant_id must be one of the match's entrants"), field="entrant_id")
    return await record(fan_id, PREDICT, match_target(tournament_id, match_key),
                        key=key or f"predict:{uuid.uuid4().hex}", detail=str(entrant))


# -- what a fan's actions were about, for people --------------------------------------


@dataclass(frozen=True)
class TargetName:
    """A fan action's target as a page shows it: a label and, when there is one, a link."""

    label: str
    url: str | None = None


def _ids(targets: Iterable[str], *prefixes: str) -> list[int]:
    """The numeric ids of the targets written ``<prefix>:<id>`` (or ``<prefix>:<id>:<more>``,
    as ``match:<tournament id>:<match key>``)."""
    out = set()
    for target in targets:
        prefix, _sep, rest = target.partition(":")
        number = rest.partition(":")[0]
        if prefix in prefixes and number.isdigit():
            out.add(int(number))
    return sorted(out)


async def target_names(targets: Iterable[str]) -> dict[str, TargetName]:
    """Names for fan-action targets (a fan's points history): ``athlete:8`` → the
    athlete's name and page, ``post:5`` and ``video:5`` → "a post by <athlete>",
    ``event:3`` → the event's title and page, ``match:7:W1-2`` → the tournament's name and
    the match. A target that no longer exists is left out (the page shows it as stored).
    A handful of queries for the lot."""
    from podium.core.venue.tables import Event
    from podium.social.tables import Athlete, Post
    from podium.tournaments.tables import Tournament

    wanted = sorted(set(targets))
    post_ids = _ids(wanted, "post", "video")
    posts = {r["id"]: r for r in await Post.select(Post.id, Post.athlete).where(
        Post.id.is_in(post_ids))} if post_ids else {}
    athlete_ids = sorted(set(_ids(wanted, "athlete")) | {p["athlete"] for p in posts.values()
                                                          if p["athlete"]})
    athletes = {r["id"]: r for r in await Athlete.select(Athlete.id, Athlete.name, Athlete.slug
                                                          ).where(Athlete.id.is_in(athlete_ids))
                } if athlete_ids else {}
    event_ids = _ids(wanted, "event")
    events = {r["id"]: r["title"] for r in await Event.select(Event.id, Event.title).where(
        Event.id.is_in(event_ids))} if event_ids else {}
    tournament_ids = _ids(wanted, "match")
    tournaments = {r["id"]: r["name"] for r in await Tournament.select(
        Tournament.id, Tournament.name).where(Tournament.id.is_in(tournament_ids))
                   } if tournament_ids else {}
    out: dict[str, TargetName] = {}
    for target in wanted:
        prefix, _sep, rest = target.partition(":")
        number = int(rest) if rest.isdigit() else None
        if prefix == "athlete" and number in athletes:
            athlete = athletes[number]
            out[target] = TargetName(athlete["name"], f"/athletes/{athlete['slug']}")
        elif prefix in ("post", "video") and number in posts:
            by = athletes.get(posts[number]["athlete"] or 0)
            out[target] = (TargetName(_("a post by %(name)s", name=by["name"]),
                                      f"/athletes/{by['slug']}") if by
                           else TargetName(_("a post of the venue"), "/hub/feed"))
        elif prefix == "event" and number in events:
            out[target] = TargetName(events[number], f"/events/{number}")
        elif prefix == "match":
            tournament_id, _sep, key = rest.partition(":")
            if tournament_id.isdigit() and int(tournament_id) in tournaments:
                out[target] = TargetName(
                    _("%(tournament)s, match %(key)s", tournament=tournaments[int(tournament_id)],
                      key=key), f"/tournaments/{tournament_id}")
    return out
