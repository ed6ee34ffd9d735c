"""Every string marked for translation is translated in its room's French catalogue, and
the compiled catalogues (``.mo``) say what their ``.po`` says.

A room is the shell (``web``, which also owns core's top-level modules), each room of
core, each domain, each built-in plugin and the example plugin. Marked strings are found
the way ``make i18n-extract`` finds them (``babel.cfg``, the same keywords).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir, extract_from_file
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

pytestmark = pytest.mark.pure

ROOT = Path(__file__).resolve().parents[2]
LANGS = ("fr",)
KEYWORDS = {**DEFAULT_KEYWORDS, "lazy_gettext": None, "lazy_ngettext": (1, 2),
            "lazy_pgettext": ((1, "c"), 2)}


def rooms() -> list[str]:
    """Every folder that owns a catalogue, or should as soon as it marks a string."""
    found = ["web", "tournaments", "ticketing", "social"]
    found += sorted(f"core/{p.name}" for p in (ROOT / "core").iterdir() if (p / "__init__.py").is_file())
    found += sorted(f"plugins/{p.name}" for p in (ROOT / "plugins").iterdir() if (p / "__init__.py").is_file())
    found += sorted(str(p.parent.relative_to(ROOT)) for p in ROOT.glob("examples/*/*/__init__.py"))
    return found


def _mapping() -> tuple[list[tuple[str, str]], dict[str, dict[str, str]]]:
    with (ROOT / "babel.cfg").open() as fp:
        return parse_mapping_cfg(fp)


def marked(room: str) -> dict[tuple[str, str | None], str]:
    """``{(msgid, context): where}`` of the room's marked strings (plural: the singular)."""
    method_map, options_map = _mapping()
    found: dict[tuple[str, str | None], str] = {}

    def note(filename: str, message: str | tuple[str, ...], context: str | None) -> None:
        msgid = message if isinstance(message, str) else message[0]
        if msgid:
            found.setdefault((msgid, context), filename)

    for filename, _line, message, _comments, context in extract_from_dir(
        ROOT / room, method_map, options_map, keywords=KEYWORDS
    ):
        note(f"{room}/{filename}", message, context)
    if room == "web":  # the shell's catalogue also holds core's top-level modules
        for path in sorted((ROOT / "core").glob("*.py")):
            for _line, message, _comments, context in extract_from_file(
                "python", str(path), keywords=KEYWORDS
            ):
                note(str(path.relative_to(ROOT)), message, context)
    return found


@pytest.mark.parametrize("room", rooms())
@pytest.mark.parametrize("lang", LANGS)
def test_every_marked_string_is_translated(room: str, lang: str) -> None:
    """A string marked in a template or in Python is in the room's catalogue, translated
    and not fuzzy (after `make i18n-update`, translate the new entries of the .po)."""
    strings = marked(room)
    po_path = ROOT / room / "locale" / lang / "LC_MESSAGES" / "messages.po"
    if not strings:
        return
    assert po_path.is_file(), (
        f"{room} marks {len(strings)} strings but has no {lang} catalogue: "
        f"run `make i18n-init ROOM={room}`, then translate {po_path.relative_to(ROOT)}"
    )
    with po_path.open("rb") as fp:
        catalogue: Catalog = read_po(fp, locale=lang)
    problems = []
    for (msgid, context), where in sorted(strings.items(), key=lambda kv: kv[1]):
        entry = catalogue.get(msgid, context=context)
        if entry is None:
            problems.append(f"missing    {msgid!r} ({where})")
        elif entry.fuzzy:
            problems.append(f"fuzzy      {msgid!r} ({where})")
        elif not (all(entry.string) if isinstance(entry.string, tuple) else entry.string):
            problems.append(f"untranslated {msgid!r} ({where})")
    assert not problems, (
        f"{po_path.relative_to(ROOT)}: run `make i18n-update`, translate, `make i18n-compile`:\n"
        + "\n".join(problems)
    )


