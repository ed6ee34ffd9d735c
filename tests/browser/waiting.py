"""Waiting in the browser tests without ``page.wait_for_function``.

Playwright's ``wait_for_function`` re-checks its predicate with ``eval`` inside the page.
Our pages' Content-Security-Policy (``script-src 'self'``) forbids ``eval``, and Chromium
from 156 on enforces that for Playwright's polling too: the wait failed whenever the
predicate was not already true at the first check. ``page.evaluate`` goes through the
DevTools protocol, which the CSP does not govern, so the waits here poll with it.
"""

from __future__ import annotations

import asyncio
from typing import Any

# Playwright's own waits in conftest use the same budget; nothing asserts speed.
WAIT_SECONDS = 15.0
POLL_SECONDS = 0.05

# An init script: marks the window once htmx's SSE extension has opened its stream.
SSE_OPEN_PROBE = ("document.addEventListener('htmx:sseOpen', () => "
                  "{ window.__podiumSseOpen = true; });")


async def wait_until(page: Any, expression: str, timeout: float = WAIT_SECONDS) -> None:
    """Poll the JavaScript ``expression`` in ``page`` until it is truthy; fail with the
    expression after ``timeout`` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await page.evaluate(expression):
        if loop.time() > deadline:
            raise AssertionError(f"still false after {timeout:g} s in {page.url}: {expression}")
        await asyncio.sleep(POLL_SECONDS)


async def wait_for_sse_open(page: Any) -> None:
    """Wait until the page (given ``SSE_OPEN_PROBE`` as an init script) has its live
    stream open, so that what a test publishes next is not missed."""
    await wait_until(page, "window.__podiumSseOpen === true")
