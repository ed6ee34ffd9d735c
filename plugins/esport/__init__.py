"""E-sport bracket formats, written exactly as a third-party plugin would write them.

Every format is pure (plain data in, plain data out) and implements
:class:`podium.tournaments.engine.BracketFormat`; this module only registers them through
the ``podium_bracket_formats`` hook. See ``docs/formats.md``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from podium.core import PluginMeta, hookimpl
from podium.core.i18n import N_, gettext_noop
from podium.core.venue.service import EventKind
from podium.plugins.esport.formats import (
    double_elimination,
    free_for_all,
    groups_playoffs,
    round_robin,
    single_elimination,
    swiss,
)

PODIUM_PLUGIN = PluginMeta(
    name="esport",
    version="0.1.0",
    description=gettext_noop(
        "E-sport bracket formats: single and double elimination, round robin, Swiss "
        "(FIDE Dutch and CS Major rules), groups then playoffs, free-for-all lobbies."
    ),
    scope="tournament",
    podium_requires=">=0.1",
)

#: The formats this plugin provides, in the order a format picker lists them.
FORMATS = (
    single_elimination.FORMAT,
    double_elimination.FORMAT,
    round_robin.FORMAT,
    swiss.FORMAT,
    groups_playoffs.FORMAT,
    free_for_all.FORMAT,
)


@hookimpl
def podium_translation_dirs() -> list[Path]:
    """The formats' catalogues (their names, descriptions and option labels):
    ``plugins/esport/locale/<lang>/LC_MESSAGES/messages.po``."""
    return [Path(__file__).parent / "locale"]


@hookimpl
def podium_bracket_formats(registry: Any) -> None:
    """Register every esport format under its name."""
    for fmt in FORMATS:
        registry.add(fmt.name, fmt)


ESPORT_TOURNAMENT = EventKind(
    name="esport_tournament",
    label=N_("E-sport tournament"),
    description=N_("A bracket competition in the e-sport arena or the gaming lounge."),
    color="#6b3fd4",
)


@hookimpl
def podium_event_kinds(registry: Any) -> None:
    """Register the ``esport_tournament`` kind of venue event."""
    registry.add(ESPORT_TOURNAMENT.name, ESPORT_TOURNAMENT)
