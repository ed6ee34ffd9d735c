"""Athlete profiles through the JSON API and the pages: creating, editing, the directory,
a profile, following, the role that comes only with verification."""

from __future__ import annotations

import pytest

from podium.core.accounts.service import create_user, get_user, set_roles
from podium.core.errors import InvalidInput
from podium.core.testing import DEFAULT_PASSWORD
from podium.social import athletes
from podium.social.tables import Athlete, FanAction
from podium.tests.core.test_venue_support import quick_user

PROFILE = {"name": "Léa Marchand", "kind": "cycling", "discipline": "keirin", "country": "fra",
           "club": "US Créteil", "bio": "Sprinter.", "photo_url": "https://example.org/lea.jpg",
           "links": ["https://mastodon.example/@lea"]}


async def _signed_in(podium_app, podium_client_factory, username, *roles):
    await quick_user(username, *roles)
    client = await podium_client_factory(podium_app)
    await client.login(username, DEFAULT_PASSWORD)
    return client, await client.bearer(username, DEFAULT_PASSWORD)


async def test_an_athlete_creates_and_edits_a_profile_through_the_api(podium_app, podium_client_factory):
    client, auth = await _signed_in(podium_app, podium_client_factory, "lea")
    created = await client.post("/api/v1/athletes", json=PROFILE, headers=auth)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["slug"] == "lea-marchand" and body["country"] == "FRA"
    assert body["verified"] is False and body["followers"] == 0
    assert body["url"].endswith("/athletes/lea-marchand")
    again = await client.post("/api/v1/athletes", json=PROFILE, headers=auth)
    assert again.status_code == 409 and again.json()["code"] == "has_profile"
    edited = await client.patch("/api/v1/athletes/lea-marchand", json={"club": "VC Paris"}, headers=auth)
    assert edited.status_code == 200 and edited.json()["club"] == "VC Paris"
    assert edited.json()["name"] == "Léa Marchand"
    public = await podium_client_factory(podium_app)
    got = await public.get("/api/v1/athletes/lea-marchand")
    assert got.status_code == 200 and got.json()["following"] is None


@pytest.mark.parametrize("change,field", [
    ({"photo_url": "http://example.org/x.jpg"}, "photo_url"),
    ({"photo_url": "javascript:alert(1)"}, "photo_url"),
    ({"links": ["https://a.example"] * 1 + [f"https://{i}.example" for i in range(6)]}, "links"),
    ({"links": ["ftp://a.example"]}, "links"),
    ({"country": "France"}, "country"),
    ({"discipline": "football"}, "discipline"),
    ({"kind": "esport", "discipline": "esport:Not A Game!"}, "discipline"),
    ({"kind": "chess"}, "kind"),
    ({"name": "  "}, "name"),
    ({"name": "Nul\x00"}, "name"),
    ({"bio": "x" * 2001}, "bio"),
])
async def test_bad_profiles_are_refused_with_the_field_and_nothing_is_stored(
        podium_app, podium_client_factory, change, field):
    client, auth = await _signed_in(podium_app, podium_client_factory, "bad")
    response = await client.post("/api/v1/athletes", json={**PROFILE, **change}, headers=auth)
    # NUL never reaches the service: the web shell refuses it (400) first.
    assert response.status_code in ((400,) if any("\x00" in str(v) for v in change.values()) else (422,)), response.text
    assert response.status_code == 400 or response.json()["field"] == field
    assert await Athlete.count() == 0


async def test_only_the_owner_or_an_admin_edits_and_only_an_admin_creates_for_others(
        podium_app, podium_client_factory):
    owner, owner_auth = await _signed_in(podium_app, podium_client_factory, "owner")
    other, other_auth = await _signed_in(podium_app, podium_client_factory, "other")
    admin, admin_auth = await _signed_in(podium_app, podium_client_factory, "boss", "admin")
    await owner.post("/api/v1/athletes", json=PROFILE, headers=owner_auth)
    refused = await other.patch("/api/v1/athletes/lea-marchand", json={"club": "x"}, headers=other_auth)
    assert refused.status_code == 403
    by_admin = await admin.patch("/api/v1/athletes/lea-marchand", json={"club": "Y"}, headers=admin_auth)
    assert by_admin.status_code == 200
    someone = await quick_user("someone")
    for_other = await other.post("/api/v1/athletes", json={**PROFILE, "user_id": someone.id},
                                 headers=other_auth)
    assert for_other.status_code == 403
    made = await admin.post("/api/v1/athletes", json={**PROFILE, "name": "Tom Ashby",
                                                      "user_id": someone.id}, headers=admin_auth)
    assert made.status_code == 201 and made.json()["slug"] == "tom-ashby"


