"""Verification: by an admin (queue, verify, refuse, revoke, the athlete role) and by a
rel="me" link back, fetched safely (no private addresses, even after a redirect)."""

from __future__ import annotations

import pytest

from podium.core.accounts.service import get_user
from podium.core.errors import Conflict, Forbidden, InvalidInput
from podium.core.testing import DEFAULT_PASSWORD
from podium.social import athletes, relme, verification
from podium.tests.core.test_venue_support import quick_user
from podium.tests.social.pages_server import serve

LOCAL = ("127.0.0.1",)  # the tests' page server: the only private address they exempt
pytestmark = pytest.mark.usefixtures("podium_db")

PROFILE = {"name": "Tom Ashby", "discipline": "keirin", "country": "GBR"}


async def _profile(username: str, links: list[str] | None = None) -> tuple[object, dict]:
    user = await quick_user(username)
    created = await athletes.create_profile(user, {**PROFILE, "links": links or []})
    return user, created


async def test_an_admin_verifies_refuses_and_revokes_and_the_role_follows():
    admin = await quick_user("root", "admin")
    user, tom = await _profile("tom")
    other_user, nina = await _profile("nina")
    queue = [a["id"] for a in await verification.queue()]
    assert queue == [nina["id"], tom["id"]]  # newest first
    with pytest.raises(Forbidden):
        await verification.verify(user, tom["slug"], "me")
    done = await verification.verify(admin, tom["slug"], "licence seen")
    assert done["verified"] and done["verified_by"] == admin.id and done["verified_via"] == "admin"
    assert done["verification_note"] == "licence seen"
    assert "athlete" in (await get_user(user.id)).roles
    with pytest.raises(Conflict):
        await verification.verify(admin, tom["slug"])
    refused = await verification.refuse(admin, nina["slug"], "no licence found")
    assert refused["refused_at"] is not None and await verification.queue() == []
    # An edit by the owner puts a refused profile back in the queue.
    await athletes.update_profile(other_user, nina["slug"], {"club": "RV Zürich"})
    assert [a["id"] for a in await verification.queue()] == [nina["id"]]
    # Renaming a verified profile drops the badge (it vouched for the old name).
    await verification.verify(admin, nina["slug"], "seen")
    renamed = await athletes.update_profile(other_user, nina["slug"], {"name": "Someone Famous"})
    assert not renamed["verified"] and "athlete" not in (await get_user(other_user.id)).roles
    assert [a["id"] for a in await verification.queue()] == [nina["id"]]
    kept = await athletes.update_profile(user, tom["slug"], {"club": "Manchester"})
    assert kept["verified"]
    revoked = await verification.revoke(admin, tom["slug"], "wrong person")
    assert not revoked["verified"] and revoked["verification_note"] == "revoked: wrong person"
    assert "athlete" not in (await get_user(user.id)).roles


async def test_the_queue_page_verifies_and_the_badge_shows(podium_app, podium_client_factory):
    await quick_user("root2", "admin")
    user, tom = await _profile("tom2")
    admin = await podium_client_factory(podium_app)
    await admin.login("root2", DEFAULT_PASSWORD)
    page = await admin.get("/admin/athletes")
    assert page.status_code == 200 and f'data-testid="verify-{tom["slug"]}"' in page.text
    done = await admin.form_post(f"/admin/athletes/{tom['slug']}/verify", data={"note": "seen"})
    assert done.status_code == 303
    assert 'data-testid="verified-badge"' in (await admin.get(f"/athletes/{tom['slug']}")).text
    assert 'data-testid="verified-badge"' in (await admin.get("/athletes")).text
    twice = await admin.form_post(f"/admin/athletes/{tom['slug']}/verify", data={"note": "x"})
    assert twice.status_code == 409 and "already verified" in twice.text
    fan = await podium_client_factory(podium_app)
    await quick_user("nosy")
    await fan.login("nosy", DEFAULT_PASSWORD)
    assert (await fan.get("/admin/athletes")).status_code == 403
    api = await admin.post(f"/api/v1/athletes/{tom['slug']}/verification",
                           json={"action": "revoke", "note": "test"},
                           headers=await admin.bearer("root2", DEFAULT_PASSWORD))
    assert api.status_code == 200 and api.json()["verified"] is False


def test_rel_me_links_are_read_from_a_and_link_elements():
    html = ('<html><head><link rel="Me authn" href="https://podium.example/athletes/tom">'
            '</head><body><a href="/x" rel="nofollow me">x</a><a rel="mention" href="/y">y</a>'
            '<a rel="me">no href</a></body></html>')
    assert relme.rel_me_links(html, "https://social.example/@tom") == [
        "https://podium.example/athletes/tom", "https://social.example/x"]
    assert relme.links_back(html, "https://social.example/@tom", "https://PODIUM.example:443/athletes/tom/")
    assert not relme.links_back(html, "https://social.example/@tom", "https://podium.example/athletes/tim")
    assert relme.rel_me_links("<a rel=me href='", "https://a.example/") == []


@pytest.mark.parametrize("address", [
    "127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "0.0.0.0",
    "100.64.0.1", "224.0.0.1", "240.0.0.1", "255.255.255.255", "::1", "::", "fe80::1",
    "fc00::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "2002:7f00:1::1", "ff02::1",
])
def test_private_loopback_link_local_and_reserved_addresses_are_not_public(address):
    assert not relme.address_is_public(address)


