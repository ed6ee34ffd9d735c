"""Browser tests: Playwright's Python package driving the system Chromium.

Every test here is marked ``browser``; the default run deselects them (pyproject's
``-m 'not browser'``), ``make browser-test`` and ``.ci/run`` select them with ``-m browser``.

Chromium comes from Debian (``apt-get install chromium``), never from
``playwright install``. Without it the tests are skipped with a clear reason, except when
``PODIUM_REQUIRE_BROWSER=1`` (CI), where a missing browser fails the run.

The tests use Playwright's *async* API in the suite's session event loop. The sync API
does not fit here: it keeps its own loop marked as running in the main thread, and the
suite's async fixtures (the database) then refuse to run ("Cannot run the event loop
while another loop is running"). The app is the real one, served by the
``podium_live_server`` uvicorn subprocess on the test database.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from podium.tests.browser.waiting import WAIT_SECONDS

CHROMIUM = os.environ.get("PODIUM_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-quic", "--disable-sync",
]
HERE = Path(__file__).parent
SCREENSHOTS = Path(os.environ.get("PODIUM_SCREENSHOTS", tempfile.gettempdir())) / "podium-screenshots"
# Playwright's own waits (ms): generous for a loaded CI machine; nothing asserts speed.
TIMEOUT_MS = int(WAIT_SECONDS * 1000)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test of this folder ``browser`` before ``-m`` deselects anything."""
    for item in items:
        if HERE in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


def _unavailable(reason: str) -> None:
    if os.environ.get("PODIUM_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (PODIUM_REQUIRE_BROWSER=1: browser tests must run here)",
                    pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Any]:
    """One headless Chromium for the whole session."""
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        _unavailable(f"Chromium not found at {CHROMIUM}: install Debian's package "
                     "(apt-get update && apt-get install chromium); never `playwright install`")
    try:
        from playwright.async_api import async_playwright
    except ImportError:
        _unavailable("the playwright Python package is missing: make install-test")
    async with async_playwright() as playwright:
        instance = await playwright.chromium.launch(executable_path=CHROMIUM,
                                                    args=CHROMIUM_ARGS, headless=True)
        try:
            yield instance
        finally:
            await instance.close()


@pytest.fixture
def base_url(podium_live_server: Any) -> str:
    """The live server's address."""
    return podium_live_server.url


@pytest.fixture
async def new_page(browser: Any, base_url: str) -> AsyncIterator[Callable[..., Awaitable[Any]]]:
    """``await new_page(width=..., height=...)``: a page in a fresh browser context (its
    own cookies), pointed at the live server. Closed after the test. Uncaught JavaScript
    errors of the page are collected in ``page.js_errors``; a Content-Security-Policy
    violation reported in the console (``page.csp_violations``) fails the test: the CSP
    must never break a page silently."""
    contexts: list[Any] = []
    violations: list[str] = []

    async def make(width: int = 1280, height: int = 800, **options: Any) -> Any:
        context = await browser.new_context(base_url=base_url,
                                            viewport={"width": width, "height": height},
                                            **options)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = await context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.js_errors = errors  # type: ignore[attr-defined]
        page.on("console", lambda message: _note_csp_violation(message, page, violations))
        page.csp_violations = violations  # type: ignore[attr-defined]
        return page

    yield make
    for context in contexts:
        await context.close()
    if violations:
        pytest.fail("Content-Security-Policy violations in the browser console:\n"
                    + "\n".join(violations), pytrace=False)


def _note_csp_violation(message: Any, page: Any, violations: list[str]) -> None:
    """Keep a console message that reports a Content-Security-Policy violation."""
    if "Content Security Policy" in message.text:
        violations.append(f"{page.url}: {message.text}")


@pytest.fixture
async def page(new_page: Callable[..., Awaitable[Any]]) -> Any:
    """A desktop-sized page on the live server."""
    return await new_page()


@pytest.fixture
def screenshot_dir() -> Path:
    """Where screenshots go (``PODIUM_SCREENSHOTS`` or the temp folder)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


@pytest.fixture
async def existing_user(podium_db: None) -> str:
    """A fan ``marie`` ("Marie Sprint", password ``DEFAULT_PASSWORD``); returns the username."""
    from podium.core.accounts.service import create_user
    from podium.core.testing import DEFAULT_PASSWORD

    await create_user("marie", DEFAULT_PASSWORD, ("fan",), display_name="Marie Sprint")
    return "marie"


@pytest.fixture
async def demo_venue(podium_db: None) -> Any:
    """The demo velodrome seeded in the test database (before the live server starts,
    which reads the default venue at start-up). Returns the seeding result."""
    from podium.web.demo import seed_demo

    return await seed_demo(admin_password="admin-password-for-tests")


@pytest.fixture
def demo_server(demo_venue: Any, podium_live_server: Any) -> Any:
    """The live server on a seeded demo venue (fixture order: seed, then serve)."""
    return podium_live_server
