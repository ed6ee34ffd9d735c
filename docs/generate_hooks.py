"""Generate ``docs/hooks.md``, the hook reference, from ``podium.core.hookspecs``.

Run after changing a hook: ``.venv/bin/python docs/generate_hooks.py``. The suite
(``tests/core/test_hooks_documented.py``) fails when the committed file differs from what
this script writes, so the reference can never fall behind the specifications.
"""

from __future__ import annotations

import inspect
import re
import sys
from dataclasses import dataclass
from pathlib import Path

HOOKS_MD = Path(__file__).with_name("hooks.md")

BANNER = re.compile(r"^# -{10,}\n# (?P<title>[^\n]+)\n# -{10,}$", re.M)
ROLE = re.compile(r":(?:class|func|meth|data|mod|attr):`~?([^`]+)`")
FIELD = re.compile(r"^:(param (?P<arg>\w+)|returns|raises(?: \w+)?):\s*(?P<text>.*)$")


@dataclass
class Hook:
    """One hook specification, parsed for the reference."""

    name: str
    area: str
    signature: str
    summary: str
    body: list[str]
    params: list[tuple[str, str]]
    returns: str
    results: str
    scope: str
    firstresult: bool


def _inline(text: str) -> str:
    """reST inline markup to Markdown: ``code`` and :role:`target` become `code`."""
    text = ROLE.sub(lambda m: f"`{m.group(1)}`", text)
    return text.replace("``", "`")


def _areas(source: str) -> list[tuple[int, str]]:
    """``(offset, title)`` of each banner comment grouping the hooks."""
    return [(m.start(), m.group("title").strip()) for m in BANNER.finditer(source)]


def parse_hooks() -> list[Hook]:
    """Every hook of ``podium.core.hookspecs`` in source order, with its parsed docstring."""
    from podium.core import hookspecs

    source = inspect.getsource(hookspecs)
    areas = _areas(source)
    hooks = []
    for name, fn in vars(hookspecs).items():
        opts = getattr(fn, "podium_spec", None)
        if not name.startswith("podium_") or opts is None:
            continue
        offset = source.index(f"\ndef {name}(")
        area = next((title for start, title in reversed(areas) if start < offset), "Other")
        hooks.append(_parse(name, fn, area, bool(opts.get("firstresult"))))
    hooks.sort(key=lambda h: source.index(f"\ndef {h.name}("))
    return hooks


def _signature(name: str, fn) -> str:
    """``def name(arg: type, ...) -> type`` as written in the source (annotations are
    strings there, because hookspecs uses ``from __future__ import annotations``)."""
    sig = inspect.signature(fn)

    def show(annotation) -> str:
        return annotation if isinstance(annotation, str) else inspect.formatannotation(annotation)

    args = ", ".join(
        p.name if p.annotation is p.empty else f"{p.name}: {show(p.annotation)}"
        for p in sig.parameters.values()
    )
    ret = "" if sig.return_annotation is sig.empty else f" -> {show(sig.return_annotation)}"
    return f"def {name}({args}){ret}"


SCOPE_WORD = re.compile(r"^(global|venue|tournament)\b")


def scope_of(hook: Hook) -> str:
    """The scope keyword (``global``, ``venue`` or ``tournament``) of a hook, or ``""``."""
    match = SCOPE_WORD.match(hook.scope)
    return match.group(1) if match else ""


