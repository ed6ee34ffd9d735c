"""The words of track cycling as pages show them, translated (French: vitesse, keirin,
poursuite par équipes, omnium, course aux points, américaine, repêchages, séries...).

Stored values stay English and stable (``team_pursuit``, ``entries``; the progression
tables' phase and heat names, the positional labels): pages translate them when shown with
:func:`term`, :func:`heat_label` and :func:`slot_label`, given to every cycling template.
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

_NUMBERED = [
    (re.compile(r"Heat (\d+)"), lambda m: gettext("Heat %(n)s", n=m[1])),
    (re.compile(r"Repechage (\d+)"), lambda m: gettext("Repechage %(n)s", n=m[1])),
    (re.compile(r"Semi-final (\d+)"), lambda m: gettext("Semi-final %(n)s", n=m[1])),
    (re.compile(r"Final (\d+-\d+)"), lambda m: gettext("Final %(places)s", places=m[1])),
    (re.compile(r"Race for (\d+-\d+)"), lambda m: gettext("Race for %(places)s",
                                                          places=m[1])),
    (re.compile(r"race (\d+)"), lambda m: gettext("race %(n)s", n=m[1])),
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


#: What every cycling template is given.
TEMPLATE_HELPERS = {"term": term, "heat_label": heat_label, "slot_label": slot_label,
                    "heat_labels": heat_labels}
