"""Format options: declared once, validated the same way everywhere.

A format lists its options as :class:`OptionSpec`; :func:`validate_options` fills defaults
and turns a bad value into a ``ValueError`` whose message names the option and says what
would be accepted — the domain shows that message to the organiser as is.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

#: Kinds an option may have.
OPTION_KINDS = ("int", "bool", "choice", "str", "int_list", "choice_list")


@dataclass(frozen=True)
class OptionSpec:
    """One option of a format.

    :param name: key in the options mapping.
    :param kind: one of ``int``, ``bool``, ``choice``, ``str``, ``int_list`` (a list of
        integers) or ``choice_list`` (an ordered list of distinct ``choices``).
    :param default: used when the option is absent (``None`` = no value; for ``int`` it
        means "let the format decide", e.g. Swiss rounds from the field size).
    :param label: short human label for forms.
    :param help: one sentence for forms and docs.
    :param choices: allowed values (``choice``, ``choice_list``).
    :param choice_labels: what people read for each of ``choices``, in the same order
        (English, marked with ``gettext_noop``: the organiser's form translates them);
        empty: the values themselves.
    :param minimum: smallest allowed integer (``int``, items of ``int_list``).
    :param maximum: largest allowed integer.
    """

    name: str
    kind: str
    default: Any = None
    label: str = ""
    help: str = ""
    choices: tuple[Any, ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    choice_labels: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in OPTION_KINDS:
            raise ValueError(f"option {self.name!r}: unknown kind {self.kind!r}")
        if self.choice_labels and len(self.choice_labels) != len(self.choices):
            raise ValueError(f"option {self.name!r}: one label per choice")

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly description (for forms and ``/api`` docs)."""
        out: dict[str, Any] = {
            "name": self.name,
            "kind": self.kind,
            "default": list(self.default) if isinstance(self.default, tuple) else self.default,
            "label": self.label or self.name.replace("_", " "),
            "help": self.help,
        }
        if self.choices:
            out["choices"] = list(self.choices)
        if self.minimum is not None:
            out["minimum"] = self.minimum
        if self.maximum is not None:
            out["maximum"] = self.maximum
        return out

    # ------------------------------------------------------------------ checking
    def check(self, value: Any) -> Any:
        """Return ``value`` normalised, or raise ``ValueError`` saying what is accepted."""
        if value is None:
            return self.default if not isinstance(self.default, list) else list(self.default)
        name = self.name
        if self.kind == "int":
            return self._int(value, name)
        if self.kind == "bool":
            if isinstance(value, bool):
                return value
            if isinstance(value, str) and value.lower() in ("true", "false", "1", "0", "yes", "no"):
                return value.lower() in ("true", "1", "yes")
            raise ValueError(f"option {name!r} must be true or false, got {value!r}")
        if self.kind == "choice":
            if value not in self.choices:
                # Forms send strings: accept "2" for the choice 2.
                for c in self.choices:
                    if str(c) == str(value):
                        return c
                raise ValueError(
                    f"option {name!r} must be one of {', '.join(map(str, self.choices))}; "
                    f"got {value!r}"
                )
            return value
        if self.kind == "str":
            if not isinstance(value, str):
                raise ValueError(f"option {name!r} must be text, got {value!r}")
            return value
        if isinstance(value, str):
            value = [v.strip() for v in value.split(",") if v.strip()]
        if not isinstance(value, Sequence):
            raise ValueError(f"option {name!r} must be a list, got {value!r}")
        if self.kind == "int_list":
            return [self._int(v, name) for v in value]
        # choice_list
        out = []
        for v in value:
            if v not in self.choices:
                raise ValueError(
                    f"option {name!r}: {v!r} is not one of {', '.join(map(str, self.choices))}"
                )
            if v in out:
                raise ValueError(f"option {name!r} lists {v!r} twice")
            out.append(v)
        return out

    def _int(self, value: Any, name: str) -> int:
        if isinstance(value, bool):
            raise ValueError(f"option {name!r} must be a whole number, got {value!r}")
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise ValueError(f"option {name!r} must be a whole number, got {value!r}") from None
        if isinstance(value, float) and number != value:
            raise ValueError(f"option {name!r} must be a whole number, got {value!r}")
        if self.minimum is not None and number < self.minimum:
            raise ValueError(f"option {name!r} must be at least {self.minimum}, got {number}")
        if self.maximum is not None and number > self.maximum:
            raise ValueError(f"option {name!r} must be at most {self.maximum}, got {number}")
        return number


def validate_options(
    specs: Sequence[OptionSpec], options: Mapping[str, Any] | None
) -> dict[str, Any]:
    """Check ``options`` against ``specs``; return them complete with defaults.

    Unknown option names are an error (a typo must not silently fall back to a default).
    """
    options = dict(options or {})
    known = {s.name for s in specs}
    unknown = sorted(set(options) - known)
    if unknown:
        raise ValueError(
            f"unknown option{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))}; "
            f"this format accepts {', '.join(sorted(known)) or 'no options'}"
        )
    return {s.name: s.check(options.get(s.name)) for s in specs}
