"""What the inbox says for a reminder or a spawned instance without a due time, and the JSON a
reminder webhook carries."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from doable.adapters import webhooks
from doable.adapters.repositories.notifications import Notifications
from doable.adapters.unit_of_work import UnitOfWork
from doable.domain.events import Event, EventType, Topic
from doable.domain.model import User
from doable.services import notifications, users
from tests.unit.test_webhooks import DNS, FakeDNS, delivery

UoW = Callable[[], UnitOfWork]
NOW = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)


def event(user: User, event_type: str, data: dict[str, object], event_id: str) -> Event:
    return Event(
        id=event_id,
        type=event_type,
        topic=Topic.REMINDERS if event_type == EventType.REMINDER_DUE else Topic.TASK_EVENTS,
        subject="task-1",
        user_id=user.id,
        time=NOW,
        correlation_id="corr",
        data=data,
    )


def bodies(engine: sa.Engine, user: User) -> dict[str, str]:
    with engine.connect() as connection:
        return {str(n["kind"]): str(n["body"]) for n in Notifications(connection).for_user(user.id, False)}


def test_without_a_due_time_the_inbox_says_reminder_and_next_one_added(
    engine: sa.Engine, uow: UoW, user: User
) -> None:
    with uow() as work:
        notifications.record(work, event(user, EventType.REMINDER_DUE, {"task": {"title": "Call"}}, "e1"))
        spawned = {"task": {"title": "Water"}, "changes": {"spawned_from": "task-0"}}
        notifications.record(work, event(user, EventType.TASK_CREATED, spawned, "e2"))
        work.commit()
    assert bodies(engine, user) == {"reminder": "Reminder", "spawned": "Next one added"}


def test_a_reminder_webhook_carries_the_event_task_and_reminder_time(
    engine: sa.Engine, uow: UoW, user: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(webhooks, "system_resolver", FakeDNS(DNS))
    users.update_profile(uow(), user.id, {"webhook_url": "https://hooks.example.com/doable"})
    task = {"title": "Call", "due_at": "2026-11-28T12:00:00.000Z"}
    with uow() as work:
        notifications.record(
            work,
            event(
                user, EventType.REMINDER_DUE, {"task": task, "reminder_at": "2026-11-28T11:30:00.000Z"}, "e3"
            ),
        )
        work.commit()
    row = delivery(engine, "e3")
    assert row is not None
    assert (row["status"], row["attempts"], row["leased_until"], row["url"]) == (
        "pending",
        0,
        None,
        "https://hooks.example.com/doable",
    )
    assert json.loads(row["payload"]) == {
        "type": "reminder.due",
        "id": "e3",
        "time": "2026-11-28T10:00:00.000Z",
        "task": task,
        "reminder_at": "2026-11-28T11:30:00.000Z",
    }
