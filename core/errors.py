"""Domain errors raised by services and turned into HTTP answers by the web shell.

Services raise these instead of HTTP exceptions so the rules stay free of HTTP. Each error
carries a stable machine ``code`` (part of the public API contract, always English) and a
human ``detail``, translated for the person reading it: pass ``_("...")`` (translated at raise
time, in the request's locale) or a lazy ``N_("...")`` (translated when ``detail`` is read).
"""

from __future__ import annotations

from typing import Any

from podium.core.i18n import LazyString


class PodiumError(Exception):
    """Base of every expected, user-facing failure. Maps to a 4xx answer."""

    status_code = 400
    code = "bad_request"

    def __init__(self, detail: str | LazyString, *, code: str | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self._detail = detail
        if code:
            self.code = code
        self.extra = extra

    @property
    def detail(self) -> str:
        """What went wrong, for a person, in the current request's locale."""
        return str(self._detail)

    def as_dict(self) -> dict[str, Any]:
        """The JSON body of the error: ``code``, ``detail`` and any extra fields."""
        return {"code": self.code, "detail": self.detail, **self.extra}


class InvalidInput(PodiumError):
    """The request is well formed but its content breaks a rule (422)."""

    status_code = 422
    code = "invalid"


class NotFound(PodiumError):
    """The thing asked for does not exist, or is hidden from this user (404)."""

    status_code = 404
    code = "not_found"


class Conflict(PodiumError):
    """The write clashes with the current state: a double booking, a full slot (409)."""

    status_code = 409
    code = "conflict"


class Unauthenticated(PodiumError):
    """The request needs a signed-in user (401)."""

    status_code = 401
    code = "unauthenticated"


class Forbidden(PodiumError):
    """The signed-in user lacks the role or ownership the write needs (403)."""

    status_code = 403
    code = "forbidden"
