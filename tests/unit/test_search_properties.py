"""Search, filters, sorts and cursor pages on SQLite agree with a plain Python oracle on random task sets."""

from __future__ import annotations

from dataclasses import replace

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings

from doable.adapters.repositories import TaskRepository
from doable.domain.errors import FieldError
from doable.domain.model import Task, new_id
from doable.domain.query import RELEVANCE, TaskQuery, decode_cursor
from tests.search_oracle import NOW, all_pages, expected, queries, store, task_sets


def check_against_oracle(engine: sa.Engine, specs: list[dict[str, object]], query: TaskQuery) -> None:
    user_id, stranger = new_id(), new_id()
    with engine.connect() as connection, connection.begin():  # rolled back: each example starts clean
        repository = TaskRepository(connection)
        tasks = store(repository, user_id, specs)
        store(repository, stranger, specs)  # another user's identical tasks must never show up

        def search(q: TaskQuery) -> tuple[list[Task], int, TaskQuery | None]:
            page = repository.search(user_id, q, NOW)
            if page.next_cursor is None:
                return page.items, page.total, None
            errors: list[FieldError] = []
            cursor = decode_cursor(page.next_cursor, q.effective_sort, errors)
            assert not errors
            return page.items, page.total, replace(q, cursor=cursor)

        ids, totals = all_pages(search, query)
        want = [t.id for t in expected(tasks, query)]
        assert totals <= {len(want)}
        if query.effective_sort == RELEVANCE:
            assert sorted(ids) == sorted(want), "relevance order is the database's; the set must match"
            assert len(ids) == len(set(ids))
        else:
            assert ids == want
        connection.rollback()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(specs=task_sets(), query=queries)
def test_sqlite_search_matches_the_oracle(
    engine: sa.Engine, specs: list[dict[str, object]], query: TaskQuery
) -> None:
    check_against_oracle(engine, specs, query)
