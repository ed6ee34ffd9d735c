"""Settings read from the environment, with safe defaults for a laptop.

Every setting has one environment variable. In production mode (``PODIUM_ENV=production``)
a missing secret is a start-up error rather than a default.
"""

from __future__ import annotations

import ipaddress
import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

DEV_SECRET_FILE = ".podium-secret"


class SettingsError(RuntimeError):
    """Raised at start-up when the environment describes an unusable configuration."""


def _csv(value: str | None) -> frozenset[str]:
    return frozenset(part.strip() for part in (value or "").split(",") if part.strip())


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Settings:
    """The whole configuration of one Podium process."""

    env: str = "development"
    database_url: str = "sqlite:///podium.sqlite3"
    redis_url: str | None = None
    secret_key: str = ""
    admin_password: str | None = None
    port: int = 8000
    host: str = "127.0.0.1"
    disabled_plugins: frozenset[str] = field(default_factory=frozenset)
    trace_hooks: bool = False
    skip_broken_plugins: bool = False
    venue_name: str = "Vélodrome National"
    #: The venue's IANA time zone: dates and times on pages are shown in it.
    timezone: str = "Europe/Paris"
    login_rate_per_minute: int = 10
    session_max_age: int = 14 * 24 * 3600
    api_token_days: int = 30
    #: Live streams (``/-/events``) one client may hold open at once, per worker process.
    sse_streams_per_client: int = 8
    #: The most matches one tournament may create, whatever its format (a format may set
    #: a lower ceiling of its own: a round robin stops at 32,640). The default fits a
    #: 65,536-entrant double elimination.
    max_matches_per_tournament: int = 131_072
    # Reverse proxies whose X-Forwarded-For / X-Forwarded-Proto are believed (CIDRs).
    trusted_proxies: tuple[str, ...] = ()
    # CSP frame-ancestors of the tournament big-screen view ("'none'": no embedding).
    screen_frame_ancestors: str = "'none'"
    #: Where the local media storage keeps the fan hub's uploaded images and videos
    #: (empty: ``media/`` next to the SQLite file, or ``./var/media`` on PostgreSQL).
    media_dir: str = ""
    #: The largest image or video a post may carry, in bytes.
    media_max_bytes: int = 50 * 1024 * 1024
    #: The media storage: ``local`` (a folder), or ``package.module:ClassName`` naming a
    #: class that implements :class:`podium.social.storage.MediaStorage`.
    media_storage: str = "local"

    @property
    def production(self) -> bool:
        """True when running as a real deployment (strict secrets, secure cookies)."""
        return self.env == "production"

    @property
    def is_sqlite(self) -> bool:
        """True when the configured database is an SQLite file."""
        return self.database_url.startswith("sqlite")

    @property
    def media_path(self) -> Path:
        """The local media folder: ``media_dir``, else ``media/`` beside the SQLite file,
        else ``./var/media``."""
        if self.media_dir:
            return Path(self.media_dir)
        if self.is_sqlite:
            return Path(self.sqlite_path).resolve().parent / "media"
        return Path("var") / "media"

    @property
    def sqlite_path(self) -> str:
        """The SQLite file path of ``sqlite:///path`` (relative to the working directory)."""
        return self.database_url.split("sqlite:///", 1)[1] if self.is_sqlite else ""


def _networks(value: str | None) -> tuple[str, ...]:
    """Comma-separated addresses or CIDRs, normalised (``10.0.0.1`` → ``10.0.0.1/32``)."""
    networks = []
    for part in (value or "").split(","):
        if part.strip():
            try:
                networks.append(str(ipaddress.ip_network(part.strip(), strict=False)))
            except ValueError as exc:
                raise SettingsError(
                    f"PODIUM_TRUSTED_PROXIES must list IP addresses or CIDRs, got {part.strip()!r}"
                ) from exc
    return tuple(networks)


# One CSP source: a keyword, a scheme ("https:") or a host ("https://obs.example:8443",
# "*.example.org").
CSP_SOURCE = re.compile(
    r"'self'|'none'|[a-z][a-z0-9+.-]*:|(?:[a-z][a-z0-9+.-]*://)?(?:\*\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)*"
    r"(?::(?:\d{1,5}|\*))?(?:/[a-z0-9._~%!$&()*+=@/-]*)?",
    re.IGNORECASE,
)


