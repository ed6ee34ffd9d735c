"""Sign up, log in and log out in a real browser."""

from __future__ import annotations

import re
from typing import Any

from playwright.async_api import expect

from podium.core.testing import DEFAULT_PASSWORD


async def test_sign_up_shows_errors_then_succeeds(page: Any) -> None:
    """A sign-up with differing passwords shows the error and keeps the typed fields; the
    corrected form signs the new user in."""
    await page.goto("/")
    await page.get_by_role("link", name="Sign up").click()
    await expect(page).to_have_url(re.compile(r"/signup$"))
    await page.get_by_label("Username").fill("velo_fan")
    await page.get_by_label("Display name").fill("Velo Fan")
    await page.get_by_label("Password", exact=True).fill("a-long-password")
    await page.get_by_label("Password again").fill("another-password")
    await page.get_by_role("button", name="Create my account").click()

    await expect(page.get_by_role("alert")).to_contain_text("passwords differ")
    await expect(page.get_by_label("Username")).to_have_value("velo_fan")
    await expect(page.get_by_label("Display name")).to_have_value("Velo Fan")

    await page.get_by_label("Password", exact=True).fill("a-long-password")
    await page.get_by_label("Password again").fill("a-long-password")
    await page.get_by_role("button", name="Create my account").click()

    await expect(page).to_have_url(re.compile(r"/$"))
    await expect(page.get_by_test_id("whoami")).to_have_text("Velo Fan")
    assert page.js_errors == []


async def test_sign_up_form_is_checked_by_the_browser_first(page: Any) -> None:
    """A too-short username is refused by the form itself (no round trip)."""
    await page.goto("/signup")
    await page.get_by_label("Username").fill("x")
    await page.get_by_label("Password", exact=True).fill("a-long-password")
    await page.get_by_label("Password again").fill("a-long-password")
    await page.get_by_role("button", name="Create my account").click()
    await expect(page).to_have_url(re.compile(r"/signup$"))
    assert await page.get_by_label("Username").evaluate("el => !el.validity.valid")


async def test_log_in_and_out(page: Any, existing_user: str) -> None:
    """Wrong password: an error and no session. Right password: signed in, back where the
    user was heading. Log out: anonymous again."""
    await page.goto("/login?next=/calendar")
    await page.get_by_label("Username").fill(existing_user)
    await page.get_by_label("Password").fill("wrong-password")
    await page.get_by_role("button", name="Log in").click()
    await expect(page.get_by_role("alert")).to_contain_text("Wrong username or password")
    await expect(page.get_by_test_id("whoami")).to_have_count(0)

    await page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    await page.get_by_role("button", name="Log in").click()
    await expect(page).to_have_url(re.compile(r"/calendar"))
    await expect(page.get_by_test_id("whoami")).to_have_text("Marie Sprint")

    # The account menu under the name leads to the password and API-token pages.
    await page.get_by_test_id("whoami").click()
    await page.get_by_role("link", name="API tokens").click()
    await expect(page).to_have_url(re.compile(r"/me/tokens$"))
    await page.get_by_test_id("whoami").click()
    await page.get_by_role("link", name="Change password").click()
    await expect(page).to_have_url(re.compile(r"/me/password$"))

    await page.get_by_role("button", name="Log out").click()
    await expect(page).to_have_url(re.compile(r"/$"))
    await expect(page.get_by_test_id("whoami")).to_have_count(0)
    await expect(page.get_by_role("link", name="Log in")).to_be_visible()
    assert page.js_errors == []


async def test_page_needing_a_user_sends_to_login_and_back(page: Any, existing_user: str) -> None:
    """Opening a members-only page while anonymous goes through the log-in form and back."""
    await page.goto("/me/bookings")
    await expect(page).to_have_url(re.compile(r"/login\?next=%2Fme%2Fbookings"))
    await page.get_by_label("Username").fill(existing_user)
    await page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    await page.get_by_role("button", name="Log in").click()
    await expect(page).to_have_url(re.compile(r"/me/bookings$"))
