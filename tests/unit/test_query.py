"""The list endpoint's query string: time filters share the task fields' documented range, and
repeated filters stop where no task could match."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from doable.domain.errors import ValidationFailed
from doable.domain.query import parse_task_query


@pytest.mark.parametrize("name", ["due_after", "due_before"])
@pytest.mark.parametrize(
    "value", ["1900-01-01T00:00:00Z", "9999-12-31T23:00:00-05:00", "2026-01-01T00:00:00+15:00"]
)
def test_time_filters_outside_the_range_are_refused_by_name(name: str, value: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        parse_task_query({name: [value]})
    assert [(e.field, e.rule) for e in caught.value.errors] == [(name, "range")]
    assert "2200-12-31T23:59:59Z" in caught.value.errors[0].message


def test_time_filters_inside_the_range_are_read_in_utc() -> None:
    query = parse_task_query(
        {"due_after": ["1970-01-01T00:00:00Z"], "due_before": ["2200-12-31T12:00:00+02:00"]}
    )
    assert query.due_after == datetime(1970, 1, 1, tzinfo=UTC)
    assert query.due_before == datetime(2200, 12, 31, 10, tzinfo=UTC)


def test_more_tags_or_priorities_than_a_task_can_hold_are_refused_by_name() -> None:
    # 1500 tags became 1500 EXISTS clauses: past SQLite's expression depth, a 500.
    with pytest.raises(ValidationFailed) as caught:
        parse_task_query({"tag": [f"t{i}" for i in range(1500)], "priority": ["high"] * 500})
    assert sorted((e.field, e.rule) for e in caught.value.errors) == [("priority", "count"), ("tag", "count")]
    twenty = [f"t{i}" for i in range(20)]
    assert parse_task_query({"tag": twenty, "priority": ["high", "low"]}).tags == tuple(twenty)
