"""Teams of the team events (team sprint, team pursuit, madison): the rules, no HTTP.

In a team event the start-list entry is the team, not its riders: a team (for a nation or
a club) is entered once, with its registered riders as members (who may ride) and
reserves; the progression tables, the results and the scoring (madison points, pursuit
times) then run on team ids exactly as they run on rider ids elsewhere. Writes lock the
competition row (:func:`~podium.core.database.for_update`) and re-check inside, as rider
entries do: a rider rides for one team of a competition, a team name is entered once.
"""

from __future__ import annotations

from typing import Any

from podium.core.database import atomic
from podium.core.errors import Conflict, InvalidInput, NotFound
from podium.core.i18n import _
from podium.core.validation import clean_text, whole_number
from podium.plugins.cycling import service
from podium.plugins.cycling.tables import Competition, Team, TeamMember
from podium.plugins.cycling.terms import term

#: The team events and how many riders ride for a team (UCI Part 3: three in a team
#: sprint, four in a team pursuit, two in a madison); up to two reserves each.
TEAM_SIZES = {"team_sprint": 3, "team_pursuit": 4, "madison": 2}
TEAM_DISCIPLINES = tuple(TEAM_SIZES)
MAX_RESERVES = 2
MAX_TEAMS = 40
TEAM_NAME_MAX = 80


def is_team_event(competition: dict[str, Any]) -> bool:
    """Whether the competition's start-list entries are teams."""
    return competition.get("discipline") in TEAM_SIZES


def check_team(discipline: str, values: dict[str, Any]) -> dict[str, Any]:
    """A team's checked fields: ``name``, ``nation`` (3 letters), ``club``,
    ``ranking_points``, ``members`` (exactly the discipline's team size) and ``reserves``
    (at most :data:`MAX_RESERVES`), each a rider as :func:`service.check_rider` takes it.

    :raises InvalidInput: naming the field (``members``/``reserves`` with the rider's
        line number)."""
    size = TEAM_SIZES.get(discipline)
    if size is None:
        raise InvalidInput(_("this is not a team event: enter riders"), field="discipline")
    name = clean_text(values.get("name"), "name", TEAM_NAME_MAX)
    nation = clean_text(values.get("nation") or "", "nation", 3, required=False).upper()
    if nation and not service.NATION.fullmatch(nation):
        raise InvalidInput(_("nation is a 3-letter code, e.g. FRA"), field="nation")
    club = clean_text(values.get("club") or "", "club", service.TEAM_MAX, required=False)
    points = whole_number(values.get("ranking_points"), "ranking_points", 0, 10**6,
                          nullable=True)
    out: dict[str, Any] = {"name": name, "nation": nation, "club": club,
                           "ranking_points": points}
    for key, low, high in (("members", size, size), ("reserves", 0, MAX_RESERVES)):
        riders = values.get(key) or []
        if not isinstance(riders, list):
            raise InvalidInput(_("%(field)s must be a list of riders", field=key), field=key)
        if not low <= len(riders) <= high:
            message = _("a %(discipline)s team has exactly %(n)s members",
                        discipline=term(discipline), n=size) if key == "members" else \
                _("a team has at most %(n)s reserves", n=MAX_RESERVES)
            raise InvalidInput(message,
                               field=key)
        checked = []
        for number, rider in enumerate(riders, start=1):
            if not isinstance(rider, dict):
                raise InvalidInput(_("%(field)s %(n)s: a rider is an object", field=key, n=number),
                                   field=key)
            try:
                fields = service.check_rider({**rider, "team": rider.get("team") or name})
            except InvalidInput as exc:
                raise InvalidInput(_("%(key)s %(number)s: %(detail)s", key=key, number=number, detail=exc.detail), field=key) from exc
            checked.append(fields)
        out[key] = checked
    return out


