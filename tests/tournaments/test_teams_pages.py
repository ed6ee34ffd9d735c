"""Team pages: the captain's roster with the invite form, remove/cancel and "make
captain"; the invitee's invitation on the tournament page and on "My matches"; the
entrants list with the players' names; refusals re-render with the reason; the console
warns about teams short of players."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from podium.core.testing import DEFAULT_PASSWORD
from podium.tests.core.test_venue_support import quick_user
from podium.tests.tournaments.support import create, organiser


async def _signed_in(app, factory, username: str):
    await quick_user(username, "player")
    client = await factory(app)
    await client.login(username, DEFAULT_PASSWORD)
    return client


async def test_team_pages_journey(podium_app, podium_client_factory):
    org = await organiser()
    api = await podium_client_factory(podium_app)
    now = datetime.now(timezone.utc)
    t = await create(api, org, name="Duo Cup", team_size=2,
                     checkin_opens=(now - timedelta(hours=1)).isoformat())
    url = f"/tournaments/{t['id']}"
    cap = await _signed_in(podium_app, podium_client_factory, "cara")
    ben = await _signed_in(podium_app, podium_client_factory, "ben")
    dee = await _signed_in(podium_app, podium_client_factory, "dee")

    r = await cap.form_post(f"{url}/register", {"team_name": "Night Owls"})
    assert r.status_code == 303, r.text
    page = (await cap.get(url)).text
    assert "Night Owls" in page and "(captain)" in page and "1/2 players" in page
    assert 'name="username"' in page and "Withdraw the team" in page
    team_id = (await api.get(f"/api/v1/tournaments/{t['id']}/entrants")).json()["items"][0]["id"]
    members = f"{url}/entrants/{team_id}/members"

    # Refusals re-render the page with the reason.
    r = await cap.form_post(members, {"username": "ghost"})
    assert r.status_code == 404 and "no player named" in r.text and 'id="team"' in r.text
    r = await cap.form_post(f"{url}/check-in")
    assert r.status_code == 409 and "1 of 2 players" in r.text
    r = await ben.form_post(members, {"username": "dee"})
    assert r.status_code == 403 and "only the captain" in r.text

    r = await cap.form_post(members, {"username": "ben"})
    assert r.status_code == 303
    page = (await cap.get(url)).text
    assert 'data-user="ben"' in page and "Cancel invitation" in page
    assert 'name="username"' not in page  # every place is taken or offered
    r = await cap.form_post(members, {"username": "dee"})
    assert r.status_code == 409 and "is full" in r.text

    # The invitee sees it on the tournament page and on "My matches".
    page = (await ben.get(url)).text
    assert "invites you to play for <strong>Night Owls</strong>" in page
    mine = (await ben.get("/me/matches")).text
    assert "Team invitations" in mine and "Night Owls" in mine
    inv = _invitation_id(mine)
    r = await dee.form_post(f"/invitations/{inv}/accept", {"next": url})
    assert r.status_code == 404 and "no invitation" in r.text and "Duo Cup" in r.text
    r = await ben.form_post(f"/invitations/{inv}/accept", {"next": "/me/matches"})
    assert r.status_code == 303 and r.headers["location"] == "/me/matches"
    r = await ben.form_post(f"/invitations/{inv}/accept", {"next": "/me/matches"})
    assert r.status_code == 409 and "no longer open" in r.text and "My matches" in r.text

    page = (await ben.get(url)).text
    assert "as Night Owls (member)" in page and "Leave the team" in page
    assert "Make captain" not in page and "Withdraw the team" not in page
    page = (await cap.get(url)).text
    assert "2/2 players" in page and "Make captain" in page
    # The captain's entry card alone, as the open page re-fetches it over htmx.
    card = await cap.htmx("GET", f"{url}/my-entry")
    assert card.status_code == 200 and "<html" not in card.text
    assert card.text.lstrip().startswith('<div id="my-entry-wrap"')
    assert "2/2 players" in card.text and 'hx-trigger="sse:bracket-' in card.text
    anonymous_card = await podium_client_factory(podium_app)
    card = await anonymous_card.get(f"{url}/my-entry")
    assert "Sign in" in card.text and "hx-trigger" not in card.text
    assert (await anonymous_card.get("/tournaments/999999/my-entry")).status_code == 404
    # The entrants list names the players, for anonymous visitors too.
    anonymous = await podium_client_factory(podium_app)
    assert "Cara, Ben" in (await anonymous.get(url)).text

    # Any player checks the full team in.
    r = await ben.form_post(f"{url}/check-in")
    assert r.status_code == 303
    assert "checked in" in (await cap.get(url)).text

    # Hand over the captaincy; the former captain can now leave (un-checking the team).
    r = await cap.form_post(f"{members}/{(await _uid(api, 'ben'))}/captain")
    assert r.status_code == 303
    page = (await ben.get(url)).text
    assert "as Night Owls (captain)" in page and "Remove" in page
    r = await cap.form_post(f"{members}/{(await _uid(api, 'cara'))}/remove")
    assert r.status_code == 303
    page = (await ben.get(url)).text
    assert "1/2 players" in page and "checked in" not in page


async def test_decline_from_the_tournament_page_and_console_warning(podium_app,
                                                                   podium_client_factory):
    org = await organiser()
    api = await podium_client_factory(podium_app)
    t = await create(api, org, name="Trio", team_size=3)
    url = f"/tournaments/{t['id']}"
    cap = await _signed_in(podium_app, podium_client_factory, "cara")
    ben = await _signed_in(podium_app, podium_client_factory, "ben")
    await cap.form_post(f"{url}/register", {"team_name": "Owls"})
    team_id = (await api.get(f"/api/v1/tournaments/{t['id']}/entrants")).json()["items"][0]["id"]
    await cap.form_post(f"{url}/entrants/{team_id}/members", {"username": "ben"})
    inv = _invitation_id((await ben.get(url)).text)
    r = await ben.form_post(f"/invitations/{inv}/decline", {"next": url})
    assert r.status_code == 303 and r.headers["location"] == url
    assert "invites you" not in (await ben.get(url)).text
    page = (await cap.get(url)).text
    assert "declined" in page and "Clear" in page

    await quick_user("olive", "organiser")
    boss = await podium_client_factory(podium_app)
    await boss.login("olive", DEFAULT_PASSWORD)
    console = (await boss.get(f"{url}/console")).text
    assert "1 team short of 3 players" in console and "Owls 1/3" in console
    assert "check the team in by hand" in console  # the override, explained
    r = await boss.form_post(f"{url}/console/check-in", {"entrant_id": team_id, "checked_in": "1"})
    assert r.status_code == 303
    console = (await boss.get(f"{url}/console")).text
    assert "plays short-handed" in console and "1 team short" not in console
    r = await boss.form_post(f"{url}/console/check-in", {"entrant_id": team_id, "checked_in": "0"})
    assert r.status_code == 303
    await api.post(f"/api/v1/tournaments/{t['id']}/entrants", json={"name": "A"}, headers=org)
    await api.post(f"/api/v1/tournaments/{t['id']}/entrants", json={"name": "B"}, headers=org)
    assert (await boss.form_post(f"{url}/console/start")).status_code == 303
    console = (await boss.get(f"{url}/console")).text
    assert "Owls — dropped (roster incomplete: 1/3 players)" in console
    assert "roster incomplete" in (await cap.get(url)).text


def _invitation_id(page: str) -> int:
    """The id of the one invitation shown on a page."""
    [found] = re.findall(r'data-invitation-id="(\d+)"', page)
    return int(found)


async def _uid(api, username: str) -> int:
    from podium.core.accounts.service import get_user_by_name

    user = await get_user_by_name(username)
    assert user is not None, f"no user {username}"
    return user.id
