"""Ownership below the API: every repository method and service that takes a user id, given another
user's, finds nothing and changes nothing (tasks, series, notifications, audit, conversations)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from doable.adapters.inprocess import InProcessState
from doable.adapters.unit_of_work import UnitOfWork
from doable.chat.conversation import Conversation, state_key
from doable.domain.errors import NotFound
from doable.domain.events import Context, Event, EventType, ReminderJob
from doable.domain.model import Status, Task, User, new_id
from doable.domain.query import TaskQuery
from doable.services import audit, chat, notifications, reminders, tasks
from doable.services.consumers import consume
from tests.unit.conftest import add_user

UoW = Callable[[], UnitOfWork]
NOW = datetime(2026, 11, 28, 10, tzinfo=UTC)


@pytest.fixture
def intruder(uow: UoW) -> User:
    return add_user(uow, "Intruder", "UTC")


@pytest.fixture
def owner(user: User) -> Context:
    return Context(user_id=user.id)


@pytest.fixture
def stranger(intruder: User) -> Context:
    return Context(user_id=intruder.id)


@pytest.fixture
def series_task(uow: UoW, owner: Context) -> Task:
    """The owner's recurring task, tagged, so every kind of task row (tags, series) exists."""
    fields = {
        "title": "water the plants",
        "tags": ["home"],
        "due_at": "2026-12-01T09:00:00Z",
        "recurrence": "weekly",
    }
    return tasks.create_task(uow(), owner, fields, now=NOW)


def stored(uow: UoW, owner: Context, task_id: str) -> Task:
    return tasks.get_task(uow(), owner, task_id)


def consumed(uow: UoW, published: list[Event]) -> None:
    """Runs the audit and notify effects over everything published so far, as their consumers would."""
    for event in published:
        if event.topic != "task-events":
            continue
        consume(uow(), "write-audit", event, audit.record)
        if notifications.concerns(event):
            consume(uow(), "notify", event, notifications.record)


def test_task_reads_with_another_users_id_find_nothing(uow: UoW, series_task: Task, intruder: User) -> None:
    with uow() as work:
        assert work.tasks.get(intruder.id, series_task.id) is None
        assert work.tasks.get(intruder.id, series_task.id, for_update=True) is None
        assert work.tasks.tag_counts(intruder.id) == []
        assert work.tasks.search(intruder.id, TaskQuery(), NOW).total == 0
        assert work.tasks.search(intruder.id, TaskQuery(q="water"), NOW).total == 0, "text search too"
        assert work.tasks.search(intruder.id, TaskQuery(tags=("home",)), NOW).total == 0
        assert work.tasks.series_after(replace(series_task, user_id=intruder.id)) == []
        # The owner's own view, so the empty answers above are about ownership, not an empty table.
        assert work.tasks.search(series_task.user_id, TaskQuery(q="water"), NOW).total == 1
        assert [t.id for t in work.tasks.series_after(series_task)] == [series_task.id]


def test_task_writes_with_another_users_id_change_nothing(
    uow: UoW, owner: Context, series_task: Task, intruder: User
) -> None:
    forged = replace(series_task, user_id=intruder.id)
    forged.apply({"title": "mine now", "tags": ("stolen",)}, NOW)
    with uow() as work:
        assert not work.tasks.save(forged, series_task.version, ["title", "tags"])
        assert not work.tasks.delete(replace(series_task, user_id=intruder.id))
        work.commit()
    kept = stored(uow, owner, series_task.id)
    assert (kept.title, kept.tags, kept.version) == ("water the plants", ("home",), 1)
    assert tasks.tag_counts(uow(), owner) == [{"tag": "home", "count": 1}]


def test_task_commands_for_another_users_task_are_not_found_and_emit_nothing(
    uow: UoW, published: list[Event], owner: Context, stranger: Context, series_task: Task
) -> None:
    before = len(published)
    attempts: list[Callable[[], object]] = [
        lambda: tasks.get_task(uow(), stranger, series_task.id),
        lambda: tasks.update_task(uow(), stranger, series_task.id, {"title": "mine now"}),
        lambda: tasks.update_task(uow(), stranger, series_task.id, {"title": "x"}, if_match="1"),
        lambda: tasks.complete_task(uow(), stranger, series_task.id),
        lambda: tasks.reopen_task(uow(), stranger, series_task.id),
        lambda: tasks.delete_task(uow(), stranger, series_task.id),
        lambda: tasks.delete_task(uow(), stranger, series_task.id, scope="series"),
    ]
    for attempt in attempts:
        with pytest.raises(NotFound):
            attempt()
    assert len(published) == before
    assert stored(uow, owner, series_task.id) == series_task
    assert tasks.search_tasks(uow(), stranger, TaskQuery()).total == 0
    assert tasks.tag_counts(uow(), stranger) == []