@pytest.mark.parametrize("address", ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"])
def test_public_addresses_are(address):
    assert relme.address_is_public(address)


@pytest.mark.parametrize("url", [
    "http://127.0.0.1/", "https://10.0.0.8/me", "http://[::1]:8080/", "http://169.254.169.254/latest/meta-data/",
    "http://localhost/", "http://0x7f000001/", "http://2130706433/",
])
async def test_fetching_a_private_address_is_refused_before_connecting(url):
    with pytest.raises(InvalidInput) as refused:
        await relme.fetch_page(url)
    assert refused.value.code == "private_address"


@pytest.mark.parametrize("url", ["ftp://example.org/", "file:///etc/passwd", "https://user:pw@example.org/",
                                 "gopher://x/", "not a url"])
async def test_only_http_and_https_addresses_are_fetched(url):
    with pytest.raises(InvalidInput) as refused:
        await relme.fetch_page(url)
    assert refused.value.code == "bad_url"


@pytest.mark.parametrize("target", ["http://169.254.169.254/latest/meta-data/", "http://10.0.0.1/",
                                    "http://[::1]:9/", "http://127.0.0.2/"])
async def test_a_redirect_to_a_private_address_is_refused(target):
    with serve() as (site, _ctx):
        url = site.page("/me", "", status=302, headers={"Location": target})
        with pytest.raises(InvalidInput) as refused:
            await relme.fetch_page(url, allow_private=LOCAL)
    assert refused.value.code == "private_address"


async def test_redirects_are_followed_a_few_times_and_pages_are_cut_at_the_limit():
    with serve() as (site, _ctx):
        for i in range(5):
            site.page(f"/r{i}", "", status=301, headers={"Location": f"/r{i + 1}"})
        site.page("/r5", "<a rel=me href=/ok>")
        with pytest.raises(InvalidInput) as refused:
            await relme.fetch_page(site.url("/r0"), allow_private=LOCAL)
        assert refused.value.code == "too_many_redirects"
        page = await relme.fetch_page(site.url("/r3"), allow_private=LOCAL)
        assert page.url.endswith("/r5") and "rel=me" in page.text
        big = site.page("/big", "<p>" + "x" * 600_000 + '<a rel="me" href="/late">')
        cut = await relme.fetch_page(big, allow_private=LOCAL, max_bytes=1024)
        assert len(cut.text) == 1024
        site.page("/json", "{}", content_type="application/json")
        with pytest.raises(InvalidInput) as not_html:
            await relme.fetch_page(site.url("/json"), allow_private=LOCAL)
        assert not_html.value.code == "not_html"
        with pytest.raises(InvalidInput) as missing:
            await relme.fetch_page(site.url("/nowhere"), allow_private=LOCAL)
        assert missing.value.code == "fetch_failed"
        # The connection goes to the checked address; the Host header keeps the name.
        assert site.hosts and all(h == f"localhost:{site.port}" for h in site.hosts)


async def test_a_page_linking_back_with_rel_me_verifies_the_profile_over_https():
    profile_url = "http://podium.test/athletes/tom-ashby"
    with serve(https=True) as (site, trust):
        url = site.page("/@tom", f'<html><a href="{profile_url}" rel="me noopener">Podium</a></html>')
        user, tom = await _profile("tomrel", [url, "https://elsewhere.example/tom"])
        done = await verification.verify_by_rel_me(user, tom["slug"], url, profile_url,
                                                   allow_private=LOCAL, verify=trust)
    assert done["verified"] and done["verified_via"] == "rel_me" and done["verification_note"] == url
    assert done["verified_by"] is None
    assert "athlete" in (await get_user(user.id)).roles
    # Dropping the link that linked back drops the verification and the role.
    dropped = await athletes.update_profile(user, tom["slug"], {"links": ["https://elsewhere.example/tom"]})
    assert not dropped["verified"] and "athlete" not in (await get_user(user.id)).roles


async def test_a_page_without_the_link_back_or_a_foreign_link_verifies_nothing():
    with serve(https=True) as (site, trust):
        url = site.page("/@tom", '<a rel="me" href="http://podium.test/athletes/someone-else">x</a>')
        user, tom = await _profile("tomnot", [url])
        with pytest.raises(InvalidInput) as no_link:
            await verification.verify_by_rel_me(user, tom["slug"], url, "http://podium.test/athletes/tom-ashby",
                                                allow_private=LOCAL, verify=trust)
        assert no_link.value.code == "no_link_back"
        with pytest.raises(InvalidInput) as foreign:
            await verification.verify_by_rel_me(user, tom["slug"], site.url("/other"),
                                                "http://podium.test/athletes/tom-ashby",
                                                allow_private=LOCAL, verify=trust)
        assert foreign.value.code == "not_a_link"
        # Without the test's exemption the local server is refused like any private address.
        with pytest.raises(InvalidInput) as private:
            await verification.verify_by_rel_me(user, tom["slug"], url, "http://podium.test/athletes/tom-ashby")
        assert private.value.code == "private_address"
    assert not (await athletes.get_by_slug(tom["slug"]))["verified"]


async def test_the_api_refuses_a_private_link_with_a_reason(podium_app, podium_client_factory):
    await quick_user("tomapi")
    client = await podium_client_factory(podium_app)
    auth = await client.bearer("tomapi", DEFAULT_PASSWORD)
    created = await client.post("/api/v1/athletes", json={
        **PROFILE, "links": ["https://127.0.0.1/me", "https://169.254.169.254/latest"]}, headers=auth)
    slug = created.json()["slug"]
    for link in ("https://127.0.0.1/me", "https://169.254.169.254/latest"):
        refused = await client.post(f"/api/v1/athletes/{slug}/verify-rel-me", json={"url": link}, headers=auth)
        assert refused.status_code == 422 and refused.json()["code"] == "private_address", refused.text
    await client.login("tomapi", DEFAULT_PASSWORD)
    page = await client.form_post("/me/athlete/verify-rel-me", data={"url": "https://127.0.0.1/me"})
    assert page.status_code == 422 and "private or reserved" in page.text
    assert not (await athletes.get_by_slug(slug))["verified"]