def _parse(name: str, fn, area: str, firstresult: bool) -> Hook:
    doc = inspect.cleandoc(fn.__doc__ or "")
    lines = doc.splitlines()
    summary = lines[0] if lines else ""
    body: list[str] = []
    params: list[tuple[str, str]] = []
    returns = results = scope = ""
    current: list[str] | None = None  # the field a continuation line belongs to
    for line in lines[1:]:
        stripped = line.strip()
        field = FIELD.match(stripped)
        if field:
            if field.group("arg"):
                params.append((field.group("arg"), field.group("text")))
                current = ["param"]
            elif stripped.startswith(":returns"):
                returns = field.group("text")
                current = ["returns"]
            else:
                current = None
            continue
        if stripped.startswith("Results:"):
            results = stripped.removeprefix("Results:").strip()
            current = ["results"]
            continue
        if stripped.startswith("Scope:"):
            scope = stripped.removeprefix("Scope:").strip()
            current = ["scope"]
            continue
        if line.startswith("    ") and current:
            # A continuation of the field above.
            kind = current[0]
            if kind == "param":
                arg, text = params[-1]
                params[-1] = (arg, f"{text} {stripped}")
            elif kind == "returns":
                returns = f"{returns} {stripped}"
            continue
        if stripped and current and current[0] in {"results", "scope"}:
            if current[0] == "results":
                results = f"{results} {stripped}"
            else:
                scope = f"{scope} {stripped}"
            continue
        if not stripped:
            current = None
        body.append(line)
    signature = _signature(name, fn)
    while body and not body[0].strip():
        body.pop(0)
    while body and not body[-1].strip():
        body.pop()
    return Hook(name, area, signature, summary, body, params, returns, results, scope,
                firstresult)


def render(hooks: list[Hook]) -> str:
    """The Markdown of the hook reference."""
    out = [
        "# Hook reference",
        "",
        "<!-- Generated by docs/generate_hooks.py from core/hookspecs.py; do not edit by hand. -->",
        "",
        "Every hook Podium calls, grouped by area. A plugin implements a hook with a function",
        "of the same name decorated with `podium.core.hookimpl`; it may accept only the",
        "arguments it needs. See [the plugin guide](plugins.md) for a walk-through.",
        "",
        "* **Results** — *collected*: every plugin reached answers and the caller gets a list",
        "  (Podium flattens lists and skips `None`); *first wins*: the first non-`None` answer",
        "  is used. No Podium hook is first-wins today, so any implementation may be `async`",
        "  (the caller awaits it).",
        "* **Scope** — *global*: every loaded plugin is called; *venue*: only plugins enabled",
        "  for the venue; *tournament*: only plugins enabled for the tournament (a tournament",
        "  switch overrides the venue's). Plugins of scope `global` are always reached.",
        "",
        "| hook | area | results | scope |",
        "| --- | --- | --- | --- |",
    ]
    for hook in hooks:
        results = "first wins" if hook.firstresult else "collected"
        scope = scope_of(hook)
        out.append(f"| [`{hook.name}`](#{hook.name}) | {hook.area} | {results} | {scope} |")
    area = None
    for hook in hooks:
        if hook.area != area:
            area = hook.area
            out += ["", f"## {area}"]
        out += ["", f"### `{hook.name}`", "", "```python", hook.signature, "```", ""]
        out.append(_inline(hook.summary))
        if hook.body:
            out += [""] + [_inline(line) for line in hook.body]
        out.append("")
        if hook.params:
            out.append("**Arguments**")
            out.append("")
            out += [f"- `{arg}`: {_inline(text)}" for arg, text in hook.params]
        else:
            out.append("**Arguments**: none.")
        out += ["", f"**Returns**: {_inline(hook.returns) or 'nothing.'}", ""]
        out.append(f"**Results**: {_inline(hook.results)}")
        out.append("")
        out.append(f"**Scope**: {_inline(hook.scope)}")
    return "\n".join(out) + "\n"


def main() -> int:
    """Write ``docs/hooks.md`` (or with ``--check``, exit 1 when it is out of date)."""
    text = render(parse_hooks())
    if "--check" in sys.argv[1:]:
        if not HOOKS_MD.exists() or HOOKS_MD.read_text() != text:
            print("docs/hooks.md is out of date; run docs/generate_hooks.py", file=sys.stderr)
            return 1
        return 0
    HOOKS_MD.write_text(text)
    print(f"wrote {HOOKS_MD}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
