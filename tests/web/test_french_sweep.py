"""The French sweep: every page a person reads, in French, shows no English sentence of a
catalogue.

The demo velodrome (``podium demo``: a venue, a running tournament, tickets and orders,
athletes and fan hub posts, prizes, a track meet) is seeded, then the pages are read in
French as each kind of person would: anonymous, a player, the organiser, a fan, the gate
staff and the admin. The visible text of each page (text nodes, and the attributes a
person reads: ``title``, ``placeholder``, ``aria-label``, ``alt``, a confirmation, a
button's ``value``) is compared with the English ``msgid`` of every catalogue the app
loads whose French differs: such a text is an English string that slipped through
untranslated. Names a person typed are never msgids, so they cannot be mistaken for one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from babel.messages.pofile import read_po

from podium.core.accounts.tables import User
from podium.core.i18n import LOCALE_COOKIE
from podium.core.plugins import flatten
from podium.core.testing import PodiumClient, set_plugin_enabled
from podium.web.demo import DEMO_PASSWORD, seed_demo
from podium.web.templating import core_translation_dirs

ADMIN_PASSWORD = "admin-sweep-password-1"

# Attributes whose value a person reads (or hears, with a screen reader).
READ_ATTRIBUTES = {"title", "placeholder", "aria-label", "alt", "hx-confirm", "data-confirm"}
# Inputs whose value is the text written on them.
BUTTON_INPUTS = {"submit", "button", "reset"}
# Elements whose content is not text on the page (a JSON data block is checked by the
# scripts' own tests; an SVG's text is the QR code's).
HIDDEN_ELEMENTS = {"script", "style", "svg"}
# Texts the demo's people typed that happen to be a catalogue's example too (placeholders
# of the ticket type form and of the meet console's session form: the demo meet, always
# two days now, has a session named "Day 1 evening"), and identifiers that read like a
# word (the plugin named "venue" on /admin/plugins, whose scope "venue" is translated):
# data, not the interface.
TYPED = {"Grandstand", "Day 1 evening", "venue"}
# Punctuation a template puts around a translated word ("Seats:", "(default)" is a msgid).
EDGE_PUNCTUATION = " \t:·—–-,;.•|()"

# Each person, the pages they read: route paths as the app declares them, filled from the
# demo's data. A page route none of these reach is listed in NOT_PAGES with the reason.
PAGES: dict[str, list[str]] = {
    "anonymous": [
        "/", "/calendar", "/login", "/signup", "/events/{event_id:int}",
        "/events/{event_id:int}/shop", "/events/{event_id:int}/resale",
        "/tournaments", "/tournaments/live-now", "/tournaments/{tournament_id:int}",
        "/tournaments/{tournament_id:int}/bracket", "/tournaments/{tournament_id:int}/screen",
        "/tournaments/{tournament_id:int}/screen/body",
        "/tournaments/for-event/{event_id:int}", "/players/{username:str}",
        "/players/by-user/{user_id:int}/record",
        "/athletes", "/athletes/{slug:str}", "/hub/feed", "/hub/feed/posts", "/hub/leaderboard",
        "/hub/prizes", "/hub/athletes/{athlete_id:int}/posts", "/hub/fans/{fan_id:int}",
        "/hub/fans/{fan_id:int}/prizes",
        "/meets", "/meets/{meet_id:int}", "/meets/{meet_id:int}/body",
        "/meets/{meet_id:int}/screen", "/meets/{meet_id:int}/screen/body",
        "/meets/for-event/{event_id:int}", "/riders/{rider_id:int}",
        "/riders/by-user/{user_id:int}", "/ledger", "/ledger/verify",
        "/ledger/tickets/{ticket_id:str}", "/ledger/tickets/{ticket_id:str}/history",
        "/no/such/page",
    ],
    "player": [
        "/me/bookings", "/me/matches", "/me/orders", "/me/tickets", "/me/tokens",
        "/me/password", "/me/athlete", "/tournaments/{tournament_id:int}/my-entry",
        "/tournaments/{tournament_id:int}/my-call", "/tournaments/{tournament_id:int}",
        "/orders/{order_id:int}", "/tickets/{code:str}", "/tickets/{code:str}/print",
        "/riders/{rider_id:int}/call",
    ],
    "organiser": [
        "/events/new", "/events/{event_id:int}/edit", "/events/{event_id:int}/sales",
        "/events/{event_id:int}/sales/body", "/events/{event_id:int}/tickets/manage",
        "/tournaments/new", "/tournaments/form-options", "/tournaments/{tournament_id:int}/console",
        "/tournaments/{tournament_id:int}/console/body", "/tournaments/{tournament_id:int}/edit",
        "/meets/{meet_id:int}/console", "/meets/{meet_id:int}/console/body", "/box-office",
        "/calendar",
    ],
    "fan": [
        "/me/hub", "/me/hub/standing", "/hub/feed", "/hub/prizes", "/hub/leaderboard",
        "/hub/predictions/{tournament_id:int}", "/athletes/{slug:str}",
    ],
    "gate": [
        "/gate", "/gate/events/{event_id:int}/conflicts", "/gate/events/{event_id:int}/kit",
        "/box-office",
    ],
    "admin": [
        "/admin/plugins", "/admin/athletes", "/hub/admin/prizes",
        "/hub/admin/prizes/{prize_id:int}", "/hello",
    ],
}
# GET routes that are not pages a person reads, and why.
NOT_PAGES = {
    "/-/events": "the live stream (its fragments are checked by tests/web/test_i18n_live.py)",
    "/-/plugins.json": "JSON for tools",
    "/healthz": "a probe",
    "/hub/media/{token:str}": "an uploaded file",
    "/ledger/checkpoint": "the ledger's signed text, for verifiers",
    "/ledger/key": "a public key",
    "/ledger/tile/{rest:path}": "ledger tiles, binary",
    "/meets/{meet_id:int}/programme.ics": "a calendar file",
    "/venues/{venue_id:int}/calendar.ics": "a calendar file",
    "/venues/{venue_id:int}/spaces/{space_id:int}/calendar.ics": "a calendar file",
    "/tickets/{code:str}/qr.png": "an image",
    "/tickets/{code:str}/qr.svg": "an image",
}


class VisibleText(HTMLParser):
    """The texts of a page a person reads: text nodes and the read attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Collect the attributes people read; enter hidden elements."""
        if tag in HIDDEN_ELEMENTS:
            self._hidden += 1
            return
        values = dict(attrs)
        self.texts += [v for k, v in attrs if k in READ_ATTRIBUTES and v]
        if tag == "input" and (values.get("type") or "").lower() in BUTTON_INPUTS:
            self.texts.append(values.get("value") or "")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """A self-closed element: its attributes, nothing to enter."""
        if tag not in HIDDEN_ELEMENTS:
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        """Leave a hidden element."""
        if tag in HIDDEN_ELEMENTS and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        """A text node, outside hidden elements."""
        if not self._hidden:
            self.texts.append(data)


def visible_texts(html: str) -> set[str]:
    """Each visible text of ``html``, whitespace collapsed, as written and without the
    punctuation around it."""
    parser = VisibleText()
    parser.feed(html)
    found: set[str] = set()
    for text in parser.texts:
        text = " ".join(text.split())
        if text:
            found |= {text, text.strip(EDGE_PUNCTUATION)}
    return found - {""}


@dataclass
class EnglishLeaks:
    """The English msgids whose French differs, as exact texts and as patterns (a msgid
    with placeholders: its literal words around any value)."""

    exact: set[str]
    patterns: list[tuple[str, re.Pattern[str]]]

    def find(self, texts: Iterable[str]) -> set[str]:
        """The texts that are an untranslated English msgid."""
        leaks = {t for t in texts if t in self.exact}
        for text in texts:
            leaks |= {text for _msgid, pattern in self.patterns if pattern.fullmatch(text)}
        return leaks


PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|%[sdif]")


def english_msgids(locale_dirs: Iterable[Path]) -> EnglishLeaks:
    """Every catalogue's English msgids (plural forms too) that French writes otherwise.

    A msgid that some catalogue keeps as it is in French ("Plugins", "Total") is left out:
    the English word is then also the French one."""
    translated: set[str] = set()
    kept: set[str] = set()
    for folder in locale_dirs:
        po = Path(folder) / "fr" / "LC_MESSAGES" / "messages.po"
        if not po.is_file():
            continue
        with po.open("rb") as fp:
            catalogue = read_po(fp)
        for message in catalogue:
            if not message.id:
                continue
            ids = message.id if isinstance(message.id, (tuple, list)) else (message.id,)
            raw = message.string if isinstance(message.string, (tuple, list)) else (message.string,)
            strings = [" ".join(str(s or "").split()) for s in raw]
            for msgid in ids:
                msgid = " ".join(str(msgid).split())
                (kept if msgid in strings else translated).add(msgid)
    # A lone letter (a record's "W"/"L") reads like an avatar's initial: too short to tell.
    english = {m for m in translated - kept if len(m) > 1}
    exact = {m for m in english if not PLACEHOLDER.search(m)}
    patterns = []
    for msgid in english - exact:
        literal = PLACEHOLDER.sub(" ", msgid.replace("%%", "%"))
        # A pattern needs words of its own: "%(name)s" alone would match any text.
        if len(re.findall(r"[A-Za-z]{3,}", literal)) < 2:
            continue
        parts = [re.escape(p) for p in PLACEHOLDER.split(msgid.replace("%%", "%"))]
        patterns.append((msgid, re.compile(".+?".join(parts))))
    return EnglishLeaks(exact, patterns)


async def _demo_values() -> dict[str, Any]:
    """The ids and names the page routes need, from the seeded demo."""
    from podium.plugins.cycling.tables import Rider
    from podium.social.tables import Athlete, Prize
    from podium.ticketing.tables import Order, Ticket

    # The venue's today (the default), not the machine's: from 23:00 UTC Paris is on the
    # next day, and a demo seeded for the UTC date has its ticketed final already over.
    result = await seed_demo(admin_password=ADMIN_PASSWORD)
    ticket = await Ticket.select(Ticket.code, Ticket.holder).where(
        Ticket.holder.is_not_null()).first()
    assert ticket is not None, "the demo issues tickets"
    holder = await User.select(User.id, User.username).where(User.id == ticket["holder"]).first()
    assert holder is not None
    order = await Order.select(Order.id).where(Order.user == holder["id"]).first()
    athlete = await Athlete.select(Athlete.id, Athlete.slug).where(
        Athlete.verified_at.is_not_null()).first()
    rider = await Rider.select(Rider.id).first()
    fan = await User.select(User.id).where(User.username == "fan1").first()
    prize = await Prize.select(Prize.id).first()
    assert order and athlete and rider and fan and prize, "the demo seeds each of them"
    return {
        "result": result, "holder": holder["username"],
        "event_id": result.made["ticketed_event"], "tournament_id": result.made["tournament"],
        "meet_id": result.made["meet"], "username": "player1", "code": ticket["code"],
        "ticket_id": ticket["code"], "order_id": order["id"], "slug": athlete["slug"],
        "athlete_id": athlete["id"], "fan_id": fan["id"], "user_id": holder["id"],
        "rider_id": rider["id"],
        "prize_id": prize["id"],
    }


def fill(route: str, values: dict[str, Any]) -> str:
    """A route path with its parameters (``{event_id:int}``) taken from ``values``."""
    return re.sub(r"\{(\w+):\w+\}", lambda m: str(values[m.group(1)]), route)


@pytest.mark.hooks("podium_seed_demo", "podium_translation_dirs")
async def test_every_page_reads_french(podium_app_factory, podium_client_factory) -> None:
    """No page shows an English catalogue string to a French reader, whoever reads it."""
    values = await _demo_values()
    app = podium_app_factory()
    client: PodiumClient = await podium_client_factory(app)
    await set_plugin_enabled(app, "hello", True)
    host = app.state.plugin_host

    english = english_msgids([*core_translation_dirs(),
                              *(Path(p) for p in flatten(host.call("podium_translation_dirs")))])
    assert len(english.exact) > 500, "the catalogues were read"

    page_routes = {r.path for r in app.routes if "GET" in getattr(r, "methods", ())
                   and not r.path.startswith(("/api/", "/static/", "/schema"))}
    swept = {route for routes in PAGES.values() for route in routes}
    assert page_routes - swept - set(NOT_PAGES) == set(), "a page the sweep does not read"

    logins = {"player": (values["holder"], DEMO_PASSWORD), "organiser": ("organiser", DEMO_PASSWORD),
              "fan": ("fan1", DEMO_PASSWORD), "gate": ("gate", DEMO_PASSWORD),
              "admin": ("admin", ADMIN_PASSWORD)}
    leaks: list[str] = []
    for person, routes in PAGES.items():
        client.cookies.clear()
        client.cookies.set(LOCALE_COOKIE, "fr")
        if person in logins:
            await client.login(*logins[person])
        for route in routes:
            url = fill(route, values)
            page = await client.get(url)
            expected = 404 if route == "/no/such/page" else 200
            assert page.status_code == expected, f"{person} {url}: {page.status_code}"
            assert 'lang="fr"' in page.text or "<html" not in page.text, f"{url} is not French"
            for text in sorted(english.find(visible_texts(page.text)) - TYPED):
                leaks.append(f"{person} {url}: {text!r}")
    assert not leaks, "English on French pages:\n" + "\n".join(leaks)


def test_the_sweep_sees_an_untranslated_string() -> None:
    """The detector itself: an English msgid in a text node, a button or a title is found;
    its French, a name and a word French keeps are not."""
    catalogue = EnglishLeaks({"Book a place", "Cancel"},
                             [("%(num)s places left", re.compile(r".+? places left"))])
    html = ('<h1>Réserver une place</h1><p title="Cancel">Ada</p>'
            '<input type="submit" value="Book a place"><script>"Cancel"</script>'
            '<span>3 places left</span><span>Plugins:</span>')
    assert catalogue.find(visible_texts(html)) == {"Cancel", "Book a place", "3 places left"}