def _po_files() -> list[Path]:
    return sorted(p for p in ROOT.rglob("locale/*/LC_MESSAGES/messages.po")
                  if ".venv" not in p.parts and "build" not in p.parts)


@pytest.mark.parametrize("po_path", _po_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_compiled_catalogue_matches_its_po(po_path: Path) -> None:
    """The ``.mo`` the app loads holds every translation of its ``.po`` (`make
    i18n-compile`, or any `make install`, rebuilds a changed one)."""
    mo_path = po_path.with_suffix(".mo")
    assert mo_path.is_file(), f"{mo_path.relative_to(ROOT)} missing: run `make i18n-compile`"
    with po_path.open("rb") as fp:
        po = read_po(fp)
    with mo_path.open("rb") as fp:
        mo = read_mo(fp)
    stale = []
    for message in po:
        if not message.id or message.fuzzy or not message.string:
            continue
        compiled = mo.get(message.id, context=message.context)
        as_tuple = (lambda s: tuple(s) if isinstance(s, (list, tuple)) else (s,))
        if compiled is None or as_tuple(compiled.string) != as_tuple(message.string):
            stale.append(repr(message.id))
    assert not stale, f"{mo_path.relative_to(ROOT)} is stale (run `make i18n-compile`): {', '.join(stale[:5])}"


def _typography(text: str) -> str:
    """The French of a translation, typographic variants aside (’ and ', both spellings of
    « événement »): the same meaning written two ways is not a collision."""
    return text.replace("’", "'").replace("évènement", "événement")


@pytest.mark.parametrize("lang", LANGS)
def test_one_msgid_means_one_thing_across_rooms(lang: str) -> None:
    """Python code reads the merged catalogue (one translation per msgid wins), so a msgid
    that two rooms translate differently ("Free": a price's *Gratuit*, freeing a station's
    *Libérer*) shows one room's meaning in the other's messages. Where the meanings differ,
    each room gives its own context: ``pgettext("price", "Free")``."""
    seen: dict[str, dict[str, str]] = {}
    for po_path in _po_files():
        if po_path.parts[-3] != lang:
            continue
        room = str(po_path.parents[3].relative_to(ROOT))
        with po_path.open("rb") as fp:
            catalogue = read_po(fp, locale=lang)
        for message in catalogue:
            if not message.id or message.context or message.fuzzy:
                continue
            msgid = message.id if isinstance(message.id, str) else message.id[0]
            string = (message.string if isinstance(message.string, str)
                      else " | ".join(str(s) for s in message.string or ()))
            if string:
                seen.setdefault(msgid, {})[room] = string
    clashes = [f"{msgid!r}: " + ", ".join(f"{room} {string!r}" for room, string in sorted(rooms.items()))
               for msgid, rooms in sorted(seen.items())
               if len({_typography(s) for s in rooms.values()}) > 1]
    assert not clashes, ("the same msgid translated differently by two rooms: give each "
                         "meaning a context (pgettext):\n" + "\n".join(clashes))


def test_french_uses_the_typographic_apostrophe() -> None:
    """French pages write « l’équipe » with ’ (U+2019), as most of them always did: a
    straight ' inside a word beside them reads as a typo (« Invitations d'équipe » above
    « Nom de l’équipe »)."""
    import re

    inside_word = re.compile(r"(?<=[^\W\d_])'(?=[^\W\d_])")
    found = []
    for po_path in _po_files():
        if po_path.parts[-3] != "fr":
            continue
        with po_path.open("rb") as fp:
            catalogue = read_po(fp, locale="fr")
        for message in catalogue:
            strings = message.string if isinstance(message.string, (list, tuple)) else (message.string,)
            found += [f"{po_path.relative_to(ROOT)}: {s!r}" for s in strings
                      if s and inside_word.search(s)]
    assert not found, "write ’ for the apostrophe in French:\n" + "\n".join(found[:20])
