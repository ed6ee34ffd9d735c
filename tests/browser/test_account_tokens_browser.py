"""The account pages in a real browser: revoke an API token, change the password."""

from __future__ import annotations

import re
from typing import Any

from playwright.async_api import expect

from podium.core.testing import DEFAULT_PASSWORD


async def test_revoke_a_token_then_change_the_password(page: Any, existing_user: str) -> None:
    """Marie sees her labelled token (its first characters only) and revokes it; a common
    password is refused with the reason, a good one is accepted."""
    from podium.core.accounts import service

    user = await service.get_user_by_name(existing_user)
    assert user is not None
    token = await service.issue_token(user, label="lap timer")

    await page.goto("/me/tokens")
    await page.get_by_label("Username").fill(existing_user)
    await page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    await page.get_by_role("button", name="Log in").click()
    await expect(page).to_have_url(re.compile(r"/me/tokens$"))
    row = page.locator(".token-row")
    await expect(row).to_contain_text("lap timer")
    await expect(row).to_contain_text(token[:8])
    assert token not in await page.content()
    await row.get_by_role("button", name="Revoke").click()
    await expect(page.get_by_role("status")).to_contain_text("Token revoked")
    await expect(page.locator("#tokens")).to_contain_text("You have no API token")
    assert await service.user_for_token(token) is None

    await page.get_by_role("link", name="Change my password").click()
    await page.get_by_label("Current password").fill(DEFAULT_PASSWORD)
    await page.get_by_label("New password", exact=True).fill("iloveyou1")
    await page.get_by_label("New password again").fill("iloveyou1")
    await page.get_by_role("button", name="Change my password").click()
    await expect(page.get_by_role("alert")).to_contain_text("10,000 most common passwords")

    await page.get_by_label("Current password").fill(DEFAULT_PASSWORD)
    await page.get_by_label("New password", exact=True).fill("a-much-longer-new-passphrase")
    await page.get_by_label("New password again").fill("a-much-longer-new-passphrase")
    await page.get_by_role("button", name="Change my password").click()
    await expect(page.get_by_role("status")).to_contain_text("Your password is changed")
    assert await service.authenticate(existing_user, "a-much-longer-new-passphrase") is not None
    assert page.js_errors == []
