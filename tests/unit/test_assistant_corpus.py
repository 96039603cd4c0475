"""Runs the phrase corpus (assistant_corpus.py) through the assistant and checks the tasks left behind."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from doable.adapters.db import make_engine
from doable.adapters.inprocess import InProcessState
from doable.adapters.migrate import upgrade
from doable.adapters.unit_of_work import UnitOfWork
from doable.domain.events import Context
from doable.domain.model import Task
from doable.domain.query import TaskQuery
from doable.services import chat, tasks
from tests.unit.assistant_corpus import CORPUS, SEEDS, Row
from tests.unit.conftest import add_user

NOW = datetime(2026, 11, 28, 10, tzinfo=UTC)  # Saturday, 11:00 in Paris
PARIS = ZoneInfo("Europe/Paris")
Snapshot = dict[str, dict[str, Any]]


@pytest.fixture(scope="module")
def corpus_uow(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[], UnitOfWork]]:
    """One migrated database for the whole corpus; each row gets its own account in it."""
    path: Path = tmp_path_factory.mktemp("corpus") / "doable.db"
    engine: sa.Engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    yield lambda: UnitOfWork(engine, lambda _events: None)
    engine.dispose()


def seed(uow: Callable[[], UnitOfWork], ctx: Context) -> None:
    # Created a minute apart, in SEEDS order, so ties in a listing break the same way every run.
    for minute, (title, (due, priority, tags, status)) in enumerate(SEEDS.items()):
        data: dict[str, Any] = {"title": title, "priority": priority, "tags": list(tags)}
        if due is not None:
            data["due_at"] = datetime.fromisoformat(due).replace(tzinfo=PARIS).isoformat()
        task = tasks.create_task(uow(), ctx, data, now=NOW - timedelta(days=1) + timedelta(minutes=minute))
        if status == "completed":
            tasks.complete_task(uow(), ctx, task.id, now=NOW - timedelta(hours=2))


def snapshot(found: list[Task]) -> Snapshot:
    return {
        task.title: {
            "due": None if task.due_at is None else f"{task.due_at.astimezone(PARIS):%Y-%m-%d %H:%M}",
            "priority": task.priority.value,
            "tags": tuple(task.tags),
            "status": task.status.value,
        }
        for task in found
    }


def expected(case: Row) -> Snapshot:
    tasks_ = {
        title: {"due": due, "priority": priority, "tags": tags, "status": status}
        for title, (due, priority, tags, status) in SEEDS.items()
    }
    for effect in case.effects:
        if effect.changes is None:
            del tasks_[effect.title]
        elif effect.new:
            tasks_[effect.title] = dict(effect.changes)
        else:
            changed = {**tasks_.pop(effect.title), **effect.changes}
            tasks_[str(changed.pop("title", effect.title))] = changed
    return tasks_


def test_the_corpus_is_large_and_covers_every_kind_of_request() -> None:
    assert len(CORPUS) >= 200
    phrases = {message.split()[0].lower() for case in CORPUS for message in case.messages}
    for verb in ("add", "complete", "reopen", "delete", "move", "snooze", "postpone", "rename", "make", "tag",
                 "untag", "show", "search"):  # fmt: skip
        assert verb in phrases


@pytest.mark.parametrize("case", CORPUS, ids=[" / ".join(case.messages) for case in CORPUS])
def test_phrase(case: Row, corpus_uow: Callable[[], UnitOfWork]) -> None:
    user = add_user(corpus_uow)
    ctx, state = Context(user_id=user.id), InProcessState()
    seed(corpus_uow, ctx)
    conversation: str | None = None
    for message in case.messages:
        reply = chat.send_message(corpus_uow(), state, ctx, chat.SendMessage(message, conversation), now=NOW)
        conversation = reply.conversation_id
    after = tasks.search_tasks(corpus_uow(), ctx, TaskQuery(status="all", limit=100)).items
    assert snapshot(after) == expected(case), reply.reply
    if case.shows is not None:
        assert tuple(task["title"] for task in reply.tasks) == case.shows, reply.reply
    if case.says is not None:
        assert case.says in reply.reply
