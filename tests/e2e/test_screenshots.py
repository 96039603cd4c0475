"""Walks every main screen with realistic data and photographs it (DOABLE_SCREENSHOTS=1: into docs/)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from doable.config import REPO_ROOT
from tests.e2e.conftest import User, at, open_page, register, sign_in

pytestmark = pytest.mark.e2e
MOBILE = {"width": 375, "height": 812}


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    if os.environ.get("DOABLE_SCREENSHOTS") == "1":
        return REPO_ROOT / "docs" / "screenshots"
    return tmp_path


def seed(user: User) -> dict[str, str]:
    """A week in someone's life: overdue, due soon, recurring, reminders, tags, one done."""
    user.new_task(title="Renew passport", priority="high", tags=["admin"], due_at=at(days=20, hour=10))
    user.new_task(title="Buy oat milk and coffee beans", priority="low", tags=["shopping"])
    # Due before today, so Today shows its Overdue section above today's tasks.
    user.new_task(title="Return the library books", tags=["errands"], due_at=at(days=-1, hour=18))
    user.new_task(
        title="Book dentist appointment",
        tags=["health"],
        due_at=at(days=4, hour=14, minute=30),
        reminder_minutes_before=60,
    )
    plants = user.new_task(
        title="Water the plants",
        priority="low",
        tags=["home"],
        due_at=at(days=1, hour=8),
        recurrence="weekly",
    )
    user.new_task(
        title="Call the plumber about the leaking tap",
        description="Ask whether Thursday morning works; the tap in the bathroom.",
        tags=["home"],
        due_at=at(hours=-4),
    )
    slides = user.new_task(
        title="Prepare slides for the quarterly review",
        priority="high",
        tags=["work"],
        due_at=at(hours=5),
        reminder_minutes_before=1440,
    )
    rent = user.new_task(
        title="Pay rent",
        priority="high",
        tags=["home", "bills"],
        due_at=at(days=2, hour=9),
        recurrence="monthly",
        reminder_minutes_before=1440,
    )
    # Its reminder time has passed, so it fires at once; wait for it before the edits below move the
    # reminder, or the job would find it moved and (rightly) stay silent.
    deadline = time.monotonic() + 20
    while not any(n["task_id"] == slides["id"] for n in user.api.get("/api/notifications").json()["items"]):
        assert time.monotonic() < deadline, "the passed reminder did not fire"
        time.sleep(0.1)
    user.api.patch(
        f"/api/tasks/{slides['id']}",
        json={"description": "Revenue, hiring plan, roadmap.", "tags": ["work", "q4"]},
        headers={"If-Match": '"1"'},
    )
    user.api.patch(
        f"/api/tasks/{slides['id']}",
        json={"due_at": at(hours=6), "reminder_minutes_before": 60},
        headers={"If-Match": '"2"'},
    )
    user.api.post(f"/api/tasks/{plants['id']}/complete")
    return {"rent": rent["id"], "slides": slides["id"]}


def test_main_screens(browser: Browser, embedded_url: str, shots: Path) -> None:
    user = register(embedded_url)
    ids = seed(user)
    page = open_page(browser, embedded_url)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    page.goto("/signup")
    expect(page.get_by_role("heading", name="Create your account")).to_be_visible()
    page.screenshot(path=shots / "signup.png")

    sign_in(page, user)
    page.goto("/")
    open_tasks = page.locator(".task-list .task")
    expect(open_tasks).to_have_count(8)  # the completed weekly task already has its next occurrence
    expect(page.get_by_role("button", name="Notifications, 2 unread")).to_be_visible(timeout=15_000)
    page.locator(".toast").evaluate_all("toasts => toasts.forEach(t => t.remove())")
    page.screenshot(path=shots / "list.png")

    page.get_by_role("textbox", name="Quick add a task").fill(
        "pay the electricity bill every month on the 15th 9am #home #bills !high remind 1 day before"
    )
    expect(page.get_by_role("list", name="Quick add understood").get_by_role("listitem")).to_have_count(7)
    page.screenshot(path=shots / "quick-add.png", clip={"x": 0, "y": 0, "width": 1280, "height": 420})
    page.get_by_role("textbox", name="Quick add a task").press("Escape")

    page.get_by_role("button", name="Pay rent", exact=True).click()
    editor = page.get_by_role("dialog", name="Edit task")
    expect(editor.get_by_label("Repeat")).to_have_value("monthly")
    page.screenshot(path=shots / "editor.png")
    editor.get_by_role("button", name="Cancel").click()

    page.get_by_role("button", name="Notifications, 2 unread").click()
    expect(page.get_by_role("region", name="Notifications").locator(".notif")).to_have_count(2)
    page.screenshot(path=shots / "notifications.png")
    page.keyboard.press("Escape")

    page.goto(f"/tasks/{ids['slides']}/history")
    expect(page.locator(".timeline-item")).to_have_count(3)
    page.screenshot(path=shots / "history.png")

    for name in ("Today", "Upcoming"):
        page.get_by_role("navigation", name="Main").get_by_role("link", name=name).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(name)
        expect(page.locator(".agenda:not([aria-busy]) .task").first).to_be_visible()
        page.screenshot(path=shots / f"{name.lower()}.png")

    page.goto("/")
    page.get_by_role("button", name="Assistant").click()
    message = page.get_by_label("Message the assistant")
    for text in (
        "add book flights to Lisbon next friday at 6pm #travel remind me 1 day before",
        "what's due this week?",
    ):
        message.fill(text)
        message.press("Enter")
        expect(page.locator(".msg-typing")).to_have_count(0)
    expect(page.locator(".msg-assistant")).to_have_count(2)
    page.locator(".toast").evaluate_all("toasts => toasts.forEach(t => t.remove())")
    page.screenshot(path=shots / "chat.png")

    page.goto("/settings")
    page.get_by_label("Webhook URL").fill("https://example.com/hooks/doable")
    expect(page.get_by_label("Time zone")).to_have_value("Europe/Berlin")
    page.screenshot(path=shots / "settings.png")
    page.context.close()

    mobile = open_page(browser, embedded_url, MOBILE)
    sign_in(mobile, user)
    mobile.goto("/")
    expect(mobile.locator(".task-list .task")).to_have_count(9)  # with the flights the assistant added
    mobile.screenshot(path=shots / "mobile.png", full_page=True)
    mobile.context.close()
    user.api.close()
    assert not errors, f"uncaught errors in the page: {errors}"


def test_keyboard_only_user_can_add_a_task(page: Page, user: User) -> None:
    page.goto("/")
    expect(page.get_by_role("heading", name="All clear")).to_be_visible()
    page.keyboard.press("n")
    editor = page.get_by_role("dialog", name="New task")
    expect(editor.get_by_label("Title")).to_be_focused()
    page.keyboard.type("Typed without a mouse")
    page.keyboard.press("Enter")
    expect(editor).to_be_hidden()
    expect(page.locator(".task-list .task-title")).to_have_text(["Typed without a mouse"])
    page.keyboard.press("/")
    expect(page.get_by_role("searchbox", name="Search tasks")).to_be_focused()
