"""Loading and validating table files (``tables/*.yaml``, shipped as package data).

A file is decoded into a :class:`ProgressionTable` (msgspec checks the shape and types),
then checked for meaning: unique ids, labels and keys that parse, sources that come from
earlier phases declared in ``after``, match contests of exactly two riders. Every problem
raises :class:`TableError` naming the file, so a federation adding a file is told what to
fix.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from importlib import resources
from pathlib import Path

import msgspec
import yaml

from podium.plugins.cycling.progression.labels import (
    LabelError,
    SourceRef,
    parse_key,
    parse_label,
)
from podium.plugins.cycling.progression.model import ProgressionTable

_TABLES_PACKAGE = "podium.plugins.cycling.progression.tables"


class TableError(ValueError):
    """A table file that cannot be used; the message names the file and the problem."""


def parse_table(text: str, name: str) -> ProgressionTable:
    """Decode and validate one table from YAML (or JSON) ``text``; ``name`` is for errors."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise TableError(f"{name}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise TableError(f"{name}: expected a mapping at the top level")
    try:
        table = msgspec.convert(data, ProgressionTable, strict=True)
    except msgspec.ValidationError as exc:
        raise TableError(f"{name}: {exc}") from exc
    problems = list(_check(table))
    if problems:
        raise TableError(f"{name}: " + "; ".join(problems))
    return table


def load_table_file(path: str | Path) -> ProgressionTable:
    """Load and validate a table file from any path (to check a federation's new file)."""
    path = Path(path)
    table = parse_table(path.read_text(encoding="utf-8"), path.name)
    if table.id != path.stem:
        raise TableError(f"{path.name}: the file must be named after its id ({table.id}.yaml)")
    return table


@cache
def _shipped() -> dict[str, ProgressionTable]:
    tables: dict[str, ProgressionTable] = {}
    for entry in sorted(resources.files(_TABLES_PACKAGE).iterdir(), key=lambda e: e.name):
        if not entry.name.endswith((".yaml", ".yml", ".json")):
            continue
        table = parse_table(entry.read_text(encoding="utf-8"), entry.name)
        stem = entry.name.rsplit(".", 1)[0]
        if table.id != stem:
            raise TableError(f"{entry.name}: the file must be named after its id ({table.id})")
        tables[table.id] = table
    return tables


def all_tables() -> list[ProgressionTable]:
    """Every shipped table, by id."""
    return list(_shipped().values())


def load_table(table_id: str) -> ProgressionTable:
    """The shipped table ``table_id``; ``KeyError`` naming the known ids otherwise."""
    tables = _shipped()
    if table_id not in tables:
        raise KeyError(f"no progression table {table_id!r}; shipped: {', '.join(sorted(tables))}")
    return tables[table_id]


def tables_for(discipline: str, riders: int) -> list[ProgressionTable]:
    """The shipped tables of ``discipline`` that cover ``riders`` riders, best first.

    Best first: the highest ``preference`` (the regulation's default table), then the
    narrowest field range (the table written for that size), the newest version, the id.
    """
    found = [t for t in _shipped().values() if t.discipline == discipline and t.covers(riders)]
    found.sort(key=lambda t: (-t.preference, t.riders.max - t.riders.min, -t.version, t.id))
    return found


