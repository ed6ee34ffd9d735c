"""The JSON API's request and response bodies (msgspec structs, described in the OpenAPI
document at ``/schema``) and the converters from the services' plain dicts to them.

Request structs forbid unknown fields, so a misspelt key is a 400 naming it instead of
being ignored.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec

from podium.core.validation import MAX_ID
from podium.tournaments.catalogue import DESCRIPTION_MAX, FORMAT_NAME_MAX, GAME_MAX, MAX_TEAM_SIZE, NAME_MAX
from podium.tournaments.kernel import MAX_CAPACITY
from podium.tournaments.registration import ENTRANT_NAME_MAX, MAX_RATING
from podium.tournaments.stations import LABEL_MAX, MAX_STATION_NUMBER
from podium.tournaments.teams import USERNAME_MAX

# The services' limits, repeated in the request schemas so the OpenAPI document shows them
# (the services still check: pages and plugins call them without these types).
RowId = Annotated[int, msgspec.Meta(ge=1, le=MAX_ID)]
TournamentName = Annotated[str, msgspec.Meta(min_length=1, max_length=NAME_MAX)]
Game = Annotated[str, msgspec.Meta(min_length=1, max_length=GAME_MAX)]
FormatName = Annotated[str, msgspec.Meta(min_length=1, max_length=FORMAT_NAME_MAX)]
Description = Annotated[str, msgspec.Meta(max_length=DESCRIPTION_MAX)]
Capacity = Annotated[int, msgspec.Meta(ge=2, le=MAX_CAPACITY)]
TeamSize = Annotated[int, msgspec.Meta(ge=1, le=MAX_TEAM_SIZE)]
Seeding = Literal["manual", "rating", "random"]
NewStatus = Literal["draft", "registration"]
TournamentStatus = Literal["draft", "registration", "running", "finished"]
MatchStatusName = Literal["pending", "ready", "in_progress", "awaiting_confirmation", "disputed",
                          "completed", "needs_replay", "skipped"]
"""The values of :class:`podium.tournaments.engine.MatchStatus` (a test keeps them equal)."""
EntrantName = Annotated[str, msgspec.Meta(min_length=1, max_length=ENTRANT_NAME_MAX)]
Seed = Annotated[int, msgspec.Meta(ge=1, le=MAX_CAPACITY)]
Rating = Annotated[float, msgspec.Meta(ge=-MAX_RATING, le=MAX_RATING)]
StationNumber = Annotated[int, msgspec.Meta(ge=1, le=MAX_STATION_NUMBER)]
StationCount = Annotated[int, msgspec.Meta(ge=1, le=256)]
Label = Annotated[str, msgspec.Meta(max_length=LABEL_MAX)]
Username = Annotated[str, msgspec.Meta(min_length=1, max_length=USERNAME_MAX)]


# -- tournaments, entrants, registrations ----------------------------------------------


class TournamentCreate(msgspec.Struct, forbid_unknown_fields=True):
    """A new tournament. ``options`` are the format's (see the format's ``option_specs``);
    ``team_size`` 1 is solo; ``seeding`` is ``manual``, ``rating`` or ``random``."""

    name: TournamentName
    game: Game
    format: FormatName
    options: dict[str, Any] = msgspec.field(default_factory=dict)
    description: Description = ""
    capacity: Capacity | None = None
    team_size: TeamSize = 1
    seeding: Seeding = "manual"
    registration_opens: datetime | None = None
    registration_closes: datetime | None = None
    checkin_opens: datetime | None = None
    checkin_closes: datetime | None = None
    event_id: RowId | None = None
    status: NewStatus = "registration"
    auto_call: bool = True


class TournamentPatch(msgspec.Struct, forbid_unknown_fields=True):
    """Changes to a tournament: only the fields sent change (``null`` clears an optional
    one). Until the start anything may change (``status`` between ``draft`` and
    ``registration``); once started the format, its options, the capacity, the team size
    and the seeding method are frozen (409 ``started``)."""

    name: TournamentName | msgspec.UnsetType = msgspec.UNSET
    game: Game | msgspec.UnsetType = msgspec.UNSET
    format: FormatName | msgspec.UnsetType = msgspec.UNSET
    options: dict[str, Any] | msgspec.UnsetType = msgspec.UNSET
    description: Description | msgspec.UnsetType = msgspec.UNSET
    capacity: Capacity | None | msgspec.UnsetType = msgspec.UNSET
    team_size: TeamSize | msgspec.UnsetType = msgspec.UNSET
    seeding: Seeding | msgspec.UnsetType = msgspec.UNSET
    registration_opens: datetime | None | msgspec.UnsetType = msgspec.UNSET
    registration_closes: datetime | None | msgspec.UnsetType = msgspec.UNSET
    checkin_opens: datetime | None | msgspec.UnsetType = msgspec.UNSET
    checkin_closes: datetime | None | msgspec.UnsetType = msgspec.UNSET
    event_id: RowId | None | msgspec.UnsetType = msgspec.UNSET
    status: NewStatus | msgspec.UnsetType = msgspec.UNSET
    auto_call: bool | msgspec.UnsetType = msgspec.UNSET


class TournamentRemoval(msgspec.Struct):
    """What ``DELETE`` did: ``deleted`` (before the start) or ``archived`` (after)."""

    id: int
    outcome: Literal["deleted", "archived"]


class TournamentOut(msgspec.Struct):
    """A tournament."""

    id: int
    venue_id: int | None
    event_id: int | None
    name: str
    game: str
    format: str
    options: dict[str, Any]
    description: str
    capacity: int | None
    team_size: int
    seeding: str
    registration_opens: datetime | None
    registration_closes: datetime | None
    checkin_opens: datetime | None
    checkin_closes: datetime | None
    status: str
    version: int
    auto_call: bool
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    entrant_counts: dict[str, int]
    url: str
    archived_at: datetime | None = None


class TournamentPage(msgspec.Struct):
    """One page of tournaments."""

    items: list[TournamentOut]
    total: int
    limit: int
    offset: int


class EntrantCreate(msgspec.Struct, forbid_unknown_fields=True):
    """An entrant the organiser adds: a name, optionally a requested seed and a rating."""

    name: EntrantName
    seed: Seed | None = None
    rating: Rating | None = None


class EntrantOut(msgspec.Struct):
    """An entrant (a player or a team)."""

    id: int
    name: str
    seed: int | None
    rating: float | None
    user_id: int | None
    checked_in: bool
    status: str


class EntrantList(msgspec.Struct):
    """Every entrant of a tournament (registered in seed order, then the waitlist...)."""

    items: list[EntrantOut]
    total: int


class RegistrationCreate(msgspec.Struct, forbid_unknown_fields=True):
    """A registration: ``team_name`` for team tournaments; ``name`` overrides the display
    name for solo ones."""

    team_name: EntrantName | None = None
    name: EntrantName | None = None


class Withdrawal(msgspec.Struct):
    """The withdrawn entrant and whoever took the place from the waitlist."""

    withdrawn: EntrantOut
    promoted: EntrantOut | None


class SeedingIn(msgspec.Struct, forbid_unknown_fields=True):
    """Every registered entrant's id once, strongest first."""

    entrant_ids: list[RowId]


