"""``podium.core.testing``: a pytest plugin for Podium and for plugin authors.

Installed with Podium (entry point ``pytest11``), it gives:

* a throw-away database: a temporary SQLite file, or PostgreSQL when
  ``PODIUM_TEST_DATABASE_URL`` is set; migrated once per session, emptied before each test
  that asks for ``podium_db``;
* ``podium_app_factory(plugins=[...], extra=[...])``: an app built with only the plugins you
  name, plus plugin objects registered just for the test;
* ``podium_client_factory`` / ``podium_client``: an async test client with helpers that log
  in and send CSRF tokens like a browser;
* ``podium_users``: create users with roles; ``podium_live_server``: the real app served
  by uvicorn on a free port, for concurrent clients and browser tests;
* plain helpers for plugin authors: :func:`make_plugin` (a throw-away plugin from a few
  functions), :func:`plugin_host` (a plugin host without an app or a database) and
  :func:`set_plugin_enabled` (switch a plugin on or off for the test app's venue or a
  tournament, as an admin would);
* the ``hooks`` marker: ``@pytest.mark.hooks("podium_routes", ...)`` records which hooks a
  test exercises (Podium's suite checks every hook has one).

Redis is used for channels and stores when ``PODIUM_TEST_REDIS_URL`` is set.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:  # types only: pytest loads this plugin before pytest_configure, so the
    # Podium modules (and httpx) are imported where they are used.
    import httpx
    from litestar import Litestar

    from podium.core.accounts.service import CurrentUser
    from podium.core.events import ScopeRef
    from podium.core.plugins import PluginHost
    from podium.core.settings import Settings

_TMP_DIR: str | None = None

TEST_ENV_DEFAULTS = {
    "PODIUM_SECRET_KEY": "test-secret-key-not-for-production-0123456789",
    "PODIUM_LOGIN_RATE": "10000",
    "PODIUM_ENV": "test",
}


def pytest_configure(config: pytest.Config) -> None:
    """Point Podium at a test database before anything imports the Piccolo conf."""
    global _TMP_DIR
    config.addinivalue_line("markers", "browser: drives a real headless Chromium")
    config.addinivalue_line(
        "markers", "hooks(*names): the Podium hooks a test exercises (see docs/plugins.md)"
    )
    if os.environ.get("PODIUM_TESTING_CONFIGURED") == "1":
        return  # a live server subprocess inherits the parent's choice
    url = os.environ.get("PODIUM_TEST_DATABASE_URL", "").strip()
    if not url:
        _TMP_DIR = tempfile.mkdtemp(prefix="podium-test-")
        url = f"sqlite:///{_TMP_DIR}/test.sqlite3"
    os.environ["PODIUM_DATABASE_URL"] = url
    redis = os.environ.get("PODIUM_TEST_REDIS_URL", "").strip()
    if redis:
        os.environ["PODIUM_REDIS_URL"] = redis
    else:
        os.environ.pop("PODIUM_REDIS_URL", None)
    for key, value in TEST_ENV_DEFAULTS.items():
        os.environ.setdefault(key, value)
    # Uploaded media of the fan hub go to a throw-away folder, never the working tree.
    os.environ.setdefault("PODIUM_MEDIA_DIR", tempfile.mkdtemp(prefix="podium-media-"))
    os.environ.pop("PODIUM_DISABLE_PLUGINS", None)
    os.environ["PODIUM_TESTING_CONFIGURED"] = "1"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A test marked ``pure`` (skipped by the PostgreSQL pass) must not use the database:
    one that does would silently lose its PostgreSQL run, so collection stops."""
    wrong = [item.nodeid for item in items
             if item.get_closest_marker("pure") is not None
             and "podium_migrated" in getattr(item, "fixturenames", ())]
    if wrong:
        raise pytest.UsageError("marked pure but using the database: " + ", ".join(wrong[:5]))


def test_settings(**overrides: Any) -> Settings:
    """Settings for a test app (the test database, a fixed secret), with overrides."""
    from podium.core.settings import load_settings

    return dataclasses.replace(load_settings(), **overrides)


