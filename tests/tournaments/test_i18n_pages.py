"""The tournament pages in French and English: the organiser's format picker and the
format's own options (names, descriptions, labels, help, choices come from the format's
plugin and its catalogue), and a team captain's entry box and roster."""

from __future__ import annotations

from html import unescape

from podium.core.testing import DEFAULT_PASSWORD
from podium.tests.core.test_venue_support import quick_user
from podium.tests.tournaments.support import create, organiser, organiser_clients, players


async def test_format_options_in_french_and_english(podium_app, podium_client_factory):
    """The organiser's form names the formats and their options in the page's language;
    the submitted values stay the format's own identifiers."""
    _api, _org, page = await organiser_clients(podium_app, podium_client_factory)
    english = (await page.htmx("GET", "/tournaments/form-options?format=swiss")).text
    assert "Dutch pairing engine" in english and ">Dutch (FIDE)</option>" in english
    assert "Rounds paired by score" in english
    page.client.headers["Accept-Language"] = "fr"
    french = unescape((await page.htmx("GET", "/tournaments/form-options?format=swiss")).text)
    assert "Moteur d’appariement hollandais" in french
    assert 'value="dutch"' in french and ">Hollandais (FIDE)</option>" in french
    assert "Rondes appariées selon le score" in french and "Victoires qualificatives" in french
    assert "Dutch pairing engine" not in french
    grand_final = unescape((await page.htmx(
        "GET", "/tournaments/form-options?format=double_elimination")).text)
    assert 'value="reset"' in grand_final and "avec remise à zéro du tableau" in grand_final
    form = unescape((await page.get("/tournaments/new")).text)
    assert ">Élimination directe</option>" in form and ">Système suisse</option>" in form


async def test_team_entry_box_in_french(podium_app, podium_client_factory):
    """A captain's entry box and roster read in French: status, role, buttons, counts."""
    org = await organiser()
    api = await podium_client_factory(podium_app)
    t = await create(api, org, name="Coupe Duo", team_size=2)
    await quick_user("capi", "player")
    cap = await podium_client_factory(podium_app)
    await cap.login("capi", DEFAULT_PASSWORD)
    r = await cap.form_post(f"/tournaments/{t['id']}/register", {"team_name": "Hiboux"})
    assert r.status_code == 303, r.text
    english = (await cap.get(f"/tournaments/{t['id']}")).text
    assert "Withdraw the team" in english and "1/2 players" in english
    cap.client.headers["Accept-Language"] = "fr"
    french = unescape((await cap.get(f"/tournaments/{t['id']}")).text)
    assert "Vous êtes <strong>inscrit</strong> sous le nom Hiboux (capitaine)" in french
    assert "Désister l’équipe" in french and "1/2 joueurs" in french
    assert "Inviter un joueur (identifiant)" in french
    assert "Withdraw the team" not in french and "Make captain" not in french


async def test_refusals_in_french_keep_their_english_codes(podium_app, podium_client_factory):
    """A service refusal reads in the caller's language; its ``code`` stays English."""
    org = await organiser()
    api = await podium_client_factory(podium_app)
    t = await create(api, org, name="Coupe Solo")
    [(_player, headers)] = await players(1, prefix="solo")
    url = f"/api/v1/tournaments/{t['id']}/registrations"
    assert (await api.post(url, headers=headers)).status_code == 201
    again = await api.post(url, headers={**headers, "Accept-Language": "fr"})
    assert again.status_code == 409 and again.json()["code"] == "already_registered"
    assert again.json()["detail"] == "vous êtes déjà inscrit à ce tournoi"
    english = await api.post(url, headers=headers)
    assert english.json()["detail"] == "you are already registered for this tournament"


def test_slot_sources_in_the_readers_language(podium_app):
    """An empty slot says where its entrant comes from in the reader's words, a group's
    rank included (the engine's ``source`` is English), with the language's ordinals."""
    from podium.core.i18n import use_locale
    from podium.tournaments.labels import ordinal, source_label

    group_rank = {"source": "2nd of group A",
                  "source_ref": {"kind": "group_rank", "group": "A", "rank": 2}}
    winner = {"source": "winner of W2-4", "source_ref": {"kind": "winner", "match": "W2-4"}}
    with use_locale("en"):
        assert [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 23)] == [
            "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "23rd"]
        assert source_label(group_rank) == "2nd of group A"
        assert source_label(winner) == "winner of W2-4"
    with use_locale("fr"):
        assert [ordinal(n) for n in (1, 2, 3, 11)] == ["1er", "2e", "3e", "11e"]
        assert source_label(group_rank) == "2e du groupe A"
        assert source_label({**group_rank, "source_ref": {**group_rank["source_ref"], "rank": 1}}
                            ) == "1er du groupe A"
        assert source_label(winner) == "vainqueur de W2-4"
        assert source_label({"source": None}) == "à déterminer"
