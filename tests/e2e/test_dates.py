"""Dates in the browser: impossible ones are refused with a reason, and the assistant tells the time as
the list does (12- or 24-hour, from the browser's locale)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import DESKTOP, TIMEZONE, User, register, sign_in

pytestmark = pytest.mark.e2e


def open_new_task(page: Page, title: str) -> None:
    page.goto("/")
    page.get_by_role("button", name="New task").click()
    page.get_by_role("dialog", name="New task").get_by_label("Title").fill(title)


def test_31_february_is_refused_with_a_reason_instead_of_saving_without_a_date(
    page: Page, user: User
) -> None:
    open_new_task(page, "Impossible")
    editor = page.get_by_role("dialog", name="New task")
    due = editor.get_by_label("Due date")
    due.focus()
    due.press_sequentially("02312027")  # headless Chromium's date input reads month, day, year
    # The browser keeps 02/31/2027 as a bad input whose value is empty: the case that saved undated.
    assert due.evaluate("input => [input.value, input.validity.badInput]") == ["", True]
    editor.get_by_role("button", name="Add task").click()
    expect(editor.locator("[data-field='due_at'] .field-error")).to_have_text(
        "That date does not exist; pick a real day (e.g. 28 February, not 31 February)."
    )
    expect(editor).to_be_visible()
    assert user.api.get("/api/tasks").json()["items"] == []


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_years_outside_1970_to_2200_are_refused(page: Page, user: User, day: str) -> None:
    open_new_task(page, "Far away")
    editor = page.get_by_role("dialog", name="New task")
    editor.get_by_label("Due date").fill(day)
    editor.get_by_role("button", name="Add task").click()
    expect(editor.locator("[data-field='due_at'] .field-error")).to_have_text(
        "Pick a date from 1970 to 2200."
    )
    assert user.api.get("/api/tasks").json()["items"] == []


@pytest.mark.parametrize(("locale", "time"), [("en-US", "9:00 AM"), ("en-GB", "09:00")])
def test_the_assistant_tells_the_time_as_the_list_shows_it(
    browser: Browser, embedded_url: str, locale: str, time: str
) -> None:
    account = register(embedded_url)
    context = browser.new_context(
        base_url=embedded_url, viewport=DESKTOP, timezone_id=TIMEZONE, locale=locale
    )
    try:
        page = context.new_page()
        sign_in(page, account)
        page.goto("/")
        page.get_by_role("button", name="Assistant").click()
        message = page.get_by_label("Message the assistant")
        message.fill("add standup tomorrow at 9am")
        message.press("Enter")
        log = page.get_by_role("log", name="Conversation")
        expect(log.locator(".msg-assistant")).to_contain_text(f"due tomorrow at {time}.")
        expect(page.locator(".task", has_text="standup")).to_contain_text(time)
    finally:
        context.close()
        account.api.close()