def test_notifications_of_another_user_cannot_be_listed_or_marked_read(
    uow: UoW, published: list[Event], owner: Context, intruder: User, series_task: Task
) -> None:
    tasks.update_task(uow(), owner, series_task.id, {"reminder_minutes_before": 60}, now=NOW)
    data = {"task_id": series_task.id, "user_id": owner.user_id, "reminder_at": "2026-12-01T08:00:00.000Z"}
    assert reminders.fire(uow(), ReminderJob.decode(data), NOW)
    [due] = [e for e in published if e.type == EventType.REMINDER_DUE]
    consume(uow(), "notify", due, notifications.record)
    inbox = notifications.listing(uow(), owner.user_id, unread_only=True)
    assert [n["kind"] for n in inbox["items"]] == ["reminder"]
    notification_id = inbox["items"][0]["id"]
    with uow() as work:
        assert work.notifications.for_user(intruder.id, unread_only=False) == []
        assert work.notifications.unread_count(intruder.id) == 0
        assert work.notifications.mark_read(intruder.id, notification_id, NOW) is None
        assert work.notifications.mark_all_read(intruder.id, NOW) == 0
        work.commit()
    with pytest.raises(NotFound):
        notifications.mark_read(uow(), intruder.id, notification_id)
    assert notifications.mark_all_read(uow(), intruder.id) == {"marked": 0, "unread": 0}
    assert notifications.listing(uow(), intruder.id, unread_only=False) == {"items": [], "unread": 0}
    still = notifications.listing(uow(), owner.user_id, unread_only=True)
    assert [(n["id"], n["read_at"]) for n in still["items"]] == [(notification_id, None)]
    assert still["unread"] == 1


def test_another_users_audit_history_is_not_found(
    uow: UoW, published: list[Event], owner: Context, intruder: User, series_task: Task
) -> None:
    consumed(uow, published)
    assert [h["action"] for h in audit.history(uow(), owner.user_id, series_task.id)] == [
        EventType.TASK_CREATED
    ]
    with uow() as work:
        assert work.audit.for_resource(intruder.id, series_task.id) == []
        assert list(work.audit.chain(intruder.id)) == []
    with pytest.raises(NotFound):
        audit.history(uow(), intruder.id, series_task.id)


def test_a_message_into_another_users_conversation_is_not_found_and_changes_nothing(
    uow: UoW, owner: Context, stranger: Context, series_task: Task
) -> None:
    state = InProcessState()
    started = chat.send_message(uow(), state, owner, chat.SendMessage("add buy milk"), now=NOW)
    before = chat.get_conversation(state, owner, started.conversation_id)
    with pytest.raises(NotFound):
        chat.send_message(
            uow(), state, stranger, chat.SendMessage("complete buy milk", started.conversation_id), now=NOW
        )
    assert chat.get_conversation(state, owner, started.conversation_id) == before
    assert state.get(state_key(stranger.user_id, started.conversation_id)) == (None, None)
    owned = tasks.search_tasks(uow(), owner, TaskQuery(status="all")).items
    assert {t.title: t.status for t in owned} == {"buy milk": Status.OPEN, "water the plants": Status.OPEN}


def test_the_assistant_acts_only_on_the_speakers_own_tasks(
    uow: UoW, owner: Context, stranger: Context, series_task: Task
) -> None:
    state = InProcessState()
    chat.send_message(uow(), state, stranger, chat.SendMessage("complete water the plants"), now=NOW)
    chat.send_message(uow(), state, stranger, chat.SendMessage("delete water the plants"), now=NOW)
    assert stored(uow, owner, series_task.id) == series_task
    chat.send_message(uow(), state, owner, chat.SendMessage("complete water the plants"), now=NOW)
    assert stored(uow, owner, series_task.id).status is Status.COMPLETED, (
        "the same words do act for the owner"
    )


def test_a_conversation_kept_under_someone_elses_key_is_not_theirs(owner: Context, stranger: Context) -> None:
    """The state key names the owner; a record inside it claiming another owner is refused too."""
    state = InProcessState()
    planted = Conversation.start(new_id(), owner.user_id, NOW)
    state.save(state_key(stranger.user_id, planted.id), planted.to_state(), None)
    with pytest.raises(NotFound):
        chat.get_conversation(state, stranger, planted.id)
    with pytest.raises(NotFound):
        chat.get_conversation(state, owner, planted.id)
