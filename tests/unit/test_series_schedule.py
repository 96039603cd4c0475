"""How a series' schedule and its due-time job follow its instances' events, field by field.

spawn-recurrence sees every event of an instance: creation starts the schedule, edits of the current
instance steer it, edits of older instances do not, turning recurrence off or deleting the series
stops it. Each test checks the schedule row and the job the scheduler was given.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from doable.adapters.unit_of_work import UnitOfWork
from doable.domain.events import Context, Event
from doable.domain.model import User
from doable.services import series, tasks
from tests.unit.test_event_services import RecordedJobs

UoW = Callable[[], UnitOfWork]
NOW = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
LATER = NOW + timedelta(hours=1)
DUE = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


class Series:
    """One user's recurring task, with spawn-recurrence applied to every event as it is published."""

    def __init__(self, uow: UoW, user: User, published: list[Event]) -> None:
        self.uow, self.ctx, self.published, self.jobs = uow, Context(user.id), published, RecordedJobs()
        self.seen = 0
        fields = {"title": "Water", "recurrence": "daily", "due_at": "2026-12-01T09:00:00Z", "tags": ["home"]}
        self.first = tasks.create_task(uow(), self.ctx, fields, now=NOW)
        self.follow(NOW)

    def follow(self, now: datetime) -> None:
        for event in self.published[self.seen :]:
            if event.topic == "task-events":
                with self.uow() as work:
                    series.on_task_event(work, event, self.jobs, now)
                    work.commit()
        self.seen = len(self.published)

    def schedule(self) -> dict[str, Any]:
        with self.uow() as work:
            row = work.schedules.get(self.first.id)
        assert row is not None
        return row

    def job(self) -> tuple[datetime, dict[str, Any]] | None:
        return self.jobs.jobs.get(series.job_name(self.first.id))


def test_a_new_series_gets_a_schedule_and_a_job_for_its_first_due_time(
    uow: UoW, user: User, published: list[Event]
) -> None:
    s = Series(uow, user, published)
    row = s.schedule()
    assert (row["series_id"], row["user_id"], row["pattern"], row["active"]) == (
        s.first.id,
        user.id,
        "daily",
        True,
    )
    assert (row["series_start"], row["next_due_at"], row["current_task_id"], row["updated_at"]) == (
        DUE,
        DUE,
        s.first.id,
        NOW,
    )
    assert row["template"] == {
        "title": "Water",
        "description": "",
        "priority": "medium",
        "tags": ["home"],
        "reminder_minutes_before": None,
    }
    assert s.job() == (
        DUE,
        {"series_id": s.first.id, "task_id": s.first.id, "due_at": "2026-12-01T09:00:00.000Z"},
    )


def test_an_edit_of_the_current_instance_steers_the_series(
    uow: UoW, user: User, published: list[Event]
) -> None:
    s = Series(uow, user, published)
    changes = {"title": "Water the plants", "recurrence": "weekly", "due_at": "2026-12-02T08:00:00Z"}
    tasks.update_task(uow(), s.ctx, s.first.id, changes, now=LATER)
    s.follow(LATER)
    row = s.schedule()
    moved = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)
    assert (row["pattern"], row["next_due_at"], row["current_task_id"], row["active"], row["updated_at"]) == (
        "weekly",
        moved,
        s.first.id,
        True,
        LATER,
    )
    assert row["series_start"] == DUE, "where the series started does not move"
    assert row["template"]["title"] == "Water the plants"
    assert s.job() == (
        moved,
        {"series_id": s.first.id, "task_id": s.first.id, "due_at": "2026-12-02T08:00:00.000Z"},
    )


def test_an_edit_of_an_older_instance_does_not_steer_the_series(
    uow: UoW, user: User, published: list[Event]
) -> None:
    s = Series(uow, user, published)
    tasks.complete_task(uow(), s.ctx, s.first.id, now=NOW)
    s.follow(NOW)
    current = s.schedule()
    assert current["current_task_id"] != s.first.id
    job = s.job()
    tasks.update_task(
        uow(), s.ctx, s.first.id, {"title": "renamed", "due_at": "2026-12-01T07:00:00Z"}, now=LATER
    )
    s.follow(LATER)
    assert s.schedule() == current
    assert s.job() == job


def test_turning_recurrence_off_stops_the_series_but_only_from_its_current_instance(
    uow: UoW, user: User, published: list[Event]
) -> None:
    s = Series(uow, user, published)
    tasks.complete_task(uow(), s.ctx, s.first.id, now=NOW)
    s.follow(NOW)
    current_id = s.schedule()["current_task_id"]
    tasks.reopen_task(uow(), s.ctx, s.first.id, now=NOW)
    tasks.update_task(uow(), s.ctx, s.first.id, {"recurrence": "none"}, now=LATER)
    s.follow(LATER)
    assert s.schedule()["active"] is True and s.job() is not None, "an older instance leaving changes nothing"
    tasks.update_task(uow(), s.ctx, current_id, {"recurrence": "none"}, now=LATER)
    s.follow(LATER)
    row = s.schedule()
    assert (row["active"], row["updated_at"]) == (False, LATER)
    assert s.job() is None


def test_deleting_one_instance_keeps_the_series_and_deleting_the_series_stops_it(
    uow: UoW, user: User, published: list[Event]
) -> None:
    s = Series(uow, user, published)
    tasks.complete_task(uow(), s.ctx, s.first.id, now=NOW)
    s.follow(NOW)
    current_id = s.schedule()["current_task_id"]
    tasks.delete_task(uow(), s.ctx, s.first.id, scope="one", now=LATER)
    s.follow(LATER)
    assert s.schedule()["active"] is True and s.job() is not None
    tasks.delete_task(uow(), s.ctx, current_id, scope="series", now=LATER)
    s.follow(LATER)
    row = s.schedule()
    assert (row["active"], row["updated_at"]) == (False, LATER)
    assert s.job() is None
