"""Tables of track meets: the meet (a venue event of kind ``track_meet``), its sessions and
competitions, riders and their entries, the results entered per heat, and the programme
(the draft and every published version, and the organiser's pins).

Facts first: heat results are the facts; start lists of later heats, the classification
and the omnium table are derived from them (and from the progression table) on read.
A competition's ``version`` counts result writes: a save names the version it was typed
against, so two organisers saving the same heat at once cannot overwrite each other
silently.
"""

from __future__ import annotations

from piccolo.columns import (
    JSON,
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


class Meet(Table, tablename="cycling_meet"):
    """A track meet: one venue event (``event_id``, kind ``track_meet``) run on ``track_space_id``."""

    id: Serial

    venue_id = Integer(index=True)
    event_id = Integer(unique=True)
    name = Varchar(length=120)
    level = Varchar(length=12, default="club")  # club, regional, national, world
    track_space_id = Integer()
    created_by = Integer(null=True, default=None)
    created_at = Timestamptz()


class MeetSession(Table, tablename="cycling_session"):
    """A session of the meet (a window on one day): competition, warm-up, training, public."""

    id: Serial

    meet = ForeignKey(Meet, on_delete=OnDelete.cascade, index=True)
    name = Varchar(length=80)
    kind = Varchar(length=12, default="competition")
    starts_at = Timestamptz()
    ends_at = Timestamptz()


class Competition(Table, tablename="cycling_competition"):
    """One competition of a meet: a category (``elite-men``...) in one discipline, run by a
    progression table (``table_id``; empty for a single bunch race)."""

    id: Serial

    meet = ForeignKey(Meet, on_delete=OnDelete.cascade, index=True)
    name = Varchar(length=120)
    category = Varchar(length=20)
    discipline = Varchar(length=30)
    table_id = Varchar(length=80, default="")
    status = Varchar(length=12, default="entries")  # entries, running, finished
    entries_open = Boolean(default=True)
    recovery_minutes = Integer(default=30)
    evening_finals = Boolean(default=True)
    version = Integer(default=0)


class Rider(Table, tablename="cycling_rider"):
    """A rider, known across meets by the UCI ID when there is one."""

    id: Serial

    name = Varchar(length=80)
    uci_id = Varchar(length=11, null=True, default=None, unique=True)
    nation = Varchar(length=3, default="")
    team = Varchar(length=80, default="")
    user_id = Integer(null=True, default=None, index=True)
    created_at = Timestamptz()


class Entry(Table, tablename="cycling_entry"):
    """A rider entered in a competition: the seed (qualifying order before the qualifying
    is run) and the bib."""

    id: Serial

    competition = ForeignKey(Competition, on_delete=OnDelete.cascade, index=True)
    rider = ForeignKey(Rider, on_delete=OnDelete.cascade, index=True)
    seed = Integer()
    bib = Integer(null=True, default=None)
    created_at = Timestamptz()
    #: Ranking points (UCI or the federation's) the organiser seeds by; none when unknown.
    ranking_points = Integer(null=True, default=None)


class HeatResultRow(Table, tablename="cycling_heat_result"):
    """One rider's result in one heat (``heat_id`` from the progression table)."""

    id: Serial

    competition = ForeignKey(Competition, on_delete=OnDelete.cascade, index=True)
    heat_id = Varchar(length=60, index=True)
    rider = ForeignKey(Rider, on_delete=OnDelete.cascade)
    place = Integer(null=True, default=None)
    time_ms = Integer(null=True, default=None)
    points = Integer(null=True, default=None)
    laps = Integer(default=0)
    status = Varchar(length=3, default="OK")
    final = Boolean(default=True)
    entered_by = Integer(null=True, default=None)
    entered_at = Timestamptz()


class ProgrammeVersion(Table, tablename="cycling_programme"):
    """A programme of the meet: the draft (``number`` 0, one per meet, replaced by every
    scheduling) or a published version (``number`` 1, 2...; never changed again).

    ``placements``: ``[{"phase", "session", "start", "end", "label"}]``; ``sequences``:
    ``{phase key: the published number in which that phase last changed}`` (the
    iCalendar ``SEQUENCE``).
    """

    id: Serial

    meet = ForeignKey(Meet, on_delete=OnDelete.cascade, index=True)
    number = Integer(default=0)
    solver = Varchar(length=40, default="")
    status = Varchar(length=12, default="unknown")
    placements = JSON(default=[])
    unplaced = JSON(default=[])
    explanations = JSON(default=[])
    sequences = JSON(default={})
    created_at = Timestamptz()
    published_at = Timestamptz(null=True, default=None)
    published_by = Integer(null=True, default=None)


class ProgrammePin(Table, tablename="cycling_pin"):
    """A phase the organiser pinned to a session (and optionally a start time)."""

    id: Serial

    meet = ForeignKey(Meet, on_delete=OnDelete.cascade, index=True)
    phase = Varchar(length=100)
    session = ForeignKey(MeetSession, on_delete=OnDelete.cascade)
    starts_at = Timestamptz(null=True, default=None)
    note = Text(default="")


class Team(Table, tablename="cycling_team"):
    """A team entered in a team event (team sprint, team pursuit, madison): one start-list
    entry of its competition, for a nation or a club, with its riders (members and
    reserves, in :class:`TeamMember`). Results and scoring are by team."""

    id: Serial

    competition = ForeignKey(Competition, on_delete=OnDelete.cascade, index=True)
    name = Varchar(length=80)
    nation = Varchar(length=3, default="")
    club = Varchar(length=80, default="")
    seed = Integer()
    ranking_points = Integer(null=True, default=None)
    created_at = Timestamptz()


class TeamMember(Table, tablename="cycling_team_member"):
    """A registered rider of a team: a member who may ride, or a reserve."""

    id: Serial

    team = ForeignKey(Team, on_delete=OnDelete.cascade, index=True)
    rider = ForeignKey(Rider, on_delete=OnDelete.cascade, index=True)
    reserve = Boolean(default=False)
    position = Integer(default=0)


class TeamResultRow(Table, tablename="cycling_team_result"):
    """One team's result in one heat of a team event (the teams' :class:`HeatResultRow`)."""

    id: Serial

    competition = ForeignKey(Competition, on_delete=OnDelete.cascade, index=True)
    heat_id = Varchar(length=60, index=True)
    team = ForeignKey(Team, on_delete=OnDelete.cascade)
    place = Integer(null=True, default=None)
    time_ms = Integer(null=True, default=None)
    points = Integer(null=True, default=None)
    laps = Integer(default=0)
    status = Varchar(length=3, default="OK")
    final = Boolean(default=True)
    entered_by = Integer(null=True, default=None)
    entered_at = Timestamptz()


class TrackCall(Table, tablename="cycling_call"):
    """A heat called to the track: its riders go to the start (the console calls the next
    heat; the screen shows it, called riders with accounts hear it on their pages). The
    latest call of a meet is the one shown; a heat may be called again (a last call)."""

    id: Serial

    meet = ForeignKey(Meet, on_delete=OnDelete.cascade, index=True)
    competition = ForeignKey(Competition, on_delete=OnDelete.cascade)
    heat_id = Varchar(length=60)
    called_at = Timestamptz()
    called_by = Integer(null=True, default=None)
