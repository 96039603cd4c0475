"""The assistant panel: adding and completing a task in plain words updates the list beside it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import User

pytestmark = pytest.mark.e2e


def test_chat_adds_and_completes_a_task(page: Page, user: User) -> None:
    page.goto("/")
    page.get_by_role("button", name="Assistant").click()
    message = page.get_by_label("Message the assistant")
    log = page.get_by_role("log", name="Conversation")

    message.fill("add buy oat milk tomorrow at 9am #shopping")
    message.press("Enter")
    expect(log.locator(".msg-assistant")).to_have_count(1)
    expect(page.locator(".task-list .task-title")).to_have_text([re.compile("buy oat milk", re.IGNORECASE)])
    task = user.api.get("/api/tasks").json()["items"][0]
    assert task["tags"] == ["shopping"]

    message.fill("complete it")
    message.press("Enter")
    expect(log.locator(".msg-assistant")).to_have_count(2)
    expect(page.get_by_role("heading", name="All clear")).to_be_visible()
    assert user.api.get(f"/api/tasks/{task['id']}").json()["status"] == "completed"

    page.reload()  # the conversation resumes from the server
    page.get_by_role("button", name="Assistant").click()
    expect(log.locator(".msg-user")).to_have_count(2)