# ------------------------------------------------------------------------ validation
def _check(table: ProgressionTable) -> Iterable[str]:
    if table.version < 1:
        yield "version must be 1 or more"
    if not 1 <= table.riders.min <= table.riders.max:
        yield "riders: need 1 <= min <= max"
    if not table.phases:
        yield "no phases"
    phase_index: dict[str, int] = {}
    contest_phase: dict[str, int] = {}
    upstream: dict[str, set[str]] = {}
    for i, phase in enumerate(table.phases):
        where = f"phase {phase.id}"
        if phase.id in phase_index:
            yield f"{where}: duplicate phase id"
        if not phase.contests:
            yield f"{where}: no contests"
        if phase.format == "match":
            if phase.best_of < 1 or phase.best_of % 2 == 0:
                yield f"{where}: best_of must be odd (1, 3, 5)"
        elif phase.best_of != 1:
            yield f"{where}: best_of applies to the match format only"
        closure: set[str] = set()
        for source in phase.after:
            if source not in phase_index:
                yield f"{where}: after {source!r} is not an earlier phase"
            else:
                closure |= {source} | upstream[source]
        upstream[phase.id] = closure
        for contest in phase.contests:
            cwhere = f"{where}, contest {contest.id}"
            if contest.id in contest_phase:
                yield f"{cwhere}: duplicate contest id"
            if not contest.slots:
                yield f"{cwhere}: no slots"
            for label in contest.slots:
                try:
                    ref = parse_label(label)
                except LabelError as exc:
                    yield f"{cwhere}: {exc}"
                    continue
                if phase.format == "match" and ref.is_range:
                    yield f"{cwhere}: a match slot names one rider, not {label!r}"
                yield from (
                    f"{cwhere}: {problem}"
                    for problem in _check_source(
                        table, ref, closure, phase_index, contest_phase, set()
                    )
                )
            if phase.format == "match" and len(contest.slots) != 2:
                yield f"{cwhere}: a match contest has exactly two slots"
            contest_phase[contest.id] = i
        phase_index[phase.id] = i
    everything = set(phase_index)
    used = {
        parse_label(label).target
        for label in _all_labels(table)
        if _parses(label) and parse_label(label).kind == "group"
    }
    for name, group in table.groups.items():
        if name not in used:
            yield f"group {name}: never used (no label reads it)"
        for label in group.of:
            if not _parses(label):
                yield f"group {name}: label {label!r} does not parse"
        for key in group.by:
            try:
                parsed = parse_key(key)
            except LabelError as exc:
                yield f"group {name}: {exc}"
                continue
            for pid in parsed.phases:
                if pid not in phase_index:
                    yield f"group {name}: key {key!r} names no phase {pid!r}"
    for label in table.classification:
        try:
            ref = parse_label(label)
        except LabelError as exc:
            yield f"classification: {exc}"
            continue
        yield from (
            f"classification: {problem}"
            for problem in _check_source(table, ref, everything, phase_index, contest_phase, set())
        )
    if not table.classification:
        yield "classification: empty"


def _check_source(
    table: ProgressionTable,
    ref: SourceRef,
    allowed: set[str],
    phase_index: dict[str, int],
    contest_phase: dict[str, int],
    seen_groups: set[str],
) -> Iterable[str]:
    """Problems with one reference read from a phase whose upstream phases are ``allowed``."""
    phases = table.phases
    if ref.kind == "rank":
        if ref.target not in phase_index:
            yield f"{ref.at(ref.first)!r}: no earlier phase {ref.target!r}"
        elif ref.target not in allowed:
            yield f"{ref.at(ref.first)!r}: phase {ref.target!r} is not in after"
        elif len(phases[phase_index[ref.target]].contests) != 1:
            yield f"{ref.at(ref.first)!r}: rank of a phase needs a one-contest phase"
    elif ref.kind == "place":
        if ref.target not in contest_phase:
            yield f"{ref.at(ref.first)!r}: no earlier contest {ref.target!r}"
        elif phases[contest_phase[ref.target]].id not in allowed:
            yield f"{ref.at(ref.first)!r}: its phase {phases[contest_phase[ref.target]].id!r} is not in after"
    elif ref.kind == "group":
        group = table.groups.get(ref.target)
        if group is None:
            yield f"{ref.at(ref.first)!r}: no group {ref.target!r}"
            return
        if ref.target in seen_groups:
            yield f"group {ref.target}: refers to itself"
            return
        for label in group.of:
            try:
                inner = parse_label(label)
            except LabelError as exc:
                yield f"group {ref.target}: {exc}"
                continue
            yield from _check_source(
                table, inner, allowed, phase_index, contest_phase, seen_groups | {ref.target}
            )
        for key in group.by:
            try:
                parsed = parse_key(key)
            except LabelError:
                continue  # reported once, with the group
            for pid in parsed.phases:
                if pid in phase_index and pid not in allowed:
                    yield f"group {ref.target}: key {key!r} reads phase {pid!r}, not in after"


def _all_labels(table: ProgressionTable) -> list[str]:
    """Every label of a table: contest slots, group members, the classification."""
    labels = [label for phase in table.phases for c in phase.contests for label in c.slots]
    labels += [label for group in table.groups.values() for label in group.of]
    return labels + list(table.classification)


def _parses(label: str) -> bool:
    try:
        parse_label(label)
    except LabelError:
        return False
    return True