async def test_the_directory_searches_filters_and_pages(podium_app, podium_client_factory):
    admin = await quick_user("admin1", "admin")
    for i in range(30):
        user = await quick_user(f"r{i}")
        await athletes.create_profile(admin, {
            **PROFILE, "name": f"Rider {i:02d}", "country": "GBR" if i % 3 == 0 else "FRA",
            "kind": "esport" if i % 5 == 0 else "cycling",
            "discipline": "esport:rocket-league" if i % 5 == 0 else "keirin"}, for_user_id=user.id)
    client = await podium_client_factory(podium_app)
    page = (await client.get("/api/v1/athletes", params={"limit": 10, "offset": 10})).json()
    assert page["total"] == 30 and len(page["items"]) == 10 and page["items"][0]["name"] == "Rider 10"
    gbr = (await client.get("/api/v1/athletes", params={"country": "gbr"})).json()
    assert gbr["total"] == 10
    es = (await client.get("/api/v1/athletes", params={"kind": "esport"})).json()
    assert es["total"] == 6 and all(a["discipline"] == "esport:rocket-league" for a in es["items"])
    found = (await client.get("/api/v1/athletes", params={"q": "der 07"})).json()
    assert [a["name"] for a in found["items"]] == ["Rider 07"]
    assert (await client.get("/api/v1/athletes", params={"q": "%"})).json()["total"] == 30
    assert (await client.get("/api/v1/athletes", params={"kind": "chess"})).status_code == 422
    assert (await client.get("/api/v1/athletes", params={"limit": 0})).status_code == 400
    html = await client.get("/athletes", params={"country": "GBR", "page": "2"})
    assert html.status_code == 200 and "Page 1 of 1" not in html.text
    partial = await client.htmx("GET", "/athletes?q=Rider%2001",
                                headers={"HX-Target": "athlete-results"})
    assert partial.status_code == 200 and 'id="athlete-results"' in partial.text
    assert "<html" not in partial.text and "Rider 01" in partial.text and "Rider 02" not in partial.text
    assert (await client.get("/athletes", params={"page": "x", "kind": "chess"})).status_code == 200


async def test_following_through_the_api_counts_once_and_unfollows(podium_app, podium_client_factory):
    admin = await quick_user("admin2", "admin")
    rider = await quick_user("rider")
    await athletes.create_profile(admin, PROFILE, for_user_id=rider.id)
    client, auth = await _signed_in(podium_app, podium_client_factory, "fanny")
    first = await client.post("/api/v1/athletes/lea-marchand/follow", headers=auth)
    assert first.json() == {"following": True, "followers": 1, "changed": True}
    second = await client.post("/api/v1/athletes/lea-marchand/follow", headers=auth)
    assert second.json() == {"following": True, "followers": 1, "changed": False}
    assert (await client.get("/api/v1/athletes/lea-marchand", headers=auth)).json()["following"] is True
    gone = await client.delete("/api/v1/athletes/lea-marchand/follow", headers=auth)
    assert gone.json() == {"following": False, "followers": 0, "changed": True}
    # A retried request with the same Idempotency-Key is a replay, even after a change.
    k = {**auth, "Idempotency-Key": "abc"}
    assert (await client.post("/api/v1/athletes/lea-marchand/follow", headers=k)).json()["changed"]
    await client.delete("/api/v1/athletes/lea-marchand/follow", headers=auth)
    replay = await client.post("/api/v1/athletes/lea-marchand/follow", headers=k)
    assert replay.json() == {"following": False, "followers": 0, "changed": False}
    assert await FanAction.count() == 4
    own_client, own_auth = client, await client.bearer("rider", DEFAULT_PASSWORD)
    own = await own_client.post("/api/v1/athletes/lea-marchand/follow", headers=own_auth)
    assert own.status_code == 422
    assert (await client.post("/api/v1/athletes/nobody/follow", headers=auth)).status_code == 404
    assert (await podium_client_factory(podium_app)).__class__  # anonymous below
    anonymous = await podium_client_factory(podium_app)
    assert (await anonymous.post("/api/v1/athletes/lea-marchand/follow")).status_code == 401


