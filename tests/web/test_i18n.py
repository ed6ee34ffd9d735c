"""The venue speaks French and English: the locale comes from ``?lang=`` (remembered in a
cookie), else ``Accept-Language``, else English; pages say so (``<html lang>``, ``Vary``),
and API error codes stay English whatever the language.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from litestar import get

from podium.core import i18n
from podium.core.testing import PodiumClient, make_plugin, set_plugin_enabled


async def test_english_by_default(podium_client: PodiumClient) -> None:
    """No preference: English, and the switch offers French."""
    page = await podium_client.get("/login")
    assert page.status_code == 200
    assert '<html lang="en">' in page.text
    assert 'href="/login?lang=fr"' in page.text
    assert "Accept-Language" in page.headers["vary"] and "Cookie" in page.headers["vary"]


async def test_accept_language_chooses_french(podium_client: PodiumClient) -> None:
    """A French browser gets French pages (weights respected, regional tags matched)."""
    page = await podium_client.get("/login", headers={"Accept-Language": "de;q=0.9, fr-FR, en;q=0.5"})
    assert '<html lang="fr">' in page.text
    assert ">Langue<" in page.text or 'aria-label="Langue"' in page.text
    assert page.headers["content-language"] == "fr"
    english = await podium_client.get("/login", headers={"Accept-Language": "en-GB,fr;q=0.8"})
    assert '<html lang="en">' in english.text


async def test_switch_is_remembered(podium_client: PodiumClient) -> None:
    """``?lang=fr`` answers in French and sets the cookie; later pages stay French even
    for an English browser, until the switch says English."""
    first = await podium_client.get("/login?lang=fr", headers={"Accept-Language": "en"})
    assert '<html lang="fr">' in first.text
    assert f"{i18n.LOCALE_COOKIE}=fr" in first.headers["set-cookie"]
    later = await podium_client.get("/calendar", headers={"Accept-Language": "en"})
    assert '<html lang="fr">' in later.text
    back = await podium_client.get("/calendar?lang=en")
    assert '<html lang="en">' in back.text
    assert '<html lang="en">' in (await podium_client.get("/")).text


async def test_unknown_language_falls_back_to_english(podium_client: PodiumClient) -> None:
    """An unsupported or malformed choice never fails: English."""
    page = await podium_client.get("/login?lang=xx-yy", headers={"Accept-Language": "zz, *;q=0.1"})
    assert page.status_code == 200
    assert '<html lang="en">' in page.text


async def test_not_found_page_speaks_the_visitors_language(podium_client: PodiumClient) -> None:
    """The locale is chosen before routing, so even a 404 page is French for a French visitor."""
    page = await podium_client.get("/no/such/page", headers={"Accept-Language": "fr"})
    assert page.status_code == 404
    assert '<html lang="fr">' in page.text


async def test_api_error_codes_stay_english(podium_client: PodiumClient) -> None:
    """In French, the JSON error keeps its English ``code``."""
    answer = await podium_client.get("/api/v1/events/999999", headers={"Accept-Language": "fr"})
    assert answer.status_code == 404
    assert answer.json()["code"] == "not_found"


@pytest.mark.parametrize(
    ("locale", "expected"),
    [("en", "Tue 24 Nov 2026, 19:30"), ("fr", "mar. 24 nov. 2026, 19:30")],
)
def test_dates_in_the_venue_zone_and_locale(locale: str, expected: str) -> None:
    """18:30 UTC is 19:30 in Paris in November, written for the locale."""
    instant = datetime(2026, 11, 24, 18, 30, tzinfo=timezone.utc)
    with i18n.use_locale(locale):
        assert i18n.format_datetime(instant, tz="Europe/Paris") == expected


def test_instants_kept_as_iso_text_are_formatted_too() -> None:
    """A stored ISO 8601 instant (``Z``, an offset, or naive: UTC) goes through the same
    filters; text that is no instant is shown as it is rather than failing the page."""
    with i18n.use_locale("fr"):
        assert i18n.format_datetime("2026-11-24T18:30:00Z", tz="Europe/Paris") == "mar. 24 nov. 2026, 19:30"
        assert i18n.format_time("2026-11-24T20:30:00+02:00", tz="Europe/Paris") == "19:30"
        assert i18n.format_time("2026-11-24T18:30:00", tz="Europe/Paris") == "19:30"
        assert i18n.format_date("2026-11-24T23:30:00Z", tz="Europe/Paris") == "25 nov. 2026"
        assert i18n.format_time("not a time") == "not a time"
    assert i18n.parse_instant("2026-11-24T18:30:00Z") == datetime(2026, 11, 24, 18, 30, tzinfo=timezone.utc)
    with pytest.raises(ValueError):
        i18n.parse_instant("24/11/2026")


def test_numbers_and_money_for_the_locale() -> None:
    """Grouping, decimal mark and currency placement follow the locale."""
    with i18n.use_locale("en"):
        assert i18n.format_number(1234.5) == "1,234.5"
        assert i18n.format_money(1250) == "12.50 EUR"
        assert i18n.format_money(150050) == "1,500.50 EUR"
    with i18n.use_locale("fr"):
        assert i18n.format_number(1234.5) == "1\u202f234,5"
        assert i18n.format_money(1250) == "12,50 EUR"


def test_negotiation() -> None:
    """``Accept-Language`` weights, regions and junk."""
    assert i18n.negotiate("fr-CA,en;q=0.5") == "fr"
    assert i18n.negotiate("en-US,fr;q=0.9") == "en"
    assert i18n.negotiate("de, fr;q=0.2") == "fr"
    assert i18n.negotiate("de") is None
    assert i18n.negotiate("fr;q=abc, en;q=0.3") == "en"
    assert i18n.negotiate("") is None


@get("/greetings-wall", include_in_schema=False, sync_to_thread=False)
def _greetings_wall() -> str:
    """A third-party plugin's page whose text comes from the plugin's own catalogue."""
    return i18n.gettext("Greetings wall")


@pytest.mark.hooks("podium_translation_dirs")
async def test_a_plugin_ships_its_own_catalogue(tmp_path: Path, podium_app_factory: Any,
                                                podium_client_factory: Any) -> None:
    """A catalogue declared through ``podium_translation_dirs`` is merged with the venue's:
    the plugin's French string shows in French, the shell's own strings still do too."""
    catalogue = Catalog(locale="fr", domain="messages")
    catalogue.add("Greetings wall", "Mur des salutations")
    (tmp_path / "fr" / "LC_MESSAGES").mkdir(parents=True)
    with (tmp_path / "fr" / "LC_MESSAGES" / "messages.mo").open("wb") as fp:
        write_mo(fp, catalogue)
    plugin = make_plugin("greetings", podium_translation_dirs=lambda: [tmp_path],
                         podium_routes=lambda: [_greetings_wall])
    app = podium_app_factory(plugins=[], extra=[plugin])
    client = await podium_client_factory(app)
    await set_plugin_enabled(app, "greetings")
    french = await client.get("/greetings-wall", headers={"Accept-Language": "fr"})
    assert french.text == "Mur des salutations"
    assert (await client.get("/greetings-wall")).text == "Greetings wall"
    with i18n.use_locale("fr"):
        assert i18n.gettext("Language") == "Langue"  # the shell's catalogue is still there


async def test_a_template_reads_its_own_rooms_french_first(podium_client: PodiumClient) -> None:
    """The same English word, two meanings in two rooms: each room's templates get its own
    catalogue's French (a tournament's "Start" button is "Lancer", the event form's start
    time is "Début"), and what a room lacks comes from the others (the shell's words)."""
    assert (await podium_client.get("/healthz")).status_code == 200  # the app loaded them
    console = i18n.template_translations("tournaments/console_body.html", "fr")
    event_form = i18n.template_translations("venue/event_form.html", "fr")
    assert console.pgettext("verb", "Start") == "Lancer"
    assert event_form.pgettext("time", "Start") == "Début"
    assert i18n.template_translations("core:venue/event_form.html", "fr").pgettext("time", "Start") == "Début"
    assert console.gettext("Log out") == i18n.translations("fr").gettext("Log out") != "Log out"
    assert i18n.template_translations("tournaments/console_body.html", "en").pgettext("verb", "Start") == "Start"
    # Rooms also translate the same English word alike, or give it a context: the first
    # room's own catalogue wins in templates, and Python code never gets the other's word.
    assert console.gettext("Sign in") == event_form.gettext("Sign in")


async def test_social_error_details_speak_french(podium_client: PodiumClient) -> None:
    """Social's details (once English f-strings) come in the visitor's language, the
    placeholders filled; the code stays English."""
    english = await podium_client.get("/api/v1/athletes/nobody-here")
    french = await podium_client.get("/api/v1/athletes/nobody-here", headers={"Accept-Language": "fr"})
    assert english.status_code == french.status_code == 404
    assert english.json()["code"] == french.json()["code"]
    assert english.json()["detail"] == "there is no athlete 'nobody-here'"
    assert french.json()["detail"] == "il n’y a pas d’athlète 'nobody-here'"


def test_pluralize_with_extra_variables(podium_app_factory: Any) -> None:
    """``{% trans count=n, name=x %}…{% pluralize %}…{% endtrans %}``: every variable is
    filled in both forms, in English and in French (a real catalogue entry)."""
    app = podium_app_factory()
    template = app.template_engine.engine.from_string(
        "{% trans count=n, who=who %}{{ who }}: {{ count }} entrant{% pluralize %}"
        "{{ who }}: {{ count }} entrants{% endtrans %} / {% trans count=n, size=size %}"
        "{{ count }}/{{ size }} player{% pluralize %}{{ count }}/{{ size }} players{% endtrans %}")
    assert template.render(n=1, who="Ann", size=4) == "Ann: 1 entrant / 1/4 player"
    assert template.render(n=3, who="Ann", size=4) == "Ann: 3 entrants / 3/4 players"
    with i18n.use_locale("fr"):
        shop = app.template_engine.get_template("ticketing/shop_left.html")
        assert shop.render(available=2) == "<strong>2</strong> restants"
