"""Signing in from the pages, as a person does, for the browser journeys."""

from __future__ import annotations

import re
from typing import Any

from playwright.async_api import expect

from podium.core.testing import DEFAULT_PASSWORD


async def log_in(page: Any, username: str, next_path: str, password: str = DEFAULT_PASSWORD) -> None:
    """Fill the login form (``/login?next=…``) and wait until the browser is at
    ``next_path`` (a query string after it is allowed)."""
    await page.goto(f"/login?next={next_path}")
    await page.get_by_label("Username").fill(username)
    await page.get_by_label("Password").fill(password)
    await page.get_by_role("button", name="Log in").click()
    await expect(page).to_have_url(re.compile(re.escape(next_path) + r"(\?.*)?$"))
