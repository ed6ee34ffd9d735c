"""The one Jinja2 environment and the page-rendering helper.

Template search order: plugin folders (from ``podium_template_dirs``: the domains, built-in
and third-party plugins), then the shell's and core's rooms. Every core template is also reachable as ``core:<name>``,
so a plugin that overrides ``base.html`` can still extend ``core:base.html``.

Translations: ``jinja2.ext.i18n`` with new-style gettext whose callables read the request's
locale (:mod:`podium.core.i18n`), and the locale filters ``datetime``, ``date``, ``time``,
``number``, ``money``, ``percent`` (:func:`install_i18n`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PrefixLoader, pass_context, select_autoescape
from jinja2.runtime import Context

from podium.core import i18n

WEB_DIR = Path(__file__).parent
ROOT_PACKAGE_DIR = WEB_DIR.parent


def core_template_dirs() -> list[Path]:
    """Template folders of the shell and of every room of core (domains bring theirs
    through ``podium_template_dirs``, as any plugin does)."""
    dirs = [WEB_DIR / "templates"]
    dirs += sorted(p for p in ROOT_PACKAGE_DIR.glob("core/*/templates") if p.is_dir())
    return dirs


def core_translation_dirs() -> list[Path]:
    """The ``locale`` folders of the shell and of core's rooms (plugins, the domains
    among them, declare theirs through ``podium_translation_dirs``)."""
    dirs = [WEB_DIR / "locale"]
    dirs += sorted(p for p in ROOT_PACKAGE_DIR.glob("core/*/locale") if p.is_dir())
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
    install_i18n(env)
    return env


# --- translations and locale formatting ------------------------------------------------------------------------------


@pass_context
def _locale_url(context: Context, locale: str) -> str:
    """The current page's URL with ``?lang=<locale>`` (other query parameters kept)."""
    request = context.get("request")
    if request is None:
        return f"/?lang={locale}"
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    params.append(("lang", locale))
    return f"{request.url.path}?{urlencode(params)}"


def install_i18n(env: Environment) -> None:
    """Give the Jinja2 environment gettext (``{% trans %}``, ``_()``, ``ngettext``,
    ``pgettext``: new-style, autoescape-safe), the locale switch and the formatting filters.

    The callables read the request's locale from :mod:`podium.core.i18n`'s context
    variable, so concurrent pages in different languages share this one environment.
    """
    env.add_extension("jinja2.ext.i18n")
    # Jinja2's new-style wrappers fill the placeholders (and escape them) themselves: give
    # them the bare catalogue lookups of the current locale.
    # Each template's strings come from its own room's catalogue first (the same English
    # word may be translated otherwise by another room): the context names the template.
    @pass_context
    def gettext(ctx: Context, message: str) -> str:
        return i18n.template_translations(ctx.name).gettext(message)

    @pass_context
    def ngettext(ctx: Context, singular: str, plural: str, n: int) -> str:
        return i18n.template_translations(ctx.name).ngettext(singular, plural, n)

    @pass_context
    def pgettext(ctx: Context, context: str, message: str) -> str:
        return str(i18n.template_translations(ctx.name).pgettext(context, message))

    @pass_context
    def npgettext(ctx: Context, context: str, singular: str, plural: str, n: int) -> str:
        return str(i18n.template_translations(ctx.name).npgettext(context, singular, plural, n))

    env.install_gettext_callables(  # type: ignore[attr-defined]  # added by the extension
        gettext=gettext, ngettext=ngettext, pgettext=pgettext, npgettext=npgettext,
        newstyle=True,
    )
    env.globals.update(
        current_locale=i18n.current_locale,
        locale_names=i18n.LOCALE_NAMES,
        supported_locales=i18n.SUPPORTED_LOCALES,
        locale_url=_locale_url,
    )
    filters: dict[str, Any] = {
        "datetime": i18n.format_datetime,
        "date": i18n.format_date,
        "time": i18n.format_time,
        "number": i18n.format_number,
        "money": i18n.format_money,
        "percent": i18n.format_percent,
        # A string a contract keeps in English (a plugin's description), read here.
        "translated": i18n.translate,
    }
    env.filters.update(filters)

