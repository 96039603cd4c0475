"""Repository reads whose order or shape the API passes on as is: tag counts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from doable.adapters.unit_of_work import UnitOfWork
from doable.domain.events import Context
from doable.domain.model import User
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
