"""QR codes of ticket secrets (``segno``): SVG inline in pages, PNG for printing.

Error correction ``M`` (15 %) survives a cracked phone screen or a creased print; the
quiet zone (4 modules) is kept, scanners need it. No Pillow: segno writes PNG itself.
"""

from __future__ import annotations

import io

import segno
from markupsafe import Markup


def _code(secret: str) -> segno.QRCode:
    return segno.make(secret, error="m", micro=False)


def svg(secret: str, *, scale: int = 4, title: str = "Ticket QR code") -> Markup:
    """An ``<svg>`` element for ``secret``, safe to place in a page (``role="img"``)."""
    buffer = io.BytesIO()
    _code(secret).save(buffer, kind="svg", scale=scale, xmldecl=False, svgns=True, nl=False,
                       title=title, svgclass="ticket-qr", lineclass="ticket-qr-line")
    text = buffer.getvalue().decode("utf-8").replace("<svg ", '<svg role="img" ', 1)
    return Markup(text)  # noqa: S704 - segno's output; the secret is ASCII from our signer


def svg_bytes(secret: str, *, scale: int = 8) -> bytes:
    """A standalone SVG document for ``secret``."""
    buffer = io.BytesIO()
    _code(secret).save(buffer, kind="svg", scale=scale, nl=False)
    return buffer.getvalue()


def png(secret: str, *, scale: int = 10) -> bytes:
    """A PNG image for ``secret`` (about 370 pixels wide: sharp on paper)."""
    buffer = io.BytesIO()
    _code(secret).save(buffer, kind="png", scale=scale)
    return buffer.getvalue()