def _frame_ancestors(value: str | None) -> str:
    """A CSP source list for ``frame-ancestors`` (default ``'none'``); anything that is not
    a list of sources (a ``;`` that would start another directive...) is refused."""
    text = (value or "").strip(" ")
    if not text:
        return "'none'"
    sources = [source for source in text.split(" ") if source]
    if any(ch in text for ch in "\r\n\t") or not all(CSP_SOURCE.fullmatch(s) for s in sources):
        raise SettingsError(f"PODIUM_SCREEN_FRAME_ANCESTORS is not a CSP source list: {value!r}")
    return " ".join(sources)


def _dev_secret() -> str:
    """A per-checkout secret kept in a git-ignored file, so sessions survive restarts."""
    path = Path(DEV_SECRET_FILE)
    try:
        if path.exists():
            return path.read_text().strip()
        value = secrets.token_urlsafe(48)
        path.write_text(value)
        return value
    except OSError:
        return secrets.token_urlsafe(48)


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    """Build :class:`Settings` from environment variables (``os.environ`` by default).

    Raises :class:`SettingsError` when production mode lacks ``PODIUM_SECRET_KEY`` or the
    database URL is neither ``sqlite:///...`` nor ``postgres(ql)://...``.
    """
    env = os.environ if environ is None else environ
    mode = env.get("PODIUM_ENV", "development").strip() or "development"
    database_url = env.get("PODIUM_DATABASE_URL", "").strip() or "sqlite:///podium.sqlite3"
    if not database_url.startswith(("sqlite:///", "postgres://", "postgresql://")):
        raise SettingsError(
            f"PODIUM_DATABASE_URL must start with sqlite:/// or postgresql://, got {database_url!r}"
        )
    secret = env.get("PODIUM_SECRET_KEY", "").strip()
    if not secret:
        if mode == "production":
            raise SettingsError("PODIUM_SECRET_KEY is required when PODIUM_ENV=production")
        secret = _dev_secret()
    try:
        port = int(env.get("PORT", "8000"))
    except ValueError as exc:
        raise SettingsError(f"PORT must be an integer, got {env.get('PORT')!r}") from exc
    token_days_text = env.get("PODIUM_API_TOKEN_DAYS", "").strip() or "30"
    try:
        api_token_days = int(token_days_text)
    except ValueError:
        api_token_days = 0
    if not 1 <= api_token_days <= 3650:
        raise SettingsError(
            f"PODIUM_API_TOKEN_DAYS must be a whole number of days from 1 to 3650, got {token_days_text!r}"
        )
    return Settings(
        env=mode,
        database_url=database_url,
        redis_url=env.get("PODIUM_REDIS_URL", "").strip() or None,
        secret_key=secret,
        admin_password=env.get("PODIUM_ADMIN_PASSWORD") or None,
        port=port,
        host=env.get("PODIUM_HOST", "127.0.0.1"),
        disabled_plugins=_csv(env.get("PODIUM_DISABLE_PLUGINS")),
        trace_hooks=_truthy(env.get("PODIUM_TRACE_HOOKS")),
        skip_broken_plugins=_truthy(env.get("PODIUM_SKIP_BROKEN_PLUGINS")),
        venue_name=env.get("PODIUM_VENUE_NAME", "Vélodrome National"),
        timezone=env.get("PODIUM_TIMEZONE", "Europe/Paris"),
        login_rate_per_minute=int(env.get("PODIUM_LOGIN_RATE", "10") or 10),
        api_token_days=api_token_days,
        sse_streams_per_client=_positive_int(env, "PODIUM_SSE_STREAMS_PER_CLIENT", 8),
        max_matches_per_tournament=_positive_int(env, "PODIUM_MAX_MATCHES_PER_TOURNAMENT",
                                                 131_072),
        trusted_proxies=_networks(env.get("PODIUM_TRUSTED_PROXIES")),
        screen_frame_ancestors=_frame_ancestors(env.get("PODIUM_SCREEN_FRAME_ANCESTORS")),
        media_dir=env.get("PODIUM_MEDIA_DIR", "").strip(),
        media_max_bytes=_positive_int(env, "PODIUM_MEDIA_MAX_BYTES", 50 * 1024 * 1024),
        media_storage=env.get("PODIUM_MEDIA_STORAGE", "").strip() or "local",
    )


def _positive_int(env: Mapping[str, str], name: str, default: int) -> int:
    """The integer ``env[name]`` (``default`` when unset); a start-up error unless >= 1."""
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1:
        raise SettingsError(f"{name} must be a whole number of at least 1, got {raw!r}")
    return value
