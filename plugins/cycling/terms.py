"""The words of track cycling as pages show them, translated (French: vitesse, keirin,
poursuite par équipes, omnium, course aux points, américaine, repêchages, séries...).

Stored values stay English and stable (``team_pursuit``, ``entries``; the progression
tables' phase and heat names, the positional labels): pages translate them when shown with
:func:`term`, :func:`heat_label` and :func:`slot_label`, given to every cycling template.
Titles are never stored in a language: a competition without a name of the organiser's
is titled from its category and discipline (:func:`competition_title`), a table by its
shipped title (:func:`table_title`), a programme's phase from its competition and the
table's phase name (:func:`phase_title`), all when shown, in the reader's language.
"""

from __future__ import annotations

import re
from typing import Any

from podium.core.i18n import N_, gettext

#: Stored codes and the words shown for them (``N_``: extracted, translated when shown).
TERMS: dict[str, Any] = {
    # disciplines
    "sprint": N_("sprint"), "keirin": N_("keirin"), "team_sprint": N_("team sprint"),
    "individual_pursuit": N_("individual pursuit"), "team_pursuit": N_("team pursuit"),
    "time_trial": N_("time trial"), "scratch": N_("scratch"), "points": N_("points race"),
    "tempo": N_("tempo race"), "elimination": N_("elimination race"),
    "madison": N_("madison"), "omnium": N_("omnium"),
    # categories
    "elite-men": N_("elite men"), "elite-women": N_("elite women"),
    "junior-men": N_("junior men"), "junior-women": N_("junior women"),
    # levels
    "club": N_("club"), "regional": N_("regional"), "national": N_("national"),
    "continental": N_("continental"), "world": N_("world"),
    # session kinds
    "competition": N_("competition"), "warm-up": N_("warm-up"), "training": N_("training"),
    "public": N_("public"),
    # competition and heat statuses
    "entries": N_("entries"), "running": N_("running"), "finished": N_("finished"),
    "virtual": N_("virtual"), "provisional": N_("provisional"), "final": N_("final"),
    "unneeded": N_("not needed"), "ready": N_("ready"),
    # solver statuses
    "optimal": N_("optimal"), "feasible": N_("feasible"), "infeasible": N_("infeasible"),
    "unknown": N_("unknown"),
}

#: Phase and contest names of the shipped progression tables.
NAMES: dict[str, Any] = {name: lazy for name, lazy in [
    ("Qualifying", N_("Qualifying")),
    ("Qualifying (200 m flying time trial)", N_("Qualifying (200 m flying time trial)")),
    ("Qualifying heats", N_("Qualifying heats")),
    ("1/32 finals", N_("1/32 finals")), ("1/16 finals", N_("1/16 finals")),
    ("1/8 finals", N_("1/8 finals")), ("Quarter-finals", N_("Quarter-finals")),
    ("Semi-finals", N_("Semi-finals")), ("Finals", N_("Finals")), ("Final", N_("Final")),
    ("1/32 repechages", N_("1/32 repechages")), ("1/16 repechages", N_("1/16 repechages")),
    ("1/8 repechages", N_("1/8 repechages")), ("Repechages", N_("Repechages")),
    ("First repechages", N_("First repechages")),
    ("Second repechages", N_("Second repechages")),
    ("First round", N_("First round")), ("Second round", N_("Second round")),
    ("Final for gold", N_("Final for gold")), ("Final for bronze", N_("Final for bronze")),
    ("Final for places 5-8", N_("Final for places 5-8")),
    ("Scratch race", N_("Scratch race")), ("Tempo race", N_("Tempo race")),
    ("Elimination race", N_("Elimination race")), ("Points race", N_("Points race")),
    ("Time trial", N_("Time trial")),
]}

