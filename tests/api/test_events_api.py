"""The event side seen through the API, embedded and on the stack alike: reminders, completions,
recurrence and history all arrive without anyone calling the consumers directly."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.conftest import Api
from tests.facts import settle


def eventually(check: Callable[[], Any], timeout: float = 20) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.1)


def notifications(api: Api, task_id: str, kind: str) -> list[dict[str, Any]]:
    return [
        n
        for n in api.get("/api/notifications").json()["items"]
        if n["task_id"] == task_id and n["kind"] == kind
    ]


def test_a_passed_reminder_fires_at_once_and_the_users_own_completion_is_not_news(
    api: Api, base_url: str, request: pytest.FixtureRequest
) -> None:
    due = datetime.now(UTC) + timedelta(minutes=30)
    task = api.new_task(title="Dentist", due_at=due.isoformat(), reminder_minutes_before=60)
    [reminder] = eventually(lambda: notifications(api, task["id"], "reminder"))  # its time passed: fires now
    api.post(f"/api/tasks/{task['id']}/complete")
    settle(request, base_url, [task["id"]], "notify", "task-updates")
    inbox = api.get("/api/notifications", params={"unread": "true"}).json()
    assert [n["id"] for n in inbox["items"]] == [reminder["id"]] and inbox["unread"] == 1
    assert api.post(f"/api/notifications/{reminder['id']}/read").json()["read_at"] is not None
    assert api.get("/api/notifications", params={"unread": "true"}).json()["unread"] == 0
    assert api.post("/api/notifications/nope/read").status_code == 404


def test_spawned_instances_notify_unless_turned_off_and_mark_all_read_clears_the_inbox(
    api: Api, base_url: str, request: pytest.FixtureRequest
) -> None:
    me = api.get("/api/me").json()
    assert me["notify"] == {"reminder": True, "spawned": True, "webhook_failed": True}
    first = api.new_task(title="Water the plants", recurrence="daily", due_at="2030-03-30T09:00:00Z")
    api.post(f"/api/tasks/{first['id']}/complete")
    [spawned] = eventually(
        lambda: [n for n in api.get("/api/notifications").json()["items"] if n["kind"] == "spawned"]
    )
    assert spawned["title"] == "Water the plants" and spawned["task_id"] != first["id"]
    assert spawned["body"] == "Next one due Sun 31 Mar 2030 09:00 UTC"

    turned = api.patch("/api/me", json={"notify": {"spawned": False}})
    assert turned.status_code == 200
    assert turned.json()["notify"] == {"reminder": True, "spawned": False, "webhook_failed": True}
    second = api.new_task(title="Feed the cat", recurrence="daily", due_at="2030-03-30T09:00:00Z")
    api.post(f"/api/tasks/{second['id']}/complete")
    cats = eventually(
        lambda: [t["id"] for t in api.get("/api/tasks", params={"q": "feed"}).json()["items"]][1:]
    )
    assert cats, "the cat's next instance was spawned"
    settle(request, base_url, [second["id"], *cats], "notify", "task-updates")
    kinds = [n["kind"] for n in api.get("/api/notifications").json()["items"]]
    assert kinds == ["spawned"], "no notification for the cat's next instance: that kind is off"

    refused = api.patch("/api/me", json={"notify": {"reminders": False, "spawned": "yes"}})
    assert refused.status_code == 422
    assert sorted(e["field"] for e in refused.json()["errors"]) == ["notify.reminders", "notify.spawned"]

    done = api.post("/api/notifications/read-all")
    assert done.status_code == 200 and done.json() == {"marked": 1, "unread": 0}
    assert api.get("/api/notifications", params={"unread": "true"}).json() == {"items": [], "unread": 0}
    assert api.post("/api/notifications/read-all").json() == {"marked": 0, "unread": 0}


def test_completing_a_recurring_task_spawns_the_next_once_and_history_records_it(
    api: Api, base_url: str, request: pytest.FixtureRequest
) -> None:
    api.patch("/api/me", json={"timezone": "Europe/Paris"})
    task = api.new_task(
        title="Standup", recurrence="daily", due_at="2030-03-30T09:00:00+01:00", tags=["work"]
    )
    api.post(f"/api/tasks/{task['id']}/complete")

    def series() -> list[dict[str, Any]]:
        items = api.get("/api/tasks", params={"q": "standup", "sort": "due_at"}).json()["items"]
        return items if len(items) >= 2 else []

    first, spawned = eventually(series)
    assert first["id"] == task["id"]
    assert spawned["series_id"] == task["id"] and spawned["tags"] == ["work"]
    assert spawned["due_at"] == "2030-03-31T07:00:00.000Z", "09:00 in Paris after the clocks went forward"
    api.post(f"/api/tasks/{task['id']}/reopen")
    api.post(f"/api/tasks/{task['id']}/complete")
    settle(request, base_url, [task["id"]], "spawn-recurrence", "task-events")
    assert len(api.get("/api/tasks", params={"q": "standup"}).json()["items"]) == 2, "spawned once only"

    history = eventually(
        lambda: (
            len(api.get(f"/api/tasks/{task['id']}/history").json()) >= 4
            and api.get(f"/api/tasks/{task['id']}/history").json()
        )
    )
    assert [h["action"] for h in history] == [
        "task.created",
        "task.completed",
        "task.reopened",
        "task.completed",
    ]

    assert api.delete(f"/api/tasks/{spawned['id']}", params={"scope": "series"}).status_code == 204
    assert api.get(f"/api/tasks/{spawned['id']}").status_code == 404


def test_another_users_history_and_notifications_stay_private(api: Api, other_api: Api) -> None:
    task = api.new_task(title="mine")
    eventually(lambda: api.get(f"/api/tasks/{task['id']}/history").status_code == 200)
    assert other_api.get(f"/api/tasks/{task['id']}/history").status_code == 404
    assert other_api.get("/api/notifications").json()["items"] == []
