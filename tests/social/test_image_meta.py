"""Uploaded photos lose their metadata before they are stored: a JPEG carrying GPS Exif
(and a comment, XMP, trailing bytes) is kept with its pixels byte for byte, no GPS, no
camera, and its orientation; PNG and WebP the same; a damaged file is refused."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import pytest

from podium.core.errors import InvalidInput
from podium.social.image_meta import orientation_of, strip_metadata

pytestmark = pytest.mark.pure

JPEG = (Path(__file__).parents[2] / "social" / "demo_media" / "track-walk.jpg").read_bytes()


def exif_tiff(orientation: int | None, *, little: bool = False) -> bytes:
    """A TIFF block as cameras write it: Make, Orientation, a GPS directory (N 48.8584,
    E 2.2945), all in one byte order."""
    o = "<" if little else ">"
    entries: list[tuple[int, int, int, object]] = [(0x010F, 2, 6, b"Phone\x00")]  # Make (an offset to the text below)
    if orientation is not None:
        entries.append((0x0112, 3, 1, orientation))
    entries.append((0x8825, 4, 1, None))  # GPS IFD pointer, filled below
    ifd0_size = 2 + 12 * len(entries) + 4
    make_at = 8 + ifd0_size
    gps_at = make_at + 6
    out = bytearray((b"II" if little else b"MM") + struct.pack(o + "HI", 42, 8))
    out += struct.pack(o + "H", len(entries))
    for tag, kind, count, value in entries:
        if tag == 0x010F:
            out += struct.pack(o + "HHII", tag, kind, count, make_at)
        elif tag == 0x0112:
            out += struct.pack(o + "HHIHH", tag, kind, count, value, 0)
        else:
            out += struct.pack(o + "HHII", tag, kind, count, gps_at)
    out += struct.pack(o + "I", 0) + b"Phone\x00"
    # GPS IFD: latitude ref "N", latitude 48/1 51/1 3024/100, longitude ref "E"
    rationals_at = gps_at + 2 + 12 * 3 + 4
    out += struct.pack(o + "H", 3)
    out += struct.pack(o + "HHI", 1, 2, 2) + b"N\x00\x00\x00"
    out += struct.pack(o + "HHII", 2, 5, 3, rationals_at)
    out += struct.pack(o + "HHI", 3, 2, 2) + b"E\x00\x00\x00"
    out += struct.pack(o + "I", 0)
    out += struct.pack(o + "6I", 48, 1, 51, 1, 3024, 100)
    return bytes(out)


def segment(marker: int, body: bytes) -> bytes:
    return bytes([0xFF, marker]) + struct.pack(">H", len(body) + 2) + body


def with_gps(jpeg: bytes, orientation: int | None = 6, *, little: bool = False) -> bytes:
    """The JPEG with an Exif block (GPS), an XMP block, a comment and bytes after its end."""
    exif = segment(0xE1, b"Exif\x00\x00" + exif_tiff(orientation, little=little))
    xmp = segment(0xE1, b"http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta>GPSLatitude 48.8584</x:xmpmeta>")
    comment = segment(0xFE, b"taken at home")
    return jpeg[:2] + exif + jpeg[2:20] + xmp + comment + jpeg[20:] + b"TRAILER-GPS"


def scan_data(jpeg: bytes) -> bytes:
    """From the start of scan to the end of image: the pixels."""
    return jpeg[jpeg.index(b"\xff\xda"):jpeg.index(b"\xff\xd9", jpeg.index(b"\xff\xda")) + 2]


@pytest.mark.parametrize("little", [False, True])
def test_a_jpeg_loses_gps_and_camera_but_keeps_orientation_and_pixels(little) -> None:
    original = with_gps(JPEG, 6, little=little)
    assert b"Phone" in original and orientation_of(original[original.index(b"Exif") + 6:]) == 6
    clean = strip_metadata(original, "image/jpeg")
    for leak in (b"Phone", b"GPS", b"taken at home", b"TRAILER", b"xmpmeta"):
        assert leak not in clean
    assert scan_data(clean) == scan_data(JPEG)
    assert clean.startswith(b"\xff\xd8\xff\xe0") and b"JFIF" in clean  # JFIF stays first
    exif = clean[clean.index(b"Exif\x00\x00") + 6:]
    assert orientation_of(exif) == 6
    assert struct.unpack(">H", exif[8:10])[0] == 1  # the orientation is the only tag
    assert strip_metadata(clean, "image/jpeg") == clean  # nothing more to strip


def test_upright_photos_get_no_exif_at_all() -> None:
    for orientation in (None, 1):
        clean = strip_metadata(with_gps(JPEG, orientation), "image/jpeg")
        assert b"Exif" not in clean and b"GPS" not in clean


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def test_png_and_webp_lose_text_and_exif_keep_orientation() -> None:
    ihdr = _png_chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
    idat = _png_chunk(b"IDAT", zlib.compress(b"\x00\x00"))
    png = (b"\x89PNG\r\n\x1a\n" + ihdr + _png_chunk(b"tEXt", b"Comment\x00GPS 48.85")
           + _png_chunk(b"eXIf", exif_tiff(8)) + idat + _png_chunk(b"IEND", b"") + b"after")
    clean = strip_metadata(png, "image/png")
    assert b"GPS" not in clean and b"Phone" not in clean and not clean.endswith(b"after")
    assert idat in clean and ihdr in clean
    at = clean.index(b"eXIf")
    assert orientation_of(clean[at + 4:at + 4 + struct.unpack(">I", clean[at - 4:at])[0]]) == 8

    def chunk(kind: bytes, body: bytes) -> bytes:
        return kind + struct.pack("<I", len(body)) + body + (b"\x00" if len(body) % 2 else b"")

    vp8x = chunk(b"VP8X", bytes([0x0C, 0, 0, 0]) + b"\x00" * 6)
    image = chunk(b"VP8L", b"\x2f" + b"\x00" * 9)
    body = vp8x + image + chunk(b"EXIF", exif_tiff(3)) + chunk(b"XMP ", b"<x>GPS</x>")
    webp = b"RIFF" + struct.pack("<I", 4 + len(body)) + b"WEBP" + body
    clean = strip_metadata(webp, "image/webp")
    assert b"GPS" not in clean and b"Phone" not in clean and image in clean
    assert struct.unpack("<I", clean[4:8])[0] == len(clean) - 8
    assert clean[20] == 0x08  # VP8X: Exif (the orientation), no XMP
    at = clean.index(b"EXIF")
    assert orientation_of(clean[at + 8:]) == 3


def test_a_damaged_image_is_refused() -> None:
    for data, kind in ((JPEG[:300], "image/jpeg"), (b"\xff\xd8\xff\xe1\xff\xff", "image/jpeg"),
                       (b"\x89PNG\r\n\x1a\n\x00\x00", "image/png"), (b"RIFF\x04\x00\x00\x00WEBP", "image/webp")):
        with pytest.raises(InvalidInput):
            strip_metadata(data, kind)