# -- matches, results, standings ----------------------------------------------------------


class MatchOut(msgspec.Struct):
    """A match. ``slots``: one per side, ``{entrant_id, name, seed}`` or
    ``{entrant_id: null, source: "winner of W1-3"}`` (or ``bye: true``)."""

    id: int
    tournament_id: int
    key: str
    stage: int
    bracket: str
    round: int
    position: int
    status: str
    best_of: int
    slots: list[dict[str, Any]]
    winner_id: int | None
    games: list[list[int]]
    station: int | None
    stale_result: bool


class ReportOut(msgspec.Struct):
    """A player's open report of a match."""

    id: int
    entrant_id: int
    winner_id: int | None
    games: list[list[int]]
    state: str
    reported_by: int
    created_at: datetime


class MatchDetail(MatchOut):
    """A match with its open report (``null`` when none)."""

    report: ReportOut | None


class MatchPage(msgspec.Struct):
    """One page of matches, in bracket order."""

    items: list[MatchOut]
    total: int
    limit: int
    offset: int


class ResultIn(msgspec.Struct, forbid_unknown_fields=True):
    """A result: the winner and the games, each ``[a, b]`` in the match's slot order (a
    free-for-all lobby's game: every player's place, ``[1, 3, 2, 4]``, in slot order).

    ``forfeit`` (organisers only): the other side forfeits; with ``winner_id: null`` both
    do (a double forfeit)."""

    winner_id: int | None = None
    games: list[list[int]] = msgspec.field(default_factory=list)
    forfeit: bool = False


