"""The media storage: the local folder implementation, type checks by magic bytes, the
size limit, byte ranges, and choosing a storage by setting."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from podium.core.errors import InvalidInput, NotFound
from podium.core.settings import Settings, SettingsError, load_settings
from podium.social import storage
from podium.social.storage import (
    LocalMediaStorage,
    MediaStorage,
    RangeNotSatisfiable,
    TooLarge,
    check_media_id,
    check_type,
    limited,
    new_media_id,
    parse_range,
    sniff,
    storage_for,
)

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 40
JPEG = b"\xff\xd8\xff\xe0" + b"\0" * 40
WEBP = b"RIFF\x24\0\0\0WEBPVP8 " + b"\0" * 40
WEBM = b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\x82\x84webm" + b"\0" * 20
MP4 = b"\0\0\0\x18ftypisom\0\0\0\0isommp41" + b"\0" * 20


async def chunks(*parts: bytes):
    for part in parts:
        yield part


@pytest.mark.parametrize(("head", "expected"), [
    (PNG, "image/png"), (JPEG, "image/jpeg"), (WEBP, "image/webp"), (WEBM, "video/webm"),
    (MP4, "video/mp4"), (b"GIF89a" + b"\0" * 20, None), (b"<svg xmlns=", None),
    (b"\0\0\0\x14ftypqt  \0\0\0\0", None), (b"\x1a\x45\xdf\xa3\x9f\x42\x82\x88matroska", None),
    (b"", None),
])
def test_sniff_reads_the_first_bytes(head, expected):
    """Each accepted type is told from its signature; GIF, SVG, QuickTime and Matroska
    that is not WebM are not accepted."""
    assert sniff(head) == expected


def test_declared_type_must_match_the_bytes():
    """A PNG sent as ``video/mp4`` is refused, as is text sent as ``image/png``; an
    unknown or missing declaration defers to the bytes."""
    assert check_type(PNG, "image/png").kind == "image"
    assert check_type(WEBM, None).content_type == "video/webm"
    assert check_type(MP4, "application/octet-stream").kind == "video"
    with pytest.raises(InvalidInput, match="its content is image/png"):
        check_type(PNG, "video/mp4")
    with pytest.raises(InvalidInput, match="must be a JPEG"):
        check_type(b"hello, this is text", "image/png")


def test_media_ids_are_random_and_shaped():
    """192 random bits each, URL-safe; anything else (a path) is not a media id."""
    ids = {new_media_id() for _ in range(1000)}
    assert len(ids) == 1000
    assert all(check_media_id(i) == i for i in ids)
    for bad in ["../../etc/passwd", "a" * 31, "a" * 33, "a/" + "b" * 30, "", "." * 32]:
        with pytest.raises(NotFound):
            check_media_id(bad)


async def test_local_storage_round_trip(tmp_path):
    """Put, size, open (whole and a range) and delete; the file lives under a random name."""
    store = LocalMediaStorage(tmp_path / "media")
    assert isinstance(store, MediaStorage)
    name = new_media_id()
    data = bytes(range(256)) * 4000  # 1,024,000 bytes: several chunks
    assert await store.put(name, chunks(data[:300_000], data[300_000:])) == len(data)
    assert await store.size(name) == len(data)
    assert b"".join([c async for c in store.open(name)]) == data
    assert b"".join([c async for c in store.open(name, 1000, 299_999 + 5)]) == data[1000:300_005]
    assert b"".join([c async for c in store.open(name, len(data) - 3)]) == data[-3:]
    stored = [p for p in (tmp_path / "media").rglob("*") if p.is_file()]
    assert [p.name for p in stored] == [name]
    await store.delete(name)
    await store.delete(name)  # twice is fine
    with pytest.raises(NotFound):
        await store.size(name)
    with pytest.raises(NotFound):
        [c async for c in store.open(name)]


async def test_an_upload_over_the_limit_leaves_nothing(tmp_path):
    """The size limit stops the upload mid-way; no partial file stays in the folder."""
    store = LocalMediaStorage(tmp_path)
    name = new_media_id()
    with pytest.raises(TooLarge) as refused:
        await store.put(name, limited(chunks(b"x" * 600, b"y" * 600), 1000))
    assert refused.value.status_code == 413 and refused.value.extra["max_bytes"] == 1000
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []
    assert await store.put(name, limited(chunks(b"x" * 600, b"y" * 400), 1000)) == 1000


@settings(deadline=None)  # a loaded machine must not fail a pure property
@given(st.integers(1, 10_000), st.integers(0, 12_000), st.integers(0, 12_000))
def test_ranges_stay_inside_the_file(size, first, last):
    """``bytes=a-b``, ``bytes=a-`` and ``bytes=-n`` give an inclusive range inside the
    file, or the whole file (reversed), or 416 (starting past the end)."""
    for header in (f"bytes={first}-{last}", f"bytes={first}-", f"bytes=-{last}"):
        try:
            found = parse_range(header, size)
        except RangeNotSatisfiable:
            assert (header.startswith(f"bytes={first}-") and first >= size) or header == "bytes=-0"
            continue
        if found is None:
            assert header == f"bytes={first}-{last}" and last < first
            continue
        start, end = found
        assert 0 <= start <= end < size
        if header == f"bytes={first}-{last}":
            assert start == first and end == min(last, size - 1)
        elif header == f"bytes={first}-":
            assert (start, end) == (first, size - 1)
        else:
            assert (start, end) == (max(0, size - last), size - 1)


def test_odd_ranges_send_the_whole_file():
    """No header, several ranges, another unit or nonsense: the whole file (200)."""
    for header in [None, "", "bytes=0-1,5-9", "items=0-5", "bytes=a-b", "bytes=-"]:
        assert parse_range(header, 100) is None


class MemoryStorage:
    """A second implementation, as a plugin would bring one (only for the selection test)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def put(self, name, chunks):  # pragma: no cover - not called
        return 0

    def open(self, name, start=0, end=None):  # pragma: no cover - not called
        raise NotFound("no")

    async def delete(self, name):  # pragma: no cover - not called
        return None

    async def size(self, name):  # pragma: no cover - not called
        return 0


