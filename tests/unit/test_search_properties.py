"""Search, filters, sorts and cursor pages on SQLite agree with a plain Python oracle on random task sets."""

from __future__ import annotations

from dataclasses import replace

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from doable.adapters.repositories.tasks import TaskRepository
from doable.domain.errors import FieldError
from doable.domain.model import Task, new_id
from doable.domain.query import RELEVANCE, TOTAL_CAP, TaskQuery, decode_cursor
from tests.search_oracle import NOW, all_pages, expected, expected_total, queries, store, task_sets


def check_against_oracle(
    engine: sa.Engine, specs: list[dict[str, object]], query: TaskQuery, cap: int = TOTAL_CAP
) -> None:
    user_id, stranger = new_id(), new_id()
    with engine.connect() as connection, connection.begin():  # rolled back: each example starts clean
        repository = TaskRepository(connection)
        tasks = store(repository, user_id, specs)
        store(repository, stranger, specs)  # another user's identical tasks must never show up

        def search(q: TaskQuery) -> tuple[list[Task], tuple[int, bool], TaskQuery | None]:
            page = repository.search(user_id, q, NOW, cap=cap)
            total = (page.total, page.total_exact)
            if page.next_cursor is None:
                return page.items, total, None
            errors: list[FieldError] = []
            cursor = decode_cursor(page.next_cursor, q.effective_sort, errors)
            assert not errors
            return page.items, total, replace(q, cursor=cursor)

        ids, totals = all_pages(search, query)
        found = expected(tasks, query)
        want = [t.id for t in found]
        # Every page of a query reports the same total: the count of all matches, not of those left.
        assert totals <= {expected_total(found, cap)}
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


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(specs=task_sets(), query=queries, cap=st.integers(min_value=0, max_value=6))
def test_sqlite_total_stops_at_the_cap(
    engine: sa.Engine, specs: list[dict[str, object]], query: TaskQuery, cap: int
) -> None:
    """A small cap stands in for TOTAL_CAP, so a handful of tasks crosses it both ways."""
    check_against_oracle(engine, specs, query, cap)
