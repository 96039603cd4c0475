"""Reminders: one Dapr job per task at its reminder time, moved and cancelled as the task changes.

When the job fires, `reminder.due` is written to the outbox under an id derived from the task and
the reminder time, so a job that fires twice still yields one event.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from doable.domain.events import Context, Event, EventType, ReminderJob, Topic
from doable.domain.model import Status, format_time, utcnow
from doable.services.ports import JobScheduler, UnitOfWork

JOB_PREFIX = "fire-reminder--"
CONSUMER = "fire-reminder"


def job_name(task_id: str) -> str:
    return f"{JOB_PREFIX}{task_id}"


def concerns(event: Event) -> bool:
    """Events that may create, move or cancel a reminder job; the rest is skipped without a transaction."""
    if event.task.reminder_at is not None:
        return True
    moved = {"due_at", "reminder_minutes_before"} & event.changed
    return event.type == EventType.TASK_UPDATED and bool(moved)


def on_task_event(uow: UnitOfWork, event: Event, jobs: JobScheduler, now: datetime | None = None) -> None:
    task = event.task
    now = now or utcnow()
    name = job_name(event.subject)
    if event.type in (EventType.TASK_COMPLETED, EventType.TASK_DELETED):
        jobs.cancel(name)
        return
    reminder_at, due_at = task.reminder_at, task.due_at
    if reminder_at is None or task.status is not Status.OPEN or due_at is None or due_at <= now:
        jobs.cancel(name)
        return
    # A reminder whose time has passed while the task is not yet due fires at once.
    fire_at = max(reminder_at, now)
    job = ReminderJob(event.subject, event.user_id, reminder_at, event.correlation_id)
    jobs.schedule(name, fire_at, job.to_dict())


def fire(uow: UnitOfWork, job: ReminderJob, now: datetime | None = None) -> bool:
    """The job fired: publish reminder.due if the task still wants this reminder; True if published."""
    now = now or utcnow()
    task_id, user_id, reminder_at = job.task_id, job.user_id, format_time(job.reminder_at)
    event_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"doable:reminder:{task_id}:{reminder_at}"))
    with uow:
        task = uow.tasks.get(user_id, task_id)
        if task is None or task.status is not Status.OPEN or format_time(task.reminder_at) != reminder_at:
            return False  # completed, deleted or moved since the job was scheduled
        if not uow.ledger.first_delivery(CONSUMER, event_id, now):
            return False
        ctx = Context(user_id=user_id, correlation_id=job.correlation_id or event_id)
        uow.emit(
            [
                Event(
                    id=event_id,
                    type=EventType.REMINDER_DUE,
                    topic=Topic.REMINDERS,
                    subject=task_id,
                    user_id=user_id,
                    time=now,
                    correlation_id=ctx.correlation_id,
                    traceparent=ctx.traceparent,
                    data={"task": task.to_dict(), "reminder_at": reminder_at, "fired_at": format_time(now)},
                )
            ]
        )
        uow.commit()
    return True