def test_the_setting_chooses_the_storage(tmp_path):
    """``local`` is the folder in ``PODIUM_MEDIA_DIR``; ``module:Class`` is imported and
    built with the settings; a missing or wrong class stops start-up with a message."""
    base = load_settings({"PODIUM_MEDIA_DIR": str(tmp_path / "m")})
    local = storage_for(base)
    assert isinstance(local, LocalMediaStorage) and local.root == tmp_path / "m"
    assert storage_for(base) is local
    custom = storage_for(dataclasses.replace(base, media_storage=f"{__name__}:MemoryStorage"))
    assert isinstance(custom, MemoryStorage) and custom.settings.media_storage.endswith("MemoryStorage")
    for wrong in ["nowhere.at_all:Thing", f"{__name__}:Missing", f"{__name__}:dataclasses"]:
        with pytest.raises(SettingsError, match="PODIUM_MEDIA_STORAGE"):
            storage_for(dataclasses.replace(base, media_storage=wrong))


def test_media_dir_defaults():
    """Beside the SQLite file, else ./var/media; the size limit is a positive setting."""
    sqlite = load_settings({"PODIUM_DATABASE_URL": "sqlite:////srv/podium/podium.sqlite3"})
    assert str(sqlite.media_path) == "/srv/podium/media"
    pg = load_settings({"PODIUM_DATABASE_URL": "postgresql://db/podium"})
    assert str(pg.media_path) == "var/media"
    assert load_settings({"PODIUM_MEDIA_MAX_BYTES": "1000"}).media_max_bytes == 1000
    with pytest.raises(SettingsError):
        load_settings({"PODIUM_MEDIA_MAX_BYTES": "0"})
    assert storage.describe_size(50 * 1024 * 1024) == "50 MB"


async def test_a_wrong_storage_setting_stops_start_up(podium_app_factory):
    """The app refuses to start with a storage class that cannot be imported."""
    app = podium_app_factory(media_storage="nowhere.at_all:Thing")
    with pytest.raises(BaseException) as refused:
        async with app.lifespan():
            pass
    assert "PODIUM_MEDIA_STORAGE" in repr(refused.value) or "PODIUM_MEDIA_STORAGE" in str(
        getattr(refused.value, "exceptions", ""))
