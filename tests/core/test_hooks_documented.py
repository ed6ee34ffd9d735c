"""Every hook is specified with its semantics, documented in ``docs/hooks.md`` and
exercised by at least one test.

A test says which hooks it exercises with the ``hooks`` marker (registered by
``podium.core.testing``)::

    @pytest.mark.hooks("podium_routes", "podium_nav_items")
    async def test_something(...): ...

This module imports every test module under ``tests/`` and reads those markers, so it
works whether the whole suite or only this file runs.
"""

from __future__ import annotations

import importlib
import inspect
import re
import runpy
import sys
from pathlib import Path

import pytest

from podium.core import hookspecs

# Pure code: the PostgreSQL pass of the suite skips it (``-m 'not pure'``).
pytestmark = pytest.mark.pure

ROOT = Path(__file__).resolve().parents[2]
TESTS = ROOT / "tests"
DOCS = ROOT / "docs"


def hook_specs() -> dict[str, object]:
    """``{name: function}`` of every hook specification."""
    return {
        name: fn for name, fn in vars(hookspecs).items()
        if name.startswith("podium_") and getattr(fn, "podium_spec", None) is not None
    }


def _generator():
    return runpy.run_path(str(DOCS / "generate_hooks.py"), run_name="podium_docs_generate_hooks")


def _marks_of(obj) -> list:
    marks = getattr(obj, "pytestmark", [])
    return marks if isinstance(marks, list) else [marks]


def exercised_hooks() -> dict[str, list[str]]:
    """``{hook: [test ids]}`` from the ``hooks`` markers of every test under ``tests/``."""
    found: dict[str, list[str]] = {}
    for path in sorted(TESTS.rglob("test_*.py")):
        dotted = "podium." + ".".join(path.relative_to(ROOT).with_suffix("").parts)
        module = importlib.import_module(dotted)
        module_marks = _marks_of(module)
        candidates = [
            (name, obj) for name, obj in vars(module).items()
            if name.startswith("test") and (inspect.isfunction(obj) or inspect.isclass(obj))
        ]
        for name, obj in candidates:
            marks = module_marks + _marks_of(obj)
            if inspect.isclass(obj):
                for attr, method in vars(obj).items():
                    if attr.startswith("test"):
                        marks = marks + _marks_of(method)
            for mark in marks:
                if mark.name == "hooks":
                    for hook in mark.args:
                        found.setdefault(hook, []).append(f"{path.relative_to(ROOT)}::{name}")
    return found


def test_every_hook_states_its_results_and_scope():
    problems = []
    for name, fn in hook_specs().items():
        doc = inspect.getdoc(fn) or ""
        firstresult = bool(fn.podium_spec.get("firstresult"))
        results = re.search(r"^Results: (collected|first wins)\b", doc, re.M)
        if not results:
            problems.append(f"{name}: no 'Results: collected|first wins' line")
        elif (results.group(1) == "first wins") != firstresult:
            problems.append(f"{name}: 'Results: {results.group(1)}' contradicts firstresult={firstresult}")
        if not re.search(r"^Scope: (global|venue|tournament)\b", doc, re.M):
            problems.append(f"{name}: no 'Scope: global|venue|tournament' line")
        if not doc.splitlines() or not doc.splitlines()[0].strip():
            problems.append(f"{name}: no summary line")
        for arg in inspect.signature(fn).parameters:
            if f":param {arg}:" not in doc:
                problems.append(f"{name}: argument {arg!r} is not described")
        if ":returns:" not in doc:
            problems.append(f"{name}: the return value is not described")
    assert not problems, "\n".join(problems)


def test_every_hook_is_in_the_reference():
    text = (DOCS / "hooks.md").read_text()
    missing = [name for name in hook_specs() if f"### `{name}`" not in text]
    assert not missing, f"hooks missing from docs/hooks.md: {missing}"


def test_the_reference_is_up_to_date():
    generator = _generator()
    expected = generator["render"](generator["parse_hooks"]())
    assert (DOCS / "hooks.md").read_text() == expected, (
        "docs/hooks.md is out of date: run .venv/bin/python docs/generate_hooks.py"
    )


def test_the_guide_links_the_reference():
    guide = (DOCS / "plugins.md").read_text()
    assert "hooks.md" in guide


def test_every_hook_is_exercised_by_a_test():
    exercised = exercised_hooks()
    specs = hook_specs()
    unknown = sorted(set(exercised) - set(specs))
    assert not unknown, f"hooks markers name unknown hooks: {unknown}"
    untested = sorted(set(specs) - set(exercised))
    assert not untested, (
        f"hooks without a test: {untested}; write one and mark it "
        "@pytest.mark.hooks(\"<hook name>\")"
    )


def test_the_checker_sees_markers():
    """Guard the checker itself: a marker in this very suite is found."""
    assert "tests/core/test_plugins.py::test_registry_hooks_fill_a_registry" in (
        exercised_hooks()["podium_bracket_formats"]
    )
    assert sys.modules.get("podium.tests.core.test_plugins") is not None


@pytest.mark.parametrize("name", sorted(hook_specs()))
def test_hook_signatures_are_plain(name):
    """Hooks take keyword arguments only (pluggy calls them by name)."""
    params = inspect.signature(hook_specs()[name]).parameters.values()
    assert all(p.kind is p.POSITIONAL_OR_KEYWORD for p in params)
