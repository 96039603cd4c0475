"""Search on PostgreSQL (full-text, filters, sorts, cursors) agrees with the same oracle as SQLite."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from doable.domain.query import TaskQuery
from tests.search_oracle import queries, task_sets
from tests.unit.test_search_properties import check_against_oracle

pytestmark = pytest.mark.integration


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(specs=task_sets(), query=queries)
def test_postgres_search_matches_the_oracle(
    database: sa.Engine, specs: list[dict[str, object]], query: TaskQuery
) -> None:
    check_against_oracle(database, specs, query)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(specs=task_sets(), query=queries, cap=st.integers(min_value=0, max_value=6))
def test_postgres_total_stops_at_the_cap(
    database: sa.Engine, specs: list[dict[str, object]], query: TaskQuery, cap: int
) -> None:
    check_against_oracle(database, specs, query, cap)
