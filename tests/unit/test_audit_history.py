"""A task's history as the API hands it out: every field of every entry, and whose history it is."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from doable.adapters.unit_of_work import UnitOfWork
from doable.domain.errors import NotFound
from doable.domain.events import Context, Event
from doable.domain.model import User
from doable.services import audit, tasks
from doable.services.chat import ChatReply
from doable.services.consumers import consume
from tests.unit.test_repository_ownership import intruder

__all__ = ["intruder"]  # a fixture: another user, with an account of their own

UoW = Callable[[], UnitOfWork]
NOW = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)


def test_history_lists_each_entry_with_every_field(uow: UoW, user: User, published: list[Event]) -> None:
    ctx = Context(user.id, "corr-1")
    task = tasks.create_task(uow(), ctx, {"title": "Pay rent"}, now=NOW)
    tasks.update_task(uow(), ctx, task.id, {"title": "Pay the rent"}, now=NOW)
    full = [event for event in published if event.topic == "task-events"]
    for event in full:
        consume(uow(), "write-audit", event, audit.record)
    entries = audit.history(uow(), user.id, task.id)
    assert [entry["event_id"] for entry in entries] == [event.id for event in full]
    first, second = entries
    assert set(first) == {
        "id",
        "event_id",
        "action",
        "at",
        "recorded_at",
        "user_id",
        "correlation_id",
        "task",
        "changes",
    }
    assert (first["action"], second["action"]) == ("task.created", "task.updated")
    assert first["id"] < second["id"]
    assert (first["at"], first["user_id"], first["correlation_id"]) == (
        "2026-11-28T10:00:00.000Z",
        user.id,
        "corr-1",
    )
    assert first["recorded_at"].endswith("Z")
    assert first["task"]["title"] == "Pay rent" and second["task"]["title"] == "Pay the rent"
    assert (first["changes"], second["changes"]) == ({}, {"title": "Pay the rent"})


def test_history_of_a_task_that_is_not_yours_or_gone_is_not_found(
    uow: UoW, user: User, intruder: User, published: list[Event]
) -> None:
    task = tasks.create_task(uow(), Context(user.id), {"title": "Mine"}, now=NOW)
    consume(uow(), "write-audit", published[-2], audit.record)
    for who, task_id in [(intruder.id, task.id), (user.id, "no-such-task")]:
        with pytest.raises(NotFound) as missing:
            audit.history(uow(), who, task_id)
        assert str(missing.value) == f"no history for task {task_id!r} among your tasks"
    tasks.delete_task(uow(), Context(user.id), task.id, now=NOW)
    with pytest.raises(NotFound):
        audit.history(uow(), user.id, task.id)


def test_a_chat_reply_is_its_conversation_reply_and_tasks() -> None:
    reply = ChatReply("c1", "Added.", ({"id": "t1"},))
    assert reply.to_dict() == {"conversation_id": "c1", "reply": "Added.", "tasks": [{"id": "t1"}]}