class ReportIn(msgspec.Struct, forbid_unknown_fields=True):
    """A player's report: the winner and the games in the match's slot order."""

    winner_id: int | None = None
    games: list[list[int]] = msgspec.field(default_factory=list)


class StandingsOut(msgspec.Struct):
    """Ranked rows: ``rank``, ``entrant_id``, ``name``, ``seed``, ``status`` and the
    tiebreak values the format computes (``match_wins``, ``buchholz``...)."""

    items: list[dict[str, Any]]
    total: int


class RoundOut(msgspec.Struct):
    """The matches added by pairing a round."""

    version: int
    matches: list[str]


# -- team rosters and invitations ---------------------------------------------------------


class MemberOut(msgspec.Struct):
    """A player on a team's roster. ``role``: ``captain`` or ``member``; ``status``:
    ``accepted``, ``invited`` (an open invitation, whose ``id`` the invitee accepts) or
    ``declined``."""

    id: int
    entrant_id: int
    user_id: int
    username: str
    display_name: str
    role: str
    status: str
    created_at: datetime


class MemberList(msgspec.Struct):
    """A team's roster: the captain, accepted players, then invitations."""

    items: list[MemberOut]
    total: int


class InviteIn(msgspec.Struct, forbid_unknown_fields=True):
    """The username of the player the captain invites."""

    username: Username


class CaptainIn(msgspec.Struct, forbid_unknown_fields=True):
    """The accepted player who becomes captain."""

    user_id: RowId


class RemovalOut(msgspec.Struct):
    """What taking a player off a roster did: ``removed`` (by the captain), ``left``,
    ``cancelled`` (an invitation) or ``declined`` (the invitee's own)."""

    action: str
    member: MemberOut


class InvitationOut(msgspec.Struct):
    """An open invitation to a team: accept or decline it by ``id``. ``accepted`` is how
    many of the ``team_size`` players the team has."""

    id: int
    entrant_id: int
    user_id: int
    role: str
    status: str
    created_at: datetime
    tournament_id: int
    tournament_name: str
    team_name: str
    captain_name: str
    team_size: int
    accepted: int


class InvitationList(msgspec.Struct):
    """The caller's open invitations, oldest first."""

    items: list[InvitationOut]
    total: int


# -- stations and the stream queue ------------------------------------------------------


class StationsIn(msgspec.Struct, forbid_unknown_fields=True):
    """New stations: ``count`` of them numbered from ``number`` (the next free number by
    default), in venue space ``space_id``, with a ``label`` (room or group)."""

    number: StationNumber | None = None
    count: StationCount = 1
    space_id: RowId | None = None
    label: Label = ""
    streamed: bool = False


class StationPatch(msgspec.Struct, forbid_unknown_fields=True):
    """A station's changes (only the fields given)."""

    label: Label | msgspec.UnsetType = msgspec.UNSET
    space_id: RowId | None | msgspec.UnsetType = msgspec.UNSET
    streamed: bool | msgspec.UnsetType = msgspec.UNSET


class StationOut(msgspec.Struct):
    """A station and the match on it (``match_id`` null when free)."""

    id: int
    number: int
    space_id: int | None
    label: str
    streamed: bool
    match_id: int | None
    match_key: str | None


class StationList(msgspec.Struct):
    """A tournament's stations by number, and its auto-call setting."""

    items: list[StationOut]
    auto_call: bool
    version: int


class CallIn(msgspec.Struct, forbid_unknown_fields=True):
    """Call to station ``station`` (a number), or the first free one when null."""

    station: StationNumber | None = None


class AutoCallIn(msgspec.Struct, forbid_unknown_fields=True):
    """Auto-call on or off."""

    enabled: bool


class QueueAdd(msgspec.Struct, forbid_unknown_fields=True):
    """A match for the stream queue, at the end or at 1-based ``position``."""

    match_id: RowId
    position: Annotated[int, msgspec.Meta(ge=1)] | None = None


class QueueOrder(msgspec.Struct, forbid_unknown_fields=True):
    """Every queued match's id once, first on stream."""

    match_ids: list[RowId]


