"""API tokens expire, their owner lists and revokes them (API and page), an admin revokes
all of a user's, and a password change (API and page) revokes them too.

No test reads the wall clock to judge expiry: tokens are issued in the past (``at=``) or
checked at a given moment.
"""

from __future__ import annotations

from datetime import timedelta

from podium.core.accounts import service
from podium.core.accounts.tables import ApiToken
from podium.core.testing import DEFAULT_PASSWORD
from podium.tests.core.test_venue_support import quick_user

NEW_PASSWORD = "a-much-longer-new-passphrase"


async def _token(client, username: str, label: str = "") -> str:
    r = await client.post("/api/v1/auth/token",
                          json={"username": username, "password": DEFAULT_PASSWORD, "label": label})
    assert r.status_code == 200, r.text
    return r.json()["token"]


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_a_token_expires_after_the_configured_days(podium_app_factory, podium_client_factory):
    client = await podium_client_factory(podium_app_factory(api_token_days=7))
    user = await quick_user("tess")
    r = await client.post("/api/v1/auth/token", json={"username": "tess", "password": DEFAULT_PASSWORD})
    body = r.json()
    row = await ApiToken.select(ApiToken.created_at, ApiToken.expires_at).first()
    assert row["expires_at"] - row["created_at"] == timedelta(days=7)
    assert body["expires_at"].startswith(f"{row['expires_at']:%Y-%m-%d}")
    # Still valid a moment before the end, expired at it.
    token = body["token"]
    end = service._aware(row["expires_at"])
    assert await service.user_for_token(token, at=end - timedelta(seconds=1)) == user
    try:
        await service.user_for_token(token, at=end)
    except service.Unauthenticated as exc:
        assert exc.code == "token_expired"
    else:
        raise AssertionError("an expired token was accepted")


async def test_an_expired_token_is_a_401_that_says_so(podium_client):
    user = await quick_user("ursula")
    old = await service.issue_token(user, at=service.now() - timedelta(days=31))
    r = await podium_client.get("/api/v1/me", headers=_bearer(old))
    assert r.status_code == 401
    assert r.json()["code"] == "token_expired"
    assert "expired" in r.json()["detail"] and "/api/v1/auth/token" in r.json()["detail"]
    fresh = await service.issue_token(user)
    assert (await podium_client.get("/api/v1/me", headers=_bearer(fresh))).status_code == 200


async def test_owner_lists_tokens_without_ever_seeing_them(podium_client):
    await quick_user("vera")
    first = await _token(podium_client, "vera", "scoreboard")
    second = await _token(podium_client, "vera", "stream overlay")
    await quick_user("walt")
    await _token(podium_client, "walt", "not vera's")
    r = await podium_client.get("/api/v1/auth/tokens", headers=_bearer(first))
    assert r.status_code == 200, r.text
    page = r.json()
    assert page["total"] == 2 and page["limit"] == 50 and page["offset"] == 0
    assert [t["label"] for t in page["items"]] == ["stream overlay", "scoreboard"]
    assert [t["prefix"] for t in page["items"]] == [second[:8], first[:8]]
    assert all(t["expires_at"] and t["created_at"] and not t["expired"] for t in page["items"])
    assert first not in r.text and second not in r.text
    # The token just used carries its last use; the other one was never used.
    used = {t["prefix"]: t["last_used_at"] for t in page["items"]}
    assert used[first[:8]] is not None and used[second[:8]] is None


async def test_last_use_is_written_at_most_once_an_hour(podium_db):
    user = await quick_user("xena")
    token = await service.issue_token(user)
    start = service.now()
    await service.user_for_token(token, at=start)
    await service.user_for_token(token, at=start + timedelta(minutes=59))
    row = await ApiToken.select(ApiToken.last_used_at).first()
    assert service._aware(row["last_used_at"]) == start
    await service.user_for_token(token, at=start + timedelta(hours=2))
    row = await ApiToken.select(ApiToken.last_used_at).first()
    assert service._aware(row["last_used_at"]) == start + timedelta(hours=2)


async def test_owner_revokes_a_token_and_someone_elses_is_a_404(podium_client):
    await quick_user("yann")
    await quick_user("zora")
    keep = await _token(podium_client, "yann")
    drop = await _token(podium_client, "yann")
    theirs = await _token(podium_client, "zora")
    ids = {t["prefix"]: t["id"] for t in
           (await podium_client.get("/api/v1/auth/tokens", headers=_bearer(keep))).json()["items"]}
    their_id = (await podium_client.get("/api/v1/auth/tokens", headers=_bearer(theirs))).json()["items"][0]["id"]

    refused = await podium_client.delete(f"/api/v1/auth/tokens/{their_id}", headers=_bearer(keep))
    assert refused.status_code == 404 and refused.json()["code"] == "no_such_token"
    missing = await podium_client.delete("/api/v1/auth/tokens/999999", headers=_bearer(keep))
    assert missing.status_code == 404 and missing.json()["detail"] == refused.json()["detail"]
    assert (await podium_client.get("/api/v1/me", headers=_bearer(theirs))).status_code == 200

    done = await podium_client.delete(f"/api/v1/auth/tokens/{ids[drop[:8]]}", headers=_bearer(keep))
    assert done.status_code == 204
    assert (await podium_client.get("/api/v1/me", headers=_bearer(drop))).status_code == 401
    assert (await podium_client.get("/api/v1/me", headers=_bearer(keep))).status_code == 200
    again = await podium_client.delete(f"/api/v1/auth/tokens/{ids[drop[:8]]}", headers=_bearer(keep))
    assert again.status_code == 404
    listed = (await podium_client.get("/api/v1/auth/tokens", headers=_bearer(keep))).json()
    assert [t["prefix"] for t in listed["items"]] == [keep[:8]]