@pytest.fixture(scope="session")
async def podium_migrated() -> AsyncIterator[None]:
    """Apply every migration once per test session (the pool lives for the session)."""
    from podium.core.database import close_pool, engine, migrate, open_pool

    await open_pool()
    if engine().engine_type == "postgres":
        # A dedicated test database: start from an empty schema every session so leftovers
        # of earlier runs (or renamed migrations) cannot break this one.
        # One statement per call: asyncpg prepares each, and refuses several at once.
        await engine().run_ddl("DROP SCHEMA public CASCADE")
        await engine().run_ddl("CREATE SCHEMA public")
    await migrate()
    yield
    await close_pool()


@pytest.fixture
async def podium_db(podium_migrated: None) -> AsyncIterator[None]:
    """An empty, migrated database for one test."""
    from podium.core.database import engine, wipe_all_tables
    from podium.core.sqlite_pool import PooledSQLiteEngine

    await wipe_all_tables()
    await _wipe_redis()
    yield
    db = engine()
    if isinstance(db, PooledSQLiteEngine):  # its idle connections belong to this test's loop
        await db.close_idle()


async def _wipe_redis() -> None:
    """Forget sessions and rate-limit counters kept in the test Redis."""
    url = os.environ.get("PODIUM_REDIS_URL")
    if not url:
        return
    from redis.asyncio import Redis

    client = Redis.from_url(url)
    try:
        keys = [key async for key in client.scan_iter(match="podium*", count=500)]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()


@pytest.fixture
def podium_app_factory(podium_db: None) -> Callable[..., Litestar]:
    """Build an app with only the named plugins (``None`` = all) and temporary extras.

    ``podium_app_factory(plugins=["esport"], extra=[MyTestPlugin()], settings=...)``;
    ``use_entry_points=False`` ignores installed third-party plugins.
    """

    def make(
        plugins: Iterable[str] | None = None,
        extra: Iterable[Any] = (),
        settings: Settings | None = None,
        use_entry_points: bool = True,
        **settings_overrides: Any,
    ) -> Litestar:
        from podium.web.app import create_app
        from podium.web.assembly import make_plugin_host

        settings = settings or test_settings(**settings_overrides)
        host = make_plugin_host(
            settings,
            only=list(plugins) if plugins is not None else None,
            extra=tuple(extra),
            use_entry_points=use_entry_points,
        )
        return create_app(settings, plugin_host=host)

    return make


