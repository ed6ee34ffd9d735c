"""Availability arithmetic of the box office: pure, no database, no clock.

A ticket type counts against one or more quotas; a quota's places left are its size minus
the places the order lines of its types hold (pending orders not yet expired) or sold
(paid orders). A type is available as far as its *tightest* quota allows. The box office
(:mod:`podium.ticketing.orders`) reads the rows under its locks and asks these functions;
hypothesis checks their invariants (``tests/ticketing/test_types_availability.py``).

``None`` as a size means "no limit" (a whole-event quota of an event without a capacity).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

#: A quota's size, ``None`` for no limit.
Size = int | None


def quota_used(lines: Iterable[tuple[int, int]],
               type_quotas: Mapping[int, Iterable[int]]) -> dict[int, int]:
    """Places used per quota by ``(ticket_type_id, quantity)`` lines: each line counts
    against every quota of its type."""
    used: dict[int, int] = {}
    for type_id, quantity in lines:
        for quota_id in type_quotas.get(type_id, ()):
            used[quota_id] = used.get(quota_id, 0) + quantity
    return used


def quota_left(size: Size, used: int) -> int | None:
    """Places left in a quota (never negative); ``None`` when it has no limit."""
    if size is None:
        return None
    return max(size - used, 0)


def type_left(quota_ids: Iterable[int], left: Mapping[int, int | None],
              waiting: int = 0) -> int | None:
    """What a type can still sell: its tightest quota's places left, less the people
    waiting for it (free places go to the waiting list first). ``None``: no limit. A type
    counted against no quota has no limit either (the box office never makes one)."""
    finite = [left[q] for q in quota_ids if left.get(q) is not None]
    if not finite:
        return None
    return max(min(v for v in finite if v is not None) - waiting, 0)


@dataclass(frozen=True)
class Shortfall:
    """A type of a request that does not fit: how many were asked and how many are left."""

    ticket_type_id: int
    asked: int
    left: int


@dataclass
class Ledger:
    """The places left per quota, consumed request by request (the state a checkout sees
    under its lock). :meth:`take` refuses a request that does not fit in every quota."""

    left: dict[int, int | None]
    type_quotas: Mapping[int, tuple[int, ...]]
    waiting: dict[int, int] = field(default_factory=dict)

    @classmethod
    def of(cls, sizes: Mapping[int, Size], used: Mapping[int, int],
           type_quotas: Mapping[int, Iterable[int]],
           waiting: Mapping[int, int] | None = None) -> Ledger:
        """From quota sizes and places used per quota."""
        return cls({q: quota_left(s, used.get(q, 0)) for q, s in sizes.items()},
                   {t: tuple(qs) for t, qs in type_quotas.items()}, dict(waiting or {}))

    def available(self, type_id: int) -> int | None:
        """Places type ``type_id`` can still sell (``None``: no limit)."""
        return type_left(self.type_quotas.get(type_id, ()), self.left,
                         self.waiting.get(type_id, 0))

    def shortfalls(self, request: Mapping[int, int], *,
                   ignore_waiting: bool = False) -> list[Shortfall]:
        """The types of ``request`` (``{type_id: quantity}``) that do not fit, counting
        lines that share a quota together. Empty when the whole request fits."""
        need = quota_used(request.items(), self.type_quotas)
        short_quotas = {q for q, n in need.items()
                        if self.left.get(q) is not None and n > (self.left[q] or 0)}
        out = []
        for type_id, asked in request.items():
            waiting = 0 if ignore_waiting else self.waiting.get(type_id, 0)
            left = type_left(self.type_quotas.get(type_id, ()), self.left, waiting)
            if (left is not None and asked > left) or short_quotas & set(
                    self.type_quotas.get(type_id, ())):
                out.append(Shortfall(type_id, asked, left if left is not None else asked))
        return out

    def take(self, request: Mapping[int, int], *, ignore_waiting: bool = False) -> list[Shortfall]:
        """Consume ``request`` if it fits (returns ``[]``), else change nothing and return
        what does not fit. ``ignore_waiting`` is for the waiting list's own offers."""
        short = self.shortfalls(request, ignore_waiting=ignore_waiting)
        if short:
            return short
        for quota_id, n in quota_used(request.items(), self.type_quotas).items():
            if self.left.get(quota_id) is not None:
                self.left[quota_id] = (self.left[quota_id] or 0) - n
        return []
