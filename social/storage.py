"""Where the fan hub keeps uploaded images and videos: a storage interface, the local
folder that implements it by default, and the checks every upload passes.

* :class:`MediaStorage` is the interface (put, open, delete, size). The setting
  ``PODIUM_MEDIA_STORAGE`` picks the implementation: ``local`` (:class:`LocalMediaStorage`,
  a folder, ``PODIUM_MEDIA_DIR``) or ``package.module:ClassName``, so an S3-like store
  can come from a plugin's distribution without touching Podium.
* Stored names are random (:func:`new_media_id`, 192 bits), never anything a user wrote,
  so a name can neither be guessed nor walk out of the folder.
* Uploads are checked by their first bytes (:func:`sniff`), not by the type the browser
  claims, and stopped as soon as they pass ``PODIUM_MEDIA_MAX_BYTES``
  (:func:`limited`).
* Serving goes through :func:`parse_range` for video seeking (one byte range).
"""

from __future__ import annotations

import asyncio
import importlib
import os
import re
import secrets
from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

from podium.core.i18n import _
from podium.core.errors import InvalidInput, NotFound, PodiumError
from podium.core.settings import Settings, SettingsError

#: The kinds of file a post may carry, by MIME type: ``image`` or ``video``.
MEDIA_TYPES: dict[str, str] = {
    "image/jpeg": "image", "image/png": "image", "image/webp": "image",
    "video/mp4": "video", "video/webm": "video",
}
#: How much of a file :func:`sniff` needs to tell its type.
SNIFF_BYTES = 64
#: Read and write in pieces this big (a video never sits whole in memory).
CHUNK_BYTES = 256 * 1024
# Media ids as new_media_id makes them: 32 URL-safe characters.
MEDIA_ID = re.compile(r"^[A-Za-z0-9_-]{32}$")


class TooLarge(PodiumError):
    """An upload over the size limit (413)."""

    status_code = 413
    code = "too_large"


class RangeNotSatisfiable(PodiumError):
    """A ``Range`` that starts beyond the end of the file (416)."""

    status_code = 416
    code = "range_not_satisfiable"


@runtime_checkable
class MediaStorage(Protocol):
    """Keeps media files by name. Names come from :func:`new_media_id` only."""

    async def put(self, name: str, chunks: AsyncIterable[bytes]) -> int:
        """Store the bytes of ``chunks`` under ``name``; returns how many were written.
        If ``chunks`` raises, nothing is left behind and the error propagates."""
        ...

    def open(self, name: str, start: int = 0, end: int | None = None) -> AsyncIterator[bytes]:
        """The bytes ``start`` to ``end`` (inclusive; ``None``: the last) of ``name``, in
        pieces. :raises NotFound: no such file."""
        ...

    async def delete(self, name: str) -> None:
        """Forget ``name`` (nothing happens if it is not there)."""
        ...

    async def size(self, name: str) -> int:
        """The size of ``name`` in bytes. :raises NotFound: no such file."""
        ...


def new_media_id() -> str:
    """A fresh random media id: 24 random bytes (192 bits), URL-safe base64."""
    return secrets.token_urlsafe(24)


def check_media_id(name: str) -> str:
    """``name`` if it is shaped like a media id; anything else is a :class:`NotFound`
    (a storage never sees a path a user wrote)."""
    if not MEDIA_ID.fullmatch(name):
        raise NotFound(_("there is no such file"))
    return name


class LocalMediaStorage:
    """Media files in a local folder, one file per id (the default storage)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _path(self, name: str) -> Path:
        # Two levels of fan-out keep directories small with many files.
        check_media_id(name)
        return self.root / name[:2] / name

    async def put(self, name: str, chunks: AsyncIterable[bytes]) -> int:
        """Write to a temporary file first and rename it into place, so a reader never
        sees half a file and a failed upload leaves nothing."""
        path = self._path(name)
        await asyncio.to_thread(path.parent.mkdir, parents=True, exist_ok=True)
        partial = path.with_name(f".{name}.{secrets.token_hex(4)}.part")
        handle = await asyncio.to_thread(open, partial, "xb")
        written = 0
        try:
            async for chunk in chunks:
                await asyncio.to_thread(handle.write, chunk)
                written += len(chunk)
            await asyncio.to_thread(handle.close)
            await asyncio.to_thread(os.replace, partial, path)
        except BaseException:
            handle.close()
            partial.unlink(missing_ok=True)
            raise
        return written

    async def open(self, name: str, start: int = 0, end: int | None = None) -> AsyncIterator[bytes]:
        """Stream the bytes ``start``..``end`` of the file."""
        path = self._path(name)
        try:
            handle = await asyncio.to_thread(open, path, "rb")
        except FileNotFoundError as exc:
            raise NotFound(_("there is no such file")) from exc
        try:
            await asyncio.to_thread(handle.seek, start)
            left = None if end is None else end - start + 1
            while left is None or left > 0:
                size = CHUNK_BYTES if left is None else min(CHUNK_BYTES, left)
                chunk = await asyncio.to_thread(handle.read, size)
                if not chunk:
                    break
                if left is not None:
                    left -= len(chunk)
                yield chunk
        finally:
            handle.close()

    async def delete(self, name: str) -> None:
        """Remove the file if it is there."""
        await asyncio.to_thread(self._path(name).unlink, missing_ok=True)

    async def size(self, name: str) -> int:
        """The file's size from the file system."""
        try:
            return (await asyncio.to_thread(self._path(name).stat)).st_size
        except FileNotFoundError as exc:
            raise NotFound(_("there is no such file")) from exc


