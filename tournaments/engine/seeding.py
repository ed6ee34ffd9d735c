"""Seeding helpers shared by every format: the classic fold, byes, snake groups."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")


def next_power_of_two(n: int) -> int:
    """The smallest power of two >= ``n`` (and >= 1)."""
    if n < 1:
        return 1
    return 1 << (n - 1).bit_length()


def fold_order(size: int) -> list[int]:
    """Seeds in bracket-slot order for a bracket of ``size`` (a power of two) slots.

    The classic fold: slots pair up as 1–16, 8–9, 4–13, 5–12, 2–15, 7–10, 3–14, 6–11 for 16,
    built recursively (each seed ``s`` of the half-size order is followed by its mirror
    ``2·half + 1 − s``), so the seeds 1 and 2 can only meet in the final, 1–4 in the
    semi-finals, and so on.
    """
    if size < 1 or size & (size - 1):
        raise ValueError(f"bracket size must be a power of two, got {size}")
    order = [1]
    while len(order) < size:
        mirror = 2 * len(order) + 1
        order = [x for s in order for x in (s, mirror - s)]
    return order


def first_round(entrant_count: int) -> list[tuple[int, int | None]]:
    """The first-round pairs of seeds; ``None`` is a bye.

    The field is padded to the next power of two; the padding seeds (> N) are byes and,
    because of the fold, they face exactly the top seeds 1..P−N. For 13 entrants:
    ``(1, None) (8, 9) (4, 13) (5, 12) (2, None) (7, 10) (3, None) (6, 11)``.
    """
    size = next_power_of_two(max(entrant_count, 2))
    order = fold_order(size)
    return [
        (a, b if b <= entrant_count else None) if a <= entrant_count else (b, None)
        for a, b in zip(order[::2], order[1::2], strict=True)
    ]


def bye_seeds(entrant_count: int) -> list[int]:
    """The seeds that get a first-round bye: always 1..P−N."""
    size = next_power_of_two(max(entrant_count, 2))
    return list(range(1, size - entrant_count + 1))


def snake(items: Sequence[T], groups: int) -> list[list[T]]:
    """Deal ``items`` (best first) into ``groups`` by snake seeding.

    Eight items into two groups: ``[1, 4, 5, 8]`` and ``[2, 3, 6, 7]`` — each pass reverses
    direction so the groups' total strength stays balanced.
    """
    if groups < 1:
        raise ValueError("at least one group is needed")
    out: list[list[T]] = [[] for _ in range(groups)]
    for i, item in enumerate(items):
        row, col = divmod(i, groups)
        out[col if row % 2 == 0 else groups - 1 - col].append(item)
    return out


def group_name(index: int) -> str:
    """``0 -> "A"``, ``25 -> "Z"``, ``26 -> "AA"`` (spreadsheet-style names)."""
    name = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        name = chr(ord("A") + rem) + name
    return name