class QueueItemOut(msgspec.Struct):
    """A stream queue place: the head (``position`` 1) is on stream."""

    position: int
    on_stream: bool
    match_id: int
    key: str
    status: str
    station: int | None
    slots: list[dict[str, Any]]


class QueueOut(msgspec.Struct):
    """The stream queue, in order."""

    items: list[QueueItemOut]
    version: int


# -- plugins switched per tournament -----------------------------------------------------


class PluginSwitchOut(msgspec.Struct):
    """One plugin an organiser may switch for a tournament."""

    name: str
    version: str
    description: str
    setting: str  # "on", "off" or "default" (the venue decides)
    enabled: bool  # in effect for this tournament
    venue_enabled: bool  # what the venue's setting alone gives
    runs_format: bool  # provides the tournament's format: cannot be switched off


class PluginSwitchIn(msgspec.Struct, forbid_unknown_fields=True):
    """``true`` (on), ``false`` (off) or ``null`` (back to the venue's setting)."""

    enabled: bool | None


# -- players ---------------------------------------------------------------------------


class RatingOut(msgspec.Struct):
    """A player's openskill (Plackett-Luce) rating in one game; ``ordinal`` = mu − 3σ."""

    game: str
    mu: float
    sigma: float
    ordinal: float
    matches: int
    wins: int
    losses: int


class PlayerOut(msgspec.Struct):
    """A player's public profile."""

    username: str
    display_name: str
    ratings: list[RatingOut]


# -- converters ------------------------------------------------------------------------


def tournament_out(t: dict[str, Any]) -> TournamentOut:
    """A service tournament dict as the API shows it."""
    fields = {f: t[f] for f in TournamentOut.__struct_fields__ if f in t}
    return TournamentOut(**fields, url=f"/tournaments/{t['id']}")


def entrant_out(e: dict[str, Any]) -> EntrantOut:
    """A service entrant dict as the API shows it."""
    return EntrantOut(**{f: e[f] for f in EntrantOut.__struct_fields__})


def member_out(m: dict[str, Any]) -> MemberOut:
    """A roster row as the API shows it."""
    return MemberOut(**{f: m[f] for f in MemberOut.__struct_fields__})


def member_list(rows: list[dict[str, Any]]) -> MemberList:
    """A roster as the API shows it."""
    return MemberList(items=[member_out(m) for m in rows], total=len(rows))


def match_out(m: dict[str, Any]) -> MatchOut:
    """A service match dict as the API shows it."""
    return MatchOut(**{f: m[f] for f in MatchOut.__struct_fields__})


def match_detail(m: dict[str, Any]) -> MatchDetail:
    """A service match dict (with its report) as the API shows it."""
    report = m.get("report")
    fields = {f: m[f] for f in MatchOut.__struct_fields__}
    return MatchDetail(**fields, report=ReportOut(**report) if report else None)


def invitation_list(rows: list[dict[str, Any]]) -> InvitationList:
    """The caller's invitations as the API shows them."""
    return InvitationList(items=[InvitationOut(**{f: r[f] for f in InvitationOut.__struct_fields__})
                                 for r in rows], total=len(rows))


def station_list(t: dict[str, Any], rows: list[dict[str, Any]]) -> StationList:
    """A tournament's stations (with the match on each) and its auto-call setting."""
    return StationList(items=[StationOut(
        id=s["id"], number=s["number"], space_id=s["space_id"], label=s["label"],
        streamed=s["streamed"], match_id=s["match_id"],
        match_key=s["match"]["key"] if s["match"] else None) for s in rows],
        auto_call=t["auto_call"], version=t["version"])


def queue_out(t: dict[str, Any], queue: list[dict[str, Any]]) -> QueueOut:
    """A tournament's stream queue as the API shows it."""
    return QueueOut(items=[QueueItemOut(
        position=q["position"], on_stream=q["on_stream"], match_id=q["match"]["id"],
        key=q["match"]["key"], status=q["match"]["status"], station=q["match"]["station"],
        slots=q["match"]["slots"]) for q in queue], version=t["version"])


def player_out(profile: dict[str, Any]) -> PlayerOut:
    """A player's profile (from :func:`podium.tournaments.ratings.profile`) as the API
    shows it: the ratings, without the recent matches."""
    return PlayerOut(username=profile["username"], display_name=profile["display_name"],
                     ratings=[RatingOut(**r) for r in profile["ratings"]])
