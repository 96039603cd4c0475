"""Repository reads whose order or shape the API passes on as is: tag counts, notifications marked
read, the rest of a series, a task's audit entries."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from doable.adapters.unit_of_work import UnitOfWork
from doable.domain.events import Context
from doable.domain.model import User, format_time, new_id, parse_time
from doable.services import tasks

NOW = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)


def test_tags_are_counted_per_user_most_used_first_then_by_name(
    uow: Callable[[], UnitOfWork], user: User
) -> None:
    owner = Context(user_id=user.id)
    for tags in [["work"], ["home", "work"], ["zeta", "home"], ["alpha"], ["work"]]:
        tasks.create_task(uow(), owner, {"title": "t", "tags": tags}, now=NOW)
    with uow() as work:
        assert work.tasks.tag_counts(user.id) == [("work", 3), ("home", 2), ("alpha", 1), ("zeta", 1)]
    assert tasks.tag_counts(uow(), owner)[:2] == [{"tag": "work", "count": 3}, {"tag": "home", "count": 2}]


def test_a_due_window_includes_its_start_and_excludes_its_end(
    uow: Callable[[], UnitOfWork], user: User
) -> None:
    owner = Context(user_id=user.id)
    hour = timedelta(hours=1)
    for due in (NOW - 2 * hour, NOW - hour, NOW, NOW + hour):
        tasks.create_task(uow(), owner, {"title": "t", "due_at": format_time(due)}, now=NOW)
    window = tasks.TaskQuery(due_after=NOW - hour, due_before=NOW + hour, sort="due_at")
    found = tasks.search_tasks(uow(), owner, window, NOW)
    assert [t.due_at for t in found.items] == [NOW - hour, NOW], (
        "due_after is inclusive, due_before exclusive"
    )


def test_marking_read_touches_one_notification_once_and_returns_that_one(
    uow: Callable[[], UnitOfWork], user: User
) -> None:
    rows = [
        {
            "id": f"n{i}",
            "user_id": user.id,
            "kind": "reminder",
            "task_id": "t",
            "title": f"n{i}",
            "body": "",
            "event_id": f"e{i}",
            "created_at": NOW,
            "read_at": None,
        }
        for i in range(3)
    ]
    later = NOW + timedelta(hours=1)
    with uow() as work:
        for row in rows:
            assert work.notifications.add(row)
        first = work.notifications.mark_read(user.id, "n1", NOW)
        again = work.notifications.mark_read(user.id, "n1", later)
        assert work.notifications.mark_read("someone-else", "n2", NOW) is None
        unread = {row["id"] for row in work.notifications.for_user(user.id, unread_only=True)}
        work.commit()
    assert first is not None and (first["id"], first["read_at"]) == ("n1", NOW)
    assert again is not None and (again["id"], again["read_at"]) == ("n1", NOW), "the first reading stands"
    assert unread == {"n0", "n2"}


def test_the_rest_of_a_series_is_its_open_instances_due_from_this_one_on(
    uow: Callable[[], UnitOfWork], user: User
) -> None:
    owner = Context(user_id=user.id)
    fields = {"title": "water", "recurrence": "daily"}
    first = tasks.create_task(uow(), owner, {**fields, "due_at": "2026-12-01T09:00:00Z"}, now=NOW)
    other = tasks.create_task(uow(), owner, {**fields, "due_at": "2026-12-05T09:00:00Z"}, now=NOW)
    with uow() as work:
        for due in ("2026-11-30T09:00:00Z", "2026-12-02T09:00:00Z", "2026-12-03T09:00:00Z"):
            work.tasks.add(replace(first, id=new_id(), due_at=parse_time(due), version=1))
        done = replace(first, id=new_id(), due_at=parse_time("2026-12-04T09:00:00Z"))
        done.complete(NOW)
        work.tasks.add(done)
        work.commit()
    with uow() as work:
        after = work.tasks.series_after(first)
        undated = work.tasks.series_after(replace(first, due_at=None))
    assert sorted(format_time(t.due_at) for t in after) == [
        "2026-12-01T09:00:00.000Z",
        "2026-12-02T09:00:00.000Z",
        "2026-12-03T09:00:00.000Z",
    ], "not the earlier one, not the completed one, not another series"
    assert len(undated) == 4 and other.id not in {t.id for t in undated}


def test_a_tasks_audit_entries_are_its_own_in_order(uow: Callable[[], UnitOfWork], user: User) -> None:
    def entry(event_id: str, resource_id: str) -> dict[str, object]:
        return {
            "event_id": event_id,
            "user_id": user.id,
            "action": "task.updated",
            "resource_type": "task",
            "resource_id": resource_id,
            "occurred_at": NOW,
            "recorded_at": NOW,
            "correlation_id": "c",
            "data": {},
        }

    with uow() as work:
        for event_id, resource in [("e1", "a"), ("e2", "b"), ("e3", "a"), ("e4", "a")]:
            work.audit.append(entry(event_id, resource))
        work.commit()
    with uow() as work:
        assert [row["event_id"] for row in work.audit.for_resource(user.id, "a")] == ["e1", "e3", "e4"]
        assert work.audit.for_resource("someone-else", "a") == []


def test_the_inbox_lists_newest_first_up_to_its_limit(uow: Callable[[], UnitOfWork], user: User) -> None:
    # Ids in the opposite order to the times, so only the time can put them in order.
    created = {
        "n-a": NOW + timedelta(minutes=3),
        "n-b": NOW + timedelta(minutes=2),
        "n-c": NOW + timedelta(minutes=1),
    }
    with uow() as work:
        for notification_id, at in created.items():
            row = {
                "id": notification_id,
                "user_id": user.id,
                "kind": "reminder",
                "task_id": "t",
                "title": notification_id,
                "body": "",
                "event_id": f"event-{notification_id}",
                "created_at": at,
                "read_at": None,
            }
            assert work.notifications.add(row)
        work.commit()
    with uow() as work:
        assert [n["id"] for n in work.notifications.for_user(user.id, unread_only=False)] == [
            "n-a",
            "n-b",
            "n-c",
        ]
        assert [n["id"] for n in work.notifications.for_user(user.id, unread_only=False, limit=2)] == [
            "n-a",
            "n-b",
        ]
