"""Translations (Babel, gettext catalogues) and the locale of the current request.

The web shell's locale middleware sets the request's locale in a context variable
(:func:`use_locale`); everything below reads it, so pages rendered concurrently each get
their own language from the one shared Jinja2 environment.

Strings a person reads are marked where they are written:

* ``_("Sign in")`` / ``gettext`` — translated now, in the current request's locale (in a
  handler, a service called by one, or a template as ``{{ _("Sign in") }}``);
* ``ngettext("%(num)d place", "%(num)d places", n)`` — plural forms;
* ``pgettext("verb", "Book")`` — the same English word with two meanings;
* ``lazy_gettext("Calendar")`` (alias ``N_``) — for strings defined at import time (nav
  labels, page-slot labels, module constants, error details built before a request): a
  :class:`LazyString` translated each time it is shown (``str()``, Jinja output).

Named placeholders use ``%(name)s`` and are passed as keyword arguments:
``_("Hello %(name)s", name=user.name)`` (as in Jinja2's new-style gettext). Domain errors
(:mod:`podium.core.errors`) keep a stable English ``code`` and carry a translatable
``detail``.

Catalogues: one per room or plugin, ``<room>/locale/<lang>/LC_MESSAGES/messages.po``,
compiled to ``.mo`` by ``make install`` (or ``make i18n-compile``); plugins declare their
``locale`` folder through the ``podium_translation_dirs`` hook and the shell merges them
(:func:`load_catalogues`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime, time, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel import dates as babel_dates
from babel import numbers as babel_numbers
from babel.lists import format_list as babel_format_list
from babel.core import negotiate_locale
from babel.support import LazyProxy, NullTranslations, Translations

log = logging.getLogger("podium.i18n")

#: The locales Podium speaks; the first is the default (and the language of the sources).
SUPPORTED_LOCALES: tuple[str, ...] = ("en", "fr")
DEFAULT_LOCALE = SUPPORTED_LOCALES[0]
#: What people read in the language switch (each in its own language).
LOCALE_NAMES: dict[str, str] = {"en": "English", "fr": "Français"}
#: The cookie that remembers the choice made with the switch (``?lang=fr``).
LOCALE_COOKIE = "podium_lang"
#: The gettext domain of every catalogue (``messages.po`` / ``messages.mo``).
DOMAIN = "messages"

_locale: ContextVar[str] = ContextVar("podium_locale", default=DEFAULT_LOCALE)
_catalogues: dict[str, NullTranslations] = {}
# Per locale, the catalogue of the room whose templates live under a given top-level
# template folder ("tournaments/", "venue/"), falling back to the merged one.
_room_catalogues: dict[str, dict[str, NullTranslations]] = {}
_NULL = NullTranslations()

#: A string translated when shown (``str(value)``), made by :func:`lazy_gettext`.
LazyString = LazyProxy


# --- the current locale -----------------------------------------------------------------


def current_locale() -> str:
    """The locale of the current request (``"en"``, ``"fr"``); the default outside one.

    Page caches put it in their keys: the same URL renders differently per locale.
    """
    return _locale.get()


def set_locale(locale: str) -> None:
    """Set the current context's locale (an unsupported one falls back to the default).

    The locale middleware calls this once per request; prefer :func:`use_locale` elsewhere.
    """
    _locale.set(locale if locale in SUPPORTED_LOCALES else DEFAULT_LOCALE)


@contextmanager
def use_locale(locale: str) -> Iterator[str]:
    """Run a block in ``locale`` (tests, the outbox rendering a fragment for a locale)."""
    token = _locale.set(locale if locale in SUPPORTED_LOCALES else DEFAULT_LOCALE)
    try:
        yield _locale.get()
    finally:
        _locale.reset(token)


def babel_locale(locale: str | None = None) -> Locale:
    """The :class:`babel.Locale` of ``locale`` (default: the current one), for babel's
    date and number formatting."""
    return Locale.parse(locale or current_locale())


def parse_locale(value: str | None) -> str | None:
    """A supported locale named by ``value`` (``fr``, ``fr-FR``, ``fr_CA``), or ``None``."""
    if not value:
        return None
    try:
        language = Locale.parse(value.strip().replace("-", "_")[:20]).language
    except (UnknownLocaleError, ValueError, TypeError):
        return None
    return language if language in SUPPORTED_LOCALES else None


def negotiate(accept_language: str | None) -> str | None:
    """The supported locale a browser's ``Accept-Language`` prefers, or ``None``.

    Weights (``q=``) order the preferences; babel's ``negotiate_locale`` matches them
    against :data:`SUPPORTED_LOCALES` (``fr-FR`` matches ``fr``).
    """
    if not accept_language:
        return None
    preferred: list[tuple[float, int, str]] = []
    for index, part in enumerate(accept_language.split(",")[:32]):
        tag, _sep, params = part.strip().partition(";")
        weight = 1.0
        if params.strip().startswith("q="):
            try:
                weight = float(params.strip()[2:])
            except ValueError:
                weight = 0.0
        if tag and tag != "*" and weight > 0:
            preferred.append((-weight, index, tag.strip().replace("-", "_")))
    tags = [tag for _w, _i, tag in sorted(preferred)]
    # Both "fr_FR" and its language "fr": negotiate_locale matches whole tags.
    candidates: list[str] = []
    for tag in tags:
        candidates += [tag, tag.split("_")[0]]
    found = negotiate_locale(candidates, list(SUPPORTED_LOCALES), sep="_")
    return parse_locale(found) if found else None


# --- catalogues ----------------------------------------------------------------------------


def load_catalogues(locale_dirs: Iterable[Path]) -> dict[str, NullTranslations]:
    """Load and merge the compiled catalogues (``.mo``) of every folder, per locale, and
    make them the ones :func:`gettext` uses.

    :param locale_dirs: ``locale`` folders (``<dir>/<lang>/LC_MESSAGES/messages.mo``), in
        priority order: a message translated by an earlier folder wins.
    :returns: ``{locale: translations}`` for every supported locale.
    """
    dirs = list(dict.fromkeys(Path(d) for d in locale_dirs))
    merged: dict[str, NullTranslations] = {}
    for locale in SUPPORTED_LOCALES:
        combined: Translations | None = None
        # Later folders first, so an earlier folder's translation overrides theirs.
        for folder in reversed(dirs):
            mo = folder / locale / "LC_MESSAGES" / f"{DOMAIN}.mo"
            if not mo.is_file():
                if locale != DEFAULT_LOCALE and (mo.with_suffix(".po")).is_file():
                    log.warning("%s is not compiled: run `make i18n-compile`", mo.with_suffix(".po"))
                continue
            with mo.open("rb") as fp:
                catalogue = Translations(fp, domain=DOMAIN)
            if combined is None:
                combined = catalogue
            else:
                combined.merge(catalogue)
        merged[locale] = combined if combined is not None else NullTranslations()
    _catalogues.clear()
    _catalogues.update(merged)
    _room_catalogues.clear()
    for locale in SUPPORTED_LOCALES:
        _room_catalogues[locale] = _rooms_of(dirs, locale, merged[locale])
    return merged


def _rooms_of(dirs: list[Path], locale: str, merged: NullTranslations
              ) -> dict[str, NullTranslations]:
    """``{template folder: the room's own catalogue, then the merged one}``: a room keeps
    its own French for an English word another room translates otherwise ("Start": a
    tournament's "Lancer", an event form's "Début"). A room is a ``locale`` folder's
    parent; its templates are the sub-folders of its ``templates`` folder."""
    rooms: dict[str, NullTranslations] = {}
    for folder in dirs:
        mo = folder / locale / "LC_MESSAGES" / f"{DOMAIN}.mo"
        templates = folder.parent / "templates"
        if not mo.is_file() or not templates.is_dir():
            continue
        with mo.open("rb") as fp:
            own = Translations(fp, domain=DOMAIN)
        own.add_fallback(merged)
        for sub in templates.iterdir():
            if sub.is_dir():
                rooms.setdefault(sub.name, own)
    return rooms


def translations(locale: str | None = None) -> NullTranslations:
    """The merged catalogue of ``locale`` (default: the current request's)."""
    return _catalogues.get(locale or current_locale(), _NULL)


def template_translations(template_name: str | None, locale: str | None = None
                          ) -> NullTranslations:
    """The catalogue a template's strings come from: its room's own first (by the
    template's top folder, ``tournaments/console.html`` → the tournaments' catalogue),
    then the merged one."""
    locale = locale or current_locale()
    if template_name and "/" in template_name:
        room = template_name.split(":", 1)[-1].split("/", 1)[0]
        own = _room_catalogues.get(locale, {}).get(room)
        if own is not None:
            return own
    return translations(locale)


# --- dates, times and numbers ------------------------------------------------------------

#: Podium's named formats (babel patterns; names and months come out in the locale).
#: Any other value is handed to babel (``short``/``medium``/``long``/``full`` or a pattern).
DATE_FORMATS: dict[str, str] = {
    "datetime": "EEE d MMM y, HH:mm",  # Tue 24 Nov 2026, 18:30 / mar. 24 nov. 2026, 18:30
    "date": "d MMM y",  # 24 Nov 2026 / 24 nov. 2026
    "time": "HH:mm",  # 18:30 (the venue is French: 24-hour clock in both languages)
    "day": "EEE dd MMM",  # Tue 24 Nov / mar. 24 nov.
    "long_day": "EEEE dd MMMM y",  # Tuesday 24 November 2026 / mardi 24 novembre 2026
    "day_time": "EEE dd MMM HH:mm",  # Tue 24 Nov 18:30
    "weekday": "EEE",  # Tue / mar.
    "weekday_long": "EEEE",  # Tuesday / mardi
    "month": "MMM",  # Nov / nov.
    "day_month": "dd MMM",  # 24 Nov
    "iso": "yyyy-MM-dd HH:mm",  # 2026-11-24 18:30 (logs, ledgers: no names)
}


def set_default_timezone(tz: str) -> None:
    """Set the venue time zone used when a formatter is given none (from the settings)."""
    global _DEFAULT_TZ_NAME
    ZoneInfo(tz)  # an unknown zone fails here, at start-up
    _DEFAULT_TZ_NAME = tz


#: The venue's time zone when a caller names none (``PODIUM_TIMEZONE``; the app sets it).
_DEFAULT_TZ_NAME = "Europe/Paris"


def _zone(tz: str | None) -> ZoneInfo:
    return ZoneInfo(tz or _DEFAULT_TZ_NAME)


def _pattern(format: str) -> str:
    return DATE_FORMATS.get(format, format)


def parse_instant(value: str) -> datetime:
    """An aware datetime from ISO 8601 text (``2026-11-24T18:30:00Z``, an offset, or none:
    then UTC), for instants kept as text (a ledger entry, a scan's JSON answer).

    :raises ValueError: text that is not an ISO 8601 date-time.
    """
    moment = datetime.fromisoformat(value.strip())
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def format_datetime(value: datetime | str | None, format: str = "datetime", tz: str | None = None,
                    locale: str | None = None) -> str:
    """An instant in the venue's zone (``tz``), written for the locale.

    :param format: a name of :data:`DATE_FORMATS`, a babel name (``short``...) or pattern.
    A naive datetime is taken as UTC; ISO 8601 text is parsed (:func:`parse_instant`), and
    text that is not is shown as it is (a page never fails on a stored value). ``None``
    gives ``""``.
    """
    if value is None:
        return ""
    if isinstance(value, str):
        try:
            moment = parse_instant(value)
        except ValueError:
            return value
    else:
        moment = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    return babel_dates.format_datetime(moment, _pattern(format), tzinfo=_zone(tz),
                                       locale=babel_locale(locale))


def format_date(value: date | datetime | str | None, format: str = "date", tz: str | None = None,
                locale: str | None = None) -> str:
    """A calendar day for the locale (an instant is first moved into the venue's zone;
    ISO 8601 text as in :func:`format_datetime`)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return format_datetime(value, format, tz, locale)
    if isinstance(value, datetime):
        value = (value if value.tzinfo else value.replace(tzinfo=timezone.utc)).astimezone(_zone(tz)).date()
    return babel_dates.format_date(value, _pattern(format), locale=babel_locale(locale))


def format_time(value: datetime | time | str | None, format: str = "time", tz: str | None = None,
                locale: str | None = None) -> str:
    """A time of day for the locale (an instant in the venue's zone; ISO 8601 text as in
    :func:`format_datetime`)."""
    if value is None:
        return ""
    if isinstance(value, (datetime, str)):
        return format_datetime(value, format, tz, locale)
    return babel_dates.format_time(value, _pattern(format), locale=babel_locale(locale))


def format_number(value: float | int | Decimal | None, decimals: int | None = None,
                  locale: str | None = None) -> str:
    """A number for the locale (``1,234.5`` / ``1 234,5``); ``decimals`` fixes the digits."""
    if value is None:
        return ""
    if decimals is not None:
        pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
        return babel_numbers.format_decimal(value, format=pattern, locale=babel_locale(locale))
    return babel_numbers.format_decimal(value, locale=babel_locale(locale))


#: How Podium writes amounts: digits for the locale, then the ISO code, as on tickets and
#: receipts (``1,500.50 EUR`` / ``1 500,50 EUR``).
MONEY_PATTERN = "#,##0.00 ¤¤"


def format_money(cents: int | None, currency: str = "EUR", locale: str | None = None) -> str:
    """An amount given in cents, in ``currency``, for the locale (``12.50 EUR`` /
    ``12,50 EUR``)."""
    if cents is None:
        return ""
    return babel_numbers.format_currency(Decimal(cents) / 100, currency or "EUR",
                                         format=MONEY_PATTERN, locale=babel_locale(locale))


def format_percent(value: float | None, locale: str | None = None) -> str:
    """A ratio as a percentage for the locale (``0.25`` → ``25%`` / ``25 %``)."""
    if value is None:
        return ""
    return babel_numbers.format_percent(value, locale=babel_locale(locale))


def format_list(items: Iterable[str], locale: str | None = None) -> str:
    """Words joined as the locale joins a list ("Tuesday and Thursday", "a, b, and c" /
    "mardi et jeudi", "a, b et c"); empty for no items."""
    return babel_format_list([str(item) for item in items], locale=babel_locale(locale))


# --- marking and translating ---------------------------------------------------------------


def _format(text: str, variables: dict[str, Any]) -> str:
    return text % variables if variables else text


def gettext(message: str, /, **variables: Any) -> str:
    """``message`` translated into the current locale, ``%(name)s`` filled from ``variables``."""
    return _format(translations().gettext(message), variables)


#: The usual short name, recognised by ``pybabel extract``.
_ = gettext


def ngettext(singular: str, plural: str, n: int, /, **variables: Any) -> str:
    """The singular or plural form for ``n`` (``%(num)d`` is ``n``), translated."""
    variables.setdefault("num", n)
    return _format(translations().ngettext(singular, plural, n), variables)


def pgettext(context: str, message: str, /, **variables: Any) -> str:
    """``message`` translated in a ``context`` that tells two same English words apart."""
    return _format(str(translations().pgettext(context, message)), variables)


def npgettext(context: str, singular: str, plural: str, n: int, /, **variables: Any) -> str:
    """:func:`ngettext` with a context."""
    variables.setdefault("num", n)
    return _format(translations().npgettext(context, singular, plural, n), variables)


def lazy_gettext(message: str, /, **variables: Any) -> LazyString:
    """A string translated each time it is shown, in the locale of that moment.

    For strings defined before any request: nav labels, page-slot labels, module-level
    messages. ``str(value)``, string formatting and Jinja output translate it.
    """
    return LazyProxy(gettext, message, enable_cache=False, **variables)


#: Short name of :func:`lazy_gettext` (recognised by ``pybabel extract``).
N_ = lazy_gettext


def gettext_noop(message: str, /) -> str:
    """``message`` unchanged, marked for ``pybabel extract``: for plain strings a contract
    keeps as ``str`` (a format's option labels, also served as English by the API) and that
    the page translates when it shows them (``gettext(label)``)."""
    return message


def lazy_ngettext(singular: str, plural: str, n: int, /, **variables: Any) -> LazyString:
    """:func:`ngettext`, translated when shown (a rule described at start-up: "%(num)s
    point per athlete you follow")."""
    return LazyProxy(ngettext, singular, plural, n, enable_cache=False, **variables)


def lazy_pgettext(context: str, message: str, /, **variables: Any) -> LazyString:
    """:func:`pgettext`, translated when shown."""
    return LazyProxy(pgettext, context, message, enable_cache=False, **variables)


def text(value: object) -> str:
    """``value`` as shown to a person now: a lazy string translated, anything else ``str``."""
    return str(value)


def english(value: str | LazyString) -> str:
    """The English (source) text of a marked string: a lazy string's ``msgid`` with its
    placeholders filled, a plain string as it is. For what stays English (JSON, the CLI)."""
    if isinstance(value, LazyProxy):
        with use_locale(DEFAULT_LOCALE):
            return str(value)
    return value


def translate(value: str | LazyString) -> str:
    """What a person reads now of a string marked where it was written and kept as its
    English text (``gettext_noop``: a plugin's description) or made lazy (``N_``):
    translated into the current locale from the merged catalogues. The empty string stays
    empty (gettext would answer a catalogue's header), and ``%`` needs no escaping."""
    if isinstance(value, LazyProxy):
        return str(value)
    return translations().gettext(value) if value else ""


def stored_label(labels: Mapping[str, str | LazyString], value: str | None) -> str:
    """What a person reads for an English word stored as data (a status, an action kind):
    its label from ``labels`` (lazy strings) in the current locale. A value the table does
    not know (a plugin's own) reads as itself, underscores as spaces; ``None`` as nothing."""
    if value is None:
        return ""
    found = labels.get(value)
    return str(found) if found is not None else str(value).replace("_", " ")


__all__ = [
    "DEFAULT_LOCALE", "LOCALE_COOKIE", "LOCALE_NAMES", "SUPPORTED_LOCALES", "LazyString", "N_",
    "_", "babel_locale", "current_locale", "format_date", "format_datetime", "format_money",
    "format_number", "format_percent", "format_time", "set_default_timezone", "gettext",
    "gettext_noop", "lazy_gettext",
    "lazy_ngettext", "lazy_pgettext",
    "load_catalogues", "negotiate", "ngettext", "npgettext", "parse_instant", "parse_locale",
    "pgettext", "set_locale", "stored_label", "text", "translate", "english", "translations",
    "use_locale",
]
