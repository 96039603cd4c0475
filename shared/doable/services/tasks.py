"""Task commands and queries: each validates its input, works in one unit of work and emits its events."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, TypeVar

from doable.domain.errors import Conflict, NotFound, PreconditionFailed, invalid
from doable.domain.events import Context, EventType, task_events
from doable.domain.model import Task, new_task, utcnow, validate_task_fields
from doable.domain.query import Page, TaskQuery
from doable.services.ports import UnitOfWork


def create_task(uow: UnitOfWork, ctx: Context, data: Mapping[str, Any], now: datetime | None = None) -> Task:
    fields = validate_task_fields(data, partial=False)
    now = now or utcnow()
    with uow:
        task = new_task(ctx.user_id, fields, now)
        uow.tasks.add(task)
        uow.emit(task_events(EventType.TASK_CREATED, task, ctx, now))
        uow.commit()
    return task


def get_task(uow: UnitOfWork, ctx: Context, task_id: str) -> Task:
    with uow:
        return _owned(uow, ctx, task_id)


def update_task(
    uow: UnitOfWork,
    ctx: Context,
    task_id: str,
    data: Mapping[str, Any],
    if_match: str | None = None,
    now: datetime | None = None,
) -> Task:
    fields = validate_task_fields(data, partial=True)
    expected = parse_if_match(if_match)

    def attempt() -> Task:
        at = now or utcnow()
        task = _owned(uow, ctx, task_id, for_update=True)
        if expected is not None and task.version != expected:
            raise PreconditionFailed(
                f"the task is at version {task.version}, not {expected}; fetch it again and reapply your edit"
            )
        read_version = task.version
        changed = task.apply(fields, at)
        if changed:
            _landed(uow.tasks.save(task, read_version, changed), expected)
            uow.emit(task_events(EventType.TASK_UPDATED, task, ctx, at, changed))
            uow.commit()
        return task

    return _until_landed(uow, attempt)


def complete_task(uow: UnitOfWork, ctx: Context, task_id: str, now: datetime | None = None) -> Task:
    return _transition(uow, ctx, task_id, EventType.TASK_COMPLETED, now or utcnow())


def reopen_task(uow: UnitOfWork, ctx: Context, task_id: str, now: datetime | None = None) -> Task:
    return _transition(uow, ctx, task_id, EventType.TASK_REOPENED, now or utcnow())


def _transition(uow: UnitOfWork, ctx: Context, task_id: str, event_type: EventType, now: datetime) -> Task:
    """Completing a completed task (or reopening an open one) is a no-op: retries are safe, no event twice."""

    def attempt() -> Task:
        task = _owned(uow, ctx, task_id, for_update=True)
        read_version = task.version
        changed = task.complete(now) if event_type is EventType.TASK_COMPLETED else task.reopen(now)
        if changed:
            _landed(uow.tasks.save(task, read_version), None)
            uow.emit(task_events(event_type, task, ctx, now, {"status": task.status}))
            uow.commit()
        return task

    return _until_landed(uow, attempt)


DELETE_SCOPES = ("one", "series")


def delete_task(
    uow: UnitOfWork, ctx: Context, task_id: str, scope: str = "one", now: datetime | None = None
) -> list[Task]:
    """Deletes the task; scope=series also deletes the series' open instances due at or after it."""
    if scope not in DELETE_SCOPES:
        raise invalid("scope", "enum", "must be 'one' or 'series'")
    at = now or utcnow()

    def attempt() -> list[Task]:
        task = _owned(uow, ctx, task_id, for_update=True)
        doomed = [task]
        if scope == "series" and task.series_id is not None:
            doomed += [t for t in uow.tasks.series_after(task) if t.id != task.id]
        for victim in doomed:
            # The deleted event carries the snapshot it removed: an edit that slipped in between
            # would otherwise vanish from the record, so a moved-on task means read it again.
            _landed(uow.tasks.delete(victim), None)
            uow.emit(task_events(EventType.TASK_DELETED, victim, ctx, at, {"scope": scope}))
        uow.commit()
        return doomed

    return _until_landed(uow, attempt)


def search_tasks(uow: UnitOfWork, ctx: Context, query: TaskQuery, now: datetime | None = None) -> Page:
    with uow:
        return uow.tasks.search(ctx.user_id, query, now or utcnow())


def tag_counts(uow: UnitOfWork, ctx: Context) -> list[dict[str, Any]]:
    with uow:
        return [{"tag": tag, "count": count} for tag, count in uow.tasks.tag_counts(ctx.user_id)]


def _owned(uow: UnitOfWork, ctx: Context, task_id: str, *, for_update: bool = False) -> Task:
    task = uow.tasks.get(ctx.user_id, task_id, for_update=for_update)
    if task is None:
        raise NotFound(f"no task {task_id!r} among your tasks")
    return task


T = TypeVar("T")

# A writer loses a race only to a rival that committed in between, and each rival commits once:
# this many attempts covers that many simultaneous writers of one task, far more than a person makes.
MAX_ATTEMPTS = 16


class _LostRace(Exception):
    """Another writer changed the task between this attempt's read and its compare-and-set write."""


def _landed(written: bool, expected: int | None) -> None:
    """Turns a compare-and-set that found the task moved on into a 412 (If-Match given) or a retry."""
    if written:
        return
    if expected is not None:
        raise PreconditionFailed(
            f"the task moved past version {expected} while your edit was being saved; "
            "fetch it again and reapply your edit"
        )
    raise _LostRace


def _until_landed(uow: UnitOfWork, attempt: Callable[[], T]) -> T:
    """Runs `attempt` in a fresh transaction until its writes land, so no update is lost or merged."""
    for _ in range(MAX_ATTEMPTS):
        try:
            with uow:
                return attempt()
        except _LostRace:
            continue
    raise Conflict(
        f"the task kept changing while your change was being saved ({MAX_ATTEMPTS} attempts); "
        "fetch it and try again"
    )


_VERSION = re.compile(r'^\s*(?:W/)?"?(\d+)"?\s*$')


def parse_if_match(value: str | None) -> int | None:
    """If-Match carries the version the client last saw, as 3, "3" or W/"3"; * means any."""
    if value is None or value.strip() == "*":
        return None
    match = _VERSION.match(value)
    if not match:
        raise invalid("If-Match", "format", 'must be the task version, such as "3"')
    return int(match.group(1))
