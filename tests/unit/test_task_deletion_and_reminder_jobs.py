"""Deleting one task or the rest of its series, and the reminder job a task's events leave behind."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from doable.adapters.unit_of_work import UnitOfWork
from doable.domain.errors import FieldError, ValidationFailed
from doable.domain.events import Context, Event, EventType, Topic
from doable.domain.model import User, new_id
from doable.services import reminders, tasks
from tests.unit.test_event_services import RecordedJobs

UoW = Callable[[], UnitOfWork]
NOW = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)


def test_a_delete_scope_is_one_or_series(uow: UoW, user: User) -> None:
    task = tasks.create_task(uow(), Context(user.id), {"title": "t"}, now=NOW)
    with pytest.raises(ValidationFailed) as refused:
        tasks.delete_task(uow(), Context(user.id), task.id, scope="all", now=NOW)
    assert refused.value.errors == [FieldError("scope", "enum", "must be 'one' or 'series'")]


def test_deleting_with_scope_series_takes_the_later_open_instances_and_one_takes_one(
    uow: UoW, user: User
) -> None:
    ctx = Context(user.id)
    first = tasks.create_task(
        uow(), ctx, {"title": "w", "recurrence": "daily", "due_at": "2026-12-01T09:00:00Z"}, now=NOW
    )
    with uow() as work:
        later = [replace(first, id=new_id(), due_at=first.due_at + timedelta(days=d)) for d in (1, 2)]  # type: ignore[operator]
        for task in later:
            work.tasks.add(task)
        work.commit()
    assert [t.id for t in tasks.delete_task(uow(), ctx, later[0].id, scope="one", now=NOW)] == [later[0].id]
    deleted = tasks.delete_task(uow(), ctx, first.id, scope="series", now=NOW)
    assert sorted(t.id for t in deleted) == sorted([first.id, later[1].id])
    assert tasks.search_tasks(uow(), ctx, tasks.TaskQuery(), NOW).total == 0


def test_a_reminder_job_carries_what_firing_needs_and_a_task_due_now_gets_none(
    uow: UoW, user: User, published: list[Event]
) -> None:
    ctx = Context(user.id, "corr-r")
    fields = {"title": "Call", "due_at": "2026-11-28T12:00:00Z", "reminder_minutes_before": 30}
    task = tasks.create_task(uow(), ctx, fields, now=NOW)
    jobs = RecordedJobs()
    with uow() as work:
        reminders.on_task_event(work, published[-2], jobs, NOW)
    assert jobs.jobs == {
        reminders.job_name(task.id): (
            datetime(2026, 11, 28, 11, 30, tzinfo=UTC),
            {
                "task_id": task.id,
                "user_id": user.id,
                "reminder_at": "2026-11-28T11:30:00.000Z",
                "correlation_id": "corr-r",
            },
        )
    }
    due_now = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
    with uow() as work:
        reminders.on_task_event(work, published[-2], jobs, due_now)
    assert jobs.jobs == {}, "due this very instant: nothing left to remind of"


def test_deleting_a_task_cancels_its_pending_reminder_job(
    uow: UoW, user: User, published: list[Event]
) -> None:
    ctx = Context(user.id)
    fields = {"title": "Call", "due_at": "2026-11-28T12:00:00Z", "reminder_minutes_before": 30}
    task = tasks.create_task(uow(), ctx, fields, now=NOW)
    kept = tasks.create_task(uow(), ctx, fields, now=NOW)
    jobs = RecordedJobs()
    with uow() as work:
        for event in [e for e in published if e.topic is Topic.TASK_EVENTS]:
            reminders.on_task_event(work, event, jobs, NOW)
    assert set(jobs.jobs) == {reminders.job_name(task.id), reminders.job_name(kept.id)}
    published.clear()
    tasks.delete_task(uow(), ctx, task.id, now=NOW)
    # The deleted event's snapshot still reads as an open task with a reminder ahead: only its type
    # tells the consumer to cancel rather than schedule again.
    [deleted] = [e for e in published if e.topic is Topic.TASK_EVENTS]
    assert deleted.type == EventType.TASK_DELETED
    with uow() as work:
        reminders.on_task_event(work, deleted, jobs, NOW)
    assert set(jobs.jobs) == {reminders.job_name(kept.id)}


def test_scope_series_spares_the_series_open_instances_due_before_the_one_deleted(
    uow: UoW, user: User
) -> None:
    ctx = Context(user.id)
    first = tasks.create_task(
        uow(), ctx, {"title": "w", "recurrence": "daily", "due_at": "2026-12-01T09:00:00Z"}, now=NOW
    )
    with uow() as work:
        later = [replace(first, id=new_id(), due_at=first.due_at + timedelta(days=d)) for d in (1, 2)]  # type: ignore[operator]
        for task in later:
            work.tasks.add(task)
        work.commit()
    deleted = tasks.delete_task(uow(), ctx, later[0].id, scope="series", now=NOW)
    assert sorted(t.id for t in deleted) == sorted(t.id for t in later)
    remaining = tasks.search_tasks(uow(), ctx, tasks.TaskQuery(), NOW).items
    assert [t.id for t in remaining] == [first.id]