async def test_password_change_over_the_api_revokes_every_token(podium_client):
    await quick_user("abel")
    tokens = [await _token(podium_client, "abel") for _ in range(3)]
    url = "/api/v1/auth/password"
    wrong = await podium_client.post(url, headers=_bearer(tokens[0]),
                                     json={"current_password": "not-my-password", "new_password": NEW_PASSWORD})
    assert wrong.status_code == 422 and wrong.json()["code"] == "wrong_password"
    common = await podium_client.post(url, headers=_bearer(tokens[0]),
                                      json={"current_password": DEFAULT_PASSWORD, "new_password": "Password123"})
    assert common.status_code == 422 and "most common" in common.json()["detail"]
    same = await podium_client.post(url, headers=_bearer(tokens[0]),
                                    json={"current_password": DEFAULT_PASSWORD, "new_password": "ABEL"})
    assert same.status_code == 422
    # Nothing changed by the refusals.
    for token in tokens:
        assert (await podium_client.get("/api/v1/me", headers=_bearer(token))).status_code == 200

    ok = await podium_client.post(url, headers=_bearer(tokens[0]),
                                  json={"current_password": DEFAULT_PASSWORD, "new_password": NEW_PASSWORD})
    assert ok.status_code == 200 and ok.json() == {"revoked_tokens": 3}
    for token in tokens:
        assert (await podium_client.get("/api/v1/me", headers=_bearer(token))).status_code == 401
    assert await service.authenticate("abel", NEW_PASSWORD) is not None
    assert await service.authenticate("abel", DEFAULT_PASSWORD) is None


async def test_password_page_refuses_with_a_message_then_changes_and_revokes(podium_client):
    await quick_user("bert")
    token = await _token(podium_client, "bert")
    await podium_client.login("bert", DEFAULT_PASSWORD)
    assert (await podium_client.get("/me/password")).status_code == 200
    form = {"current_password": DEFAULT_PASSWORD, "password": "qwertyuiop", "password2": "qwertyuiop"}
    refused = await podium_client.form_post("/me/password", form)
    assert refused.status_code == 422 and "10,000 most common" in refused.text
    mismatch = await podium_client.form_post("/me/password", {**form, "password": NEW_PASSWORD})
    assert mismatch.status_code == 422 and "differ" in mismatch.text
    assert (await podium_client.get("/api/v1/me", headers=_bearer(token))).status_code == 200
    done = await podium_client.form_post(
        "/me/password", {**form, "password": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert done.status_code == 200 and "Your password is changed" in done.text
    assert "1 API token was revoked" in done.text
    assert (await podium_client.get("/api/v1/me", headers=_bearer(token))).status_code == 401


async def test_tokens_page_lists_and_revokes_only_my_tokens(podium_client):
    await quick_user("cleo")
    await quick_user("dora")
    mine = await _token(podium_client, "cleo", "lap timer")
    theirs = await _token(podium_client, "dora", "dora's bot")
    await podium_client.login("cleo", DEFAULT_PASSWORD)
    page = await podium_client.get("/me/tokens")
    assert page.status_code == 200
    assert "lap timer" in page.text and mine[:8] in page.text
    assert mine not in page.text and "dora" not in page.text
    their_row = await ApiToken.select(ApiToken.id).where(ApiToken.prefix == theirs[:8]).first()
    refused = await podium_client.form_post(f"/me/tokens/{their_row['id']}/revoke")
    assert refused.status_code == 404
    assert (await podium_client.get("/api/v1/me", headers=_bearer(theirs))).status_code == 200
    my_row = await ApiToken.select(ApiToken.id).where(ApiToken.prefix == mine[:8]).first()
    done = await podium_client.form_post(f"/me/tokens/{my_row['id']}/revoke")
    assert done.status_code == 303 and done.headers["location"].startswith("/me/tokens")
    assert (await podium_client.get("/api/v1/me", headers=_bearer(mine))).status_code == 401
    assert "You have no API token" in (await podium_client.get("/me/tokens")).text


async def test_admin_revokes_all_of_a_users_tokens(podium_db):
    user = await quick_user("emil")
    other = await quick_user("fay")
    tokens = [await service.issue_token(user) for _ in range(2)]
    kept = await service.issue_token(other)
    assert await service.revoke_user_tokens("emil") == 2
    for token in tokens:
        assert await service.user_for_token(token) is None
    assert await service.user_for_token(kept) == other
    assert await service.revoke_user_tokens("emil") == 0


def test_the_token_lifetime_setting_is_read_and_checked():
    import pytest

    from podium.core.settings import SettingsError, load_settings

    base = {"PODIUM_SECRET_KEY": "k"}
    assert load_settings(base).api_token_days == 30
    assert load_settings({**base, "PODIUM_API_TOKEN_DAYS": " 7 "}).api_token_days == 7
    for bad in ("0", "-3", "abc", "1.5", "3651"):
        with pytest.raises(SettingsError, match="PODIUM_API_TOKEN_DAYS"):
            load_settings({**base, "PODIUM_API_TOKEN_DAYS": bad})
