"""Optimistic concurrency on SQLite without threads: a rival commits between a read and its write."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa

from doable.adapters.unit_of_work import AfterCommit, UnitOfWork
from doable.domain.errors import Conflict, PreconditionFailed
from doable.domain.events import Context, Event, EventType
from doable.domain.model import Task, User
from doable.services import tasks

UoW = Callable[[], UnitOfWork]


class RacedUnitOfWork(UnitOfWork):
    """A unit of work whose next `races` reads of a task are each followed by a rival's committed change.

    That is the interleaving two simultaneous requests produce, made deterministic: the read has
    happened, the write has not, and the stored task has already moved on.
    """

    def __init__(self, engine: sa.Engine, after_commit: AfterCommit, rival: Callable[[], None], races: int):
        super().__init__(engine, after_commit)
        self.rival = rival
        self.races = races

    def __enter__(self) -> RacedUnitOfWork:
        super().__enter__()
        read = self.tasks.get

        def get_then_race(user_id: str, task_id: str, *, for_update: bool = False) -> Task | None:
            task = read(user_id, task_id, for_update=for_update)
            if self.races > 0:
                self.races -= 1
                self.rival()
            return task

        self.tasks.get = get_then_race
        return self


@pytest.fixture
def ctx(user: User) -> Context:
    return Context(user_id=user.id)


@pytest.fixture
def task(uow: UoW, ctx: Context) -> Task:
    return tasks.create_task(uow(), ctx, {"title": "contested", "tags": ["a"]})


def stored(uow: UoW, ctx: Context, task_id: str) -> Task:
    return tasks.get_task(uow(), ctx, task_id)


def raced(
    engine: sa.Engine, published: list[Event], rival: Callable[[], None], races: int = 1
) -> RacedUnitOfWork:
    return RacedUnitOfWork(engine, published.extend, rival, races)


def rival_edits(uow: UoW, ctx: Context, task_id: str) -> Callable[[], None]:
    """Each call commits one more edit of the description, as another request would."""
    made: list[int] = []

    def edit() -> None:
        made.append(len(made) + 1)
        tasks.update_task(uow(), ctx, task_id, {"description": f"rival edit {len(made)}"})

    return edit


def updates(published: list[Event], task_id: str) -> list[dict[str, Any]]:
    return [
        e.data["task"]
        for e in published
        if e.topic == "task-events" and e.type == EventType.TASK_UPDATED and e.subject == task_id
    ]


def test_the_second_of_two_writers_that_read_the_same_version_writes_nothing(
    uow: UoW, ctx: Context, task: Task
) -> None:
    with uow() as first, uow() as second:
        mine = first.tasks.get(ctx.user_id, task.id)
        theirs = second.tasks.get(ctx.user_id, task.id)
        assert mine is not None and theirs is not None
        assert mine.version == theirs.version == 1
        mine.apply({"title": "first", "tags": ("first",)}, mine.updated_at)
        assert first.tasks.save(mine, 1, ["title", "tags"])
        first.commit()
        theirs.apply({"title": "second", "tags": ("second",)}, theirs.updated_at)
        assert not second.tasks.save(theirs, 1, ["title", "tags"])
        second.commit()
    kept = stored(uow, ctx, task.id)
    assert (kept.title, kept.tags, kept.version) == ("first", ("first",), 2)
    assert tasks.tag_counts(uow(), ctx) == [{"tag": "first", "count": 1}], "the loser's tags were not written"


def test_a_delete_of_a_version_that_moved_on_deletes_nothing(uow: UoW, ctx: Context, task: Task) -> None:
    with uow() as work:
        seen = work.tasks.get(ctx.user_id, task.id)
    assert seen is not None
    tasks.update_task(uow(), ctx, task.id, {"title": "edited meanwhile"})
    with uow() as work:
        assert not work.tasks.delete(seen)
        work.commit()
    assert stored(uow, ctx, task.id).title == "edited meanwhile"
    assert tasks.tag_counts(uow(), ctx) == [{"tag": "a", "count": 1}]


def test_an_edit_that_loses_the_race_is_retried_and_both_edits_are_kept(
    engine: sa.Engine, uow: UoW, published: list[Event], ctx: Context, task: Task
) -> None:
    work = raced(engine, published, rival_edits(uow, ctx, task.id))
    edited = tasks.update_task(work, ctx, task.id, {"title": "mine"})
    assert work.races == 0, "the rival did commit between the read and the write"
    assert edited.version == 3
    kept = stored(uow, ctx, task.id)
    assert (kept.title, kept.description, kept.version) == ("mine", "rival edit 1", 3)
    history = [(t["version"], t["title"]) for t in updates(published, task.id)]
    assert history == [(2, "contested"), (3, "mine")]


def test_an_edit_with_if_match_that_loses_the_race_is_a_precondition_failure(
    engine: sa.Engine, uow: UoW, published: list[Event], ctx: Context, task: Task
) -> None:
    work = raced(engine, published, rival_edits(uow, ctx, task.id))
    with pytest.raises(PreconditionFailed) as failure:
        tasks.update_task(work, ctx, task.id, {"title": "mine"}, if_match='"1"')
    assert failure.value.status == 412
    assert "fetch it again" in failure.value.detail
    kept = stored(uow, ctx, task.id)
    assert (kept.title, kept.version) == ("contested", 2)
    assert [t["version"] for t in updates(published, task.id)] == [2], "only the rival's update happened"


def test_an_if_match_from_the_future_is_a_precondition_failure(uow: UoW, ctx: Context, task: Task) -> None:
    with pytest.raises(PreconditionFailed, match="at version 1, not 5"):
        tasks.update_task(uow(), ctx, task.id, {"title": "later"}, if_match="5")
    assert stored(uow, ctx, task.id).version == 1


def test_an_edit_that_keeps_losing_gives_up_with_a_conflict_and_writes_nothing(
    engine: sa.Engine, uow: UoW, published: list[Event], ctx: Context, task: Task
) -> None:
    work = raced(engine, published, rival_edits(uow, ctx, task.id), races=tasks.MAX_ATTEMPTS)
    with pytest.raises(Conflict) as failure:
        tasks.update_task(work, ctx, task.id, {"title": "mine"})
    assert failure.value.status == 409
    assert "try again" in failure.value.detail
    kept = stored(uow, ctx, task.id)
    assert (kept.title, kept.version) == ("contested", 1 + tasks.MAX_ATTEMPTS)
    versions = [t["version"] for t in updates(published, task.id)]
    assert versions == list(range(2, 2 + tasks.MAX_ATTEMPTS)), "every rival edit landed, each once"


def test_a_completion_that_loses_the_race_is_retried_on_top_of_the_edit(
    engine: sa.Engine, uow: UoW, published: list[Event], ctx: Context, task: Task
) -> None:
    done = tasks.complete_task(raced(engine, published, rival_edits(uow, ctx, task.id)), ctx, task.id)
    assert (done.status.value, done.description, done.version) == ("completed", "rival edit 1", 3)
    kept = stored(uow, ctx, task.id)
    assert (kept.status.value, kept.description, kept.version) == ("completed", "rival edit 1", 3)


def test_a_delete_that_loses_the_race_is_retried_and_its_event_carries_the_edit(
    engine: sa.Engine, uow: UoW, published: list[Event], ctx: Context, task: Task
) -> None:
    deleted = tasks.delete_task(raced(engine, published, rival_edits(uow, ctx, task.id)), ctx, task.id)
    assert [(t.id, t.version) for t in deleted] == [(task.id, 2)]
    gone = [e for e in published if e.topic == "task-events" and e.type == EventType.TASK_DELETED]
    assert [(e.data["task"]["version"], e.data["task"]["description"]) for e in gone] == [(2, "rival edit 1")]
    assert tasks.search_tasks(uow(), ctx, tasks.TaskQuery()).total == 0
