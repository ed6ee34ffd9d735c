"""The translation marker of the public tournament pages' Python strings (round names,
"winner of W2-4"). Until the i18n machinery is merged it only fills the ``%(name)s``
placeholders; then it is :func:`podium.core.i18n.gettext`."""

from __future__ import annotations

from typing import Any


def _(message: str, **values: Any) -> str:
    """``message`` with its ``%(name)s`` placeholders filled."""
    return message % values if values else message
