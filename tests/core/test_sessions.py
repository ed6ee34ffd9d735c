"""Sessions: no fixation, a fresh id at log-in, sign-up, log-out and role changes, and a
CSRF token that only works for the session it was issued to (issue 8, point 1)."""

from __future__ import annotations

import json
from typing import Any

import httpx
from hypothesis import given
from hypothesis import strategies as st

from podium.core.accounts import service
from podium.core.testing import DEFAULT_PASSWORD, PodiumClient
from podium.web.security import csrf_token_for, csrf_token_valid

SESSION = "podium_session"
CSRF = "podium_csrf"
HOST = "testserver.local"
PLANTED = "a" * 64


async def browser(factory: Any, app: Any, session_cookie: str | None = None) -> PodiumClient:
    """A test client; ``session_cookie`` plants a ``podium_session`` value first, as an
    attacker would (a link on a sibling site, a shared computer...)."""
    client = await factory(app)
    if session_cookie is not None:
        client.client.cookies.set(SESSION, session_cookie, domain=HOST)
    return client


def visitor_with(app: Any, cookies: dict[str, str]) -> httpx.AsyncClient:
    """A bare client sending exactly ``cookies`` (the attacker's copy of a cookie)."""
    header = "; ".join(f"{k}={v}" for k, v in cookies.items())
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, client=("127.0.0.1", 50001)),  # type: ignore[arg-type]
        base_url=f"http://{HOST}", headers={"cookie": header})


async def signed_in_as(app: Any, session_id: str) -> str | None:
    """Whose name the page shows to a browser holding ``session_id`` (None: anonymous)."""
    async with visitor_with(app, {SESSION: session_id}) as visitor:
        page = (await visitor.get("/")).text
    marker = 'data-testid="whoami">'
    return page.split(marker, 1)[1].split("<", 1)[0] if marker in page else None


async def test_planted_session_cookie_gives_the_attacker_nothing(podium_app, podium_client_factory, podium_users):
    """The attacker plants ``podium_session=aaaa…``, the victim logs in: the victim gets a
    new id and the attacker's cookie opens no session."""
    await podium_users("victim")
    victim = await browser(podium_client_factory, podium_app, PLANTED)
    await victim.login("victim", DEFAULT_PASSWORD)
    assert victim.client.cookies.get(SESSION) not in (None, PLANTED)
    assert await signed_in_as(podium_app, victim.client.cookies[SESSION]) == "victim"
    assert await signed_in_as(podium_app, PLANTED) is None
    async with visitor_with(podium_app, {SESSION: PLANTED}) as attacker:
        me = await attacker.get("/tickets/mine", follow_redirects=False)
    assert me.status_code in (302, 303, 401)


async def test_a_real_session_id_is_replaced_at_log_in(podium_app, podium_client_factory, podium_users):
    """Even an id the server issued (the attacker's own session) is not kept: log-in moves
    the session to a fresh id and deletes the old one."""
    await podium_users("mallory")
    await podium_users("victim")
    attacker = await browser(podium_client_factory, podium_app)
    await attacker.login("mallory", DEFAULT_PASSWORD)
    attackers_id = attacker.client.cookies[SESSION]
    victim = await browser(podium_client_factory, podium_app, attackers_id)
    await victim.login("victim", DEFAULT_PASSWORD)
    assert victim.client.cookies[SESSION] != attackers_id
    assert await signed_in_as(podium_app, attackers_id) is None
    assert await signed_in_as(podium_app, victim.client.cookies[SESSION]) == "victim"


async def test_sign_up_starts_a_fresh_session(podium_app, podium_client_factory):
    """Sign-up signs the new account in under a new id, never the planted one."""
    newcomer = await browser(podium_client_factory, podium_app, PLANTED)
    r = await newcomer.form_post("/signup", {"username": "newcomer", "display_name": "New Comer",
                                             "password": "s3cret-pass", "password2": "s3cret-pass"})
    assert r.status_code == 303
    assert newcomer.client.cookies[SESSION] != PLANTED
    assert await signed_in_as(podium_app, PLANTED) is None
    assert await signed_in_as(podium_app, newcomer.client.cookies[SESSION]) == "New Comer"


async def test_log_out_deletes_the_session(podium_app, podium_client_factory, podium_users):
    """After log-out a copy of the old cookie opens nothing."""
    await podium_users("leaver")
    client = await browser(podium_client_factory, podium_app)
    await client.login("leaver", DEFAULT_PASSWORD)
    old = client.client.cookies[SESSION]
    await client.logout()
    assert await signed_in_as(podium_app, old) is None


async def test_a_role_change_gives_the_session_a_fresh_id(podium_app, podium_client_factory, podium_users):
    """When a user's roles change, their next request moves the session to a new id: a
    copy of the old cookie does not carry the new role."""
    user = await podium_users("riser")
    client = await browser(podium_client_factory, podium_app)
    await client.login("riser", DEFAULT_PASSWORD)
    before = client.client.cookies[SESSION]
    await client.get("/")
    assert client.client.cookies[SESSION] == before  # no change, no rotation
    await service.set_roles(user.id, ("fan", "organiser"))
    await client.get("/")
    after = client.client.cookies[SESSION]
    assert after != before
    assert await signed_in_as(podium_app, before) is None
    assert await signed_in_as(podium_app, after) == "riser"
    # The CSRF cookie followed the new id: the next form still works.
    r = await client.form_post("/logout")
    assert r.status_code == 303


