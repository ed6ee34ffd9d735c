"""The positional label grammar of table files, parsed into typed references.

A label names one rider (or a range of riders) by position::

    seed N | seeds A-B                       the field, in seeding order
    rank N of PHASE | ranks A-B of PHASE     the ranking of a one-contest phase (qualifying)
    place N of CONTEST | places A-B of CONTEST
    winner of CONTEST | loser of CONTEST     place 1 / place 2 of a contest
    rank N of group G | ranks A-B of group G the order of a named group

``B`` may be ``*``: up to the end (the field size, the phase's or group's riders). Ids are
single words without spaces ("Q", "1/8-3", "R1-winners").

Group ordering keys::

    seed | rank in PHASE | place in PHASE | time in PHASE | final sprint in PHASE
    omnium of P1 P2 P3 P4
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

#: What a label points into.
SourceKind = Literal["seed", "rank", "place", "group"]

# "*" is kept as None (up to the end).
_ID = r"(?P<id>\S+)"
_NUM = r"(?P<a>\d+)"
_RANGE = r"(?P<a>\d+)-(?P<b>\d+|\*)"
_LABELS: list[tuple[re.Pattern[str], SourceKind, bool]] = [
    (re.compile(rf"seed {_NUM}"), "seed", False),
    (re.compile(rf"seeds {_RANGE}"), "seed", True),
    (re.compile(rf"rank {_NUM} of group {_ID}"), "group", False),
    (re.compile(rf"ranks {_RANGE} of group {_ID}"), "group", True),
    (re.compile(rf"rank {_NUM} of {_ID}"), "rank", False),
    (re.compile(rf"ranks {_RANGE} of {_ID}"), "rank", True),
    (re.compile(rf"place {_NUM} of {_ID}"), "place", False),
    (re.compile(rf"places {_RANGE} of {_ID}"), "place", True),
]
_WINNER = re.compile(rf"(?P<which>winner|loser) of {_ID}")


class LabelError(ValueError):
    """A label or key that does not follow the grammar."""


@dataclass(frozen=True, slots=True)
class SourceRef:
    """A parsed label: positions ``first``..``last`` (``None``: to the end) of ``target``.

    ``target`` is a phase id (``rank``), a contest id (``place``), a group name (``group``)
    or empty (``seed``).
    """

    kind: SourceKind
    target: str
    first: int
    last: int | None

    @property
    def is_range(self) -> bool:
        """Whether the label may name more than one rider."""
        return self.last != self.first

    def at(self, position: int) -> str:
        """The single-rider label for ``position`` (as shown in a start list)."""
        if self.kind == "seed":
            return f"seed {position}"
        if self.kind == "group":
            return f"rank {position} of group {self.target}"
        if self.kind == "rank":
            return f"rank {position} of {self.target}"
        if position == 1:
            return f"winner of {self.target}"
        return f"place {position} of {self.target}"


@lru_cache(maxsize=4096)
def parse_label(label: str) -> SourceRef:
    """Parse one label (see the module docstring); raise :class:`LabelError` if invalid."""
    text = " ".join(label.split())
    match = _WINNER.fullmatch(text)
    if match:
        position = 1 if match["which"] == "winner" else 2
        return SourceRef("place", match["id"], position, position)
    for pattern, kind, is_range in _LABELS:
        match = pattern.fullmatch(text)
        if match is None:
            continue
        first = int(match["a"])
        last: int | None = first
        if is_range:
            last = None if match["b"] == "*" else int(match["b"])
        target = match.groupdict().get("id") or ""
        if first < 1 or (last is not None and last < first):
            raise LabelError(f"label {label!r}: positions start at 1 and ranges go upwards")
        return SourceRef(kind, target, first, last)
    raise LabelError(
        f"label {label!r} is not one of: seed N, rank N of PHASE, place N of CONTEST, "
        "winner of CONTEST, loser of CONTEST, rank N of group G (or a range: seeds A-B, "
        "ranks A-B of PHASE, places A-B of CONTEST, ranks A-B of group G; B may be *)"
    )


#: What a group ordering key reads.
KeyKind = Literal["seed", "rank", "place", "time", "final_sprint", "omnium"]


@dataclass(frozen=True, slots=True)
class OrderKey:
    """A parsed group ordering key: ``kind`` over ``phases`` (none for ``seed``)."""

    kind: KeyKind
    phases: tuple[str, ...]


_KEYS: list[tuple[re.Pattern[str], KeyKind]] = [
    (re.compile(r"seed"), "seed"),
    (re.compile(r"rank in (?P<ids>\S+)"), "rank"),
    (re.compile(r"place in (?P<ids>\S+)"), "place"),
    (re.compile(r"time in (?P<ids>\S+)"), "time"),
    (re.compile(r"final sprint in (?P<ids>\S+)"), "final_sprint"),
    (re.compile(r"omnium of (?P<ids>\S+ \S+ \S+ \S+)"), "omnium"),
]


@lru_cache(maxsize=1024)
def parse_key(key: str) -> OrderKey:
    """Parse one group ordering key; raise :class:`LabelError` if invalid."""
    text = " ".join(key.split())
    for pattern, kind in _KEYS:
        match = pattern.fullmatch(text)
        if match:
            ids = match.groupdict().get("ids")
            return OrderKey(kind, tuple(ids.split()) if ids else ())
    raise LabelError(
        f"ordering key {key!r} is not one of: seed, rank in PHASE, place in PHASE, "
        "time in PHASE, final sprint in PHASE, omnium of P1 P2 P3 P4"
    )
