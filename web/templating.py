"""The one Jinja2 environment and the page-rendering helper.

Template search order: plugin folders (from ``podium_template_dirs``: the domains, built-in
and third-party plugins), then the shell's and core's rooms. Every core template is also reachable as ``core:<name>``,
so a plugin that overrides ``base.html`` can still extend ``core:base.html``.
"""

from __future__ import annotations

from pathlib import Path
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PrefixLoader, select_autoescape

WEB_DIR = Path(__file__).parent
ROOT_PACKAGE_DIR = WEB_DIR.parent


def core_template_dirs() -> list[Path]:
    """Template folders of the shell and of every room of core (domains bring theirs
    through ``podium_template_dirs``, as any plugin does)."""
    dirs = [WEB_DIR / "templates"]
    dirs += sorted(p for p in ROOT_PACKAGE_DIR.glob("core/*/templates") if p.is_dir())
    return dirs


def build_environment(plugin_dirs: list[Path]) -> Environment:
    """The Jinja2 environment: plugin folders first, then core; ``core:`` prefix for core."""
    core_loader = FileSystemLoader([str(p) for p in core_template_dirs()])
    loader = ChoiceLoader(
        [
            FileSystemLoader([str(p) for p in plugin_dirs]),
            core_loader,
            PrefixLoader({"core": core_loader}, delimiter=":"),
        ]
    )
    env = Environment(
        loader=loader,
        autoescape=select_autoescape(["html", "xml"], default_for_string=True),
        enable_async=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env
