"""Which bracket formats exist, which are enabled where, and the check of a tournament's
options by its format.

A format is a pure object registered by a plugin through the ``podium_bracket_formats``
hook (see ``docs/formats.md``); the domain only looks formats up by name here.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from podium.core.activation.service import enabled_plugins
from podium.core.errors import InvalidInput
from podium.core.i18n import _
from podium.core.settings import load_settings
from podium.core.events import ScopeRef
from podium.core.plugins import PluginHost, Registry, RegistryHook
from podium.tournaments.engine import BracketFormat
from podium.tournaments.kernel import scope_of

#: The typed key of ``podium_bracket_formats``.
BRACKET_FORMATS: RegistryHook[BracketFormat] = RegistryHook("podium_bracket_formats")


def formats(host: PluginHost) -> Registry[BracketFormat]:
    """Every registered bracket format (enabled or not)."""
    return host.registry(BRACKET_FORMATS)


async def available_formats(
    host: PluginHost, venue_id: int | None, tournament_id: int | None = None
) -> dict[str, BracketFormat]:
    """Formats whose plugin is enabled for the venue (and tournament, if given)."""
    enabled = await enabled_plugins(host, venue_id, _scope(tournament_id))
    return dict(formats(host).enabled(enabled))


async def format_for(
    host: PluginHost, name: str, venue_id: int | None, tournament_id: int | None = None
) -> BracketFormat:
    """The format called ``name``, if it exists and its plugin is enabled here.

    :raises InvalidInput: ``unknown_format`` or ``format_disabled``.
    """
    registry = formats(host)
    fmt = registry.get(name)
    if fmt is None:
        known = ", ".join(registry.names()) or "none"
        raise InvalidInput(_("unknown format %(name)s; known formats: %(known)s", name=f"{name!r}", known=known),
                           code="unknown_format", field="format")
    owner = registry.owner(name)
    if owner not in await enabled_plugins(host, venue_id, _scope(tournament_id)):
        raise InvalidInput(
            _("format %(name)s belongs to plugin %(owner)s, which is not enabled here", name=f"{name!r}", owner=f"{owner!r}"),
            code="format_disabled", field="format",
        )
    return fmt


def _scope(tournament_id: int | None) -> ScopeRef | None:
    return scope_of(tournament_id) if tournament_id is not None else None


def format_owner(host: PluginHost, format_name: str) -> str | None:
    """The plugin that provides a format (``None`` when no loaded plugin does)."""
    registry = formats(host)
    return registry.owner(format_name) if registry.get(format_name) is not None else None


def check_options(fmt: BracketFormat, options: Any) -> dict[str, Any]:
    """A tournament's options completed and checked by its format (storable as JSON).

    :raises InvalidInput: not an object, or the format refuses an option (it is named).
    """
    if options is None:
        options = {}
    if not isinstance(options, Mapping):
        raise InvalidInput(_("options must be an object"), field="options")
    try:
        checked = fmt.validate_options(options)
        json.dumps(checked)
    except (ValueError, TypeError) as exc:
        raise InvalidInput(_("options: %(reason)s", reason=exc), field="options") from exc
    return checked


def match_limit(fmt: BracketFormat) -> int:
    """The most matches a tournament of this format may create here: the format's own
    ceiling (``max_matches``) within the venue's ``PODIUM_MAX_MATCHES_PER_TOURNAMENT``."""
    venue = load_settings().max_matches_per_tournament
    own = getattr(fmt, "max_matches", None)
    return venue if own is None else min(int(own), venue)


def check_size(fmt: BracketFormat, entrants: int, options: Mapping[str, Any],
               field: str = "capacity") -> None:
    """Refuse a field whose bracket would exceed :func:`match_limit`, before anything is
    built: creating a tournament with that capacity, or starting one with that field.

    :raises InvalidInput: ``too_many_matches`` (422), naming the count, the limit and what
        to change (a round robin suggests groups).
    """
    limit = match_limit(fmt)
    # A third-party format written before the limit existed (no match_count): one match
    # per entrant, the least any format creates, so the venue's limit still holds.
    count_of = getattr(fmt, "match_count", None)
    count = count_of(entrants, options) if count_of is not None else entrants
    if count > limit:
        explain = getattr(fmt, "too_many_matches", None)
        reason = (explain(entrants, options, limit) if explain is not None else
                  f"{entrants:,} entrants would create {count:,} matches; at most {limit:,} "
                  "are allowed per tournament")
        raise InvalidInput(reason, code="too_many_matches", field=field)
