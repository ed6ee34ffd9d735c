"""The same follow sent at once by many real clients of one fan (tabs, devices, retries)
against a live server: it counts once. The negative control runs the race with the lock
switched off (``PODIUM_SOCIAL_NO_LOCK=1``) and shows the follow recorded several times."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from podium.social import athletes
from podium.social.tables import FanAction, FanRelation
from podium.tests.core.test_venue_support import bearer_for, quick_user

CLIENTS = 16


@pytest.fixture
def unlocked_server(monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest):
    """A live server whose fan actions skip the transaction and the row lock."""
    monkeypatch.setenv("PODIUM_SOCIAL_NO_LOCK", "1")
    return request.getfixturevalue("podium_live_server")


async def _athlete(prefix: str) -> dict:
    owner = await quick_user(f"{prefix}owner")
    return await athletes.create_profile(owner, {"name": f"{prefix} Rider", "discipline": "keirin",
                                                 "country": "FRA"})


async def _race(url: str, slug: str, fan, *, keyed: bool) -> list[httpx.Response]:
    """CLIENTS separate clients of one fan follow at once (each its own key when
    ``keyed``: separate tabs; none: a double-submitted click)."""
    headers = await bearer_for(fan)
    clients = [httpx.AsyncClient(base_url=url, timeout=60) for _ in range(CLIENTS)]
    try:
        return list(await asyncio.gather(*[
            c.post(f"/api/v1/athletes/{slug}/follow",
                   headers={**headers, **({"Idempotency-Key": f"tab-{i}"} if keyed else {})})
            for i, c in enumerate(clients)
        ]))
    finally:
        await asyncio.gather(*[c.aclose() for c in clients])


async def _follow_facts(athlete_id: int) -> int:
    return await FanAction.count().where((FanAction.kind == "follow")
                                         & (FanAction.target == f"athlete:{athlete_id}"))


@pytest.mark.parametrize("keyed", [True, False], ids=["one-key-per-tab", "no-key"])
async def test_one_fan_following_from_many_clients_at_once_counts_once(podium_live_server, keyed):
    athlete = await _athlete("a")
    fan = await quick_user("afan")
    responses = await _race(podium_live_server.url, athlete["slug"], fan, keyed=keyed)
    assert all(r.status_code == 200 for r in responses), [r.text for r in responses]
    assert sorted(r.json()["changed"] for r in responses) == [False] * (CLIENTS - 1) + [True]
    assert all(r.json()["following"] for r in responses)
    assert await _follow_facts(athlete["id"]) == 1
    [relation] = await FanRelation.select().where(FanRelation.fan == fan.id)
    assert relation["active"]
    # And an unfollow race ends unfollowed with one unfollow fact.
    headers = await bearer_for(fan)
    async with httpx.AsyncClient(base_url=podium_live_server.url, timeout=60) as one, \
            httpx.AsyncClient(base_url=podium_live_server.url, timeout=60) as two:
        gone = await asyncio.gather(*[c.delete(f"/api/v1/athletes/{athlete['slug']}/follow", headers=headers)
                                      for c in (one, two)])
    assert sorted(r.json()["changed"] for r in gone) == [False, True]
    assert await FanAction.count().where(FanAction.kind == "unfollow") == 1


#: The unlocked race can serialise by chance: the control tries again with a fresh athlete
#: and fan, and fails only when no round records the follow twice.
ATTEMPTS = 5


async def test_negative_control_without_the_lock_the_follow_is_recorded_many_times(unlocked_server):
    for round_no in range(ATTEMPTS):
        athlete = await _athlete(f"c{round_no}")
        fan = await quick_user(f"cfan{round_no}")
        responses = await _race(unlocked_server.url, athlete["slug"], fan, keyed=True)
        assert all(r.status_code == 200 for r in responses), [r.text for r in responses]
        if len([r for r in responses if r.json()["changed"]]) > 1 and await _follow_facts(athlete["id"]) > 1:
            return
    pytest.fail(f"without the lock no round of {ATTEMPTS} recorded the follow several times")
