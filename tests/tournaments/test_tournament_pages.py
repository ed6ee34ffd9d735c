"""Tournament pages: list, tournament page, registration forms, organiser results, my
matches with report and confirm; the navigation lists Tournaments."""

from __future__ import annotations

from podium.core.testing import DEFAULT_PASSWORD
from podium.tests.core.test_venue_support import quick_user
from podium.tests.tournaments.support import create, field_of, matches, organiser, participants


async def test_pages_register_start_report_confirm(podium_app, podium_client_factory):
    org = await organiser()
    api = await podium_client_factory(podium_app)
    t = await create(api, org, name="Velo Cup")
    await quick_user("pat", "player")
    await quick_user("quinn", "player")
    pat = await podium_client_factory(podium_app)
    quinn = await podium_client_factory(podium_app)
    await pat.login("pat", DEFAULT_PASSWORD)
    await quinn.login("quinn", DEFAULT_PASSWORD)

    page = await pat.get("/tournaments")
    assert page.status_code == 200 and "Velo Cup" in page.text
    assert 'href="/tournaments"' in page.text and 'href="/me/matches"' in page.text
    for client in (pat, quinn):
        r = await client.form_post(f"/tournaments/{t['id']}/register")
        assert r.status_code == 303, r.text
    r = await pat.form_post(f"/tournaments/{t['id']}/register")
    assert r.status_code == 409 and "already registered" in r.text
    page = await pat.get(f"/tournaments/{t['id']}")
    assert "You are <strong>registered</strong>" in page.text
    assert 'sse-connect="/-/events?topics=tournament-' in page.text

    await quick_user("org2", "organiser")
    boss = await podium_client_factory(podium_app)
    await boss.login("org2", DEFAULT_PASSWORD)
    assert (await pat.form_post(f"/tournaments/{t['id']}/start")).status_code == 403
    r = await boss.form_post(f"/tournaments/{t['id']}/start")
    assert r.status_code == 303
    page = await boss.get(f"/tournaments/{t['id']}")
    assert 'id="console"' in page.text and "result-form" in page.text

    mine = await pat.get("/me/matches")
    assert mine.status_code == 200 and "Report" in mine.text
    m = (await matches(api, t["id"]))[0]
    pat_id = [s["entrant_id"] for s in m["slots"] if s["name"] == "Pat"][0]
    games = "1-0" if participants(m)[0] == pat_id else "0-1"
    # No default winner: the form starts on "choose", and a report without one is refused.
    assert '<select name="winner_id" required><option value="" selected>' in mine.text
    r = await pat.form_post(f"/matches/{m['id']}/report", {"winner_id": "", "games": games})
    assert r.status_code == 422 and "choose the winner" in r.text
    assert (await api.get(f"/api/v1/matches/{m['id']}")).json()["status"] == m["status"]
    r = await pat.form_post(f"/matches/{m['id']}/report", {"winner_id": pat_id, "games": games})
    assert r.status_code == 303, r.text
    r = await pat.form_post(f"/matches/{m['id']}/report", {"winner_id": pat_id, "games": "x"})
    assert r.status_code == 422 and "two scores" in r.text
    assert "Confirm" in (await quinn.get("/me/matches")).text
    r = await quinn.form_post(f"/matches/{m['id']}/confirm")
    assert r.status_code == 303
    assert (await api.get(f"/api/v1/matches/{m['id']}")).json()["winner_id"] == pat_id
    page = await pat.get(f"/tournaments/{t['id']}/bracket", headers={"HX-Request": "true"})
    assert page.status_code == 200 and "Standings" in page.text


async def test_organiser_result_form_and_correction(podium_app, podium_client_factory):
    org = await organiser()
    api = await podium_client_factory(podium_app)
    t = await create(api, org)
    await field_of(api, org, t["id"], 2)
    await quick_user("org2", "organiser")
    boss = await podium_client_factory(podium_app)
    await boss.login("org2", DEFAULT_PASSWORD)
    await boss.form_post(f"/tournaments/{t['id']}/start")
    m = (await matches(api, t["id"]))[0]
    a, b = participants(m)
    page = await boss.get(f"/tournaments/{t['id']}")
    assert '<select name="winner_id" required><option value="" selected>' in page.text
    r = await boss.form_post(f"/matches/{m['id']}/result", {"winner_id": "", "games": "2-0"})
    assert r.status_code == 422 and "choose the winner" in r.text
    assert (await api.get(f"/api/v1/matches/{m['id']}")).json()["winner_id"] is None
    r = await boss.form_post(f"/matches/{m['id']}/result", {"winner_id": a, "games": "2-0"})
    assert r.status_code == 303
    # A correction is asked about first (podium.js reads data-confirm).
    assert "data-confirm=\"Correct the result of " in (await boss.get(f"/tournaments/{t['id']}")).text
    r = await boss.form_post(f"/matches/{m['id']}/result", {"winner_id": b, "games": "2-0"})
    assert r.status_code == 422  # the games say the other side won: the page shows why
    r = await boss.form_post(f"/matches/{m['id']}/result", {"winner_id": b, "games": "0-2"})
    assert r.status_code == 303
    assert (await api.get(f"/api/v1/matches/{m['id']}")).json()["winner_id"] == b
    # Finished: the entrants table says how each ended, not "registered".
    page = await boss.get(f"/tournaments/{t['id']}")
    entrants_table = page.text.split(">Entrants</h2>", 1)[1].split("</table>", 1)[0]
    assert "registered" not in entrants_table
    assert "champion" in entrants_table and "finished" in entrants_table
    # Once it has started the bracket comes first, the entrants fold under it, and a
    # visitor who is not in it reads no "Registration is closed" card.
    assert page.text.index('id="bracket"') < page.text.index(">Entrants</h2>")
    assert 'class="entrants-details"' in page.text and "Registration is closed" not in page.text


async def test_players_report_and_confirm_a_draw_where_the_format_allows_it(
        podium_app, podium_client_factory):
    """A Swiss game drawn: the reporter chooses "draw" on My matches, the opponent reads
    that a draw was reported and confirms; the match ends with no winner (no forfeit)."""
    org = await organiser()
    api = await podium_client_factory(podium_app)
    t = await create(api, org, "swiss", name="Chess Night")
    clients = {}
    for name in ("rae", "sam"):
        await quick_user(name, "player")
        clients[name] = await podium_client_factory(podium_app)
        await clients[name].login(name, DEFAULT_PASSWORD)
        r = await clients[name].form_post(f"/tournaments/{t['id']}/register")
        assert r.status_code == 303, r.text
    await api.post(f"/api/v1/tournaments/{t['id']}/start", headers=org)
    mine = (await clients["rae"].get("/me/matches")).text
    assert '<option value="draw">draw (no winner)</option>' in mine
    m = (await matches(api, t["id"]))[0]
    r = await clients["rae"].form_post(f"/matches/{m['id']}/report",
                                       {"winner_id": "draw", "games": ""})
    assert r.status_code == 303, r.text
    assert "Your opponent reported a draw" in (await clients["sam"].get("/me/matches")).text
    r = await clients["sam"].form_post(f"/matches/{m['id']}/confirm")
    assert r.status_code == 303
    played = (await api.get(f"/api/v1/matches/{m['id']}")).json()
    assert played["status"] == "completed" and played["winner_id"] is None
    rows = (await api.get(f"/api/v1/tournaments/{t['id']}/standings")).json()["items"]
    assert [row["draws"] for row in rows] == [1, 1]
    assert ">drawn</span>" in (await clients["rae"].get("/me/matches")).text
