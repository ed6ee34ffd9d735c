"""Pure account rules: the password policy and display-name cleaning.

No database and no HTTP: plain values in, plain values out, so hypothesis can test them.
:mod:`podium.core.accounts.service` applies them.
"""

from __future__ import annotations

import functools
import unicodedata
from pathlib import Path

from podium.core.i18n import _

MIN_PASSWORD = 8
MAX_PASSWORD = 256
DISPLAY_NAME_MAX = 80
COMMON_PASSWORDS_FILE = Path(__file__).with_name("common_passwords.txt")

# Characters a display name may not carry: control characters (Cc) and invisible format
# characters (Cf), which include the bidi embeddings and overrides U+202A-U+202E and the
# isolates U+2066-U+2069 that make "Alice\u202eecilA" render as another name.
REFUSED_CATEGORIES = frozenset({"Cc", "Cf"})
# Punctuation that only joins words (hyphens, dashes, underscores): "Ann-Marie" and
# "Ann Marie" look like the same person, so the comparison key drops both.
JOINER_CATEGORIES = frozenset({"Pc", "Pd"})


@functools.cache
def common_passwords() -> frozenset[str]:
    """The shipped list of the 10,000 most common passwords (lower case), read once."""
    with COMMON_PASSWORDS_FILE.open(encoding="utf-8") as lines:
        return frozenset(line.rstrip("\n") for line in lines if line.strip())


def password_problem(
    password: str, username: str, common: frozenset[str] | None = None
) -> str | None:
    """Why ``password`` is refused for ``username``, or ``None`` when it is acceptable.

    Refused: shorter than :data:`MIN_PASSWORD` or longer than :data:`MAX_PASSWORD`
    characters, a NUL character, the username itself (any case), or a password on the
    common-password list (any case). ``common`` defaults to :func:`common_passwords`.
    """
    password = password or ""
    if len(password) < MIN_PASSWORD:
        return _("password must be at least %(min)s characters", min=MIN_PASSWORD)
    if len(password) > MAX_PASSWORD or "\x00" in password:
        return _("password is too long or contains a NUL character")
    folded = password.casefold()
    if username and folded == username.strip().casefold():
        return _("password must not be the same as the username")
    if folded in (common_passwords() if common is None else common):
        return _("this password is one of the 10,000 most common passwords; choose another")
    return None


def has_hidden_characters(text: str) -> bool:
    """True if ``text`` holds a control character or an invisible format character
    (bidi overrides and isolates included)."""
    return any(unicodedata.category(ch) in REFUSED_CATEGORIES for ch in text)


def clean_display_name(text: str | None) -> str:
    """``text`` without control or format characters, whitespace runs made one space,
    trimmed to :data:`DISPLAY_NAME_MAX` characters.

    Used on names stored before the rule existed, so a name accepted then still works now
    (shown and used cleaned, never refused later).
    """
    kept = "".join(ch for ch in (text or "") if unicodedata.category(ch) not in REFUSED_CATEGORIES)
    return " ".join(kept.split())[:DISPLAY_NAME_MAX].strip()


def display_name_key(text: str | None) -> str:
    """The form two display names are compared in to tell whether one copies the other.

    NFKC (full-width and styled letters become plain ones), case folding, and no
    whitespace, joining punctuation or hidden characters: "Marie Sprint", "marie-sprint",
    "ＭＡＲＩＥ ＳＰＲＩＮＴ" and "Marie\u200bSprint" share one key.
    """
    folded = unicodedata.normalize("NFKC", text or "").casefold()
    # Case folding can produce characters NFKC would rewrite again (e.g. "ﬃ"): normalise twice.
    folded = unicodedata.normalize("NFKC", folded)
    return "".join(
        ch for ch in folded
        if not ch.isspace()
        and unicodedata.category(ch) not in REFUSED_CATEGORIES | JOINER_CATEGORIES
    )