async def enter_team(competition_id: int, values: dict[str, Any]) -> dict[str, Any]:
    """Enter a team (see :func:`check_team`) at the end of the start list; its riders are
    found by UCI ID or registered. All or nothing.

    :raises Conflict: ``started``, ``already_entered`` (the name, or a rider already in a
        team of this competition), ``full``. :raises InvalidInput: a bad field."""
    comp = await service.get_competition(competition_id)
    fields = check_team(comp["discipline"], values)
    async with atomic():
        comp = await service._lock_open_competition(competition_id)
        current = await Team.select(Team.id, Team.name, Team.seed).where(
            Team.competition == competition_id)
        if len(current) >= MAX_TEAMS:
            raise Conflict(_("a competition takes at most %(n)s teams", n=MAX_TEAMS), code="full")
        if any(t["name"].casefold() == fields["name"].casefold() for t in current):
            raise Conflict(_("%(name)s is already entered", name=fields["name"]),
                           code="already_entered")
        riders = [await service._rider_for(r) for r in fields["members"] + fields["reserves"]]
        if len(set(riders)) != len(riders):
            raise InvalidInput(_("a rider is listed twice in the team"), field="members")
        taken = await _rider_taken([t["id"] for t in current], riders)
        if taken is not None:
            raise Conflict(_("%(name)s already rides for another team here", name=taken["name"]),
                           code="already_entered")
        team = Team(competition=competition_id, name=fields["name"], nation=fields["nation"],
                    club=fields["club"], ranking_points=fields["ranking_points"],
                    seed=max((t["seed"] for t in current), default=0) + 1,
                    created_at=service.utc_now())
        await team.save()
        members = len(fields["members"])
        await TeamMember.insert(*[
            TeamMember(team=team.id, rider=rider, reserve=i >= members, position=i + 1)
            for i, rider in enumerate(riders)])
        await service._record_meet(comp["meet"], "entries")
    return await get_team(competition_id, int(team.id))


async def _rider_taken(team_ids: list[int], riders: list[int]) -> dict[str, Any] | None:
    """A rider of ``riders`` already in one of the teams ``team_ids`` (inside the caller's
    locked transaction), if any."""
    return await TeamMember.select(TeamMember.rider.name.as_alias("name")).where(
        TeamMember.team.is_in(team_ids or [0]) & TeamMember.rider.is_in(riders)).first()


async def withdraw_team(competition_id: int, team_id: int) -> list[dict[str, Any]]:
    """Take a team off the start list before the start."""
    async with atomic():
        comp = await service._lock_open_competition(competition_id)
        gone = await Team.select(Team.id).where((Team.id == team_id)
                                                & (Team.competition == competition_id)).first()
        if gone is None:
            raise NotFound(_("that team is not entered"))
        await Team.delete().where(Team.id == team_id)
        await service._record_meet(comp["meet"], "entries")
    return await list_teams(competition_id)


async def list_teams(competition_id: int) -> list[dict[str, Any]]:
    """The start list of a team event in seed order: each team with ``members`` and
    ``reserves`` (rider id, name, nation, UCI ID)."""
    teams = await Team.select().where(Team.competition == competition_id) \
        .order_by(Team.seed).order_by(Team.id)
    riders = await TeamMember.select(
        TeamMember.team, TeamMember.reserve, TeamMember.rider,
        TeamMember.rider.name.as_alias("name"), TeamMember.rider.nation.as_alias("nation"),
        TeamMember.rider.uci_id.as_alias("uci_id"),
    ).where(TeamMember.team.is_in([t["id"] for t in teams] or [0])).order_by(
        TeamMember.position)
    for team in teams:
        mine = [r for r in riders if r["team"] == team["id"]]
        team["members"] = [r for r in mine if not r["reserve"]]
        team["reserves"] = [r for r in mine if r["reserve"]]
    return teams


async def get_team(competition_id: int, team_id: int) -> dict[str, Any]:
    """One team of the competition; :class:`NotFound` otherwise."""
    for team in await list_teams(competition_id):
        if team["id"] == team_id:
            return team
    raise NotFound(_("there is no team %(id)s in this competition", id=team_id))


async def team_field(competition_id: int) -> list[int]:
    """The team ids of a team event in seeding order (the resolver's field)."""
    rows = await Team.select(Team.id).where(Team.competition == competition_id) \
        .order_by(Team.seed).order_by(Team.id)
    return [int(r["id"]) for r in rows]


async def teams_of_rider(rider_id: int) -> list[dict[str, Any]]:
    """The teams a rider was entered in (member or reserve), with their competition."""
    return await TeamMember.select(
        TeamMember.team.as_alias("team_id"), TeamMember.reserve,
        TeamMember.team.name.as_alias("name"),
        TeamMember.team.competition.as_alias("competition"),
    ).where(TeamMember.rider == rider_id)


async def competition_is_team_event(competition_id: int) -> bool:
    """Whether competition ``competition_id`` is a team event (False when unknown)."""
    row = await Competition.select(Competition.discipline).where(
        Competition.id == competition_id).first()
    return row is not None and row["discipline"] in TEAM_SIZES
