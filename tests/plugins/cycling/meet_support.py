"""Shared helpers of the meet tests (no tests here): a venue with an organiser, a meet
with sessions, a competition with riders, and results typed as an organiser would."""

from __future__ import annotations

from typing import Any

from podium.tests.core.test_venue_support import bearer_for, iso, quick_user, seed_venue

RIDERS = [("Ada Sprint", "FRA"), ("Bea Track", "GER"), ("Cleo Wheel", "NED"),
          ("Dora Banking", "GBR"), ("Eva Chain", "ITA"), ("Fay Spoke", "ESP"),
          ("Gus Derny", "BEL"), ("Hal Gear", "AUS"), ("Ivy Crank", "JPN"),
          ("Jo Saddle", "CAN")]


def uci(i: int) -> str:
    """A valid 11-digit UCI ID for rider ``i``."""
    return f"100{i:08d}"


async def meet_world(client: Any) -> dict[str, Any]:
    """A venue, an organiser's bearer header, a fan's, and a meet over two days with an
    afternoon and an evening session each."""
    ids = await seed_venue()
    org = await bearer_for(await quick_user("olga", "organiser"))
    fan = await bearer_for(await quick_user("fred", "fan"))
    r = await client.post("/api/v1/meets", json={
        "name": "Winter Grand Prix", "level": "national",
        "starts_at": iso(1, 9), "ends_at": iso(2, 23)}, headers=org)
    assert r.status_code == 201, r.text
    meet = r.json()
    sessions = []
    for day in (1, 2):
        for name, start, end in (("afternoon", 14, 17), ("evening", 18, 22)):
            r = await client.post(f"/api/v1/meets/{meet['id']}/sessions", json={
                "name": f"Day {day} {name}", "starts_at": iso(day, start),
                "ends_at": iso(day, end)}, headers=org)
            assert r.status_code == 201, r.text
            sessions.append(r.json())
    return {"ids": ids, "org": org, "fan": fan, "meet": meet, "sessions": sessions}


async def sprint(client: Any, world: dict[str, Any], riders: int = 8,
                 discipline: str = "sprint") -> dict[str, Any]:
    """A competition with ``riders`` riders entered (seed order = list order)."""
    meet_id = world["meet"]["id"]
    r = await client.post(f"/api/v1/meets/{meet_id}/competitions", json={
        "category": "elite-women", "discipline": discipline}, headers=world["org"])
    assert r.status_code == 201, r.text
    comp = r.json()
    body = {"riders": [{"name": n, "nation": nat, "uci_id": uci(i)}
                       for i, (n, nat) in enumerate(RIDERS[:riders])]}
    r = await client.post(f"/api/v1/meets/{meet_id}/competitions/{comp['id']}/entries",
                          json=body, headers=world["org"])
    assert r.status_code == 201, r.text
    return await competition(client, world, comp["id"])


async def competition(client: Any, world: dict[str, Any], comp_id: int) -> dict[str, Any]:
    """The competition as the API shows it now."""
    r = await client.get(f"/api/v1/meets/{world['meet']['id']}/competitions/{comp_id}")
    assert r.status_code == 200, r.text
    return r.json()


def heat(comp: dict[str, Any], heat_id: str) -> dict[str, Any]:
    """One heat of the competition view."""
    return next(h for h in comp["heats"] if h["heat_id"] == heat_id)


async def save(client: Any, world: dict[str, Any], comp: dict[str, Any], heat_id: str,
               results: list[dict[str, Any]], version: int | None = None) -> Any:
    """PUT one heat's results (at the competition's current version unless given)."""
    return await client.put(
        f"/api/v1/meets/{world['meet']['id']}/competitions/{comp['id']}/results",
        json={"heat_id": heat_id, "version": comp["version"] if version is None else version,
              "results": results}, headers=world["org"])


def qualifying_times(comp: dict[str, Any]) -> list[dict[str, Any]]:
    """Times for the qualifying: the seed order is the speed order (10.100, 10.200...)."""
    riders = [r["rider_id"] for r in heat(comp, "Q")["riders"]]
    return [{"rider_id": r, "time": f"10.{i + 1}00"} for i, r in enumerate(riders)]


async def win_match(client: Any, world: dict[str, Any], comp_id: int, contest: str,
                    winner_slot: int = 0) -> dict[str, Any]:
    """Ride a best-of-three contest 2–0 for the rider in ``winner_slot``."""
    for race in (1, 2):
        comp = await competition(client, world, comp_id)
        h = heat(comp, f"{contest}#{race}")
        riders = [r["rider_id"] for r in h["riders"]]
        winner = riders[winner_slot]
        loser = riders[1 - winner_slot]
        r = await save(client, world, comp, h["heat_id"],
                       [{"rider_id": winner, "place": 1}, {"rider_id": loser, "place": 2}])
        assert r.status_code == 200, r.text
    return await competition(client, world, comp_id)
