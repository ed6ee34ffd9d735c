"""Issue 9: an organiser runs a whole tournament of every format without touching the API,
in English and in French.

For each format the app registers (read from the registry, so a new format is covered
without editing this file), a signed-in organiser only reads pages and posts the forms they
show: the tournament form (the format's own options, as drawn), a pasted list of entrants,
the console's start button, then every result form and "pair the next round" button the
console offers, until nothing is left to do. The public page must then crown a champion.
Form actions, field names, match and entrant ids are all read from the HTML.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

import pytest

from podium.core import i18n
from podium.core.testing import plugin_host
from podium.tests.tournaments.support import organiser_clients
from podium.tournaments.formats import formats

#: Every format the app registers (the same plugins as the ``podium_app`` fixture).
REGISTERED = formats(plugin_host(None, use_entry_points=True)).names()

#: Options typed over the defaults, to run a shape the defaults would not: free-for-all
#: lobbies of four (two rounds instead of one lobby of eight). Formats not named here run
#: with the defaults their form shows.
TYPED_OPTIONS: dict[str, dict[str, str]] = {
    "free_for_all": {"opt_lobby_size": "4", "opt_advance": "2"},
}
#: Other shapes of a format, run in English only (cheap coverage of its choices), with the
#: field size each needs: the CS Major Swiss (3 wins / 3 losses) needs 16 teams.
VARIANTS = [
    ("swiss", "valve", {"opt_system": "valve"}, 16),
    ("groups_playoffs", "double", {"opt_playoff": "double_elimination", "opt_groups": "2"}, 8),
    ("free_for_all", "one-lobby-two-games", {"opt_games": "2"}, 8),
]
FIELD_SIZE = 8
MAX_STEPS = 200


@dataclass
class Form:
    """A form as a browser sees it: where it posts and what it sends."""

    action: str
    section: str | None
    classes: str
    fields: dict[str, str] = field(default_factory=dict)
    selects: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    inputs: dict[str, dict[str, str]] = field(default_factory=dict)
    button: str = ""


class Page(HTMLParser):
    """The forms of a page (fields outside any form go to ``loose``), its buttons' texts and
    its visible text."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.forms: list[Form] = []
        self.loose = Form("", None, "")
        self.text: list[str] = []
        self._form: Form | None = None
        self._sections: list[str | None] = []
        self._select: tuple[str, list[tuple[str, str]], str | None] | None = None
        self._option: str | None = None
        self._option_text = ""
        self._textarea: str | None = None
        self._in_button = False
        self._skip = 0
        self.feed(html)

    def _target(self) -> Form:
        return self._form if self._form is not None else self.loose

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Open forms, sections, fields and buttons."""
        a = {k: v or "" for k, v in attrs}
        if tag in ("script", "style"):
            self._skip += 1
        elif tag == "section":
            self._sections.append(a.get("id"))
        elif tag == "form":
            section = next((s for s in reversed(self._sections) if s), None)
            self._form = Form(a.get("action", ""), section, a.get("class", ""))
        elif tag == "input":
            target, name = self._target(), a.get("name")
            if name:
                target.inputs[name] = a
                if a.get("type") != "checkbox" or "checked" in a:
                    target.fields[name] = a.get("value", "")
        elif tag == "select":
            self._select = (a.get("name", ""), [], None)
        elif tag == "option" and self._select is not None:
            self._option, self._option_text = a.get("value", ""), ""
            if "selected" in a:
                name, options, _chosen = self._select
                self._select = (name, options, a.get("value", ""))
        elif tag == "textarea":
            self._textarea = a.get("name")
            self._target().fields[self._textarea or ""] = ""
        elif tag == "button":
            self._in_button = True
            if self._form is not None:
                self._form.button = ""

    def handle_endtag(self, tag: str) -> None:
        """Close what was opened; a select's value is its selected or first option."""
        if tag in ("script", "style"):
            self._skip -= 1
        elif tag == "section" and self._sections:
            self._sections.pop()
        elif tag == "form" and self._form is not None:
            self.forms.append(self._form)
            self._form = None
        elif tag == "option" and self._select is not None and self._option is not None:
            self._select[1].append((self._option, self._option_text.strip()))
            self._option = None
        elif tag == "select" and self._select is not None:
            name, options, chosen = self._select
            target = self._target()
            target.selects[name] = options
            target.fields[name] = chosen if chosen is not None else (
                options[0][0] if options else "")
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "button":
            self._in_button = False

    def handle_data(self, data: str) -> None:
        """Visible text, option labels, textarea contents and button labels."""
        if self._skip:
            return
        if self._option is not None:
            self._option_text += data
        if self._textarea is not None:
            self._target().fields[self._textarea] += data
        if self._in_button and self._form is not None:
            self._form.button += data.strip()
        if data.strip():
            self.text.append(data.strip())

    def visible(self) -> str:
        """The page's text, one line per text node."""
        return "\n".join(self.text)

    def forms_to(self, suffix: str) -> list[Form]:
        """The forms posting to a URL ending with ``suffix``."""
        return [f for f in self.forms if f.action.endswith(suffix)]


def _decidable(page: Page) -> list[Form]:
    """The result forms of matches waiting for a result (not the corrections of completed
    ones, which carry ``reflow``)."""
    return [f for f in page.forms if "result-form" in f.classes and f.section == "results"
            and "reflow" not in f.fields]


