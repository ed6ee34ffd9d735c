"""Accounts: sign-up, log-in, log-out, tokens, CSRF, rate limiting."""

import pytest

from podium.core.testing import DEFAULT_PASSWORD


async def test_signup_login_logout(podium_client):
    r = await podium_client.form_post(
        "/signup",
        {"username": "alice", "display_name": "Alice", "password": "s3cret-pass",
         "password2": "s3cret-pass", "email": ""},
    )
    assert r.status_code == 303
    page = await podium_client.get("/")
    assert "Alice" in page.text
    await podium_client.logout()
    assert "Alice" not in (await podium_client.get("/")).text
    await podium_client.login("alice", "s3cret-pass")
    assert "Alice" in (await podium_client.get("/")).text


@pytest.mark.parametrize(
    "form, message",
    [
        ({"username": "a", "password": "longenough", "password2": "longenough"}, "username must be"),
        ({"username": "bob", "password": "short", "password2": "short"}, "at least 8"),
        ({"username": "bob", "password": "longenough", "password2": "different1"}, "passwords differ"),
    ],
)
async def test_signup_rejects_bad_input(podium_client, form, message):
    r = await podium_client.form_post("/signup", form)
    assert r.status_code == 422
    assert message.lower() in r.text.lower()
    assert "bob" not in (await podium_client.get("/")).text


async def test_signup_taken_username(podium_client, podium_users):
    await podium_users("carol")
    r = await podium_client.form_post(
        "/signup", {"username": "CAROL", "password": "longenough", "password2": "longenough"}
    )
    assert r.status_code == 422
    assert "taken" in r.text


async def test_wrong_password_is_refused(podium_client, podium_users):
    await podium_users("dave")
    r = await podium_client.form_post("/login", {"username": "dave", "password": "nope-nope"})
    assert r.status_code == 401
    assert "Wrong username or password" in r.text


async def test_form_without_csrf_is_refused(podium_client, podium_users):
    await podium_users("erin")
    r = await podium_client.post("/login", data={"username": "erin", "password": DEFAULT_PASSWORD})
    assert r.status_code == 403


async def test_open_redirect_is_blocked(podium_client, podium_users):
    await podium_users("frank")
    r = await podium_client.form_post(
        "/login", {"username": "frank", "password": DEFAULT_PASSWORD, "next": "//evil.example/"}
    )
    assert r.status_code == 303 and r.headers["location"] == "/"


async def test_token_and_me(podium_client, podium_users):
    await podium_users("gina", "organiser")
    headers = await podium_client.bearer("gina", DEFAULT_PASSWORD)
    me = await podium_client.get("/api/v1/me", headers=headers)
    assert me.status_code == 200
    assert me.json()["roles"] == ["organiser"]
    bad = await podium_client.post("/api/v1/auth/token", json={"username": "gina", "password": "x"})
    assert bad.status_code == 401 and bad.json()["code"] == "unauthenticated"
    forged = await podium_client.get("/api/v1/me", headers={"Authorization": "Bearer forged"})
    assert forged.status_code == 401
    anonymous = await podium_client.get("/api/v1/me")
    assert anonymous.status_code == 401


async def test_login_is_rate_limited(podium_app_factory, podium_client_factory, podium_users):
    await podium_users("hank")
    client = await podium_client_factory(podium_app_factory(login_rate_per_minute=3))
    codes = [
        (await client.post("/api/v1/auth/token", json={"username": "hank", "password": "wrong-pass"})).status_code
        for _ in range(5)
    ]
    assert codes[:3] == [401, 401, 401]
    assert codes[3:] == [429, 429]
    limited = await client.post("/api/v1/auth/token", json={"username": "hank", "password": "wrong-pass"})
    assert limited.json()["code"] == "rate_limited"


async def test_passwords_are_argon2_hashed(podium_users):
    from podium.core.accounts.tables import User

    await podium_users("ivy")
    row = await User.select(User.password_hash).where(User.username == "ivy").first()
    assert row["password_hash"].startswith("$argon2")


async def test_a_missing_role_is_said_in_the_visitors_language(podium_client, podium_users):
    """The 403 names the role needed and the roles held, translated, on a page and in the
    API (whose error ``code`` stays the same)."""
    await podium_users("fanny", "fan")
    await podium_client.login("fanny", DEFAULT_PASSWORD)
    english = await podium_client.get("/box-office")
    assert english.status_code == 403
    assert "this needs the role staff / organiser; you are fan" in english.text
    french = await podium_client.get("/box-office", headers={"Accept-Language": "fr"})
    assert french.status_code == 403
    assert "il faut le rôle personnel / organisateur ; vous êtes fan" in french.text
    await podium_client.logout()
    fan = await podium_client.bearer("fanny", DEFAULT_PASSWORD)
    api = await podium_client.post("/api/v1/events", json={},
                                   headers={**fan, "Accept-Language": "fr"})
    assert api.status_code == 403 and "il faut le rôle organisateur" in api.json()["detail"]
