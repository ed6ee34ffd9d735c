"""Built-in plugins, each written exactly as a third-party plugin would be.

``BUILTIN`` lists their modules in load order; the app factory loads them before the
``podium`` entry-point group.
"""

BUILTIN: list[str] = [
    "podium.core.venue.plugin", "podium.tournaments.plugin",
    "podium.ticketing.plugin", "podium.social.plugin",
    "podium.plugins.cycling",
    "podium.plugins.esport", "podium.plugins.ledger", "podium.plugins.olympic_hub",
]
