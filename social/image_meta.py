"""Uploaded photos lose their metadata (GPS position, camera serial, names, thumbnails)
before they are stored; the orientation is kept so the photo still shows upright.

Pillow is not a dependency of Podium (QR codes are drawn without it), and decoding and
re-encoding would also lose quality, so this works on the files' structure instead, with
no new dependency: the pixels are copied byte for byte and only metadata blocks are left
out.

* JPEG: every ``APPn`` segment but JFIF (``APP0``), the colour profile (``APP2``
  ``ICC_PROFILE``) and Adobe's colour transform (``APP14``), every comment, and anything
  after the end-of-image marker. An Exif orientation other than 1 is written back as a
  minimal Exif block holding that one tag.
* PNG: ``tEXt``, ``zTXt``, ``iTXt``, ``tIME`` and ``eXIf`` chunks (orientation kept as a
  minimal ``eXIf``), and anything after ``IEND``.
* WebP: the ``EXIF`` and ``XMP`` chunks (orientation kept as a minimal ``EXIF`` chunk,
  the ``VP8X`` flags updated).

A file whose structure does not hold together is refused (:class:`InvalidInput`).
"""

from __future__ import annotations

import struct

from podium.core.errors import InvalidInput
from podium.core.i18n import _

_ORIENTATION = 0x0112


def _damaged() -> InvalidInput:
    return InvalidInput(_("the image file is damaged"), field="media")


# -- Exif (TIFF) orientation ---------------------------------------------------------------


def orientation_of(tiff: bytes) -> int:
    """The orientation tag (1..8) of a TIFF/Exif block's first directory; 1 when absent or
    unreadable (metadata is not worth refusing a photo for)."""
    try:
        order = {b"II": "<", b"MM": ">"}[tiff[:2]]
        (ifd,) = struct.unpack_from(order + "I", tiff, 4)
        (count,) = struct.unpack_from(order + "H", tiff, ifd)
        for i in range(min(count, 512)):
            tag, kind, n = struct.unpack_from(order + "HHI", tiff, ifd + 2 + 12 * i)
            if tag == _ORIENTATION and kind == 3 and n == 1:
                (value,) = struct.unpack_from(order + "H", tiff, ifd + 2 + 12 * i + 8)
                return value if 1 <= value <= 8 else 1
    except (KeyError, struct.error):
        pass
    return 1


def minimal_tiff(orientation: int) -> bytes:
    """A TIFF block whose only tag is the orientation (big-endian)."""
    return (b"MM\x00\x2a" + struct.pack(">I", 8) + struct.pack(">H", 1)
            + struct.pack(">HHIHH", _ORIENTATION, 3, 1, orientation, 0) + struct.pack(">I", 0))


# -- JPEG ----------------------------------------------------------------------------------

_KEEP_APP = {0xE0: (b"JFIF\x00",), 0xE2: (b"ICC_PROFILE\x00",), 0xEE: (b"Adobe",)}
_STANDALONE = set(range(0xD0, 0xD8)) | {0x01}


def _strip_jpeg(data: bytes) -> bytes:
    if data[:2] != b"\xff\xd8":
        raise _damaged()
    out = [b"\xff\xd8"]
    orientation = 1
    exif_at = None  # where the minimal Exif goes: after JFIF if there is one
    i = 2
    while True:
        while i < len(data) and data[i] == 0xFF and i + 1 < len(data) and data[i + 1] == 0xFF:
            i += 1  # fill bytes
        if i + 1 >= len(data) or data[i] != 0xFF:
            raise _damaged()
        marker = data[i + 1]
        if marker == 0xD9:  # end of image: anything after it is left out
            out.append(b"\xff\xd9")
            break
        if marker in _STANDALONE:
            out.append(data[i:i + 2])
            i += 2
            continue
        if i + 4 > len(data):
            raise _damaged()
        (length,) = struct.unpack_from(">H", data, i + 2)
        end = i + 2 + length
        if length < 2 or end > len(data):
            raise _damaged()
        body = data[i + 4:end]
        if marker == 0xE1 and body.startswith(b"Exif\x00\x00") and orientation == 1:
            orientation = orientation_of(body[6:])
        keep = marker not in range(0xE0, 0xF0) and marker != 0xFE
        if marker in _KEEP_APP and body.startswith(_KEEP_APP[marker]):
            keep = True
        if keep:
            out.append(data[i:end])
            if marker == 0xE0 and exif_at is None:
                exif_at = len(out)
        i = end
        if marker == 0xDA:  # start of scan: entropy-coded data up to the next real marker
            j = i
            while True:
                j = data.find(b"\xff", j)
                if j < 0 or j + 1 >= len(data):
                    raise _damaged()
                following = data[j + 1]
                if following == 0x00 or following in range(0xD0, 0xD8) or following == 0xFF:
                    j += 1 if following == 0xFF else 2
                    continue
                break
            out.append(data[i:j])
            i = j
    if orientation != 1:
        tiff = minimal_tiff(orientation)
        segment = b"\xff\xe1" + struct.pack(">H", 2 + 6 + len(tiff)) + b"Exif\x00\x00" + tiff
        out.insert(exif_at if exif_at is not None else 1, segment)
    return b"".join(out)


