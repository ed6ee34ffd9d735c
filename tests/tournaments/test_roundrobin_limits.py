"""Huge round robins (issue 8, point 9): every format has a match limit (a round robin
above it is a 422 that suggests groups, at creation with a capacity and at the start), heavy
derivations run off the event loop (``/healthz`` answers while a limit-sized round robin is
built), and a result on a running round robin is applied to the state the previous write
left instead of re-deriving every match — with the same outcome as a full derivation."""

from __future__ import annotations

import asyncio
import html
import threading
from typing import Any

import hypothesis.strategies as st
import pytest
from hypothesis import HealthCheck, given, settings

from podium.core.testing import DEFAULT_PASSWORD
from podium.plugins.esport.formats import (
    double_elimination,
    free_for_all,
    groups_playoffs,
    round_robin,
    single_elimination,
    swiss,
)
from podium.tests.core.test_venue_support import quick_user
from podium.tests.tournaments.support import (
    assert_projection_matches_log,
    create,
    matches,
    participants,
    win_games,
)
from podium.tournaments.engine import BracketState, Entrant, MatchStatus, ResultFact
from podium.tournaments.kernel import MAX_CAPACITY
from podium.tournaments.tables import Entrant as EntrantRow
from podium.tournaments.tables import MatchRow, Tournament

RR = round_robin.FORMAT
LIMIT = round_robin.MAX_GROUP_MATCHES  # 32,640: one group of 256


async def _field(tid: int, n: int) -> None:
    """``n`` registered entrants, inserted in one go (the API would take a request each)."""
    from podium.tournaments.kernel import now

    stamp = now()
    await EntrantRow.insert(*[EntrantRow(tournament=tid, name=f"Player {i}", seed=i,
                                         status="registered", created_at=stamp)
                              for i in range(1, n + 1)])


# --------------------------------------------------------------------------------------
# The limit
# --------------------------------------------------------------------------------------


def test_every_format_counts_its_matches_without_building_them() -> None:
    """``match_count`` is exact for the static formats (what ``derive`` builds) and an
    upper bound for Swiss (every round pairs everyone)."""
    cases: list[tuple[Any, dict[str, Any]]] = [
        (RR, {}), (RR, {"groups": 3, "cycles": 2}),
        (single_elimination.FORMAT, {"third_place": True}),
        (double_elimination.FORMAT, {}), (double_elimination.FORMAT, {"grand_final": "none"}),
        (free_for_all.FORMAT, {}), (groups_playoffs.FORMAT, {}),
        (groups_playoffs.FORMAT, {"playoff": "double_elimination", "groups": 3}),
    ]
    for fmt, given_options in cases:
        options = fmt.validate_options(given_options)
        for n in (2, 3, 5, 8, 13, 16, 17, 33, 64):
            entrants = [Entrant(i, i) for i in range(1, n + 1)]
            try:
                fmt.check_entrants(entrants, options)
            except ValueError:
                continue
            assert fmt.match_count(n, options) == len(fmt.derive(entrants, options)), (
                fmt.name, given_options, n)
    options = swiss.FORMAT.validate_options({})
    assert swiss.FORMAT.match_count(64, options) == 6 * 32


def test_limits_are_sane_for_every_format_at_full_capacity() -> None:
    """At the largest capacity (65,536) the elimination formats fit the venue default
    (131,072), a round robin does not (two billion matches) and neither does a Swiss of
    default rounds; a round robin stops at one group of 256."""
    from podium.core.settings import load_settings

    venue = load_settings({}).max_matches_per_tournament
    for fmt in (single_elimination.FORMAT, double_elimination.FORMAT, free_for_all.FORMAT):
        assert fmt.match_count(MAX_CAPACITY, fmt.validate_options({})) <= venue, fmt.name
    options = RR.validate_options({})
    assert RR.match_count(MAX_CAPACITY, options) == MAX_CAPACITY * (MAX_CAPACITY - 1) // 2
    assert RR.match_count(256, options) == LIMIT < RR.match_count(257, options)
    assert swiss.FORMAT.match_count(MAX_CAPACITY, swiss.FORMAT.validate_options({})) > venue
    assert RR.max_matches == LIMIT and groups_playoffs.FORMAT.max_matches is not None