#: The shipped progression tables' titles (a federation's own file shows its own title).
TABLE_TITLES: dict[str, Any] = {title: lazy for title, lazy in [
    ("Time trial (1 km or 500 m): one timed phase",
     N_("Time trial (1 km or 500 m): one timed phase")),
    ("Tempo race: one final (up to 24 riders)", N_("Tempo race: one final (up to 24 riders)")),
    ("Team sprint: qualifying, first round 1 v 8 ... 4 v 5, finals for gold and bronze",
     N_("Team sprint: qualifying, first round 1 v 8 ... 4 v 5, finals for gold and bronze")),
    ("Team pursuit: qualifying, first round 6 v 7, 5 v 8, 2 v 3, 1 v 4, finals",
     N_("Team pursuit: qualifying, first round 6 v 7, 5 v 8, 2 v 3, 1 v 4, finals")),
    ("Sprint: Olympic table, 1/32 finals for the best 24 with repechages",
     N_("Sprint: Olympic table, 1/32 finals for the best 24 with repechages")),
    ("Sprint: 200 m qualifying, quarter-finals for the best 8",
     N_("Sprint: 200 m qualifying, quarter-finals for the best 8")),
    ("Sprint: 200 m qualifying, 1/16 finals for the best 28 (seeds 1-4 bye)",
     N_("Sprint: 200 m qualifying, 1/16 finals for the best 28 (seeds 1-4 bye)")),
    ("Scratch race: two qualifying heats, final of 24",
     N_("Scratch race: two qualifying heats, final of 24")),
    ("Scratch race: one final (up to 24 riders)",
     N_("Scratch race: one final (up to 24 riders)")),
    ("Points race: two qualifying heats, final of 24",
     N_("Points race: two qualifying heats, final of 24")),
    ("Points race: one final (up to 24 riders)", N_("Points race: one final (up to 24 riders)")),
    ("Omnium: scratch, tempo, elimination, points race",
     N_("Omnium: scratch, tempo, elimination, points race")),
    ("Madison: one final (up to 18 teams)", N_("Madison: one final (up to 18 teams)")),
    ("Keirin: one final (up to 7 riders)", N_("Keirin: one final (up to 7 riders)")),
    ("Keirin: 8-11 riders, two heats, finals 1-6 and 7-12",
     N_("Keirin: 8-11 riders, two heats, finals 1-6 and 7-12")),
    ("Keirin: 43-49 riders, first round, repechages, second round, repechages, semi-finals, "
     "finals", N_("Keirin: 43-49 riders, first round, repechages, second round, repechages, "
                  "semi-finals, finals")),
    ("Keirin: 29-42 riders, first round, repechages, second round, finals 1-6 and 7-12",
     N_("Keirin: 29-42 riders, first round, repechages, second round, finals 1-6 and 7-12")),
    ("Keirin: 22-28 riders, first round, repechages, second round, finals 1-6 and 7-12",
     N_("Keirin: 22-28 riders, first round, repechages, second round, finals 1-6 and 7-12")),
    ("Keirin: 21 riders, first round, repechages, second round, finals 1-6 and 7-12",
     N_("Keirin: 21 riders, first round, repechages, second round, finals 1-6 and 7-12")),
    ("Keirin: 15-20 riders, first round, repechages, second round, finals 1-6 and 7-12",
     N_("Keirin: 15-20 riders, first round, repechages, second round, finals 1-6 and 7-12")),
    ("Keirin: 12-14 riders, two heats, finals 1-6 and 7-12",
     N_("Keirin: 12-14 riders, two heats, finals 1-6 and 7-12")),
    ("Individual pursuit: qualifying, finals 1 v 2 and 3 v 4",
     N_("Individual pursuit: qualifying, finals 1 v 2 and 3 v 4")),
    ("Elimination race: one final (up to 24 riders)",
     N_("Elimination race: one final (up to 24 riders)")),
    ("One race", N_("One race")),
]}

_NUMBERED = [
    (re.compile(r"Heat (\d+)"), lambda m: gettext("Heat %(n)s", n=m[1])),
    (re.compile(r"Repechage (\d+)"), lambda m: gettext("Repechage %(n)s", n=m[1])),
    (re.compile(r"Semi-final (\d+)"), lambda m: gettext("Semi-final %(n)s", n=m[1])),
    (re.compile(r"Final (\d+-\d+)"), lambda m: gettext("Final %(places)s", places=m[1])),
    (re.compile(r"Race for (\d+-\d+)"), lambda m: gettext("Race for %(places)s",
                                                          places=m[1])),
    (re.compile(r"race (\d+)"), lambda m: gettext("race %(n)s", n=m[1])),
    # A contest between two seeds ("1 v 8"): French writes "1 contre 8".
    (re.compile(r"(\d+) v (\d+)"), lambda m: gettext("%(first)s v %(second)s",
                                                      first=m[1], second=m[2])),
]

