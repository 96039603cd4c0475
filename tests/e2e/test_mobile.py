"""At 375 px wide every screen fits without sideways scrolling and keeps its controls reachable."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import at, open_page, register, sign_in

pytestmark = pytest.mark.e2e
PHONE = {"width": 375, "height": 740}


def assert_fits(page: Page, screen: str) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{screen} is {width}px wide at {PHONE['width']}px"


def test_every_screen_fits_a_phone(browser: Browser, embedded_url: str) -> None:
    user = register(embedded_url)
    task = user.new_task(
        title="A rather long task title that has to wrap nicely on a small phone screen",
        description="With notes that are long enough to be cut off with an ellipsis on one line.",
        tags=["home", "errands", "someday"],
        due_at=at(days=1, hour=9),
        recurrence="weekly",
        reminder_minutes_before=60,
    )
    page = open_page(browser, embedded_url, PHONE)
    sign_in(page, user)

    page.goto("/")
    expect(page.locator(".task")).to_have_count(1)
    assert_fits(page, "the list")
    page.get_by_role("button", name="Filters").click()
    expect(page.get_by_role("complementary", name="Filters")).to_be_visible()
    assert_fits(page, "the list with filters")

    page.get_by_role("button", name=task["title"], exact=True).click()
    editor = page.get_by_role("dialog", name="Edit task")
    expect(editor.get_by_role("button", name="Save changes")).to_be_in_viewport()
    assert_fits(page, "the editor")
    editor.get_by_role("button", name="Cancel").click()

    page.get_by_role("button", name="Assistant").click()
    expect(page.get_by_label("Message the assistant")).to_be_in_viewport()
    assert_fits(page, "the assistant")
    page.get_by_role("button", name="Close assistant").click()

    page.get_by_role("button", name="Notifications, 0 unread").click()
    expect(page.get_by_role("region", name="Notifications")).to_be_in_viewport()
    assert_fits(page, "the notifications")
    page.keyboard.press("Escape")

    nav = page.get_by_role("navigation", name="Main")
    for name in ("Today", "Upcoming"):
        nav.get_by_role("link", name=name).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(name)
        expect(page.locator(".task")).to_have_count(1 if name == "Upcoming" else 0)
        assert nav.evaluate("nav => nav.scrollWidth <= nav.clientWidth"), "the navigation is cut off"
        assert_fits(page, name)

    for path in (f"/tasks/{task['id']}/history", "/settings"):
        page.goto(path)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        assert_fits(page, path)
    page.context.close()
    user.api.close()

    signed_out = open_page(browser, embedded_url, PHONE)
    signed_out.goto("/")
    expect(signed_out.get_by_role("heading", name="Welcome back")).to_be_visible()
    assert_fits(signed_out, "sign in")
    signed_out.context.close()
