"""Team tournaments over the JSON API: a captain invites players by username, invitees
accept or decline, captains remove players and hand over the captaincy, members leave; a
team checks in with a full roster; incomplete teams are dropped at start. Every refusal
is a 4xx with a code and changes nothing."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from podium.tests.tournaments.support import create, field_of, matches, players
from podium.tournaments import registration
from podium.tournaments.tables import Entrant, TeamMember

MEMBERS = "/api/v1/tournaments/{t}/entrants/{e}/members"


def _window() -> dict[str, str]:
    now = datetime.now(timezone.utc)
    return {"checkin_opens": (now - timedelta(hours=1)).isoformat(),
            "checkin_closes": (now + timedelta(hours=1)).isoformat()}


async def team_tournament(api: dict[str, Any], size: int = 3, prefix: str = "tp",
                          players_count: int = 5, **extra: Any) -> dict[str, Any]:
    """A team tournament, players ``<prefix>0..`` and the first one captain of "Alpha"."""
    c, org = api["c"], api["org"]
    t = await create(c, org, team_size=size, **extra)
    ps = await players(players_count, prefix)
    r = await c.post(f"/api/v1/tournaments/{t['id']}/registrations",
                     json={"team_name": "Alpha"}, headers=ps[0][1])
    assert r.status_code == 201, r.text
    return {"t": t, "ps": ps, "team": r.json(), "url": MEMBERS.format(t=t["id"], e=r.json()["id"])}


async def _invite(c: Any, ctx: dict[str, Any], username: str, by: int = 0):
    return await c.post(ctx["url"], json={"username": username}, headers=ctx["ps"][by][1])


async def _invitation_id(c: Any, headers: dict[str, str]) -> int:
    items = (await c.get("/api/v1/me/invitations", headers=headers)).json()["items"]
    assert len(items) == 1, items
    return items[0]["id"]


async def _version(c: Any, tid: int) -> int:
    return (await c.get(f"/api/v1/tournaments/{tid}")).json()["version"]


async def test_invite_accept_decline_and_roster(api):
    c = api["c"]
    ctx = await team_tournament(api)
    tid, ps = ctx["t"]["id"], ctx["ps"]
    before = await _version(c, tid)
    r = await _invite(c, ctx, "TP1")  # usernames match whatever the case
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "invited" and r.json()["user_id"] == ps[1][0].id
    assert await _version(c, tid) > before  # cached pages re-render
    assert (await _invite(c, ctx, "tp2")).status_code == 201

    invitations = (await c.get("/api/v1/me/invitations", headers=ps[1][1])).json()
    assert invitations["total"] == 1
    inv = invitations["items"][0]
    assert (inv["team_name"], inv["tournament_id"], inv["team_size"], inv["accepted"],
            inv["captain_name"]) == ("Alpha", tid, 3, 1, "Tp0")

    r = await c.post(f"/api/v1/invitations/{inv['id']}/accept", headers=ps[1][1])
    assert r.status_code == 200 and r.json()["status"] == "accepted", r.text
    r = await c.post(f"/api/v1/invitations/{inv['id']}/accept", headers=ps[1][1])
    assert r.status_code == 409 and r.json()["code"] == "invitation_closed"
    assert r.json()["detail"] == "this invitation is no longer open (you accepted it)"
    r = await c.post(f"/api/v1/invitations/{inv['id']}/accept", headers={**ps[1][1], "Accept-Language": "fr"})
    assert r.json()["detail"] == "cette invitation n’est plus ouverte (vous l’avez acceptée)"
    other = await _invitation_id(c, ps[2][1])
    r = await c.post(f"/api/v1/invitations/{other}/decline", headers=ps[2][1])
    assert r.status_code == 200 and r.json()["status"] == "declined"
    assert (await c.get("/api/v1/me/invitations", headers=ps[2][1])).json()["total"] == 0

    # The team sees invitations (declined too); an outsider sees accepted players only.
    roster = (await c.get(ctx["url"], headers=ps[1][1])).json()["items"]
    assert [(m["username"], m["role"], m["status"]) for m in roster] == [
        ("tp0", "captain", "accepted"), ("tp1", "member", "accepted"),
        ("tp2", "member", "declined")]
    outsider = (await c.get(ctx["url"], headers=ps[4][1])).json()["items"]
    assert [m["username"] for m in outsider] == ["tp0", "tp1"]
    assert (await c.get(ctx["url"])).status_code == 401
    # A declined player can be invited again.
    assert (await _invite(c, ctx, "tp2")).status_code == 201


async def test_invite_refusals(api):
    c, org = api["c"], api["org"]
    ctx = await team_tournament(api, size=2)
    tid, ps = ctx["t"]["id"], ctx["ps"]
    before = await _version(c, tid)
    cases = [
        (await _invite(c, ctx, "nobody-here"), 404, "unknown_user"),
        (await c.post(ctx["url"], json={"username": " "}, headers=ps[0][1]), 422, "invalid"),
        (await c.post(ctx["url"], json={"name": "x"}, headers=ps[0][1]), 400, None),
        (await _invite(c, ctx, "tp2", by=1), 403, "not_captain"),  # not the captain
        (await _invite(c, ctx, "tp0"), 409, "already_on_team"),  # the captain themself
        (await c.post(MEMBERS.format(t=tid, e=9999), json={"username": "tp1"},
                      headers=ps[0][1]), 404, "not_found"),
    ]
    for response, status, code in cases:
        assert response.status_code == status, response.text
        if code:
            assert response.json()["code"] == code
    assert await _version(c, tid) == before  # nothing changed

    assert (await _invite(c, ctx, "tp1")).status_code == 201
    r = await _invite(c, ctx, "tp1")
    assert r.status_code == 409 and r.json()["code"] == "already_invited"
    # Team of 2: the captain and one open invitation fill it.
    r = await _invite(c, ctx, "tp2")
    assert r.status_code == 409 and r.json()["code"] == "team_full"
    assert "counting open invitations" in r.json()["detail"]

    # A player on another team cannot be invited.
    r = await c.post(f"/api/v1/tournaments/{tid}/registrations", json={"team_name": "Beta"},
                     headers=ps[3][1])
    beta = MEMBERS.format(t=tid, e=r.json()["id"])
    r = await c.post(beta, json={"username": "tp0"}, headers=ps[3][1])
    assert r.status_code == 409 and r.json()["code"] == "already_on_team"

    # Solo tournaments have no teams.
    solo = await create(c, org, name="Solo")
    r = await c.post(f"/api/v1/tournaments/{solo['id']}/registrations", headers=ps[4][1])
    r = await c.post(MEMBERS.format(t=solo["id"], e=r.json()["id"]), json={"username": "tp1"},
                     headers=ps[4][1])
    assert r.status_code == 409 and r.json()["code"] == "not_a_team"


async def test_accept_refusals_one_team_per_tournament(api):
    c = api["c"]
    ctx = await team_tournament(api, size=3)
    tid, ps = ctx["t"]["id"], ctx["ps"]
    r = await c.post(f"/api/v1/tournaments/{tid}/registrations", json={"team_name": "Beta"},
                     headers=ps[3][1])
    beta = MEMBERS.format(t=tid, e=r.json()["id"])
    assert (await _invite(c, ctx, "tp1")).status_code == 201
    assert (await c.post(beta, json={"username": "tp1"}, headers=ps[3][1])).status_code == 201
    items = (await c.get("/api/v1/me/invitations", headers=ps[1][1])).json()["items"]
    assert [i["team_name"] for i in items] == ["Alpha", "Beta"]
    # Someone else's invitation is not found.
    r = await c.post(f"/api/v1/invitations/{items[0]['id']}/accept", headers=ps[2][1])
    assert r.status_code == 404 and r.json()["code"] == "no_invitation"
    r = await c.post(f"/api/v1/invitations/{items[0]['id']}/accept", headers=ps[1][1])
    assert r.status_code == 200
    # Accepting Alpha declined Beta's invitation (Beta's place is free again).
    r = await c.post(f"/api/v1/invitations/{items[1]['id']}/accept", headers=ps[1][1])
    assert r.status_code == 409 and r.json()["code"] == "invitation_closed"
    beta_roster = (await c.get(beta, headers=ps[3][1])).json()["items"]
    assert [(m["username"], m["status"]) for m in beta_roster] == [("tp3", "accepted"),
                                                                    ("tp1", "declined")]
    # Invited, then captain of a team of one's own: accepting is refused.
    assert (await _invite(c, ctx, "tp2")).status_code == 201
    assert (await c.post(f"/api/v1/tournaments/{tid}/registrations",
                         json={"team_name": "Gamma"}, headers=ps[2][1])).status_code == 201
    inv = await _invitation_id(c, ps[2][1])
    r = await c.post(f"/api/v1/invitations/{inv}/accept", headers=ps[2][1])
    assert r.status_code == 409 and r.json()["code"] == "already_on_team"


async def test_accept_refused_when_full_inactive_or_started(api):
    c, org = api["c"], api["org"]
    ctx = await team_tournament(api, size=2)
    tid, ps = ctx["t"]["id"], ctx["ps"]
    assert (await _invite(c, ctx, "tp1")).status_code == 201
    inv = await _invitation_id(c, ps[1][1])
    # An invitation left over a full roster (not reachable through invite, which counts
    # open invitations): accept re-checks the roster under the lock.
    await TeamMember(entrant=ctx["team"]["id"], user=ps[2][0].id, status="invited",
                     created_at=datetime.now(timezone.utc)).save()
    assert (await c.post(f"/api/v1/invitations/{inv}/accept", headers=ps[1][1])).status_code == 200
    extra = await _invitation_id(c, ps[2][1])
    r = await c.post(f"/api/v1/invitations/{extra}/accept", headers=ps[2][1])
    assert r.status_code == 409 and r.json()["code"] == "team_full"

    # Withdrawn team: its invitations are gone from the list and cannot be accepted.
    r = await c.post(f"/api/v1/tournaments/{tid}/registrations", json={"team_name": "Beta"},
                     headers=ps[3][1])
    beta = MEMBERS.format(t=tid, e=r.json()["id"])
    assert (await c.post(beta, json={"username": "tp4"}, headers=ps[3][1])).status_code == 201
    beta_inv = await _invitation_id(c, ps[4][1])
    assert (await c.delete(f"/api/v1/tournaments/{tid}/registrations", headers=ps[3][1])
            ).status_code == 200
    assert (await c.get("/api/v1/me/invitations", headers=ps[4][1])).json()["total"] == 0
    r = await c.post(f"/api/v1/invitations/{beta_inv}/accept", headers=ps[4][1])
    assert r.status_code == 409 and r.json()["code"] == "team_inactive"

    # After the start: no invitation, no acceptance, no leaving.
    await field_of(c, org, tid, 1)
    assert (await c.post(f"/api/v1/tournaments/{tid}/start", headers=org)).status_code == 200
    r = await _invite(c, ctx, "tp4")
    assert r.status_code == 409 and r.json()["code"] == "started"
    r = await c.delete(f"{ctx['url']}/{ps[1][0].id}", headers=ps[1][1])
    assert r.status_code == 409 and r.json()["code"] == "started"


async def test_remove_cancel_leave_and_captaincy(api):
    c = api["c"]
    ctx = await team_tournament(api, size=3)
    tid, ps, url = ctx["t"]["id"], ctx["ps"], ctx["url"]
    for name in ("tp1", "tp2"):
        assert (await _invite(c, ctx, name)).status_code == 201
    inv = await _invitation_id(c, ps[1][1])
    assert (await c.post(f"/api/v1/invitations/{inv}/accept", headers=ps[1][1])).status_code == 200

    # A member's withdrawal is refused with the way out (leave), nothing changes.
    r = await c.delete(f"/api/v1/tournaments/{tid}/registrations", headers=ps[1][1])
    assert r.status_code == 409 and r.json()["code"] == "team_member"
    assert "leave the team" in r.json()["detail"]

    # Only the captain removes others; the captain cannot leave.
    r = await c.delete(f"{url}/{ps[2][0].id}", headers=ps[1][1])
    assert r.status_code == 403 and r.json()["code"] == "not_captain"
    r = await c.delete(f"{url}/{ps[0][0].id}", headers=ps[0][1])
    assert r.status_code == 409 and r.json()["code"] == "captain_must_hand_over"
    r = await c.delete(f"{url}/{ps[4][0].id}", headers=ps[0][1])
    assert r.status_code == 404 and r.json()["code"] == "not_in_team"
    # The captain cancels tp2's invitation.
    r = await c.delete(f"{url}/{ps[2][0].id}", headers=ps[0][1])
    assert r.status_code == 200 and r.json()["action"] == "cancelled"
    assert (await c.get("/api/v1/me/invitations", headers=ps[2][1])).json()["total"] == 0

    # Hand over: not to an invitee, not to oneself; then the new captain leads.
    assert (await _invite(c, ctx, "tp3")).status_code == 201
    r = await c.post(f"/api/v1/tournaments/{tid}/entrants/{ctx['team']['id']}/captain",
                     json={"user_id": ps[3][0].id}, headers=ps[0][1])
    assert r.status_code == 409 and r.json()["code"] == "not_a_member"
    r = await c.post(f"/api/v1/tournaments/{tid}/entrants/{ctx['team']['id']}/captain",
                     json={"user_id": ps[0][0].id}, headers=ps[0][1])
    assert r.status_code == 409 and r.json()["code"] == "already_captain"
    r = await c.post(f"/api/v1/tournaments/{tid}/entrants/{ctx['team']['id']}/captain",
                     json={"user_id": ps[1][0].id}, headers=ps[1][1])
    assert r.status_code == 403
    r = await c.post(f"/api/v1/tournaments/{tid}/entrants/{ctx['team']['id']}/captain",
                     json={"user_id": ps[1][0].id}, headers=ps[0][1])
    assert r.status_code == 200, r.text
    assert [(m["username"], m["role"]) for m in r.json()["items"]][:2] == [
        ("tp1", "captain"), ("tp0", "member")]
    entrant = (await c.get(f"/api/v1/tournaments/{tid}/entrants")).json()["items"][0]
    assert entrant["user_id"] == ps[1][0].id  # the entrant follows the captain
    assert (await _invite(c, ctx, "tp4")).status_code == 403  # tp0 is no longer captain
    assert (await _invite(c, ctx, "tp4", by=1)).json()["code"] == "team_full"

    # The former captain leaves, which frees a place.
    r = await c.delete(f"{url}/{ps[0][0].id}", headers=ps[0][1])
    assert r.status_code == 200 and r.json()["action"] == "left"
    assert (await _invite(c, ctx, "tp4", by=1)).status_code == 201
    # An invitee removing themself declines.
    r = await c.delete(f"{url}/{ps[3][0].id}", headers=ps[3][1])
    assert r.status_code == 200 and r.json()["action"] == "declined"
    roster = (await c.get(url, headers=ps[1][1])).json()["items"]
    assert [(m["username"], m["status"]) for m in roster] == [
        ("tp1", "accepted"), ("tp4", "invited"), ("tp3", "declined")]
    # The new captain withdraws the team (the captain's way out).
    r = await c.delete(f"/api/v1/tournaments/{tid}/registrations", headers=ps[1][1])
    assert r.status_code == 200 and r.json()["withdrawn"]["status"] == "withdrawn"


async def test_team_check_in_needs_a_full_roster(api):
    c = api["c"]
    ctx = await team_tournament(api, size=2, **_window())
    tid, ps = ctx["t"]["id"], ctx["ps"]
    r = await c.post(f"/api/v1/tournaments/{tid}/check-in", headers=ps[0][1])
    assert r.status_code == 409 and r.json()["code"] == "roster_incomplete"
    assert "1 of 2 players" in r.json()["detail"]
    assert (await _invite(c, ctx, "tp1")).status_code == 201
    inv = await _invitation_id(c, ps[1][1])
    assert (await c.post(f"/api/v1/invitations/{inv}/accept", headers=ps[1][1])).status_code == 200
    # Any accepted player checks the team in.
    r = await c.post(f"/api/v1/tournaments/{tid}/check-in", headers=ps[1][1])
    assert r.status_code == 200 and r.json()["checked_in"] is True
    # Losing a player un-checks the team: the roster it checked in with is gone.
    r = await c.delete(f"{ctx['url']}/{ps[1][0].id}", headers=ps[1][1])
    assert r.status_code == 200 and r.json()["action"] == "left"
    assert (await Entrant.select(Entrant.checked_in).where(
        Entrant.id == ctx["team"]["id"]).first())["checked_in"] is False


@pytest.mark.parametrize("checkin", [False, True])
async def test_incomplete_teams_are_dropped_at_start(api, checkin):
    c, org = api["c"], api["org"]
    ctx = await team_tournament(api, size=2, **(_window() if checkin else {}))
    tid, ps = ctx["t"]["id"], ctx["ps"]
    full = []
    for captain, member in ((1, 2), (3, 4)):
        r = await c.post(f"/api/v1/tournaments/{tid}/registrations",
                         json={"team_name": f"Squad {captain}"}, headers=ps[captain][1])
        url = MEMBERS.format(t=tid, e=r.json()["id"])
        full.append(r.json()["id"])
        assert (await c.post(url, json={"username": f"tp{member}"}, headers=ps[captain][1])
                ).status_code == 201
        inv = await _invitation_id(c, ps[member][1])
        assert (await c.post(f"/api/v1/invitations/{inv}/accept", headers=ps[member][1])
                ).status_code == 200
        if checkin:
            assert (await c.post(f"/api/v1/tournaments/{tid}/check-in", headers=ps[member][1])
                    ).status_code == 200
    # Alpha (1 of 2 players) is dropped either way; organiser-added teams are exempt.
    [named] = await field_of(c, org, tid, 1)
    if checkin:
        await Entrant.update({Entrant.checked_in: True}).where(Entrant.id == named)
    r = await c.post(f"/api/v1/tournaments/{tid}/start", headers=org)
    assert r.status_code == 200, r.text
    status = {e["id"]: e["status"] for e in
              (await c.get(f"/api/v1/tournaments/{tid}/entrants")).json()["items"]}
    assert status[ctx["team"]["id"]] == "dropped"
    assert [status[e] for e in [*full, named]] == ["registered"] * 3


async def test_organiser_lets_a_short_team_play_by_checking_it_in(api):
    """The organiser's hand check-in is the override: that short team plays short-handed,
    another short team is still dropped."""
    c, org = api["c"], api["org"]
    ctx = await team_tournament(api, size=2)
    tid, ps = ctx["t"]["id"], ctx["ps"]
    other = (await c.post(f"/api/v1/tournaments/{tid}/registrations",
                          json={"team_name": "Beta"}, headers=ps[1][1])).json()["id"]
    await field_of(c, org, tid, 2)
    # Players cannot check a short team in (test_team_check_in_needs_a_full_roster); the
    # organiser can, from the console, even without a check-in window.
    waived = await registration.set_checked_in(tid, ctx["team"]["id"], True)
    assert waived["checked_in"] is True
    r = await c.post(f"/api/v1/tournaments/{tid}/start", headers=org)
    assert r.status_code == 200, r.text
    status = {e["id"]: e["status"] for e in
              (await c.get(f"/api/v1/tournaments/{tid}/entrants")).json()["items"]}
    assert status[ctx["team"]["id"]] == "registered" and status[other] == "dropped"
    assert {s["entrant_id"] for m in await matches(c, tid) for s in m["slots"]} >= {
        ctx["team"]["id"]}


async def test_team_routes_are_in_the_openapi_document(api):
    paths = (await api["c"].get("/schema/openapi.json")).json()["paths"]
    members = "/api/v1/tournaments/{tournament_id}/entrants/{entrant_id}/members"
    assert {"get", "post"} <= set(paths[members])
    assert "delete" in paths[members + "/{user_id}"]
    assert "post" in paths["/api/v1/tournaments/{tournament_id}/entrants/{entrant_id}/captain"]
    assert "get" in paths["/api/v1/me/invitations"]
    for answer in ("accept", "decline"):
        assert "post" in paths[f"/api/v1/invitations/{{invitation_id}}/{answer}"]
