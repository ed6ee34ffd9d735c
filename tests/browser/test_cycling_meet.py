"""A track meet in a real browser: the organiser creates a meet, a session, a sprint with
pasted riders, schedules and publishes the programme, drags a phase on the timeline,
calls the qualifying to the track (then a last call), types the qualifying times, and the
meet page (open in another browser) shows the call and the times live."""

from __future__ import annotations

import re
from typing import Any

from playwright.async_api import expect

from podium.core.testing import DEFAULT_PASSWORD
from podium.tests.browser.waiting import SSE_OPEN_PROBE, wait_for_sse_open
from podium.tests.core.test_venue_support import at


def local(day: int, hour: int) -> str:
    return at(day, hour).strftime("%Y-%m-%dT%H:%M")


async def test_organiser_runs_a_meet_from_the_pages(podium_live_server: Any, new_page: Any,
                                                  screenshot_dir: Any) -> None:
    from podium.tests.core.test_venue_support import quick_user, seed_venue

    await seed_venue()
    await quick_user("olga", "organiser")
    organiser = await new_page()
    organiser.on("dialog", lambda dialog: dialog.accept())
    await organiser.goto("/login?next=/meets")
    await organiser.get_by_label("Username").fill("olga")
    await organiser.get_by_label("Password").fill(DEFAULT_PASSWORD)
    await organiser.get_by_role("button", name="Log in").click()
    await expect(organiser).to_have_url(re.compile("/meets$"))

    form = organiser.locator("#new-meet")
    await form.get_by_label("Name").fill("Thursday track league")
    await form.get_by_label("Starts").fill(local(1, 9))
    await form.get_by_label("Ends").fill(local(1, 23))
    await form.get_by_role("button", name="Create the meet").click()
    await expect(organiser).to_have_url(re.compile(r"/meets/\d+/console$"))
    meet_url = organiser.url.rsplit("/console", 1)[0]

    session = organiser.locator("#add-session")
    await session.get_by_label("Name").fill("Evening")
    await session.get_by_label("Starts").fill(local(1, 17))
    await session.get_by_label("Ends").fill(local(1, 22))
    await session.get_by_role("button", name="Add the session").click()
    await expect(organiser.locator("#sessions")).to_contain_text("Evening")

    comp = organiser.locator("#add-competition")
    await comp.get_by_label("Discipline").select_option("sprint")
    await comp.get_by_role("button", name="Add the competition").click()
    await expect(organiser.locator("#competitions")).to_contain_text("sprint")
    riders = "\n".join(f"Rider {i}, FRA, 100{i:08d}, Club" for i in range(1, 9))
    await organiser.get_by_label(re.compile("Riders, one a line")).fill(riders)
    await organiser.get_by_role("button", name="Enter the riders").click()
    await expect(organiser.locator(".cyc-competition")).to_contain_text("Rider 8")

    await organiser.locator("#programme").get_by_role("button", name="Schedule").click()
    await expect(organiser.locator("#solver-status")).to_have_text(re.compile("optimal|feasible"))
    blocks = organiser.locator(".cyc-block")
    await expect(blocks).to_have_count(4)
    # Drag the last phase to the end of the lane: it is pinned there, the rest rescheduled.
    lane = organiser.locator(".cyc-lane-track").first
    box = await lane.bounding_box()
    assert box is not None
    await blocks.nth(3).drag_to(lane, target_position={"x": box["width"] - 40, "y": box["height"] / 2})
    await expect(organiser.locator(".cyc-block.pinned")).to_have_count(1)
    await organiser.locator("#programme").get_by_role("button", name="Publish").click()
    await expect(organiser.locator("#meet-console")).to_contain_text("version 1 published")
    await organiser.locator("#programme").screenshot(path=str(screenshot_dir / "cycling-timeline.png"))

    visitor = await new_page(width=390, height=844)
    await visitor.add_init_script(SSE_OPEN_PROBE)
    await visitor.goto(meet_url)
    await expect(visitor.locator("#meet-body")).to_contain_text("version 1")
    await wait_for_sse_open(visitor)

    qualifying = organiser.locator('form.cyc-results-form[data-heat="Q"]').first
    # The call to the track: the next heat in programme order (the qualifying), shown on
    # the console and, live over SSE, on the visitor's page with its riders.
    await organiser.locator("#call-next").get_by_role("button", name="Call the next heat").click()
    await expect(organiser.locator("#call")).to_contain_text("Called:")
    call = visitor.locator("#track-call")
    await expect(call).to_contain_text("Called to the track")
    await expect(call).to_contain_text("Rider 8")
    await expect(call.locator(".badge")).to_have_count(0)
    # Called again by name from its results form: a last call, everywhere.
    await qualifying.get_by_role("button", name="Call to the track").click()
    await expect(organiser.locator("#call")).to_contain_text("last call")
    await expect(call).to_contain_text("last call")
    times = qualifying.locator("input[name^=time_]")
    await expect(times).to_have_count(8)
    for i in range(8):
        await times.nth(i).fill(f"10.{i + 1}05")
    await qualifying.get_by_role("button", name=re.compile("^Save")).click()
    await expect(organiser.locator("#meet-console")).to_contain_text("saved")
    # The visitor's page re-fetched itself over SSE: no reload.
    await expect(visitor.locator("#meet-body")).to_contain_text("10.105")
    await expect(visitor.locator("#meet-body")).to_contain_text("Rider 1")
    await visitor.screenshot(path=str(screenshot_dir / "cycling-meet-phone.png"), full_page=True)
    assert not organiser.js_errors and not visitor.js_errors
