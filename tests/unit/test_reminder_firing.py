"""What a fired reminder job publishes, field by field, and the jobs that publish nothing."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime

from doable.adapters.unit_of_work import UnitOfWork
from doable.domain.events import Context, Event, EventType, ReminderJob
from doable.domain.model import User
from doable.services import reminders, tasks

UoW = Callable[[], UnitOfWork]
NOW = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
REMINDER_AT = "2026-11-28T11:30:00.000Z"


def reminded(uow: UoW, user: User) -> tasks.Task:
    fields = {"title": "Call", "due_at": "2026-11-28T12:00:00Z", "reminder_minutes_before": 30}
    return tasks.create_task(uow(), Context(user.id), fields, now=NOW)


def test_a_fired_reminder_publishes_reminder_due_under_an_id_of_its_task_and_time(
    uow: UoW, user: User, published: list[Event]
) -> None:
    task = reminded(uow, user)
    data = {"task_id": task.id, "user_id": user.id, "reminder_at": REMINDER_AT, "correlation_id": "corr-9"}
    assert reminders.fire(uow(), ReminderJob.decode(data), NOW) is True
    (due,) = [event for event in published if event.type == EventType.REMINDER_DUE]
    assert due.id == str(uuid.uuid5(uuid.NAMESPACE_URL, f"doable:reminder:{task.id}:{REMINDER_AT}"))
    assert (due.subject, due.user_id, due.time, due.correlation_id, due.traceparent) == (
        task.id,
        user.id,
        NOW,
        "corr-9",
        None,
    )
    assert due.data == {
        "task": task.to_dict(),
        "reminder_at": REMINDER_AT,
        "fired_at": "2026-11-28T10:00:00.000Z",
    }


def test_a_job_without_a_correlation_correlates_by_its_event_id(
    uow: UoW, user: User, published: list[Event]
) -> None:
    task = reminded(uow, user)
    job = ReminderJob.decode({"task_id": task.id, "user_id": user.id, "reminder_at": REMINDER_AT})
    assert reminders.fire(uow(), job, NOW)
    (due,) = [event for event in published if event.type == EventType.REMINDER_DUE]
    assert due.correlation_id == due.id


def test_jobs_of_deleted_completed_or_someone_elses_tasks_publish_nothing(
    uow: UoW, user: User, published: list[Event]
) -> None:
    gone = reminded(uow, user)
    tasks.delete_task(uow(), Context(user.id), gone.id, now=NOW)
    done = reminded(uow, user)
    tasks.complete_task(uow(), Context(user.id), done.id, now=NOW)
    kept = reminded(uow, user)
    for task_id, user_id in [(gone.id, user.id), (done.id, user.id), (kept.id, "someone-else")]:
        data = {"task_id": task_id, "user_id": user_id, "reminder_at": REMINDER_AT}
        assert reminders.fire(uow(), ReminderJob.decode(data), NOW) is False
    assert [event for event in published if event.type == EventType.REMINDER_DUE] == []
