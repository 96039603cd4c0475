"""Task and notification services on the unit of work port: each case runs on the in-memory unit of
work (tests/fakes.py) and on the SQL one, so the fake is held to what the database does."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from doable.domain.errors import NotFound, PreconditionFailed
from doable.domain.events import Context, Event, EventType, ReminderJob, task_events
from doable.domain.model import Status, format_time, validate_task_fields
from doable.domain.query import TaskQuery
from doable.services import notifications, reminders, tasks
from doable.services.consumers import Outcome, consume
from doable.services.ports import UnitOfWork
from tests.fakes import MemoryUnitOfWork
from tests.unit.conftest import add_user

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
Work = Callable[[], UnitOfWork]


@pytest.fixture(params=["memory", "sql"])
def work(request: pytest.FixtureRequest) -> Work:
    return request.getfixturevalue("memory_uow" if request.param == "memory" else "uow")


def test_a_created_task_is_its_owners_and_its_event_leaves_after_the_commit(
    work: Work, published: list[Event]
) -> None:
    owner, stranger = add_user(work), add_user(work)
    task = tasks.create_task(work(), Context(owner.id), {"title": "Water plants", "tags": ["home"]}, NOW)

    assert tasks.get_task(work(), Context(owner.id), task.id).title == "Water plants"
    with pytest.raises(NotFound):
        tasks.get_task(work(), Context(stranger.id), task.id)
    # Each change goes out twice, in full and as its compact twin on the updates topic.
    assert {(e.type, e.subject) for e in published} == {(EventType.TASK_CREATED, task.id)}


def test_an_edit_against_an_old_version_changes_nothing_and_says_so(
    work: Work, published: list[Event]
) -> None:
    owner = add_user(work)
    ctx = Context(owner.id)
    task = tasks.create_task(work(), ctx, {"title": "Draft"}, NOW)
    edited = tasks.update_task(work(), ctx, task.id, {"title": "Final"}, if_match='"1"', now=NOW)
    assert edited.version == 2

    with pytest.raises(PreconditionFailed):
        tasks.update_task(work(), ctx, task.id, {"title": "Stale"}, if_match='"1"', now=NOW)

    stored = tasks.get_task(work(), ctx, task.id)
    assert (stored.title, stored.version) == ("Final", 2)
    assert {e.type for e in published} == {EventType.TASK_CREATED, EventType.TASK_UPDATED}


def test_completing_twice_is_one_completion(work: Work, published: list[Event]) -> None:
    owner = add_user(work)
    ctx = Context(owner.id)
    task = tasks.create_task(work(), ctx, {"title": "Call mum"}, NOW)

    tasks.complete_task(work(), ctx, task.id, NOW)
    sent = len(published)
    again = tasks.complete_task(work(), ctx, task.id, NOW)

    assert again.status is Status.COMPLETED and again.version == 2
    assert len(published) == sent and EventType.TASK_COMPLETED in {e.type for e in published}
    reopened = tasks.reopen_task(work(), ctx, task.id, NOW)
    assert reopened.status is Status.OPEN and reopened.version == 3


def test_a_deleted_task_is_gone_and_a_search_sees_only_the_callers_tasks(work: Work) -> None:
    owner, stranger = add_user(work), add_user(work)
    ctx = Context(owner.id)
    keep = tasks.create_task(work(), ctx, {"title": "Keep", "tags": ["home", "bills"]}, NOW)
    drop = tasks.create_task(work(), ctx, {"title": "Drop", "tags": ["home"]}, NOW)
    tasks.create_task(work(), Context(stranger.id), {"title": "Theirs", "tags": ["home"]}, NOW)

    assert [t.id for t in tasks.delete_task(work(), ctx, drop.id, now=NOW)] == [drop.id]

    with pytest.raises(NotFound):
        tasks.get_task(work(), ctx, drop.id)
    page = tasks.search_tasks(work(), ctx, TaskQuery(tags=("home",), sort="created_at"), NOW)
    assert [t.id for t in page.items] == [keep.id] and page.total == 1
    assert tasks.tag_counts(work(), ctx) == [{"tag": "bills", "count": 1}, {"tag": "home", "count": 1}]


def test_a_failed_transaction_leaves_neither_its_writes_nor_its_events(
    work: Work, published: list[Event]
) -> None:
    owner = add_user(work)
    ctx = Context(owner.id)
    task = tasks.create_task(work(), ctx, {"title": "Before"}, NOW)
    published.clear()

    with pytest.raises(RuntimeError), work() as uow:
        stored = uow.tasks.get(owner.id, task.id)
        assert stored is not None
        changed = stored.apply(validate_task_fields({"title": "During"}, partial=True), NOW)
        assert uow.tasks.save(stored, 1, changed)
        uow.emit(task_events(EventType.TASK_UPDATED, stored, ctx, NOW, changed))
        raise RuntimeError("the effect failed before its commit")

    assert tasks.get_task(work(), ctx, task.id).title == "Before"
    assert published == []


def _fire(work: Work, user_id: str, task_id: str, reminder_at: str) -> None:
    job = ReminderJob.decode({"task_id": task_id, "user_id": user_id, "reminder_at": reminder_at})
    assert reminders.fire(work(), job, NOW)


def test_a_fired_reminder_becomes_one_unread_notification(work: Work, published: list[Event]) -> None:
    owner = add_user(work)
    ctx = Context(owner.id)
    due = {"title": "Dentist", "due_at": "2026-03-02T10:00:00Z", "reminder_minutes_before": 30}
    task = tasks.create_task(work(), ctx, due, NOW)
    _fire(work, owner.id, task.id, format_time(task.reminder_at) or "")
    fired = [e for e in published if e.type == EventType.REMINDER_DUE]
    assert len(fired) == 1

    assert consume(work(), "notify", fired[0], notifications.record) is Outcome.PROCESSED
    assert consume(work(), "notify", fired[0], notifications.record) is Outcome.DUPLICATE

    inbox = notifications.listing(work(), owner.id, unread_only=True)
    assert inbox["unread"] == 1
    assert [(n["task_id"], n["title"], n["read_at"]) for n in inbox["items"]] == [(task.id, "Dentist", None)]


def test_reading_notifications_counts_only_the_readers_own(work: Work, published: list[Event]) -> None:
    owner, stranger = add_user(work), add_user(work)
    ctx = Context(owner.id)
    for title in ("One", "Two"):
        task = tasks.create_task(
            work(), ctx, {"title": title, "due_at": "2026-03-02T10:00:00Z", "reminder_minutes_before": 5}, NOW
        )
        _fire(work, owner.id, task.id, format_time(task.reminder_at) or "")
    for event in [e for e in published if e.type == EventType.REMINDER_DUE]:
        consume(work(), "notify", event, notifications.record)
    first = notifications.listing(work(), owner.id, unread_only=False)["items"][0]

    with pytest.raises(NotFound):
        notifications.mark_read(work(), stranger.id, first["id"])
    assert notifications.mark_read(work(), owner.id, first["id"])["read_at"] is not None
    assert notifications.listing(work(), owner.id, unread_only=True)["unread"] == 1
    assert notifications.mark_all_read(work(), owner.id) == {"marked": 1, "unread": 0}
    assert notifications.mark_all_read(work(), owner.id) == {"marked": 0, "unread": 0}


def test_the_in_memory_unit_of_work_refuses_what_it_does_not_keep(
    memory_uow: Callable[[], MemoryUnitOfWork],
) -> None:
    with memory_uow() as uow, pytest.raises(AssertionError, match="keeps no attempts"):
        uow.attempts.since("sign-in", "someone", NOW)