async def test_the_follow_button_swaps_the_count_without_a_reload(podium_app, podium_client_factory):
    admin = await quick_user("admin3", "admin")
    rider = await quick_user("rider3")
    await athletes.create_profile(admin, PROFILE, for_user_id=rider.id)
    client, _auth = await _signed_in(podium_app, podium_client_factory, "fan3")
    page = await client.get("/athletes/lea-marchand")
    assert page.status_code == 200 and 'data-testid="follow"' in page.text
    assert 'rel="me nofollow noopener"' in page.text and "Not verified yet" in page.text
    swapped = await client.htmx("POST", "/athletes/lea-marchand/follow", data={})
    assert swapped.status_code == 200 and 'id="follow-box"' in swapped.text
    assert '<strong data-testid="follower-count">1</strong>' in swapped.text
    assert 'data-testid="unfollow"' in swapped.text and "<html" not in swapped.text
    plain = await client.form_post("/athletes/lea-marchand/unfollow", data={})
    assert plain.status_code == 303 and plain.headers["location"] == "/athletes/lea-marchand"
    assert (await client.get("/athletes/nobody")).status_code == 404


async def test_my_profile_page_creates_and_shows_form_errors(podium_app, podium_client_factory):
    client, _auth = await _signed_in(podium_app, podium_client_factory, "inesd")
    page = await client.get("/me/athlete")
    assert page.status_code == 200 and "Create my profile" in page.text
    form = {**PROFILE, "links": "https://a.example/me\nhttps://b.example/me", "name": "Inès Duval"}
    bad = await client.form_post("/me/athlete", data={**form, "photo_url": "http://x.example/p.jpg"})
    assert bad.status_code == 422 and "https://" in bad.text and "Inès Duval" in bad.text
    done = await client.form_post("/me/athlete", data=form)
    assert done.status_code == 303 and done.headers["location"] == "/me/athlete?done=created"
    page = await client.get("/me/athlete?done=created")
    assert "/athletes/ines-duval" in page.text and "Check the link back" in page.text
    row = await Athlete.select().where(Athlete.slug == "ines-duval").first()
    assert row is not None and row["name"] == "Inès Duval"
    saved = await client.form_post("/me/athlete", data={**form, "club": "VC Roubaix"})
    assert saved.status_code == 303
    assert (await athletes.get_by_slug("ines-duval"))["links"] == ["https://a.example/me",
                                                                   "https://b.example/me"]


async def test_the_athlete_role_is_never_chosen_at_sign_up():
    with pytest.raises(InvalidInput):
        await create_user("wannabe", DEFAULT_PASSWORD, ("fan", "athlete"))
    user = await quick_user("plain")
    await set_roles(user.id, "fan,athlete")  # an admin's role change cannot grant it either
    got = await get_user(user.id)
    assert got is not None and "athlete" not in got.roles


async def test_sign_up_gives_fan_and_player_only(podium_app, podium_client_factory):
    client = await podium_client_factory(podium_app)
    response = await client.form_post("/signup", data={
        "username": "newbie", "password": "a long enough passphrase 42",
        "password2": "a long enough passphrase 42", "display_name": "Newbie", "roles": "athlete"})
    assert response.status_code in (200, 303), response.text
    from podium.core.accounts.service import get_user_by_name

    user = await get_user_by_name("newbie")
    assert user is None or "athlete" not in user.roles


def test_a_discipline_reads_as_words():
    from podium.social.athletes import discipline_label, game_name

    assert game_name("rocket-league") == "Rocket League"
    assert game_name("league-of-legends") == "League of Legends"
    assert game_name("cs2") == "CS2" and game_name("street_fighter-6") == "Street Fighter 6"
    assert discipline_label("esport:rocket-league") == "E-sport: Rocket League"
    assert discipline_label("keirin") == "Keirin"
