"""Recurring series: the next instance is spawned exactly once, on completion or when the due time passes.

Each series has a RecurringTaskSchedule row; each spawned occurrence claims a (series, due time)
row in the same transaction as the new task and its task.created event, so a redelivered event, a
job firing after a completion, or two consumers racing can never spawn the same occurrence twice.
"""

from __future__ import annotations

from datetime import datetime

from doable.domain.events import Context, Event, EventType, InvalidEvent, SeriesDue, task_events
from doable.domain.model import Priority, Status, new_id, new_task, utcnow
from doable.domain.recurrence import Recurrence, resume_after
from doable.services.ports import JobScheduler, UnitOfWork

JOB_PREFIX = "spawn-recurrence--"
TEMPLATE_FIELDS = ("title", "description", "priority", "tags", "reminder_minutes_before")


def job_name(series_id: str) -> str:
    return f"{JOB_PREFIX}{series_id}"


def concerns(event: Event) -> bool:
    """Only instances of a series matter here; the rest is skipped without a transaction."""
    return bool(event.task.series_id)


def on_task_event(uow: UnitOfWork, event: Event, jobs: JobScheduler, now: datetime | None = None) -> None:
    """Keeps the schedule and its due-time job in step with the series' instances."""
    task = event.task
    series_id, task_id = task.series_id, task.id
    if not series_id or task_id is None:
        return
    now = now or utcnow()
    schedule = uow.schedules.get(series_id, for_update=True)
    if event.type == EventType.TASK_DELETED:
        if event.changes.get("scope") == "series" and schedule and schedule["active"]:
            uow.schedules.update(series_id, active=False, updated_at=now)
            jobs.cancel(job_name(series_id))
        return
    if event.type == EventType.TASK_COMPLETED:
        if task.due_at is None:
            raise InvalidEvent(f"task {task_id} of series {series_id} was completed with no due time")
        spawn_next(uow, series_id, task_id, task.due_at, event, now)
        return
    due_at = task.due_at
    if event.type not in (EventType.TASK_CREATED, EventType.TASK_UPDATED) or due_at is None:
        return
    if task.recurrence is Recurrence.NONE:
        if schedule and schedule["active"] and schedule["current_task_id"] == task_id:
            uow.schedules.update(series_id, active=False, updated_at=now)
            jobs.cancel(job_name(series_id))
        return
    if task.recurrence is None:
        raise InvalidEvent(f"task {task_id} of series {series_id} has no recurrence in its snapshot")
    # The schedule keeps the template as the snapshot sent it, and spawns each instance from it.
    template = {name: task.fields[name] for name in TEMPLATE_FIELDS}
    if schedule is None:
        uow.schedules.add(
            {
                "id": new_id(),
                "series_id": series_id,
                "user_id": event.user_id,
                "pattern": task.recurrence.value,
                "series_start": due_at,
                "next_due_at": due_at,
                "current_task_id": task_id,
                "template": template,
                "active": True,
                "updated_at": now,
            }
        )
    elif schedule["current_task_id"] == task_id or event.type == EventType.TASK_CREATED:
        uow.schedules.update(
            series_id,
            pattern=task.recurrence.value,
            next_due_at=due_at,
            current_task_id=task_id,
            template=template,
            active=True,
            updated_at=now,
        )
    else:
        return  # an edit of an older instance does not steer the series
    if task.status is Status.OPEN:
        # Before commit and idempotent: a crash after scheduling redelivers the event and schedules again.
        jobs.schedule(job_name(series_id), due_at, SeriesDue(series_id, task_id, due_at).to_dict())


def on_due(uow: UnitOfWork, due: SeriesDue, now: datetime | None = None) -> str | None:
    """The due-time job fired: spawn the next instance unless completion already did."""
    now = now or utcnow()
    with uow:
        spawned = spawn_next(uow, due.series_id, due.task_id, due.due_at, None, now)
        uow.commit()
    return spawned


def spawn_next(
    uow: UnitOfWork, series_id: str, task_id: str, previous_due: datetime, cause: Event | None, now: datetime
) -> str | None:
    """Creates the occurrence after `previous_due`, once; returns the new task id or None.

    Only the series' current instance spawns: completing an older one, or its job firing late,
    finds another current instance and does nothing.
    """
    schedule = uow.schedules.get(series_id, for_update=True)
    if schedule is None or not schedule["active"] or schedule["current_task_id"] != task_id:
        return None
    user = uow.users.get(schedule["user_id"])
    if user is None:
        return None
    pattern = Recurrence(schedule["pattern"])
    # A series that fell behind (overdue, or created long past due) resumes at its first future occurrence.
    due = resume_after(schedule["series_start"], previous_due, pattern, user.timezone, now)
    new_task_id = new_id()
    if not uow.schedules.claim_occurrence(series_id, due, new_task_id, now):
        return None
    template = schedule["template"]
    fields = {
        "title": template["title"],
        "description": template["description"],
        "priority": Priority(template["priority"]),
        "tags": tuple(template["tags"]),
        "reminder_minutes_before": template["reminder_minutes_before"],
        "recurrence": pattern,
        "due_at": due,
        "series_id": series_id,
    }
    task = new_task(schedule["user_id"], fields, now, task_id=new_task_id)
    uow.tasks.add(task)
    ctx = Context(
        user_id=task.user_id,
        correlation_id=cause.correlation_id if cause else new_id(),
        traceparent=cause.traceparent if cause else None,
    )
    uow.emit(task_events(EventType.TASK_CREATED, task, ctx, now, {"spawned_from": task_id}))
    uow.schedules.update(series_id, next_due_at=due, current_task_id=task.id, updated_at=now)
    return task.id
