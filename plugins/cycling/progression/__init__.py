"""Progression tables for track cycling competitions, as versioned data, and their resolver.

A table (one YAML file in ``tables/``) lays out a competition's phases, contests and
heats, with riders placed by positional labels ("rank 5 of Q", "winner of 1/8-3"); the
resolver derives start lists, winners and the final classification from the field and
the results entered so far. Pure code: no database, no HTTP.

Public API (stable)::

    load_table(table_id) -> ProgressionTable
    load_table_file(path) -> ProgressionTable          # check a federation's new file
    all_tables() -> list[ProgressionTable]
    tables_for(discipline, riders) -> list[ProgressionTable]   # best first
    resolve(table, field, results) -> Progress
    heat_id(contest_id, race_no, best_of) -> str
    exits(table, riders) -> dict[str, list[str]]       # where each position leads
    verify_table(table, sizes=None) -> list[str]       # play a table through its field sizes
    spread_teams(table, field) -> list[SeededRider]    # team-mates in different first heats

The data types are described in :mod:`podium.plugins.cycling.progression.model`.
"""

from __future__ import annotations

from podium.plugins.cycling.progression.labels import LabelError, parse_key, parse_label
from podium.plugins.cycling.progression.loader import (
    TableError,
    all_tables,
    load_table,
    load_table_file,
    parse_table,
    tables_for,
)
from podium.plugins.cycling.progression.model import (
    Contest,
    ContestState,
    FieldSize,
    Group,
    HeatResult,
    HeatState,
    HeatStatus,
    Phase,
    PhaseState,
    Placing,
    Progress,
    ProgressionTable,
    RiderResult,
    RiderStatus,
    SeededRider,
)
from podium.plugins.cycling.progression.resolver import exits, heat_id, order_heat, resolve
from podium.plugins.cycling.progression.seeding import spread_teams, team_clashes
from podium.plugins.cycling.progression.verify import verify_table

__all__ = [
    "Contest",
    "ContestState",
    "FieldSize",
    "Group",
    "HeatResult",
    "HeatState",
    "HeatStatus",
    "LabelError",
    "Phase",
    "PhaseState",
    "Placing",
    "Progress",
    "ProgressionTable",
    "RiderResult",
    "RiderStatus",
    "SeededRider",
    "TableError",
    "all_tables",
    "exits",
    "heat_id",
    "load_table",
    "load_table_file",
    "order_heat",
    "parse_key",
    "parse_label",
    "parse_table",
    "resolve",
    "spread_teams",
    "tables_for",
    "team_clashes",
    "verify_table",
]