async def test_a_password_change_ends_every_other_session(podium_app, podium_client_factory, podium_users):
    """Changing the password (from the page, or by an admin) signs out the user's other
    browsers; the browser that changed it stays signed in under a fresh id."""
    await podium_users("mover")
    laptop = await browser(podium_client_factory, podium_app)
    phone = await browser(podium_client_factory, podium_app)
    await laptop.login("mover", DEFAULT_PASSWORD)
    await phone.login("mover", DEFAULT_PASSWORD)
    phones_session = phone.client.cookies[SESSION]
    laptops_session = laptop.client.cookies[SESSION]
    assert await signed_in_as(podium_app, phones_session) == "mover"
    new_password = "a-much-longer-new-passphrase"
    done = await laptop.form_post("/me/password", {
        "current_password": DEFAULT_PASSWORD, "password": new_password, "password2": new_password})
    assert done.status_code == 200 and "other sessions are signed out" in done.text
    assert await signed_in_as(podium_app, phones_session) is None
    assert laptop.client.cookies[SESSION] != laptops_session
    assert await signed_in_as(podium_app, laptops_session) is None
    assert await signed_in_as(podium_app, laptop.client.cookies[SESSION]) == "mover"
    # An admin's reset (the CLI's set_password) ends the remaining session too.
    await service.set_password("mover", "another-long-passphrase")
    assert await signed_in_as(podium_app, laptop.client.cookies[SESSION]) is None


async def test_log_in_carries_over_what_is_not_about_who_is_signed_in(podium_app, podium_client_factory, podium_users):
    """Session data of the anonymous visit (not the identity) moves to the new id."""
    await podium_users("shopper")
    client = await browser(podium_client_factory, podium_app)
    store = podium_app.stores.get("sessions")
    await store.set("b" * 64, json.dumps({"basket": [3], "user_id": 999}).encode(), expires_in=600)
    client.client.cookies.set(SESSION, "b" * 64, domain=HOST)
    await client.get("/login")
    await client.login("shopper", DEFAULT_PASSWORD)
    new_id = client.client.cookies[SESSION]
    assert new_id != "b" * 64 and await store.get("b" * 64) is None
    data = json.loads(await store.get(new_id) or b"{}")
    assert data["basket"] == [3]
    assert data["user_id"] != 999


async def test_a_csrf_token_from_another_session_is_refused(podium_app, podium_client_factory, podium_users):
    """Mallory's CSRF cookie and token, planted in the victim's browser, do not pass for
    the victim's session (a plain double-submit cookie would accept them)."""
    await podium_users("mallory")
    await podium_users("victim")
    mallory = await browser(podium_client_factory, podium_app)
    await mallory.login("mallory", DEFAULT_PASSWORD)
    malloryss_token = await mallory.csrf_token()
    victim = await browser(podium_client_factory, podium_app)
    await victim.login("victim", DEFAULT_PASSWORD)
    victims_session = victim.client.cookies[SESSION]
    async with visitor_with(podium_app, {SESSION: victims_session, CSRF: malloryss_token}) as forged:
        r = await forged.post("/logout", data={"_csrf_token": malloryss_token})
    assert r.status_code == 403
    assert await signed_in_as(podium_app, victims_session) == "victim"
    assert (await victim.form_post("/logout")).status_code == 303  # the victim's own token works


async def test_log_in_issues_a_new_csrf_token(podium_app, podium_client_factory, podium_users):
    """The token of the anonymous visit stops working once the session changes."""
    await podium_users("fresh")
    client = await browser(podium_client_factory, podium_app)
    anonymous_token = await client.csrf_token()
    await client.login("fresh", DEFAULT_PASSWORD)
    signed_in_token = client.client.cookies[CSRF]
    assert signed_in_token != anonymous_token
    session_id = client.client.cookies[SESSION]
    async with visitor_with(podium_app, {SESSION: session_id, CSRF: anonymous_token}) as stale:
        assert (await stale.post("/logout", data={"_csrf_token": anonymous_token})).status_code == 403
    page = await client.get("/")
    assert f'"x-csrftoken": "{signed_in_token}"' in page.text


async def test_files_without_a_session_leave_the_csrf_cookie_alone(podium_app, podium_client_factory, podium_users):
    """A plugin's stylesheet (no session there) must not replace the signed-in session's
    CSRF cookie with an anonymous one: the next form would be refused."""
    await podium_users("reader")
    client = await browser(podium_client_factory, podium_app)
    await client.login("reader", DEFAULT_PASSWORD)
    token = client.client.cookies[CSRF]
    for path in ("/static/podium.css", "/static/venue/venue.css", "/schema", "/healthz"):
        response = await client.get(path)
        assert CSRF not in response.headers.get("set-cookie", ""), path
    assert client.client.cookies[CSRF] == token
    assert (await client.form_post("/logout")).status_code == 303


SESSION_IDS = st.one_of(st.none(), st.text(alphabet="0123456789abcdef", min_size=1, max_size=64))


@given(SESSION_IDS, SESSION_IDS, st.text(min_size=1, max_size=20))
def test_a_csrf_token_verifies_for_its_own_session_only(issued_to: str | None, used_with: str | None, secret: str) -> None:
    """The HMAC binding: good for the session it was issued to, for no other."""
    token = csrf_token_for(issued_to, secret)
    assert csrf_token_valid(token, issued_to, secret)
    assert csrf_token_valid(token, used_with, secret) == ((issued_to or "") == (used_with or ""))
    assert not csrf_token_valid(token, issued_to, secret + "x")


@given(st.text(max_size=200))
def test_a_made_up_csrf_token_never_verifies(token: str) -> None:
    """Anything not issued by the server is refused, whatever its shape."""
    assert not csrf_token_valid(token, "s" * 64, "secret") or token == csrf_token_for("s" * 64, "secret", token[:64])