async def test_creating_a_round_robin_too_big_for_the_limit_is_a_422_that_suggests_groups(
        api: dict[str, Any]) -> None:
    c, org = api["c"], api["org"]
    body = {"name": "League", "game": "Chess", "format": "round_robin", "options": {},
            "capacity": 600}
    r = await c.post("/api/v1/tournaments", json=body, headers=org)
    assert r.status_code == 422, r.text
    detail = r.json()["detail"]
    assert "179,700 matches" in detail and "32,640" in detail
    assert "split the field into 6 groups" in detail
    assert not await Tournament.exists()
    # The suggestion works; and 256 in one group is still allowed.
    body["options"] = {"groups": 6}
    assert (await c.post("/api/v1/tournaments", json=body, headers=org)).status_code == 201
    body.update(capacity=256, options={})
    assert (await c.post("/api/v1/tournaments", json=body, headers=org)).status_code == 201
    # A double round robin doubles the matches: 256 twice is too many.
    body["options"] = {"cycles": 2}
    r = await c.post("/api/v1/tournaments", json=body, headers=org)
    assert r.status_code == 422 and "groups" in r.json()["detail"]


async def test_the_venue_setting_lowers_every_formats_limit(api: dict[str, Any],
                                                            monkeypatch: Any) -> None:
    c, org = api["c"], api["org"]
    monkeypatch.setenv("PODIUM_MAX_MATCHES_PER_TOURNAMENT", "100")
    body = {"name": "Cup", "game": "Chess", "format": "single_elimination", "options": {},
            "capacity": 128}
    r = await c.post("/api/v1/tournaments", json=body, headers=org)
    assert r.status_code == 422 and "at most 100" in r.json()["detail"], r.text
    body["capacity"] = 64
    assert (await c.post("/api/v1/tournaments", json=body, headers=org)).status_code == 201


async def test_starting_a_round_robin_over_the_limit_is_a_422_and_changes_nothing(
        api: dict[str, Any], monkeypatch: Any) -> None:
    """Without a capacity the field decides at the start: refused before anything is
    built, with the reason on the page's form as well as in the API."""
    c, org, app = api["c"], api["org"], api["app"]
    monkeypatch.setenv("PODIUM_MAX_MATCHES_PER_TOURNAMENT", "40")
    t = await create(c, org, "round_robin", name="Club league")
    await _field(t["id"], 10)  # 45 matches
    r = await c.post(f"/api/v1/tournaments/{t['id']}/start", headers=org)
    assert r.status_code == 422, r.text
    assert r.json()["code"] == "too_many_matches"
    assert "45 matches" in r.json()["detail"] and "2 groups" in r.json()["detail"]
    row = await Tournament.select().where(Tournament.id == t["id"]).first()
    assert row is not None and row["status"] == "registration"
    assert not await MatchRow.exists().where(MatchRow.tournament == t["id"])

    await quick_user("boss", "organiser")
    boss = await api_page(app)
    await boss.login("boss", DEFAULT_PASSWORD)
    page = await boss.form_post(f"/tournaments/{t['id']}/start")
    assert page.status_code == 422
    assert "split the field into 2 groups" in html.unescape(page.text)


async def api_page(app: Any) -> Any:
    """A page client on ``app`` (the fixture's factory is not reachable from ``api``)."""
    import httpx

    from podium.core.testing import PodiumClient

    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=("127.0.0.1", 50001)),
                               base_url="http://testserver.local")
    return PodiumClient(client, app)


# --------------------------------------------------------------------------------------
# Off the event loop
# --------------------------------------------------------------------------------------


async def _ping_until(c: Any, done: threading.Event, answered: threading.Event) -> None:
    """Ask ``/healthz`` again and again until ``done``; ``answered`` once one got its
    answer while ``done`` was not yet set."""
    while not done.is_set():
        r = await c.get("/healthz")
        assert r.status_code == 200
        if not done.is_set():
            answered.set()
        await asyncio.sleep(0)


async def test_healthz_answers_while_a_limit_sized_round_robin_is_built(
        api: dict[str, Any], monkeypatch: Any) -> None:
    """The start of a 256-entrant round robin (32,640 matches): while the format builds
    the bracket, a ``/healthz`` request is answered. The build waits (up to a bound) for
    that answer: on the event loop it would wait in vain, since the loop cannot serve
    anyone until the build returns."""
    c, org = api["c"], api["org"]
    t = await create(c, org, "round_robin", name="Big league")
    await _field(t["id"], 256)
    building, answered = threading.Event(), threading.Event()
    order: list[str] = []
    derive = RR.derive

    def watched_derive(*args: Any, **kwargs: Any) -> BracketState:
        building.clear()
        answered.clear()  # only an answer given from now on counts
        order.append("build started")
        if answered.wait(timeout=20):
            order.append("healthz answered during the build")
        state = derive(*args, **kwargs)
        order.append("build finished")
        building.set()
        return state

    monkeypatch.setattr(RR, "derive", watched_derive)
    ping = asyncio.create_task(_ping_until(c, building, answered))
    r = await c.post(f"/api/v1/tournaments/{t['id']}/start", headers=org)
    building.set()
    await ping
    assert r.status_code == 200, r.text
    assert order == ["build started", "healthz answered during the build", "build finished"]
    assert await MatchRow.count().where(MatchRow.tournament == t["id"]) == LIMIT