class PodiumClient:
    """An async test client that behaves like a browser with a CSRF cookie.

    Attribute access falls through to the underlying ``httpx.AsyncClient``. After every
    request other than GET/HEAD it waits until the app's outbox has delivered what the
    request recorded (:meth:`settle`), so a test sees plugins and live pages already told,
    as a person would a moment later. Use ``client.client`` for a request without it.
    """

    def __init__(self, client: httpx.AsyncClient, app: Litestar | None = None) -> None:
        self.client = client
        self.app = app

    def __getattr__(self, name: str) -> Any:
        return getattr(self.client, name)

    async def settle(self) -> int:
        """Deliver what the app's outbox has due now; returns how many events."""
        outbox = getattr(getattr(self.app, "state", None), "outbox", None)
        return await outbox.drain() if outbox is not None else 0

    async def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """Any request; a write is followed by :meth:`settle`."""
        response = await self.client.request(method, url, **kwargs)
        if method.upper() not in ("GET", "HEAD", "OPTIONS"):
            await self.settle()
        return response

    async def post(self, url: str, **kwargs: Any) -> httpx.Response:
        """POST, then :meth:`settle`."""
        return await self.request("POST", url, **kwargs)

    async def put(self, url: str, **kwargs: Any) -> httpx.Response:
        """PUT, then :meth:`settle`."""
        return await self.request("PUT", url, **kwargs)

    async def patch(self, url: str, **kwargs: Any) -> httpx.Response:
        """PATCH, then :meth:`settle`."""
        return await self.request("PATCH", url, **kwargs)

    async def delete(self, url: str, **kwargs: Any) -> httpx.Response:
        """DELETE, then :meth:`settle`."""
        return await self.request("DELETE", url, **kwargs)

    async def csrf_token(self) -> str:
        """The CSRF cookie's value, fetching a page first if there is none yet."""
        token = self.client.cookies.get("podium_csrf")
        if not token:
            await self.client.get("/login")
            token = self.client.cookies.get("podium_csrf")
        return token or ""

    async def form_post(
        self, url: str, data: dict[str, Any] | None = None, **kwargs: Any
    ) -> httpx.Response:
        """POST a form with its CSRF token, as a browser page would."""
        payload = dict(data or {})
        payload["_csrf_token"] = await self.csrf_token()
        kwargs.setdefault("follow_redirects", False)
        return await self.post(url, data=payload, **kwargs)

    async def htmx(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """An htmx request (``HX-Request`` and the CSRF header set)."""
        headers = dict(kwargs.pop("headers", {}) or {})
        headers.setdefault("HX-Request", "true")
        headers.setdefault("x-csrftoken", await self.csrf_token())
        return await self.request(method, url, headers=headers, **kwargs)

    async def login(self, username: str, password: str) -> None:
        """Log in through the real form; fails the test if the log-in is refused."""
        response = await self.form_post("/login", {"username": username, "password": password})
        assert response.status_code == 303, f"log-in as {username} failed: {response.status_code}"

    async def logout(self) -> None:
        """Log out through the real form."""
        await self.form_post("/logout")

    async def bearer(self, username: str, password: str) -> dict[str, str]:
        """An ``Authorization`` header for the JSON API."""
        response = await self.client.post(
            "/api/v1/auth/token", json={"username": username, "password": password}
        )
        assert response.status_code == 200, response.text
        return {"Authorization": f"Bearer {response.json()['token']}"}


async def _start_lifespan(app: Litestar, stack: contextlib.AsyncExitStack) -> None:
    """Run ``app.lifespan()`` in its own task (anyio scopes must exit where they entered)."""
    import asyncio

    started = asyncio.Event()
    stop = asyncio.Event()

    async def runner() -> None:
        async with app.lifespan():
            started.set()
            await stop.wait()

    task = asyncio.create_task(runner())
    waiter = asyncio.create_task(started.wait())
    await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
    if task.done():
        waiter.cancel()
        task.result()  # re-raise the start-up error

    async def shutdown() -> None:
        stop.set()
        await task

    stack.push_async_callback(shutdown)


@pytest.fixture
async def podium_client_factory() -> AsyncIterator[Callable[[Litestar], Awaitable[PodiumClient]]]:
    """Open test clients on apps; the app's lifespan runs in the test's own event loop
    (Litestar's ``AsyncTestClient`` uses a portal thread, which breaks a shared asyncpg
    pool). All clients and lifespans are closed after the test."""
    import httpx

    stack = contextlib.AsyncExitStack()
    # One lifespan per app, however many clients: a second start-up would start the
    # app's background loops again and the first ones would outlive the test.
    started: set[int] = set()

    async def open_client(app: Litestar) -> PodiumClient:
        if id(app) not in started:
            started.add(id(app))
            await _start_lifespan(app, stack)
        client = httpx.AsyncClient(
            # Litestar types the ASGI scope and messages as TypedDicts, httpx as plain
            # mappings: the same app, two spellings mypy cannot match (encode/httpx#3111).
            transport=httpx.ASGITransport(app=app, client=("127.0.0.1", 50000)),  # type: ignore[arg-type]
            base_url="http://testserver.local",
        )
        await stack.enter_async_context(client)
        return PodiumClient(client, app)

    async with stack:
        yield open_client


@pytest.fixture
async def podium_app(podium_app_factory: Callable[..., Litestar]) -> Litestar:
    """The full app: built-in plugins and every installed entry-point plugin."""
    return podium_app_factory()


@pytest.fixture
async def podium_client(
    podium_app: Litestar, podium_client_factory: Callable[[Litestar], Awaitable[PodiumClient]]
) -> PodiumClient:
    """A client on :func:`podium_app`."""
    return await podium_client_factory(podium_app)


DEFAULT_PASSWORD = "correct-horse-42"


@pytest.fixture
def podium_users(podium_db: None) -> Callable[..., Awaitable[CurrentUser]]:
    """``await podium_users("alice", "organiser")`` creates a user (password
    :data:`DEFAULT_PASSWORD`) and returns its :class:`CurrentUser`."""
    from podium.core.accounts.service import create_user

    async def make(username: str, *roles: str, password: str = DEFAULT_PASSWORD) -> CurrentUser:
        return await create_user(username, password, roles or ("fan",), verified_roles_ok=True)

    return make


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]  # (host, port) for AF_INET
        return port


