"""Every sort pages to the end through its own cursors: a fixed case beside the random search properties.

The property test draws its sorts and page sizes at random, so a sort whose cursor its own query
refused (due_at's, whose keyset has four keys) could pass it for as long as the draws missed it.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from doable.domain.model import Priority, Status
from doable.domain.query import SORTS, TaskQuery
from tests.search_oracle import NOW
from tests.unit.test_search_properties import check_against_oracle

# Dated and undated, equal priorities and equal creation times: every key of every keyset decides.
SPECS: list[dict[str, object]] = [
    {
        "title": f"alpha {i}",
        "description": "",
        "tags": (),
        "priority": [Priority.HIGH, Priority.LOW][i % 2],
        "status": Status.OPEN,
        "due_at": [None, NOW + timedelta(hours=i), NOW - timedelta(days=1)][i % 3],
        "created_at": NOW - timedelta(minutes=i // 2),
    }
    for i in range(7)
]


@pytest.mark.parametrize("text", [None, "alpha"], ids=["list", "search"])
@pytest.mark.parametrize("sort", [None, *SORTS])
def test_one_task_a_page_visits_every_task_once_in_order(
    engine: sa.Engine, sort: str | None, text: str | None
) -> None:
    query = TaskQuery(q=text, status="all", sort=sort, limit=1)
    check_against_oracle(engine, SPECS, query)
