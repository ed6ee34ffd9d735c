"""The organiser's competing writes, with real concurrent clients on a live server:

* several organisers accept the same reported score at once: one result, the others told;
* pasted lists and single additions race for the last places: never more than the capacity;
* a reset and a result at once: either the result stands and the reset is refused, or the
  reset happened and the result is refused, never both.

The negative control disables the re-check of the report under the lock: every accept then
"succeeds" and the log holds several facts for one match.
"""

from __future__ import annotations

import asyncio

import httpx

from podium.tests.tournaments.support import organiser, participants, players
from podium.tournaments import play
from podium.tournaments.tables import Entrant, MatchReport, ResultLog, Tournament

CLIENTS = 6


async def _reported(client, org, prefix):
    """A started two-player tournament with one pending report; (tid, match, report id)."""
    ps = await players(2, prefix=prefix)
    tid = (await client.post("/api/v1/tournaments", json={
        "name": "Race", "game": "RL", "format": "single_elimination"}, headers=org)).json()["id"]
    head = {}
    for user, headers in ps:
        r = await client.post(f"/api/v1/tournaments/{tid}/registrations", headers=headers)
        head[r.json()["id"]] = headers
    assert (await client.post(f"/api/v1/tournaments/{tid}/start", headers=org)).status_code == 200
    m = (await client.get(f"/api/v1/tournaments/{tid}/matches")).json()["items"][0]
    a = participants(m)[0]
    r = await client.post(f"/api/v1/matches/{m['id']}/report",
                          json={"winner_id": a, "games": [[1, 0]]}, headers=head[a])
    assert r.status_code == 200, r.text
    return tid, m, r.json()["report"]["id"]


async def test_organisers_accepting_one_report_record_one_result(podium_live_server):
    org = await organiser()
    async with httpx.AsyncClient(base_url=podium_live_server.url, timeout=60) as client:
        tid, m, report_id = await _reported(client, org, "acc")
        responses = await asyncio.gather(*[
            client.post(f"/api/v1/matches/{m['id']}/reports/{report_id}/accept", headers=org)
            for _ in range(CLIENTS)])
        codes = sorted(r.status_code for r in responses)
        assert codes == [200] + [409] * (CLIENTS - 1), [r.text for r in responses]
        assert {r.json()["code"] for r in responses if r.status_code == 409} == {
            "already_answered"}
        assert await ResultLog.count().where(ResultLog.tournament == tid) == 1
        assert await MatchReport.count().where(
            (MatchReport.match == m["id"]) & (MatchReport.state == "accepted")) == 1


async def test_without_the_re_check_one_report_is_accepted_many_times(podium_client,
                                                                      monkeypatch):
    """Negative control: the report read without its state re-checked under the lock."""
    org = await organiser()
    tid, m, report_id = await _reported(podium_client, org, "neg")

    async def unchecked(match_id, rid):
        return await MatchReport.select().where(MatchReport.id == rid).first()

    monkeypatch.setattr(play, "_report_to_accept", unchecked)
    host = podium_client.app.state.plugin_host
    outcomes = await asyncio.gather(*[play.accept_report(host, m["id"], report_id, None)
                                      for _ in range(CLIENTS)], return_exceptions=True)
    assert all(isinstance(o, dict) for o in outcomes)  # nobody was told...
    # ...and the log holds one fact per accept for a single report.
    assert await ResultLog.count().where(ResultLog.tournament == tid) == CLIENTS


async def test_pastes_racing_for_the_last_places_never_overfill(podium_live_server):
    from podium.core.testing import DEFAULT_PASSWORD
    from podium.tests.core.test_venue_support import quick_user

    org = await organiser()
    await quick_user("paster", "organiser")
    async with httpx.AsyncClient(base_url=podium_live_server.url, timeout=60) as client:
        tid = (await client.post("/api/v1/tournaments", json={
            "name": "Full", "game": "RL", "format": "single_elimination", "capacity": 8},
            headers=org)).json()["id"]
        pages = []
        for _ in range(CLIENTS):
            page = httpx.AsyncClient(base_url=podium_live_server.url, timeout=60)
            await page.get("/login")
            r = await page.post("/login", data={
                "username": "paster", "password": DEFAULT_PASSWORD,
                "_csrf_token": page.cookies.get("podium_csrf")})
            assert r.status_code == 303
            pages.append(page)
        try:
            responses = await asyncio.gather(*[
                p.post(f"/tournaments/{tid}/console/entrants/paste",
                       data={"entrants": f"A{k}\nB{k}\nC{k}",
                             "_csrf_token": p.cookies.get("podium_csrf")},
                       headers={"HX-Request": "true"})
                for k, p in enumerate(pages)] + [
                client.post(f"/api/v1/tournaments/{tid}/entrants", json={"name": f"S{k}"},
                            headers=org) for k in range(CLIENTS)])
        finally:
            for p in pages:
                await p.aclose()
        assert all(r.status_code in (200, 201, 409) for r in responses), \
            [r.text[:200] for r in responses]
        registered = await Entrant.count().where(
            (Entrant.tournament == tid) & (Entrant.status == "registered"))
        accepted_pastes = sum(1 for r in responses[:CLIENTS] if r.status_code == 200)
        accepted_single = sum(1 for r in responses[CLIENTS:] if r.status_code == 201)
        # Never beyond the capacity, and every acceptance is in the field (nothing half-added).
        assert registered <= 8 and accepted_pastes * 3 + accepted_single == registered
        # A paste is refused only when fewer than 3 places were left: at least 6 went.
        assert registered >= 6


async def test_reset_and_result_at_once_never_both(podium_live_server):
    org = await organiser()
    async with httpx.AsyncClient(base_url=podium_live_server.url, timeout=60) as client:
        for k in range(3):
            tid = (await client.post("/api/v1/tournaments", json={
                "name": f"R{k}", "game": "RL", "format": "single_elimination"},
                headers=org)).json()["id"]
            for i in range(4):
                await client.post(f"/api/v1/tournaments/{tid}/entrants",
                                  json={"name": f"T{i}"}, headers=org)
            await client.post(f"/api/v1/tournaments/{tid}/start", headers=org)
            m = (await client.get(f"/api/v1/tournaments/{tid}/matches?status=ready")
                 ).json()["items"][0]
            w = participants(m)[0]
            result, reset = await asyncio.gather(
                client.post(f"/api/v1/matches/{m['id']}/result",
                            json={"winner_id": w, "games": [[1, 0]]}, headers=org),
                client.post(f"/api/v1/tournaments/{tid}/reset", headers=org))
            assert result.status_code < 500 and reset.status_code < 500
            status = (await Tournament.select(Tournament.status).where(
                Tournament.id == tid).first())["status"]
            facts = await ResultLog.count().where(ResultLog.tournament == tid)
            if reset.status_code == 200:
                assert result.status_code in (404, 409) and facts == 0
                assert status == "registration"
            else:
                assert reset.json()["code"] == "has_results"
                assert result.status_code == 200 and facts == 1 and status == "running"