_SLOTS = [
    (re.compile(r"seed (\d+)"), lambda m: gettext("seed %(n)s", n=m[1])),
    (re.compile(r"seeds (\S+)"), lambda m: gettext("seeds %(range)s", range=m[1])),
    (re.compile(r"winner of (\S+)"), lambda m: gettext("winner of %(heat)s", heat=m[1])),
    (re.compile(r"loser of (\S+)"), lambda m: gettext("loser of %(heat)s", heat=m[1])),
    (re.compile(r"place (\d+) of (\S+)"),
     lambda m: gettext("place %(n)s of %(heat)s", n=m[1], heat=m[2])),
    (re.compile(r"rank (\d+) of group (\S+)"),
     lambda m: gettext("rank %(n)s of group %(group)s", n=m[1], group=m[2])),
    (re.compile(r"rank (\d+) of (\S+)"),
     lambda m: gettext("rank %(n)s of %(phase)s", n=m[1], phase=m[2])),
]


def term(value: Any) -> str:
    """A stored code (discipline, category, level, status...) in the reader's language;
    an unknown value is shown as it is."""
    found = TERMS.get(value) if isinstance(value, str) else None
    return str(found) if found is not None else str(value if value is not None else "")


def _part(text: str) -> str:
    if text in NAMES:
        return str(NAMES[text])
    for pattern, words in _NUMBERED:
        match = pattern.fullmatch(text)
        if match:
            return str(words(match))
    return text


def heat_label(label: str) -> str:
    """A heat's label ("1/8 finals, 1/8-3, race 2", "Heat 1") in the reader's language:
    each comma-separated part translated when it is a known name."""
    return ", ".join(_part(p) for p in (label or "").split(", "))


def slot_label(label: str) -> str:
    """A positional label ("winner of R1-2", "seed 5") in the reader's language."""
    for pattern, words in _SLOTS:
        match = pattern.fullmatch(label or "")
        if match:
            return str(words(match))
    return label or ""


def heat_labels(heats: list[dict[str, Any]]) -> str:
    """Heats' labels, translated, joined with commas."""
    return ", ".join(heat_label(h["label"]) for h in heats)


def legacy_default_name(category: str, discipline: str) -> str:
    """The English name a competition got when added without one, before titles were
    derived when shown ("Elite men sprint"): such a stored name is shown as the derived
    title, translated."""
    words = f"{category} {discipline}".replace("_", " ").replace("-", " ")
    return words[:1].upper() + words[1:]


def competition_title(comp: dict[str, Any]) -> str:
    """A competition's title in the reader's language: the organiser's own name when
    given, else its category and discipline ("Elite women sprint", "Vitesse élite
    femmes")."""
    name = (comp.get("name") or "").strip()
    category, discipline = comp.get("category") or "", comp.get("discipline") or ""
    if name and name != legacy_default_name(category, discipline):
        return name
    words = gettext("%(category)s %(discipline)s", category=term(category),
                    discipline=term(discipline))
    return words[:1].upper() + words[1:]


def table_title(title: str) -> str:
    """A progression table's title in the reader's language (a shipped table's; another
    file's own title as it is written)."""
    found = TABLE_TITLES.get(title)
    return str(found) if found is not None else title


def phase_title(competition: str, phase_name: str) -> str:
    """A programme entry: a competition's title and one of its phases ("Elite women
    sprint — Quarter-finals"), in the reader's language."""
    if not phase_name:
        return competition
    return gettext("%(competition)s — %(phase)s", competition=competition,
                   phase=heat_label(phase_name))


#: What every cycling template is given.
TEMPLATE_HELPERS = {"term": term, "heat_label": heat_label, "slot_label": slot_label,
                    "heat_labels": heat_labels, "table_title": table_title,
                    "competition_title": competition_title}
