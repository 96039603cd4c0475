"""Quick add on the task list: a line in the assistant's words, read as chips, saved as the chips show."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from tests.e2e.conftest import TIMEZONE, User, register, sign_in
from tests.e2e.test_tasks import ZONE

pytestmark = pytest.mark.e2e
EXAMPLE = "pay rent every month on the 1st 9am #home !high remind 1 day before"


def field(page: Page) -> Locator:
    return page.get_by_role("textbox", name="Quick add a task")


def chips(page: Page) -> Locator:
    return page.get_by_role("list", name="Quick add understood").get_by_role("listitem")


def day_and_time(iso: str) -> str:
    """How an en-GB browser shows a due time: "Tue 1 Dec, 09:00", with the year when it is not this one."""
    due = datetime.fromisoformat(iso).astimezone(ZONE)
    year = "" if due.year == datetime.now(ZONE).year else f" {due.year}"
    return f"{due:%a} {due.day} {due:%b}{year}, {due:%H:%M}"


def test_quick_add_reads_the_line_as_chips_drops_a_removed_one_and_saves_what_they_show(
    page: Page, user: User
) -> None:
    page.goto("/")
    expect(page.get_by_role("heading", name="All clear")).to_be_visible()
    field(page).press_sequentially(EXAMPLE)
    expect(chips(page)).to_have_text(
        [
            "Title: pay rent",
            re.compile(r"^Due: \w{3} 1 \w{3}( \d{4})?, 09:00$"),
            "Repeats: Every month",
            "Reminder: 1 day before",
            "Priority: High",
            "Tag: #home",
        ]
    )
    due_chip = " ".join(chips(page).nth(1).inner_text().split())
    expect(page.get_by_role("button", name="Remove title")).to_have_count(0)  # the line itself is the title

    page.get_by_role("button", name="Remove priority").press("Enter")  # keyboard only
    expect(chips(page)).to_have_count(5)
    expect(chips(page).filter(has_text="Priority")).to_have_count(0)
    expect(page.get_by_role("button", name="Remove tag home")).to_be_focused()
    assert user.api.get("/api/tasks").json()["total"] == 0  # reading stores nothing

    field(page).press("Enter")
    expect(page.locator(".toast", has_text="Added “pay rent”")).to_be_visible()
    expect(field(page)).to_have_value("")
    expect(chips(page)).to_have_count(0)
    expect(page.locator(".task-list .task-title")).to_have_text(["pay rent"])

    [task] = user.api.get("/api/tasks").json()["items"]
    assert {
        name: task[name] for name in ("title", "priority", "tags", "recurrence", "reminder_minutes_before")
    } == {
        "title": "pay rent",
        "priority": "medium",  # the priority chip was removed: the default, not "high"
        "tags": ["home"],
        "recurrence": "monthly",
        "reminder_minutes_before": 1440,
    }
    due = datetime.fromisoformat(task["due_at"]).astimezone(ZONE)
    assert (due.day, due.hour, due.minute) == (1, 9, 0)  # 09:00 on the 1st in the user's zone
    assert due_chip == f"Due: {day_and_time(task['due_at'])}"


def test_removing_the_due_date_drops_the_repeat_and_reminder_that_need_it(page: Page, user: User) -> None:
    page.goto("/")
    field(page).fill("water plants every monday 8am #garden remind me 10 minutes before")
    expect(chips(page)).to_have_count(5)
    page.get_by_role("button", name="Remove due date").click()
    expect(chips(page)).to_have_text(["Title: water plants", "Tag: #garden"])
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.locator(".task-list .task-title")).to_have_text(["water plants"])

    [task] = user.api.get("/api/tasks").json()["items"]
    assert (task["due_at"], task["recurrence"], task["reminder_minutes_before"], task["tags"]) == (
        None,
        "none",
        None,
        ["garden"],
    )


def test_an_impossible_date_is_explained_and_nothing_is_saved(page: Page, user: User) -> None:
    page.goto("/")
    field(page).fill("buy milk feb 31")
    expect(page.locator("#quick-add-problem")).to_contain_text("February has no 31st")
    expect(field(page)).to_have_attribute("aria-invalid", "true")
    expect(chips(page)).to_have_count(0)
    field(page).press("Enter")
    expect(field(page)).to_be_focused()
    expect(field(page)).to_have_value("buy milk feb 31")  # kept, to be corrected
    assert user.api.get("/api/tasks").json()["total"] == 0

    field(page).fill("buy milk feb 28")
    expect(field(page)).to_have_attribute("aria-invalid", "false")
    expect(chips(page).first).to_have_text("Title: buy milk")


@pytest.fixture
def page_12h(browser: Browser, embedded_url: str) -> Iterator[Page]:
    """A browser whose locale shows a 12-hour clock (the list's setting, not the server's)."""
    context = browser.new_context(base_url=embedded_url, timezone_id=TIMEZONE, locale="en-US")
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def test_the_due_chip_tells_the_time_on_the_users_clock_setting(page_12h: Page, embedded_url: str) -> None:
    user = register(embedded_url)
    sign_in(page_12h, user)
    page_12h.goto("/")
    field(page_12h).fill("dentist 2027-03-04 17:30")
    expect(chips(page_12h).nth(1)).to_have_text("Due: Thu, Mar 4, 2027, 5:30 PM")
    user.api.close()
