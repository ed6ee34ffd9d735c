"""Shared helpers of the tournament tests (no tests here)."""

from __future__ import annotations

from typing import Any

from podium.tests.core.test_venue_support import bearer_for, quick_user
from podium.tournaments.formats import formats
from podium.tournaments.kernel import load_json
from podium.tournaments.projection import derive_state, entrant_names, projected_columns
from podium.tournaments.tables import MatchRow, Tournament


async def organiser() -> dict[str, str]:
    """Bearer headers of a fresh organiser."""
    return await bearer_for(await quick_user("olga", "organiser"))


async def organiser_clients(app: Any, client_factory: Any) -> tuple[Any, dict[str, str], Any]:
    """An API client, an organiser's bearer headers, and a page client signed in as another
    organiser (``conny``)."""
    from podium.core.testing import DEFAULT_PASSWORD

    api = await client_factory(app)
    org = await organiser()
    await quick_user("conny", "organiser")
    page = await client_factory(app)
    await page.login("conny", DEFAULT_PASSWORD)
    return api, org, page


async def players(count: int, prefix: str = "p") -> list[tuple[Any, dict[str, str]]]:
    """``count`` players with their bearer headers."""
    users = [await quick_user(f"{prefix}{i}", "player") for i in range(count)]
    return [(u, await bearer_for(u)) for u in users]


async def create(client: Any, org: dict[str, str], fmt: str = "single_elimination",
                 **extra: Any) -> dict[str, Any]:
    """A tournament created through the API."""
    body = {"name": "Clash", "game": "Rocket League", "format": fmt, "options": {}}
    body.update(extra)
    r = await client.post("/api/v1/tournaments", json=body, headers=org)
    assert r.status_code == 201, r.text
    created = r.json()
    # What was sent comes back (a loop variable once overwrote the name with a field name).
    assert (created["name"], created["game"], created["format"]) == (
        body["name"], body["game"], body["format"])
    return created


async def field_of(client: Any, org: dict[str, str], tid: int, n: int) -> list[int]:
    """Add ``n`` entrants by name (seeds 1..n); returns their ids."""
    ids = []
    for i in range(1, n + 1):
        r = await client.post(f"/api/v1/tournaments/{tid}/entrants",
                              json={"name": f"Team {i}"}, headers=org)
        assert r.status_code == 201, r.text
        ids.append(r.json()["id"])
    return ids


async def matches(client: Any, tid: int, **query: Any) -> list[dict[str, Any]]:
    """Every match of a tournament (one request)."""
    r = await client.get(f"/api/v1/tournaments/{tid}/matches", params={"limit": 10000, **query})
    assert r.status_code == 200, r.text
    return r.json()["items"]


def by_key(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Matches by key."""
    return {m["key"]: m for m in items}


def participants(match: dict[str, Any]) -> list[int]:
    """The entrant ids of a match's slots."""
    return [s["entrant_id"] for s in match["slots"]]


def win_games(match: dict[str, Any], winner: int) -> list[list[int]]:
    """A one-game score in slot order that says ``winner`` won."""
    return [[1, 0]] if participants(match)[0] == winner else [[0, 1]]


async def assert_projection_matches_log(app: Any, tid: int) -> None:
    """The stored projection equals a fresh derivation from the facts (the log is the truth)."""
    t = await Tournament.select().where(Tournament.id == tid).first()
    assert t is not None, f"no tournament {tid}"
    fmt = formats(app.state.plugin_host)[t["format"]]
    state = await derive_state(fmt, t)
    names = await entrant_names(tid)
    rows = await MatchRow.select().where(MatchRow.tournament == tid)
    assert len(rows) == len(state.matches)
    for row in rows:
        expected = projected_columns(state, row["key"], names)
        got = {k: load_json(row[k]) if k in ("slots", "games") else row[k]
               for k in expected}
        assert got == expected, row["key"]