@dataclasses.dataclass
class LiveServer:
    """A real uvicorn process serving the app on the test database."""

    url: str
    process: subprocess.Popen[bytes]


@pytest.fixture
def podium_live_server(podium_db: None) -> Iterable[LiveServer]:
    """Serve the full app with uvicorn in a subprocess (real sockets, real concurrency)."""
    import httpx

    port = free_port()
    env = dict(os.environ)
    log_path = Path(tempfile.mkdtemp(prefix="podium-live-")) / "server.log"
    log_file = open(log_path, "w")
    process = subprocess.Popen(
        [
            sys.executable, "-m", "uvicorn", "podium.web.app:create_app", "--factory",
            "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
        ],
        env=env,
        stdout=log_file,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            log_file.close()
            raise RuntimeError(f"live server did not start:\n{log_path.read_text()}")
        time.sleep(0.1)
    try:
        yield LiveServer(url=url, process=process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log_file.close()


# --------------------------------------------------------------------------------------
# Helpers for plugin authors
# --------------------------------------------------------------------------------------


def make_plugin(
    name: str,
    *,
    scope: str = "venue",
    default_enabled: bool = True,
    version: str = "0.0.0",
    description: str = "",
    podium_requires: str = ">=0.1",
    **hooks: Callable[..., Any],
) -> ModuleType:
    """A throw-away plugin: a module named ``podium_test_plugin_<name>`` with metadata and
    the given hook implementations.

    ``make_plugin("spy", podium_events_changed=lambda event: seen.append(event))``.
    Each function may take only the hook arguments it needs. Pass the result to
    ``podium_app_factory(extra=[...])``, :func:`plugin_host` or ``host.temporarily(...)``.
    """
    from podium.core.plugins import PluginMeta, hookimpl

    module = ModuleType(f"podium_test_plugin_{name}")
    module.PODIUM_PLUGIN = PluginMeta(  # type: ignore[attr-defined]
        name=name,
        version=version,
        description=description,
        scope=scope,
        podium_requires=podium_requires,
        default_enabled=default_enabled,
    )
    for hook_name, function in hooks.items():
        setattr(module, hook_name, hookimpl(function))
    return module


def plugin_host(
    plugins: Iterable[str] | None = (),
    extra: Iterable[Any] = (),
    *,
    use_entry_points: bool = False,
    **settings_overrides: Any,
) -> PluginHost:
    """A :class:`~podium.core.plugins.PluginHost` without an app or a database.

    By default it holds the domains (the built-in global plugins: venue, tournaments...) and
    ``extra``; name other built-ins in ``plugins`` (``None`` = all) and set
    ``use_entry_points=True`` to load installed ones.
    Fast enough for hypothesis tests of hook implementations.
    """
    from podium.web.assembly import make_plugin_host

    return make_plugin_host(
        test_settings(**settings_overrides),
        only=list(plugins) if plugins is not None else None,
        extra=tuple(extra),
        use_entry_points=use_entry_points,
    )


async def set_plugin_enabled(
    app: Litestar,
    name: str,
    enabled: bool = True,
    *,
    scope: ScopeRef | None = None,
    venue_id: int | None = None,
) -> None:
    """Switch plugin ``name`` on or off for the app's venue (or, with ``scope``, a
    :class:`podium.core.events.ScopeRef`, for one thing inside it such as a tournament),
    the way the admin page and the organiser's console do. Third-party plugins start disabled, so tests usually begin with
    ``await set_plugin_enabled(app, "myplugin")``.

    The venue defaults to the one the app serves (``app.state.venue_id``, known once a
    client has started the app; 0 before any venue exists, like the admin page).
    """
    from podium.core.activation.service import set_enabled

    host = app.state.plugin_host
    if scope is not None:
        await set_enabled(host, name, scope.kind, scope.id, enabled)
        return
    scope_id = venue_id if venue_id is not None else (app.state.get("venue_id") or 0)
    await set_enabled(host, name, "venue", scope_id, enabled)
