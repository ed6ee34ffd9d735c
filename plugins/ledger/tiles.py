"""C2SP ``tlog-tiles``: tile coordinates and paths, entry bundles. Pure functions.

Tiles are 8 levels of the tree high (256 hashes of 32 bytes when full). The hashes of tile
``N`` at level ``L`` are the Merkle tree hashes of the complete subtrees of ``256**L``
leaves numbered ``N*256 .. N*256+255``; a tree of size ``s`` has ``s // 256**L`` of them
at level ``L``, and its rightmost tile at that level is partial with
``(s // 256**L) % 256`` hashes (never empty). Paths:

* ``tile/<L>/<N>[.p/<W>]`` — ``N`` in zero-padded 3-digit elements, all but the last
  prefixed with ``x`` (1234067 is ``x001/x234/067``), ``W`` in 1..255 for partial tiles;
* ``tile/entries/<N>[.p/<W>]`` — entry bundles: each entry as a big-endian uint16 length
  and its bytes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

TILE_HEIGHT = 8
TILE_WIDTH = 1 << TILE_HEIGHT
HASH_SIZE = 32
#: Longest entry an entry bundle can carry (its length is a uint16).
MAX_ENTRY_BYTES = 0xFFFF
#: Highest tile level the spec allows.
MAX_LEVEL = 63

_ELEMENT = re.compile(r"[0-9]{3}")


class TilePathError(ValueError):
    """A tile path that does not follow ``c2sp.org/tlog-tiles``; the message says why."""


@dataclass(frozen=True)
class TileRef:
    """One tile: ``level`` (``None`` for an entry bundle), ``index`` and ``width``
    (``TILE_WIDTH`` for a full tile)."""

    level: int | None
    index: int
    width: int = TILE_WIDTH

    @property
    def partial(self) -> bool:
        """True for a partial tile (fewer than 256 hashes or entries)."""
        return self.width < TILE_WIDTH

    @property
    def path(self) -> str:
        """The path below the log's prefix, e.g. ``tile/0/x001/234.p/7``."""
        return tile_path(self.level, self.index, self.width)


def encode_index(index: int) -> str:
    """``1234067`` → ``x001/x234/067``."""
    if index < 0:
        raise ValueError("a tile index is not negative")
    groups = []
    while True:
        groups.append(f"{index % 1000:03d}")
        index //= 1000
        if index == 0:
            break
    groups.reverse()
    return "/".join(["x" + g for g in groups[:-1]] + [groups[-1]])


def tile_path(level: int | None, index: int, width: int = TILE_WIDTH) -> str:
    """``tile/<L>/<N>[.p/<W>]`` or ``tile/entries/<N>[.p/<W>]``."""
    if not 1 <= width <= TILE_WIDTH:
        raise ValueError(f"a tile's width is 1..{TILE_WIDTH}")
    head = "entries" if level is None else str(level)
    tail = "" if width == TILE_WIDTH else f".p/{width}"
    return f"tile/{head}/{encode_index(index)}{tail}"


def parse_tile_path(path: str) -> TileRef:
    """The tile a path below ``tile/`` names (``0/x001/234.p/7``, ``entries/005``).

    Only the canonical encoding is accepted: no leading zeroes in the level or the width,
    3-digit elements, ``x`` on all but the last, no redundant leading ``x000`` element.

    :raises TilePathError: with the reason.
    """
    parts = path.strip("/").split("/")
    if len(parts) < 2:
        raise TilePathError("a tile path is <level>/<index>[.p/<width>] or "
                            "entries/<index>[.p/<width>]")
    head, rest = parts[0], parts[1:]
    level: int | None
    if head == "entries":
        level = None
    elif re.fullmatch(r"0|[1-9][0-9]?", head) and int(head) <= MAX_LEVEL:
        level = int(head)
    else:
        raise TilePathError(f"bad tile level {head!r}: a number 0..{MAX_LEVEL} without "
                            "leading zeroes, or 'entries'")
    width = TILE_WIDTH
    if len(rest) >= 2 and rest[-2].endswith(".p"):
        w = rest[-1]
        if not re.fullmatch(r"[1-9][0-9]{0,2}", w) or int(w) >= TILE_WIDTH:
            raise TilePathError(f"bad partial tile width {w!r}: a number 1..255 without "
                                "leading zeroes")
        width = int(w)
        rest = rest[:-2] + [rest[-2][:-2]]
    if not rest or len(rest) > 7:
        raise TilePathError("bad tile index")
    *upper, last = rest
    if not _ELEMENT.fullmatch(last) or any(
            not (e.startswith("x") and _ELEMENT.fullmatch(e[1:])) for e in upper):
        raise TilePathError("bad tile index: zero-padded 3-digit elements, all but the "
                            "last starting with 'x' (e.g. x001/x234/067)")
    if upper and upper[0] == "x000":
        raise TilePathError("bad tile index: leading 'x000' element")
    index = 0
    for element in [e[1:] for e in upper] + [last]:
        index = index * 1000 + int(element)
    return TileRef(level, index, width)


def hashes_at(size: int, level: int) -> int:
    """How many hashes the tiles of ``level`` hold for a tree of ``size``."""
    return size >> (TILE_HEIGHT * level)


def tile_width(size: int, level: int, index: int) -> int:
    """The width of tile ``index`` at ``level`` in a tree of ``size`` (0: no such tile)."""
    count = hashes_at(size, level)
    return max(0, min(TILE_WIDTH, count - index * TILE_WIDTH))


def tiles_for(size: int) -> Iterator[TileRef]:
    """Every hash tile of a tree of ``size``, level by level (full, then the partial)."""
    level = 0
    while True:
        count = hashes_at(size, level)
        if count == 0:
            return
        for index in range((count + TILE_WIDTH - 1) // TILE_WIDTH):
            yield TileRef(level, index, min(TILE_WIDTH, count - index * TILE_WIDTH))
        level += 1


def bundles_for(size: int) -> Iterator[TileRef]:
    """Every entry bundle of a tree of ``size``."""
    for index in range((size + TILE_WIDTH - 1) // TILE_WIDTH):
        yield TileRef(None, index, min(TILE_WIDTH, size - index * TILE_WIDTH))


def encode_bundle(entries: Sequence[bytes]) -> bytes:
    """An entry bundle: each entry as a big-endian uint16 length and its bytes."""
    out = bytearray()
    for entry in entries:
        if len(entry) > MAX_ENTRY_BYTES:
            raise ValueError(f"an entry of {len(entry)} bytes does not fit a bundle")
        out += len(entry).to_bytes(2, "big") + entry
    return bytes(out)


def decode_bundle(data: bytes) -> list[bytes]:
    """The entries of a bundle.

    :raises ValueError: the bundle is truncated.
    """
    out: list[bytes] = []
    pos = 0
    while pos < len(data):
        if pos + 2 > len(data):
            raise ValueError("the entry bundle ends inside a length")
        length = int.from_bytes(data[pos:pos + 2], "big")
        pos += 2
        if pos + length > len(data):
            raise ValueError("the entry bundle ends inside an entry")
        out.append(bytes(data[pos:pos + length]))
        pos += length
    return out
