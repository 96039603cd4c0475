"""Notifications in a browser: your own completions are quiet, what you did not do is news, and the
inbox empties with one click; each kind can be turned off in settings; reminder leads read as words."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import User, at
from tests.facts import settle

pytestmark = pytest.mark.e2e


def unread(user: User) -> int:
    return int(user.api.get("/api/notifications", params={"unread": "true"}).json()["unread"])


def test_completing_tasks_grows_no_badge_a_spawned_instance_does_and_mark_all_read_clears_it(
    page: Page, user: User, embedded_url: str, request: pytest.FixtureRequest
) -> None:
    # Its reminder time has passed, so it fires at once: the one notification to start from.
    user.new_task(title="Call the bank", due_at=at(hours=2), reminder_minutes_before=180)
    chores = [user.new_task(title=title) for title in ("Buy milk", "Post the letter", "Book a table")]
    plants = user.new_task(title="Water the plants", due_at=at(hours=3), recurrence="weekly")
    page.goto("/")
    expect(page.get_by_role("button", name="Notifications, 1 unread")).to_be_visible(timeout=15_000)

    for chore in chores:
        page.get_by_role("checkbox", name=f"Complete “{chore['title']}”").click()
        expect(page.get_by_role("status").filter(has_text=f"Completed “{chore['title']}”")).to_be_visible()
    # Every completion has been through notify before the page is asked again.
    settle(request, embedded_url, [c["id"] for c in chores], "notify", "task-updates")
    assert unread(user) == 1
    page.reload()
    expect(page.get_by_role("button", name="Notifications, 1 unread")).to_be_visible()

    page.get_by_role("checkbox", name="Complete “Water the plants”").click()
    bell = page.get_by_role("button", name="Notifications, 2 unread")
    expect(bell).to_be_visible(timeout=15_000)  # the next instance is news: you did not add it
    bell.click()
    panel = page.get_by_role("region", name="Notifications")
    expect(panel.locator(".notif.is-unread")).to_have_count(2)
    expect(panel.locator(".notif", has_text="Water the plants")).to_contain_text("Next one due")
    expect(panel).not_to_contain_text("Buy milk")
    panel.get_by_role("button", name="Mark all read").click()
    expect(page.get_by_role("button", name="Notifications, 0 unread")).to_be_visible()
    expect(panel.locator(".notif.is-unread")).to_have_count(0)
    expect(panel.locator(".notif")).to_have_count(2)
    expect(panel.get_by_role("button", name="Mark all read")).to_be_disabled()
    assert unread(user) == 0
    assert plants["id"] not in [n["task_id"] for n in user.api.get("/api/notifications").json()["items"]]


def test_a_kind_switched_off_in_settings_stays_off(page: Page, user: User) -> None:
    page.goto("/settings")
    notifications = page.get_by_role("region", name="Notifications")
    spawned = notifications.get_by_role("checkbox", name="Next instance of a repeating task")
    expect(spawned).to_be_checked()
    spawned.uncheck()
    expect(page.get_by_role("status").filter(has_text="Notifications turned off")).to_be_visible()
    assert user.api.get("/api/me").json()["notify"] == {
        "reminder": True,
        "spawned": False,
        "webhook_failed": True,
    }
    page.reload()
    expect(
        notifications.get_by_role("checkbox", name="Next instance of a repeating task")
    ).not_to_be_checked()
    expect(notifications.get_by_role("checkbox", name="Reminders")).to_be_checked()


def test_reminder_leads_read_as_words_in_the_list_and_the_history(page: Page, user: User) -> None:
    now = user.new_task(title="Take the pills", due_at=at(days=1, hour=9), reminder_minutes_before=0)
    user.new_task(title="Pack the bags", due_at=at(days=2, hour=9), reminder_minutes_before=1440)
    page.goto("/")
    expect(page.locator(".task", has_text="Take the pills").locator(".meta-item")).to_have_text("at due time")
    expect(page.locator(".task", has_text="Pack the bags").locator(".meta-item")).to_have_text("1 day before")
    page.goto(f"/tasks/{now['id']}/history")
    expect(page.locator(".timeline-item").first).to_contain_text("reminder at due time")
    expect(page.locator(".timeline-item").first).not_to_contain_text("before")
