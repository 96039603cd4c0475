"""What spawning a series' next instance leaves behind: the schedule moved on, the claim, the event.

tests/unit/test_event_services.py follows series through their consumers; these pin each piece of
state a spawn writes, and each reason it refuses to spawn.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import sqlalchemy as sa

from doable.adapters import db
from doable.adapters.unit_of_work import UnitOfWork
from doable.domain.events import Context, Event, EventType, SeriesDue
from doable.domain.model import User, parse_time
from doable.services import series, tasks
from tests.unit.test_event_services import RecordedJobs

UoW = Callable[[], UnitOfWork]
NOW = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


def a_series(uow: UoW, user: User, published: list[Event]) -> tasks.Task:
    """A daily series whose first instance is due on 30 November, with its schedule in place."""
    first = tasks.create_task(
        uow(),
        Context(user.id),
        {"title": "Standup", "recurrence": "daily", "due_at": "2026-11-30T08:00:00Z"},
        now=NOW,
    )
    with uow() as work:
        series.on_task_event(work, published[-2], RecordedJobs(), NOW)
        work.commit()
    return first


def test_a_spawn_moves_the_schedule_to_the_new_instance_and_says_where_it_came_from(
    engine: sa.Engine, uow: UoW, user: User, published: list[Event]
) -> None:
    first = a_series(uow, user, published)
    cause = Event(
        id="cause",
        type=EventType.TASK_COMPLETED,
        topic="task-events",
        subject=first.id,
        user_id=user.id,
        time=NOW,
        correlation_id="corr-1",
        traceparent=TRACEPARENT,
        data={},
    )
    with uow() as work:
        spawned_id = series.spawn_next(
            work, first.id, first.id, parse_time("2026-11-30T08:00:00Z"), cause, NOW
        )
        work.commit()
    assert spawned_id is not None
    spawned_event = [e for e in published if e.topic == "task-events"][-1]
    assert (spawned_event.type, spawned_event.subject, spawned_event.user_id) == (
        EventType.TASK_CREATED,
        spawned_id,
        user.id,
    )
    assert (spawned_event.correlation_id, spawned_event.traceparent) == ("corr-1", TRACEPARENT)
    assert spawned_event.data["changes"] == {"spawned_from": first.id}
    with uow() as work:
        schedule = work.schedules.get(first.id)
    assert schedule is not None
    assert (schedule["current_task_id"], schedule["next_due_at"]) == (
        spawned_id,
        datetime(2026, 12, 1, 8, 0, tzinfo=UTC),
    )
    with engine.connect() as connection:
        (claim,) = connection.execute(sa.select(db.series_occurrences)).mappings()
    assert (claim["series_id"], claim["task_id"], claim["due_at"]) == (
        first.id,
        spawned_id,
        datetime(2026, 12, 1, 8, 0, tzinfo=UTC),
    ), "the claim names the task that was created"


def test_a_spawn_without_a_cause_starts_its_own_correlation(
    uow: UoW, user: User, published: list[Event]
) -> None:
    first = a_series(uow, user, published)
    data = {"series_id": first.id, "task_id": first.id, "due_at": "2026-11-30T08:00:00.000Z"}
    spawned_id = series.on_due(uow(), SeriesDue.decode(data), now=NOW)
    spawned_event = published[-2]
    assert spawned_event.subject == spawned_id
    assert spawned_event.traceparent is None
    assert spawned_event.correlation_id not in {"", first.id}


def test_no_spawn_for_an_unknown_or_inactive_series_or_an_instance_that_is_no_longer_current(
    uow: UoW, user: User, published: list[Event]
) -> None:
    first = a_series(uow, user, published)
    due = "2026-11-30T08:00:00.000Z"
    assert (
        series.on_due(
            uow(),
            SeriesDue.decode({"series_id": "no-such-series", "task_id": first.id, "due_at": due}),
            now=NOW,
        )
        is None
    )
    assert (
        series.on_due(
            uow(),
            SeriesDue.decode({"series_id": first.id, "task_id": "an-older-one", "due_at": due}),
            now=NOW,
        )
        is None
    )
    with uow() as work:
        work.schedules.update(first.id, active=False, updated_at=NOW)
        work.commit()
    assert (
        series.on_due(
            uow(), SeriesDue.decode({"series_id": first.id, "task_id": first.id, "due_at": due}), now=NOW
        )
        is None
    )
    assert tasks.search_tasks(uow(), Context(user.id), tasks.TaskQuery(), NOW).total == 1
