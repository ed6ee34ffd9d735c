"""Team rosters: a captain invites players by username, invitees accept or decline,
captains remove players and hand over the captaincy, members leave.

A team is an :class:`~podium.tournaments.tables.Entrant` of a tournament whose
``team_size`` is above 1; its players are :class:`~podium.tournaments.tables.TeamMember`
rows (``role`` captain/member, ``status`` invited/accepted/declined). ``team_size`` counts
every player, the captain included; a **full roster** has ``team_size`` accepted players.

Rules (each write locks the tournament row and re-checks inside the transaction, like
every competing write of the tournament, see :mod:`podium.tournaments.kernel`):

* open invitations hold a place: accepted players + open invitations never exceed
  ``team_size`` (409 ``team_full``), so a captain cannot promise one place twice;
* a player plays for one team per tournament: accepting while already a captain or an
  accepted member of another active team is 409 ``already_on_team``; accepting declines
  the player's other open invitations of the tournament (their places free up);
* the roster is frozen at the start (409 ``started``); a captain hands the captaincy to an
  accepted member (the entrant's ``user`` follows) and cannot leave otherwise;
* a team checks in with a full roster only (409 ``roster_incomplete``); losing a player
  after check-in un-checks the team. At the start, player-registered teams with an
  incomplete roster are dropped (see :func:`incomplete_rosters`), unless the organiser
  checked one in by hand (``registration.set_checked_in``): it then plays short-handed.

Teams the organiser adds by name (no captain account) have no roster and are exempt.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from piccolo.query import WhereRaw

from podium.core.accounts.service import CurrentUser
from podium.core.accounts.tables import User
from podium.core.database import atomic
from podium.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from podium.core.i18n import _
from podium.tournaments.labels import member_label, status_label
from podium.tournaments import kernel
from podium.tournaments.tables import Entrant as EntrantRow
from podium.tournaments.tables import TeamMember, Tournament

ACTIVE = ("registered", "waitlisted")  # entrant statuses of a team still in the tournament
USERNAME_MAX = 40
# Who is listed first in a roster.
_ORDER = {("captain", "accepted"): 0, ("member", "accepted"): 1, ("member", "invited"): 2,
          ("member", "declined"): 3}
_MEMBER_COLUMNS = (
    TeamMember.id, TeamMember.entrant, TeamMember.user, TeamMember.role, TeamMember.status,
    TeamMember.created_at, TeamMember.user.username.as_alias("username"),
    TeamMember.user.display_name.as_alias("display_name"),
)


def member_dict(row: Mapping[str, Any]) -> dict[str, Any]:
    """A roster row (with its user's names) as plain data; ``id`` is the invitation's id."""
    return {
        "id": row["id"], "entrant_id": row["entrant"], "user_id": row["user"],
        "username": row["username"], "display_name": row["display_name"],
        "role": row["role"], "status": row["status"], "created_at": row["created_at"],
    }


def _sorted(rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    members = [member_dict(r) for r in rows]
    members.sort(key=lambda m: (_ORDER.get((m["role"], m["status"]), 9), m["id"]))
    return members


# --------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------


async def rosters(entrant_ids: Iterable[int]) -> dict[int, list[dict[str, Any]]]:
    """Every roster row of these entrants (one query), captain first, then accepted,
    invited and declined players."""
    ids = sorted(set(entrant_ids))
    out: dict[int, list[dict[str, Any]]] = {e: [] for e in ids}
    if ids:
        rows = await TeamMember.select(*_MEMBER_COLUMNS).where(TeamMember.entrant.is_in(ids))
        for member in _sorted(rows):
            out[member["entrant_id"]].append(member)
    return out


async def members(tournament_id: int, entrant_id: int, viewer: CurrentUser | None
                  ) -> list[dict[str, Any]]:
    """A team's roster. Open and declined invitations are shown to the team's own
    players, to the invitee and to organisers; anyone else sees the accepted players."""
    if not await Tournament.exists().where(Tournament.id == tournament_id):
        raise NotFound(_("there is no tournament %(tournament_id)s", tournament_id=tournament_id))
    await kernel.entrant_in(tournament_id, entrant_id)
    roster = (await rosters([entrant_id]))[entrant_id]
    accepted = {m["user_id"] for m in roster if m["status"] == "accepted"}
    insider = viewer is not None and (viewer.id in accepted or viewer.has_role("organiser"))
    return [m for m in roster if m["status"] == "accepted" or insider
            or (viewer is not None and m["user_id"] == viewer.id)]


async def my_invitations(user: CurrentUser, tournament_id: int | None = None
                         ) -> list[dict[str, Any]]:
    """The caller's open invitations to teams still in tournaments that have not started,
    oldest first, each with the tournament, the team, its captain and its roster count."""
    where = ((TeamMember.user == user.id) & (TeamMember.status == "invited")
             & TeamMember.entrant.status.is_in(list(ACTIVE))
             & TeamMember.entrant._.tournament.status.is_in(["draft", "registration"]))
    if tournament_id is not None:
        where &= TeamMember.entrant.tournament == tournament_id
    rows = await TeamMember.select(
        *_MEMBER_COLUMNS, TeamMember.entrant.name.as_alias("team_name"),
        TeamMember.entrant._.user.display_name.as_alias("captain_name"),
        TeamMember.entrant.tournament.as_alias("tournament_id"),
        TeamMember.entrant._.tournament.name.as_alias("tournament_name"),
        TeamMember.entrant._.tournament.team_size.as_alias("team_size"),
    ).where(where).order_by(TeamMember.id)
    counts = await _accepted_counts(r["entrant"] for r in rows)
    return [{**member_dict(r), "tournament_id": r["tournament_id"],
             "tournament_name": r["tournament_name"], "team_name": r["team_name"],
             "captain_name": r["captain_name"] or "", "team_size": r["team_size"],
             "accepted": counts.get(r["entrant"], 0)} for r in rows]


async def _accepted_counts(entrant_ids: Iterable[int]) -> dict[int, int]:
    """Accepted players per entrant (absent: none)."""
    ids = sorted(set(entrant_ids))
    counts: dict[int, int] = {}
    if ids:
        for r in await TeamMember.select(TeamMember.entrant).where(
                TeamMember.entrant.is_in(ids) & (TeamMember.status == "accepted")):
            counts[r["entrant"]] = counts.get(r["entrant"], 0) + 1
    return counts


async def incomplete_rosters(t: Mapping[str, Any], entrants: Iterable[Mapping[str, Any]]
                             ) -> dict[int, int]:
    """Entrant id → accepted players, for the player-registered teams among ``entrants``
    whose roster is short of ``team_size`` (empty for solo tournaments). Teams the
    organiser added by name have no captain account and no roster to complete."""
    if t["team_size"] <= 1:
        return {}
    teams = [e["id"] for e in entrants if (e.get("user") or e.get("user_id")) is not None]
    counts = await _accepted_counts(teams)
    return {e: counts.get(e, 0) for e in teams if counts.get(e, 0) < t["team_size"]}


async def require_full_roster(t: Mapping[str, Any], entrant: Mapping[str, Any]) -> None:
    """Refuse to check in a team whose roster is not full (inside the lock).

    :raises Conflict: ``roster_incomplete``, with the count in the reason.
    """
    short = await incomplete_rosters(t, [entrant])
    if entrant["id"] in short:
        raise Conflict(
            _("%(name)s has %(accepted)s of %(team_size)s players: a team checks in with a full roster (players must accept their invitations)", name=entrant['name'], accepted=short[entrant['id']], team_size=t['team_size']),
            code="roster_incomplete", accepted=short[entrant["id"]], team_size=t["team_size"])


# --------------------------------------------------------------------------------------
# Writing (each inside atomic() with the tournament row locked)
# --------------------------------------------------------------------------------------


def _require_team_tournament(t: Mapping[str, Any]) -> None:
    if t["team_size"] <= 1:
        raise Conflict(_("this is a solo tournament: it has no teams"), code="not_a_team")


def _require_active(team: Mapping[str, Any]) -> None:
    if team["status"] not in ACTIVE:
        raise Conflict(_("%(name)s is no longer in this tournament (%(status)s)", name=team['name'], status=status_label(team['status'])),
                       code="team_inactive")


async def _row_of(entrant_id: int, user_id: int) -> dict[str, Any] | None:
    return await TeamMember.select(*_MEMBER_COLUMNS).where(
        (TeamMember.entrant == entrant_id) & (TeamMember.user == user_id)).first()


async def _require_captain(team: Mapping[str, Any], user: CurrentUser) -> None:
    mine = await _row_of(team["id"], user.id)
    if mine is None or mine["role"] != "captain" or mine["status"] != "accepted":
        raise Forbidden(_("only the captain of %(name)s manages its roster", name=team['name']),
                        code="not_captain")


async def _captain_context(tournament_id: int, entrant_id: int, user: CurrentUser
                           ) -> tuple[dict[str, Any], dict[str, Any]]:
    """Lock the tournament; the team, checked to be an active team the caller captains."""
    t = await kernel.lock_tournament(tournament_id)
    _require_team_tournament(t)
    team = await kernel.entrant_in(tournament_id, entrant_id)
    await _require_captain(team, user)
    _require_active(team)
    return t, team


async def _player_by_username(username: Any) -> dict[str, Any]:
    if not isinstance(username, str) or not username.strip():
        raise InvalidInput(_("give the username of the player to invite"), field="username")
    name = username.strip()
    if len(name) > USERNAME_MAX or "\x00" in name:
        raise NotFound(_("there is no player named %(name)s", name=f"{name[:USERNAME_MAX]!r}"), code="unknown_user")
    row = await User.select(User.id, User.username, User.display_name).where(
        WhereRaw("lower(username) = {}", name.lower()) & (User.active == True)  # noqa: E712
    ).first()
    if row is None:
        raise NotFound(_("there is no player named %(name)s", name=f"{name!r}"), code="unknown_user")
    return row


async def _open_places(t: Mapping[str, Any], entrant_id: int) -> int:
    """Places left: ``team_size`` minus accepted players and open invitations."""
    held = await TeamMember.count().where((TeamMember.entrant == entrant_id)
                                          & TeamMember.status.is_in(["accepted", "invited"]))
    return t["team_size"] - held


async def invite(tournament_id: int, entrant_id: int, user: CurrentUser, username: Any
                 ) -> dict[str, Any]:
    """The captain invites a player by username, before the start.

    :raises Forbidden: ``not_captain``.
    :raises NotFound: ``unknown_user``, or the entrant is not in the tournament.
    :raises Conflict: ``started``, ``not_a_team``, ``team_inactive``, ``already_on_team``
        (the player is a captain or an accepted member of a team here),
        ``already_invited``, ``team_full`` (accepted + open invitations = ``team_size``).
    """
    async with atomic():
        t, team = await _captain_context(tournament_id, entrant_id, user)
        kernel.require_not_started(t)
        player = await _player_by_username(username)
        if await kernel.user_entrants(tournament_id, player["id"], ACTIVE):
            raise Conflict(_("%(display_name)s already plays for a team in this tournament", display_name=player['display_name']), code="already_on_team")
        existing = await _row_of(entrant_id, player["id"])
        if existing is not None and existing["status"] == "invited":
            raise Conflict(_("%(display_name)s is already invited", display_name=player['display_name']), code="already_invited")
        if await _open_places(t, entrant_id) <= 0:
            raise Conflict(_("%(name)s is full: %(team_size)s players, counting open invitations (cancel one to invite someone else)", name=team['name'], team_size=t['team_size']), code="team_full")
        stamp = kernel.now()
        if existing is not None:  # invited again after declining
            await TeamMember.update({TeamMember.status: "invited", TeamMember.role: "member",
                                     TeamMember.created_at: stamp}).where(
                TeamMember.id == existing["id"])
        else:
            await TeamMember(entrant=entrant_id, user=player["id"], role="member",
                             status="invited", created_at=stamp).save()
        await kernel.touch(t)
        invited = await _row_of(entrant_id, player["id"])
        assert invited is not None  # written just above, in this transaction
        return member_dict(invited)


async def _invitation_context(invitation_id: int, user: CurrentUser
                              ) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """Lock the invitation's tournament; ``(tournament, team, invitation)``, the
    invitation re-read under the lock. Someone else's invitation is not found."""
    found = await TeamMember.select(TeamMember.entrant.tournament.as_alias("tournament")).where(
        (TeamMember.id == invitation_id) & (TeamMember.user == user.id)).first()
    if found is None:
        raise NotFound(_("you have no invitation %(invitation_id)s", invitation_id=invitation_id), code="no_invitation")
    t = await kernel.lock_tournament(found["tournament"])
    row = await TeamMember.select(*_MEMBER_COLUMNS).where(
        (TeamMember.id == invitation_id) & (TeamMember.user == user.id)).first()
    if row is None:
        raise Conflict(_("this invitation was cancelled"), code="invitation_closed")
    if row["status"] != "invited":
        raise Conflict(_("this invitation is no longer open (you %(status)s it)", status=member_label(row['status'])),
                       code="invitation_closed")
    team = await kernel.entrant_in(t["id"], row["entrant"])
    return t, team, row


async def accept(invitation_id: int, user: CurrentUser) -> dict[str, Any]:
    """The invitee joins the team. Re-checked under the tournament lock: the tournament
    has not started, the team is still in it and its roster has a place, and the caller
    plays for no other team here. The caller's other open invitations of the tournament
    are declined.

    :raises NotFound: ``no_invitation``.
    :raises Conflict: ``invitation_closed``, ``started``, ``team_inactive``,
        ``already_on_team``, ``team_full``.
    """
    async with atomic():
        t, team, row = await _invitation_context(invitation_id, user)
        kernel.require_not_started(t)
        _require_active(team)
        if await kernel.user_entrants(t["id"], user.id, ACTIVE):
            raise Conflict(_("you already play for a team in this tournament: leave it first"),
                           code="already_on_team")
        accepted = (await _accepted_counts([team["id"]])).get(team["id"], 0)
        if accepted >= t["team_size"]:
            raise Conflict(_("%(name)s already has its %(team_size)s players", name=team['name'], team_size=t['team_size']),
                           code="team_full")
        await TeamMember.update({TeamMember.status: "accepted"}).where(
            TeamMember.id == invitation_id)
        others = await TeamMember.select(TeamMember.id).where(
            (TeamMember.user == user.id) & (TeamMember.status == "invited")
            & (TeamMember.entrant.tournament == t["id"]))
        if others:
            await TeamMember.update({TeamMember.status: "declined"}).where(
                TeamMember.id.is_in([o["id"] for o in others]))
        await kernel.touch(t)
        return {**member_dict(row), "status": "accepted", "tournament_id": t["id"]}


async def decline(invitation_id: int, user: CurrentUser) -> dict[str, Any]:
    """The invitee declines; the captain sees it and the place is free again.

    :raises NotFound: ``no_invitation``. :raises Conflict: ``invitation_closed``.
    """
    async with atomic():
        t, _team_row, row = await _invitation_context(invitation_id, user)
        await TeamMember.update({TeamMember.status: "declined"}).where(
            TeamMember.id == invitation_id)
        await kernel.touch(t)
        return {**member_dict(row), "status": "declined", "tournament_id": t["id"]}


async def remove(tournament_id: int, entrant_id: int, user: CurrentUser, user_id: int
                 ) -> dict[str, Any]:
    """Take ``user_id`` off the team's roster.

    The captain removes a player, cancels an invitation or clears a declined one; a player
    leaves (``user_id`` is the caller's own: an open invitation is declined). Players are
    removed only before the start; losing a player un-checks a checked-in team.
    Returns ``{"action": "removed"|"left"|"cancelled"|"declined", "member": ...}``.

    :raises Forbidden: ``not_captain`` (someone else's row, and the caller is not captain).
    :raises NotFound: ``not_in_team``.
    :raises Conflict: ``captain_must_hand_over``, ``started``, ``team_inactive``.
    """
    async with atomic():
        t = await kernel.lock_tournament(tournament_id)
        _require_team_tournament(t)
        team = await kernel.entrant_in(tournament_id, entrant_id)
        own = user_id == user.id
        if not own:
            await _require_captain(team, user)
        row = await _row_of(entrant_id, user_id)
        if row is None:
            raise NotFound(_("user %(user_id)s is not on %(name)s's roster", user_id=user_id, name=team['name']),
                           code="not_in_team")
        if row["role"] == "captain":
            raise Conflict(_("the captain cannot leave: make another player captain first, or "
                           "withdraw the team"), code="captain_must_hand_over")
        if own and row["status"] == "invited":
            await TeamMember.update({TeamMember.status: "declined"}).where(
                TeamMember.id == row["id"])
            await kernel.touch(t)
            return {"action": "declined", "member": {**member_dict(row), "status": "declined"}}
        if row["status"] == "accepted":
            kernel.require_not_started(t)
            _require_active(team)
            if team["checked_in"]:  # the roster it checked in with is gone
                await EntrantRow.update({EntrantRow.checked_in: False}).where(
                    EntrantRow.id == entrant_id)
        action = ("left" if own else "removed") if row["status"] == "accepted" else "cancelled"
        await TeamMember.delete().where(TeamMember.id == row["id"])
        await kernel.touch(t)
        return {"action": action, "member": member_dict(row)}


async def make_captain(tournament_id: int, entrant_id: int, user: CurrentUser, user_id: int
                       ) -> list[dict[str, Any]]:
    """The captain hands the captaincy to an accepted player (allowed until the
    tournament finishes): roles swap and the entrant's ``user`` becomes the new captain.
    Returns the roster.

    :raises Forbidden: ``not_captain``.
    :raises Conflict: ``not_a_member`` (not an accepted player of the team),
        ``already_captain``, ``finished``, ``team_inactive``.
    """
    async with atomic():
        t, team = await _captain_context(tournament_id, entrant_id, user)
        if t["status"] == "finished":
            raise Conflict(_("this tournament is over"), code="finished")
        if user_id == user.id:
            raise Conflict(_("you are already the captain"), code="already_captain")
        row = await _row_of(entrant_id, user_id)
        if row is None or row["status"] != "accepted":
            raise Conflict(_("only a player who accepted the invitation can become captain"),
                           code="not_a_member")
        await TeamMember.update({TeamMember.role: "member"}).where(
            (TeamMember.entrant == entrant_id) & (TeamMember.user == user.id))
        await TeamMember.update({TeamMember.role: "captain"}).where(TeamMember.id == row["id"])
        await EntrantRow.update({EntrantRow.user: user_id}).where(EntrantRow.id == entrant_id)
        await kernel.touch(t)
    return (await rosters([entrant_id]))[entrant_id]