# -- PNG -----------------------------------------------------------------------------------

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_DROP = {b"tEXt", b"zTXt", b"iTXt", b"tIME", b"eXIf"}


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    import zlib

    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def _strip_png(data: bytes) -> bytes:
    if not data.startswith(_PNG_SIGNATURE):
        raise _damaged()
    out = [_PNG_SIGNATURE]
    orientation = 1
    i = len(_PNG_SIGNATURE)
    while True:
        if i + 12 > len(data):
            raise _damaged()
        (length,) = struct.unpack_from(">I", data, i)
        kind = data[i + 4:i + 8]
        end = i + 12 + length
        if end > len(data):
            raise _damaged()
        if kind == b"eXIf":
            orientation = orientation_of(data[i + 8:i + 8 + length])
        elif kind == b"IDAT" and orientation != 1:
            out.append(_png_chunk(b"eXIf", minimal_tiff(orientation)))  # before the pixels
            orientation = 1
        if kind not in _PNG_DROP:
            out.append(data[i:end])
        i = end
        if kind == b"IEND":
            return b"".join(out)


# -- WebP ----------------------------------------------------------------------------------


def _strip_webp(data: bytes) -> bytes:
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        raise _damaged()
    chunks: list[tuple[bytes, bytes]] = []
    orientation = 1
    i = 12
    (riff_size,) = struct.unpack_from("<I", data, 4)
    stop = min(len(data), 8 + riff_size)
    while i + 8 <= stop:
        kind = data[i:i + 4]
        (size,) = struct.unpack_from("<I", data, i + 4)
        body = data[i + 8:i + 8 + size]
        if len(body) != size:
            raise _damaged()
        if kind == b"EXIF":
            orientation = orientation_of(body[6:] if body.startswith(b"Exif\x00\x00") else body)
        elif kind != b"XMP ":
            chunks.append((kind, body))
        i += 8 + size + (size & 1)
    if not chunks:
        raise _damaged()
    if chunks[0][0] == b"VP8X":
        flags = chunks[0][1][0] & ~0x0C  # no XMP (0x04), no EXIF (0x08)...
        if orientation != 1:
            flags |= 0x08  # ...but the minimal one
            chunks.append((b"EXIF", minimal_tiff(orientation)))
        chunks[0] = (b"VP8X", bytes([flags]) + chunks[0][1][1:])
    # A simple WebP (no VP8X) cannot carry Exif: its orientation is lost with it.
    body = b"".join(kind + struct.pack("<I", len(c)) + c + (b"\x00" if len(c) & 1 else b"")
                    for kind, c in chunks)
    return b"RIFF" + struct.pack("<I", 4 + len(body)) + b"WEBP" + body


def strip_metadata(data: bytes, content_type: str) -> bytes:
    """The image without its metadata (see the module docstring); other types as given.

    :raises InvalidInput: the image's structure is damaged.
    """
    if content_type == "image/jpeg":
        return _strip_jpeg(data)
    if content_type == "image/png":
        return _strip_png(data)
    if content_type == "image/webp":
        return _strip_webp(data)
    return data