def _decide(form: Form) -> dict[str, str]:
    """What an organiser types in a result form: the first listed entrant wins; in a lobby
    (more than two entrants) each game's placings follow the listed order, the winner first."""
    data = dict(form.fields)
    entrants = [v for v, _text in form.selects["winner_id"] if v not in ("", "none", "draw")]
    assert len(entrants) >= 2, f"a result form without two entrants: {form}"
    data["winner_id"] = entrants[0]
    if len(entrants) > 2:
        games = int(form.inputs["games"].get("data-games") or 1)
        data["games"] = ", ".join(["-".join(str(p) for p in range(1, len(entrants) + 1))]
                                  * games)
    return data


class Organiser:
    """A signed-in organiser's page client that posts forms as htmx does and keeps every
    button label it was shown."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.buttons: set[str] = set()

    def read(self, html: str) -> Page:
        """Parse a page, remembering its buttons."""
        page = Page(html)
        self.buttons |= {f.button for f in page.forms if f.button}
        return page

    async def get(self, url: str) -> Page:
        """GET a page (200 expected)."""
        r = await self.client.get(url)
        assert r.status_code == 200, f"GET {url}: {r.status_code}\n{Page(r.text).visible()}"
        return self.read(r.text)

    async def submit(self, form: Form, data: dict[str, str] | None = None) -> Page:
        """Post a console form over htmx; the answer is the new console body (200 expected)."""
        r = await self.client.htmx("POST", form.action, data=data if data is not None
                                   else form.fields)
        body = self.read(r.text)
        assert r.status_code == 200, (
            f"POST {form.action} {data or form.fields} answered {r.status_code}:\n"
            f"{body.visible()}")
        return body


async def _create(org: Organiser, fmt: str, typed: dict[str, str]) -> int:
    """Create the tournament from the form with the format's options as drawn."""
    new = await org.get("/tournaments/new")
    [form] = new.forms_to("/tournaments/new")
    offered = [v for v, _text in form.selects["format"]]
    assert set(offered) == set(REGISTERED), "the form must offer every registered format"
    r = await org.client.htmx("GET", f"/tournaments/form-options?format={fmt}")
    assert r.status_code == 200, r.text
    options = org.read(r.text).loose
    data = {k: v for k, v in form.fields.items() if not k.startswith("opt_")}
    data.update(options.fields)
    data.update({"name": f"{fmt} night", "game": "Tekken 8", "format": fmt, **typed})
    r = await org.client.form_post(form.action, data)
    assert r.status_code == 303, f"create {fmt} {data}: {r.status_code}\n{Page(r.text).visible()}"
    return int(r.headers["location"].split("/")[2])


def _field(size: int) -> list[str]:
    """The entrants' names."""
    return [f"Team {n}" for n in range(1, size + 1)]


async def _run(org: Organiser, tid: int, size: int) -> Page:
    """Paste the field, start, then decide and pair until the console offers nothing."""
    console = await org.get(f"/tournaments/{tid}/console")
    [paste] = [f for f in console.forms if "entrants" in f.fields]
    console = await org.submit(paste, {**paste.fields, "entrants": "\n".join(_field(size))})
    [start] = console.forms_to("/console/start")
    console = await org.submit(start)
    for _step in range(MAX_STEPS):
        open_forms = _decidable(console)
        if open_forms:
            console = await org.submit(open_forms[0], _decide(open_forms[0]))
            continue
        pair = console.forms_to("/console/next-round")
        if pair:
            console = await org.submit(pair[0])
            continue
        return console
    pytest.fail(f"still playing after {MAX_STEPS} steps:\n{console.visible()}")


def _untranslated(buttons: set[str]) -> list[str]:
    """Button labels that are English texts the French catalogues translate."""
    with i18n.use_locale("fr"):
        return sorted(b for b in buttons if i18n.gettext(b) != b)


CASES = [pytest.param(name, lang, TYPED_OPTIONS.get(name, {}), FIELD_SIZE, id=f"{name}-{lang}")
         for name in REGISTERED for lang in ("en", "fr")]
CASES += [pytest.param(name, "en", typed, size, id=f"{name}-{variant}-en")
          for name, variant, typed, size in VARIANTS if name in REGISTERED]


@pytest.mark.parametrize("fmt, lang, typed, size", CASES)
async def test_a_whole_tournament_of_every_format_from_the_pages(
        podium_app, podium_client_factory, fmt, lang, typed, size):
    _api, _headers, client = await organiser_clients(podium_app, podium_client_factory)
    org = Organiser(client)
    # The language switch of the layout (remembered in a cookie).
    await org.get(f"/tournaments?lang={lang}")
    tid = await _create(org, fmt, typed)
    console = await _run(org, tid, size)

    public = await org.client.get(f"/tournaments/{tid}")
    assert public.status_code == 200
    banner = re.search(r'data-testid="podium">(.*?)</div>', public.text, re.S)
    assert banner, (f"{fmt}: the console offers nothing more but the public page crowns "
                    f"nobody (stalled?). Console:\n{console.visible()}")
    with i18n.use_locale(lang):
        champion_word = i18n.gettext("Champion")
        finished = i18n.pgettext("status", "finished")
        done = i18n.gettext("Finished: every match has a result.")
        set_result = i18n.gettext("Set result")
    champion = re.search(rf"{champion_word}: <strong>(.*?)</strong>", banner.group(1))
    assert champion and champion.group(1) in _field(size), banner.group(1)
    assert f'<span class="badge">{finished}</span>' in public.text
    assert done in console.visible(), console.visible()
    assert set_result in org.buttons
    if lang == "fr":
        assert not _untranslated(org.buttons), _untranslated(org.buttons)
        for english in ("Set result", "Add all", "Big-screen view", "Finished: every match",
                        "Placings", "Games"):
            assert english not in public.text + console.visible(), english