async def test_healthz_answers_while_a_result_is_applied(api: dict[str, Any],
                                                         monkeypatch: Any) -> None:
    """Applying a result (a correction can re-flow a bracket) runs off the loop too."""
    c, org = api["c"], api["org"]
    t = await create(c, org, "round_robin", name="League")
    await _field(t["id"], 6)
    assert (await c.post(f"/api/v1/tournaments/{t['id']}/start", headers=org)).status_code == 200
    m = (await matches(c, t["id"], status="ready"))[0]
    applying, answered = threading.Event(), threading.Event()
    order: list[str] = []
    apply = RR.apply

    def watched_apply(state: BracketState, fact: ResultFact) -> list[str]:
        answered.clear()  # only an answer given from now on counts
        order.append("apply started")
        if answered.wait(timeout=20):
            order.append("healthz answered during apply")
        changed = apply(state, fact)
        applying.set()
        return changed

    monkeypatch.setattr(RR, "apply", watched_apply)
    ping = asyncio.create_task(_ping_until(c, applying, answered))
    winner = participants(m)[0]
    r = await c.post(f"/api/v1/matches/{m['id']}/result", headers=org,
                     json={"winner_id": winner, "games": win_games(m, winner)})
    applying.set()
    await ping
    assert r.status_code == 200, r.text
    assert order == ["apply started", "healthz answered during apply"]


# --------------------------------------------------------------------------------------
# Incremental results
# --------------------------------------------------------------------------------------


async def test_a_result_on_a_running_round_robin_derives_nothing_again(
        api: dict[str, Any], monkeypatch: Any) -> None:
    """After the start, results (reports, confirmations, corrections, a station call in
    between) apply to the state the previous write left: the format's ``derive`` is not
    called again, and the stored projection equals a fresh derivation from the log."""
    from podium.tournaments.kernel import forget_states

    c, org, app = api["c"], api["org"], api["app"]
    t = await create(c, org, "round_robin", name="League", options={"groups": 2})
    await _field(t["id"], 12)
    forget_states()
    assert (await c.post(f"/api/v1/tournaments/{t['id']}/start", headers=org)).status_code == 200
    derived: list[int] = []
    derive = RR.derive

    def counting_derive(*args: Any, **kwargs: Any) -> BracketState:
        derived.append(1)
        return derive(*args, **kwargs)

    monkeypatch.setattr(RR, "derive", counting_derive)
    ready = await matches(c, t["id"], status="ready")
    for m in ready[:8]:
        winner = participants(m)[len(derived) % 2]
        r = await c.post(f"/api/v1/matches/{m['id']}/result", headers=org,
                         json={"winner_id": winner, "games": win_games(m, winner)})
        assert r.status_code == 200, r.text
    # A correction (the other side wins) and a draw.
    first = ready[0]
    loser = participants(first)[1]
    r = await c.post(f"/api/v1/matches/{first['id']}/result", headers=org,
                     json={"winner_id": loser, "games": win_games(first, loser)})
    assert r.status_code == 200, r.text
    r = await c.post(f"/api/v1/matches/{ready[8]['id']}/result", headers=org,
                     json={"winner_id": None, "games": [[1, 1]]})
    assert r.status_code == 200, r.text
    assert derived == []
    monkeypatch.setattr(RR, "derive", derive)
    await assert_projection_matches_log(app, t["id"])
    standings = (await c.get(f"/api/v1/tournaments/{t['id']}/standings")).json()
    assert sum(row["played"] for row in standings["items"]) == 2 * 9


