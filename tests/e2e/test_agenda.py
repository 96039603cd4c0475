"""Today (overdue and due today) and Upcoming (the next 7 days by day), reached from the navigation."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import User, at
from tests.e2e.test_tasks import ZONE

pytestmark = pytest.mark.e2e


def arrange(user: User) -> None:
    """Tasks on both sides of each view's edges, in the user's zone (Europe/Berlin, not the server's)."""
    user.new_task(title="Overdue bill", due_at=at(days=-2, hour=9))
    user.new_task(title="Early today", due_at=at(days=0, hour=0, minute=30))
    user.new_task(title="Tomorrow call", due_at=at(days=1, hour=9))
    user.new_task(title="Sixth day", due_at=at(days=6, hour=18))
    user.new_task(title="Eighth day", due_at=at(days=7, hour=0, minute=30))
    user.new_task(title="Someday")
    done = user.new_task(title="Already done", due_at=at(days=0, hour=0, minute=45))
    user.api.post(f"/api/tasks/{done['id']}/complete").raise_for_status()


def titles_in(page: Page, region: str | re.Pattern[str]) -> list[str]:
    return page.get_by_role("region", name=region).locator(".task-title").all_inner_texts()


def test_today_shows_overdue_and_due_today(page: Page, user: User) -> None:
    arrange(user)
    page.goto("/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Today").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Today")
    expect(page).to_have_url(re.compile(r"/today$"))
    expect(page.get_by_role("link", name="Today", exact=True)).to_have_attribute("aria-current", "page")
    expect(page.get_by_role("region", name="Overdue").locator(".task-title")).to_have_text(["Overdue bill"])
    expect(page.get_by_role("region", name=re.compile("^Today")).locator(".task-title")).to_have_text(
        ["Early today"]
    )
    expect(page.locator(".task")).to_have_count(2)

    page.get_by_role("checkbox", name="Complete “Overdue bill”").click()
    expect(page.get_by_role("region", name="Overdue")).to_have_count(0)
    expect(page.locator(".task-title")).to_have_text(["Early today"])


def test_today_says_when_nothing_is_due(page: Page, user: User) -> None:
    user.new_task(title="Tomorrow call", due_at=at(days=1, hour=9))
    page.goto("/today")
    expect(page.get_by_role("heading", name="Nothing due today")).to_be_visible()
    page.get_by_role("link", name="Upcoming", exact=True).last.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Upcoming")


def test_upcoming_groups_the_next_seven_days_by_day(page: Page, user: User) -> None:
    arrange(user)
    page.goto("/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Upcoming").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Upcoming")
    today = datetime.now(ZONE).date()
    days = page.locator(".day-head")
    expect(days).to_have_count(7)
    expected_heads = ["Today", "Tomorrow", *((today + timedelta(days=n)).strftime("%A") for n in range(2, 7))]
    for head, name in zip(days.all(), expected_heads, strict=True):
        expect(head).to_contain_text(name)
    sixth = (today + timedelta(days=6)).strftime("%A")
    expect(page.get_by_role("region", name=re.compile("^Today")).locator(".task-title")).to_have_text(
        ["Early today"]
    )
    assert titles_in(page, re.compile("^Tomorrow")) == ["Tomorrow call"]
    assert titles_in(page, re.compile(f"^{sixth}")) == ["Sixth day"]
    expect(page.locator(".task")).to_have_count(3)  # not overdue, later, undated or completed ones
    expect(
        page.get_by_role("region", name=re.compile(f"^{(today + timedelta(days=2)).strftime('%A')}"))
    ).to_contain_text("Nothing due.")
