"""The points engine: awards, boards, medals and standings derived from the fan ledger."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from podium.core.testing import plugin_host
from podium.social import points
from podium.social.actions import FOLLOW, LIKE, UNFOLLOW, actions_of, record
from podium.social.leaderboard import rank_of, sql_rank, top
from podium.social.tables import BoardScore, FanScore, PointsEntry, ScoreBucket
from podium.tests.core.test_venue_support import quick_user
from podium.tests.social.support import athlete_row


@pytest.fixture
def hub_host(podium_db: None):
    host = plugin_host(["social", "olympic_hub"])
    points.bind_host(host)
    return host


async def settle(fan_id: int) -> points.Recomputed:
    return await points.recompute(fan_id)


async def test_follow_like_unfollow_and_standing(hub_host) -> None:
    a = await athlete_row("sprinter", discipline="keirin")
    b = await athlete_row("gamer", kind="esport", discipline="rocket league")
    fan = await quick_user("fan1")
    await record(fan.id, FOLLOW, f"athlete:{a['id']}")
    await record(fan.id, FOLLOW, f"athlete:{b['id']}")
    await record(fan.id, LIKE, "post:3")
    done = await settle(fan.id)
    assert sum(x.points for x in done.awards) == 3
    mine = await points.standing(fan.id)
    assert (mine.points_all_time, mine.points_week, mine.points_season, mine.rank) == (3, 3, 3, 1)
    assert await rank_of(f"discipline:keirin", fan.id) == 1
    assert await rank_of(f"athlete:{b['id']}", fan.id) == 1
    await record(fan.id, UNFOLLOW, f"athlete:{a['id']}")
    done = await settle(fan.id)
    assert [x.points for x in done.awards] == [-1]
    assert (await points.standing(fan.id)).points_all_time == 2
    assert await rank_of("discipline:keirin", fan.id) is None  # no points left there
    # re-following earns nothing again
    await record(fan.id, FOLLOW, f"athlete:{a['id']}")
    done = await settle(fan.id)
    assert done.awards == [] and (await points.standing(fan.id)).points_all_time == 2


async def test_the_same_delivery_twice_changes_nothing(hub_host) -> None:
    a = await athlete_row("sprinter")
    fan = await quick_user("fan1")
    await record(fan.id, FOLLOW, f"athlete:{a['id']}")
    ledger = await actions_of(fan.id)
    await points.on_fan_actions_recorded(ledger, None)
    before = (await PointsEntry.select(), await BoardScore.select(), await ScoreBucket.select(),
              await FanScore.select(FanScore.points, FanScore.medal))
    again = await points.recompute(fan.id)
    await points.on_fan_actions_recorded(ledger, None)
    after = (await PointsEntry.select(), await BoardScore.select(), await ScoreBucket.select(),
             await FanScore.select(FanScore.points, FanScore.medal))
    assert again.awards == [] and again.boards == {}
    assert before == after


async def test_admins_athletes_and_opted_out_fans_are_on_no_board(hub_host) -> None:
    a = await athlete_row("sprinter")
    admin = await quick_user("boss", "admin")
    fan = await quick_user("fan1")
    other = await quick_user("fan2")
    for who in (admin, fan, other):
        await record(who.id, FOLLOW, f"athlete:{a['id']}")
        await settle(who.id)
    assert (await points.standing(admin.id)).rank is None
    assert (await points.standing(admin.id)).points_all_time == 1  # points, but no rank
    assert [r.fan_id for r in await top("all")] == [fan.id, other.id]
    mine = await points.set_opted_out(fan.id, True)
    assert mine.opted_out and mine.rank is None and mine.points_all_time == 1
    assert [r.fan_id for r in await top("all")] == [other.id]
    assert await sql_rank("all", other.id) == 1
    await points.set_opted_out(fan.id, False)
    assert await rank_of("all", fan.id) == 1  # reached first: ahead on the tie


async def test_medals_and_the_medal_event(hub_host, monkeypatch) -> None:
    from podium.core.outbox.tables import OutboxEvent

    fan = await quick_user("fan1")
    athletes = [await athlete_row(f"rider{i}") for i in range(12)]
    for a in athletes:
        await record(fan.id, FOLLOW, f"athlete:{a['id']}")
    await settle(fan.id)
    mine = await points.standing(fan.id)
    # 12 points: lifetime bronze (10) and the season's silver (10): the better one shows
    assert mine.medal_rank == 2 and mine.medal_label == f"Silver {datetime.now(timezone.utc).year}"
    rows = await OutboxEvent.select(OutboxEvent.type).where(OutboxEvent.type == "MedalReached")
    assert len(rows) == 1
    goals = await points.medal_goals(fan.id)
    assert goals and all(g.points < g.threshold for g in goals)


async def test_rebuild_gives_the_same_rows(hub_host) -> None:
    a = await athlete_row("sprinter")
    fans = [await quick_user(f"fan{i}") for i in range(4)]
    for i, fan in enumerate(fans):
        await record(fan.id, FOLLOW, f"athlete:{a['id']}", at=datetime.now(timezone.utc) - timedelta(minutes=i))
        for j in range(i):
            await record(fan.id, LIKE, f"post:{j}")
        await settle(fan.id)
    boards = sorted((r["board"], r["fan"], r["points"], r["reached"]) for r in await BoardScore.select())
    buckets = sorted((r["slot"], r["fans"]) for r in await ScoreBucket.select() if r["fans"])
    await BoardScore.delete(force=True)
    await ScoreBucket.delete(force=True)
    await PointsEntry.delete(force=True)
    await FanScore.delete(force=True)
    assert await points.rebuild() == 4
    assert sorted((r["board"], r["fan"], r["points"], r["reached"]) for r in await BoardScore.select()) == boards
    assert sorted((r["slot"], r["fans"]) for r in await ScoreBucket.select() if r["fans"]) == buckets
    assert [r.fan_id for r in await top("all")] == [f.id for f in reversed(fans)]


async def test_videos_and_liked_posts_count_on_their_athletes_boards(hub_host) -> None:
    """A video watched to the end (``video:<post>``) and a liked post count on the boards
    of the athlete who posted them and of that athlete's discipline; a venue's video
    (no athlete) counts only on the general boards."""
    from podium.social.actions import WATCH
    from podium.social.tables import Post

    rider = await athlete_row("keirinrider", discipline="keirin")
    organiser = await quick_user("organiser")
    now = datetime.now(timezone.utc)
    by_rider = Post(author=rider["user_obj"].id, athlete=rider["id"], body="clip", created_at=now)
    await by_rider.save()
    by_venue = Post(author=organiser.id, athlete=None, body="venue clip", created_at=now)
    await by_venue.save()
    fan = await quick_user("watcher")
    await record(fan.id, WATCH, f"video:{by_rider.id}")
    await record(fan.id, WATCH, f"video:{by_venue.id}")
    await record(fan.id, LIKE, f"post:{by_rider.id}")
    await settle(fan.id)
    boards = {r["board"]: r["points"] for r in await BoardScore.select().where(BoardScore.fan == fan.id)}
    watch_points = hub_host.registry(points.REWARD_RULES).get("olympic_hub.watch").points
    assert boards["all"] == 2 * watch_points + 1
    assert boards["discipline:keirin"] == boards[f"athlete:{rider['id']}"] == watch_points + 1
    assert await rank_of("discipline:keirin", fan.id) == 1
    assert not [b for b in boards if b.startswith(("athlete:", "discipline:")) and b not in (
        "discipline:keirin", f"athlete:{rider['id']}")]