_STORAGES: dict[tuple[str, str], MediaStorage] = {}


def storage_for(settings: Settings) -> MediaStorage:
    """The storage the settings name (one instance per process and configuration).

    ``local`` is :class:`LocalMediaStorage` in ``settings.media_path``; otherwise
    ``package.module:ClassName`` is imported and called with the settings.

    :raises SettingsError: the class cannot be found or does not implement
        :class:`MediaStorage`.
    """
    key = (settings.media_storage, str(settings.media_path))
    found = _STORAGES.get(key)
    if found is not None:
        return found
    if settings.media_storage == "local":
        storage: object = LocalMediaStorage(settings.media_path)
    else:
        module_name, _sep, class_name = settings.media_storage.partition(":")
        try:
            factory = getattr(importlib.import_module(module_name), class_name)
        except (ImportError, AttributeError, ValueError) as exc:
            raise SettingsError(
                f"PODIUM_MEDIA_STORAGE names {settings.media_storage!r}, which cannot be "
                "imported (write local or package.module:ClassName)") from exc
        try:
            storage = factory(settings)
        except TypeError as exc:
            raise SettingsError(f"PODIUM_MEDIA_STORAGE {settings.media_storage!r} cannot be "
                                "built from the settings") from exc
    if not isinstance(storage, MediaStorage):
        raise SettingsError(f"PODIUM_MEDIA_STORAGE {settings.media_storage!r} is not a MediaStorage")
    _STORAGES[key] = storage
    return storage


def sniff(head: bytes) -> str | None:
    """The MIME type the first bytes of a file show (``None``: not an accepted type).

    JPEG ``FF D8 FF``; PNG's 8-byte signature; WebP ``RIFF....WEBP``; WebM an EBML header
    whose doctype is ``webm``; MP4 an ``ftyp`` box at offset 4 (QuickTime's ``qt`` brand
    is not MP4).
    """
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"\x1a\x45\xdf\xa3") and b"webm" in head[:SNIFF_BYTES]:
        return "video/webm"
    if head[4:8] == b"ftyp" and head[8:12] != b"qt  ":
        return "video/mp4"
    return None


@dataclass(frozen=True)
class Checked:
    """An upload's type as its bytes show it, and its kind (``image``/``video``)."""

    content_type: str
    kind: str


def check_type(head: bytes, declared: str | None) -> Checked:
    """The upload's real type, from its first bytes.

    :raises InvalidInput: the bytes are none of :data:`MEDIA_TYPES`, or the browser
        declared another accepted type than the bytes show.
    """
    found = sniff(head)
    if found is None:
        raise InvalidInput(_("the file must be a JPEG, PNG or WebP image, or an MP4 or WebM video"),
                           field="media")
    claimed = (declared or "").split(";")[0].strip().lower()
    if claimed in MEDIA_TYPES and claimed != found:
        raise InvalidInput(_("the file says it is %(claimed)s but its content is %(found)s",
                             claimed=claimed, found=found), field="media")
    return Checked(found, MEDIA_TYPES[found])


async def limited(chunks: AsyncIterable[bytes], max_bytes: int) -> AsyncIterator[bytes]:
    """Pass ``chunks`` on until they exceed ``max_bytes``, then raise :class:`TooLarge`
    (the storage drops what it wrote)."""
    total = 0
    async for chunk in chunks:
        total += len(chunk)
        if total > max_bytes:
            raise TooLarge(_("the file is larger than %(size)s", size=describe_size(max_bytes)),
                           max_bytes=max_bytes)
        yield chunk


def describe_size(count: int) -> str:
    """``50 MB``, ``300 KB``, ``12 bytes``: a size as people read it."""
    if count >= 1024 * 1024:
        return f"{count / (1024 * 1024):.0f} MB"
    if count >= 1024:
        return f"{count / 1024:.0f} KB"
    return f"{count} bytes"


_RANGE = re.compile(r"^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$")


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The one byte range ``header`` asks for, as inclusive ``(start, end)`` within a file
    of ``size`` bytes; ``None`` to send the whole file (no header, several ranges, or one
    the server may ignore as malformed, RFC 9110 §14.2).

    :raises RangeNotSatisfiable: the range starts at or after the end of the file.
    """
    if not header:
        return None
    match = _RANGE.match(header)
    if match is None:
        return None
    first, last = match.group(1), match.group(2)
    if not first and not last:
        return None
    if not first:  # "bytes=-500": the last 500 bytes
        length = int(last)
        if length == 0:
            raise RangeNotSatisfiable("the range is empty", size=size)
        return max(0, size - length), size - 1
    start = int(first)
    end = int(last) if last else size - 1
    if start >= size:
        raise RangeNotSatisfiable("the range starts after the end of the file", size=size)
    if end < start:
        return None
    return start, min(end, size - 1)
