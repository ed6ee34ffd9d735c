"""Tables of the tournament domain.

Facts first (state is derived from what happened, never edited in place): the truth of
a running tournament is

* its **seeding snapshot** (:class:`SeedFact`, written once at start),
* the ordered **results log** (:class:`ResultLog`, append-only; a correction appends a new
  fact for the same match and marks the old one ``superseded_by`` it),
* the **pairing facts** of dynamic formats (:class:`PairingLog`, one per Swiss round).

Everything else about the bracket is a projection: :class:`MatchRow` (one row per match,
updated after each fact, rebuildable from the log through the format). Reports
(:class:`MatchReport`) are the player workflow *before* a fact exists: a report, the
opponent's confirmation or dispute. Stations and the stream queue are operational state.

JSON columns hold plain lists/dicts (options, slots, games, participants).

Piccolo adds the ``id`` primary key to each table at class creation; ``id: Serial`` (an
annotation only, no column of ours) tells type checkers it is there, as Piccolo's own
tables do.
"""

from piccolo.columns import (
    JSON,
    Boolean,
    Float,
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
from podium.core.venue.tables import Event, Space, Venue


class Tournament(Table, tablename="podium_tournament"):
    """A tournament: game, format and options, field size, windows, status.

    ``status``: ``draft`` (hidden from registration), ``registration`` (open, within the
    window if one is set), ``running`` (started: the seeding is frozen), ``finished``.
    ``team_size`` 1 means solo; above 1 a captain registers a team. ``seeding`` is how the
    field is ordered at start: ``manual`` (the organiser's order), ``rating`` or ``random``.
    ``log_version`` counts the facts appended; it changes whenever the derived state does
    (and whenever a station or the stream queue changes: pages re-render on it).
    ``auto_call``: ready matches are called to free stations after every change (only
    does anything once the tournament has stations).
    """

    id: Serial

    venue = ForeignKey(Venue, null=True, default=None, on_delete=OnDelete.set_null, index=True)
    event = ForeignKey(Event, null=True, default=None, on_delete=OnDelete.set_null)
    name = Varchar(length=120)
    game = Varchar(length=80)
    format = Varchar(length=100)
    options = JSON(default={})
    description = Text(default="")
    capacity = Integer(null=True, default=None)
    team_size = Integer(default=1)
    seeding = Varchar(length=10, default="manual")
    registration_opens = Timestamptz(null=True, default=None)
    registration_closes = Timestamptz(null=True, default=None)
    checkin_opens = Timestamptz(null=True, default=None)
    checkin_closes = Timestamptz(null=True, default=None)
    status = Varchar(length=12, default="registration", index=True)
    log_version = Integer(default=0)
    auto_call = Boolean(default=True)
    created_by = Integer(null=True, default=None)
    created_at = Timestamptz()
    started_at = Timestamptz(null=True, default=None)
    finished_at = Timestamptz(null=True, default=None)
    # Set when the organiser deletes a tournament that had started: its facts stay (results
    # and ratings keep their history), it leaves the lists and takes no more writes.
    archived_at = Timestamptz(null=True, default=None)


class Entrant(Table, tablename="podium_entrant"):
    """A player or a team in a tournament.

    ``user`` is the player (solo) or the team's captain; ``None`` for an entrant the
    organiser added by name. ``seed`` is the organiser's requested position before start
    and the frozen seed after. ``status``: ``registered``, ``waitlisted``, ``withdrawn``,
    ``dropped`` (a no-show at start, or disqualified).
    """

    id: Serial

    tournament = ForeignKey(Tournament, null=False, on_delete=OnDelete.cascade, index=True)
    user = ForeignKey(User, null=True, default=None, on_delete=OnDelete.set_null, index=True)
    name = Varchar(length=80)
    seed = Integer(null=True, default=None)
    rating = Float(null=True, default=None)
    checked_in = Boolean(default=False)
    status = Varchar(length=12, default="registered", index=True)
    created_at = Timestamptz()
    status_changed_at = Timestamptz(null=True, default=None)


class TeamMember(Table, tablename="podium_team_member"):
    """A player of a team entrant: the captain (``role="captain"``) or an invited player.

    ``status``: ``invited`` or ``accepted``.
    """

    id: Serial

    entrant = ForeignKey(Entrant, null=False, on_delete=OnDelete.cascade, index=True)
    user = ForeignKey(User, null=False, on_delete=OnDelete.cascade, index=True)
    role = Varchar(length=10, default="member")
    status = Varchar(length=10, default="invited")
    created_at = Timestamptz()


class SeedFact(Table, tablename="podium_tournament_seed"):
    """The seeding snapshot taken at start: one row per entrant with its seed (1 strongest)."""

    id: Serial

    tournament = ForeignKey(Tournament, null=False, on_delete=OnDelete.cascade, index=True)
    entrant = ForeignKey(Entrant, null=False, on_delete=OnDelete.cascade)
    seed = Integer()
    active = Boolean(default=True)


class ResultLog(Table, tablename="podium_tournament_result"):
    """One result fact, in log order (``id`` orders the log).

    ``participants`` are the match's entrants in slot order *when it was reported*;
    ``games`` are scores in that order. ``source``: ``confirmed`` (a player's report the
    opponent confirmed), ``organiser`` (final, or a correction). A correction appends a new
    fact and sets the older fact's ``superseded_by`` to it; the latest fact per match wins.
    """

    id: Serial

    tournament = ForeignKey(Tournament, null=False, on_delete=OnDelete.cascade, index=True)
    match_key = Varchar(length=40)
    winner = Integer(null=True, default=None)
    participants = JSON(default=[])
    games = JSON(default=[])
    forfeit = Boolean(default=False)
    source = Varchar(length=12)
    recorded_by = Integer(null=True, default=None)
    recorded_at = Timestamptz()
    superseded_by = Integer(null=True, default=None)


class PairingLog(Table, tablename="podium_tournament_pairing"):
    """The published pairings of one round of a dynamic format (Swiss).

    ``tables`` is ``[[home, away_or_null, best_of], ...]``.
    """

    id: Serial

    tournament = ForeignKey(Tournament, null=False, on_delete=OnDelete.cascade, index=True)
    round = Integer()
    tables = JSON(default=[])
    created_by = Integer(null=True, default=None)
    created_at = Timestamptz()


class MatchRow(Table, tablename="podium_match"):
    """The projection of one match (what pages and the API read), by stable ``key``.

    ``status`` is the engine's status with the reporting overlay (``in_progress``,
    ``awaiting_confirmation``, ``disputed``). ``slots``: one dict per side
    (``entrant_id``, ``name``, ``seed`` or ``source``). ``stale_result``: a recorded result
    no longer applies (the match ``needs_replay``). ``position_index`` keeps bracket order.
    """

    id: Serial

    tournament = ForeignKey(Tournament, null=False, on_delete=OnDelete.cascade, index=True)
    key = Varchar(length=40)
    stage = Integer(default=1)
    bracket = Varchar(length=40)
    round = Integer()
    position = Integer()
    position_index = Integer(default=0)
    best_of = Integer(default=1)
    engine_status = Varchar(length=24, default="pending")
    status = Varchar(length=24, default="pending", index=True)
    slots = JSON(default=[])
    winner = Integer(null=True, default=None)
    games = JSON(default=[])
    stale_result = Boolean(default=False)
    station = Integer(null=True, default=None)
    called_at = Timestamptz(null=True, default=None)
    updated_at = Timestamptz()


class MatchReport(Table, tablename="podium_match_report"):
    """A player's report of a match result, awaiting the opponent.

    ``state``: ``pending`` (awaiting confirmation), ``disputed`` (the opponent disagreed),
    ``accepted`` (became a result fact), ``superseded`` (replaced by a newer report, or the
    match changed under it, or an organiser decided).
    """

    id: Serial

    match = ForeignKey(MatchRow, null=False, on_delete=OnDelete.cascade, index=True)
    tournament = ForeignKey(Tournament, null=False, on_delete=OnDelete.cascade, index=True)
    entrant = Integer()
    reported_by = Integer()
    winner = Integer(null=True, default=None)
    participants = JSON(default=[])
    games = JSON(default=[])
    state = Varchar(length=12, default="pending", index=True)
    created_at = Timestamptz()
    answered_by = Integer(null=True, default=None)
    answered_at = Timestamptz(null=True, default=None)


class Station(Table, tablename="podium_station"):
    """A numbered setup a match is played on, in one of the venue's spaces.

    ``label`` groups stations (a room, "stage", "PC row B"). ``current_match`` is the
    :class:`MatchRow` id being played there (one at a time); the match row's ``station``
    holds the number back. ``streamed``: the stream's setup (it takes the stream queue's
    head first).
    """

    id: Serial

    tournament = ForeignKey(Tournament, null=False, on_delete=OnDelete.cascade, index=True)
    number = Integer()
    space = ForeignKey(Space, null=True, default=None, on_delete=OnDelete.set_null)
    label = Varchar(length=40, default="")
    current_match = Integer(null=True, default=None)
    streamed = Boolean(default=False)


class StreamQueueItem(Table, tablename="podium_stream_queue"):
    """A match waiting for (or on) the stream, in ``position`` order."""

    id: Serial

    tournament = ForeignKey(Tournament, null=False, on_delete=OnDelete.cascade, index=True)
    match = ForeignKey(MatchRow, null=False, on_delete=OnDelete.cascade)
    position = Integer()
    created_at = Timestamptz()


class PlayerRating(Table, tablename="podium_player_rating"):
    """A player's Weng-Lin (openskill) rating in one game, derived from the results log.

    ``game`` is the normalised game key (see :func:`podium.tournaments.ratings.game_key`),
    ``game_name`` how it is shown. Rows are rebuilt for a whole game whenever its log
    changed (:class:`RatingSnapshot`), so a correction is reflected.
    """

    id: Serial

    user = ForeignKey(User, null=False, on_delete=OnDelete.cascade, index=True)
    game = Varchar(length=80, index=True)
    game_name = Varchar(length=80)
    mu = Float()
    sigma = Float()
    ordinal = Float()
    matches = Integer(default=0)
    wins = Integer(default=0)
    losses = Integer(default=0)
    updated_at = Timestamptz()


class RatingSnapshot(Table, tablename="podium_rating_snapshot"):
    """Which state of a game's results log the stored ratings were computed from."""

    id: Serial

    game = Varchar(length=80, unique=True)
    fingerprint = Varchar(length=80)
    computed_at = Timestamptz()