async def test_a_stale_cached_state_is_never_used(api: dict[str, Any]) -> None:
    """A write in another process (simulated: the version moves without this process
    knowing) makes the cached state unusable: the next result derives from the facts."""
    c, org = api["c"], api["org"]
    t = await create(c, org, "round_robin", name="League")
    await _field(t["id"], 5)
    assert (await c.post(f"/api/v1/tournaments/{t['id']}/start", headers=org)).status_code == 200
    a, b = (await matches(c, t["id"], status="ready"))[:2]
    wa = participants(a)[0]
    r = await c.post(f"/api/v1/matches/{a['id']}/result", headers=org,
                     json={"winner_id": wa, "games": win_games(a, wa)})
    assert r.status_code == 200
    # "Another process" corrects match a straight in the facts and bumps the version.
    from podium.tournaments.kernel import bump_version
    from podium.tournaments.tables import ResultLog

    other = participants(a)[1]
    await ResultLog.update({ResultLog.winner: other,
                            ResultLog.games: [list(reversed(g)) for g in win_games(a, wa)]}
                           ).where(ResultLog.match_key == a["key"])
    await bump_version(t["id"])
    wb = participants(b)[0]
    r = await c.post(f"/api/v1/matches/{b['id']}/result", headers=org,
                     json={"winner_id": wb, "games": win_games(b, wb)})
    assert r.status_code == 200
    # The state the write used (and cached) came from the facts: match a won by the other.
    from podium.tournaments.kernel import _STATES

    assert _STATES[t["id"]][1].by_key[a["key"]].winner == other


# --------------------------------------------------------------------------------------
# Incremental application equals full derivation (the engine)
# --------------------------------------------------------------------------------------

ACTIONS = st.lists(st.tuples(st.integers(0, 10_000), st.sampled_from(
    ["a", "b", "draw", "forfeit_a", "double_forfeit"])), min_size=1, max_size=60)


def _fact(m: Any, kind: str) -> ResultFact:
    a, b = m.participants
    if kind == "a":
        return ResultFact(m.key, a, (a, b), ((2, 1),))
    if kind == "b":
        return ResultFact(m.key, b, (b, a), ((2, 0),))  # reported from b's side
    if kind == "draw":
        return ResultFact(m.key, None, (a, b), ((1, 1),))
    if kind == "forfeit_a":
        return ResultFact(m.key, b, (a, b), (), forfeit=True)
    return ResultFact(m.key, None, (a, b), (), forfeit=True)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(n=st.integers(2, 13), groups=st.integers(1, 3), cycles=st.sampled_from([1, 2]),
       actions=ACTIONS)
def test_incremental_application_equals_full_derivation(
        n: int, groups: int, cycles: int, actions: list[tuple[int, str]]) -> None:
    """Random results on a round robin — first results, corrections of any match, draws,
    forfeits, double forfeits — applied one by one to one state equal, after every step,
    a state derived from scratch from the same log: matches, summary and standings."""
    if groups * 2 > n:
        groups = 1
    options = RR.validate_options({"groups": groups, "cycles": cycles})
    entrants = [Entrant(100 + i, i) for i in range(1, n + 1)]
    state = RR.derive(entrants, options)
    log: list[ResultFact] = []
    for pick, kind in actions:
        m = state.matches[pick % len(state.matches)]
        fact = _fact(m, kind)
        RR.check_result(state, fact)
        changed = RR.apply(state, fact)
        log.append(fact)
        # The same fact twice changes nothing; anything else changes its match.
        assert m.status is MatchStatus.COMPLETED and (m.key in changed or fact in log[:-1])
        fresh = RR.derive(entrants, options, log)
        assert state.snapshot() == fresh.snapshot()
        assert (state.complete, state.champion) == (fresh.complete, fresh.champion)
        assert [r.to_dict() for r in RR.standings(state)] == [
            r.to_dict() for r in RR.standings(fresh)]


@pytest.mark.parametrize("fmt", [groups_playoffs.FORMAT, double_elimination.FORMAT])
@settings(max_examples=25, deadline=None)
@given(n=st.integers(4, 12), picks=st.lists(st.integers(0, 10_000), min_size=1, max_size=40))
def test_incremental_application_equals_full_derivation_with_reflow(
        fmt: Any, n: int, picks: list[int]) -> None:
    """The same for formats whose matches feed each other (a correction re-flows)."""
    options = fmt.validate_options({})
    entrants = [Entrant(100 + i, i) for i in range(1, n + 1)]
    try:
        state = fmt.derive(entrants, options)
    except ValueError:
        return
    log: list[ResultFact] = []
    for pick in picks:
        playable = [m for m in state.matches
                    if (m.playable or m.status is MatchStatus.COMPLETED) and not m.is_bye
                    and None not in m.participants]
        if not playable:
            break
        m = playable[pick % len(playable)]
        a, b = m.participants
        winner = a if pick % 3 else b
        fact = ResultFact(m.key, winner, (a, b), ((1, 0),) if winner == a else ((0, 1),))
        fmt.apply(state, fact)
        log.append(fact)
        fresh = fmt.derive(entrants, options, log)
        assert state.snapshot() == fresh.snapshot()
        assert (state.complete, state.champion) == (fresh.complete, fresh.champion)
