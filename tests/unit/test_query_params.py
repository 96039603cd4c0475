"""The list endpoint's query string, parameter by parameter: what each accepts, its limits, its messages.

Clients switch on the rule names and show the messages; every problem is reported in one answer.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

import pytest

from doable.domain.errors import FieldError, ValidationFailed
from doable.domain.model import Priority
from doable.domain.query import (
    LIMIT_DEFAULT,
    LIMIT_MAX,
    QUERY_PARAMS,
    RELEVANCE,
    SORTS,
    TaskQuery,
    encode_cursor,
    parse_task_query,
)

RFC3339 = "must be RFC 3339 with an offset, such as 2026-12-01T00:00:00Z"
CURSOR = "not a cursor of this query; pass next_cursor from the previous page unchanged"


def refused(params: dict[str, list[str]]) -> list[FieldError]:
    with pytest.raises(ValidationFailed) as caught:
        parse_task_query(params)
    return caught.value.errors


def test_no_parameters_mean_all_tasks_newest_first_fifty_a_page() -> None:
    query = parse_task_query({})
    assert query == TaskQuery()
    assert (query.status, query.limit, query.sort, query.effective_sort) == ("all", 50, None, "-created_at")
    assert (LIMIT_DEFAULT, LIMIT_MAX) == (50, 200)


def test_every_parameter_is_read() -> None:
    query = parse_task_query(
        {
            "q": ["  Milk  Bread "],
            "status": ["open"],
            "priority": ["high, low", "medium"],
            "tag": ["#Home,work", "home"],
            "due_after": ["2026-12-01T00:00:00+01:00"],
            "due_before": ["2026-12-31T00:00:00Z"],
            "overdue": ["true"],
            "sort": ["due_at"],
            "limit": ["200"],
        }
    )
    assert query == TaskQuery(
        q="Milk  Bread",
        status="open",
        priorities=(Priority.HIGH, Priority.LOW, Priority.MEDIUM),
        tags=("home", "work"),
        due_after=datetime(2026, 11, 30, 23, 0, tzinfo=UTC),
        due_before=datetime(2026, 12, 31, tzinfo=UTC),
        overdue=True,
        sort="due_at",
        limit=200,
    )
    assert query.terms == ("milk", "bread")
    assert parse_task_query({"overdue": ["false"], "q": ["   "], "limit": ["1"]}) == TaskQuery(limit=1)


def test_a_text_search_without_a_sort_ranks_and_an_explicit_sort_wins() -> None:
    assert parse_task_query({"q": ["milk"]}).effective_sort == RELEVANCE
    assert parse_task_query({"q": ["milk"], "sort": ["priority"]}).effective_sort == "priority"
    assert parse_task_query({"q": ["!!"]}).effective_sort == "-created_at", "no words, no ranking"


@pytest.mark.parametrize(
    ("params", "errors"),
    [
        (
            {"page": ["2"]},
            [
                FieldError(
                    "page", "unknown_parameter", f"unknown parameter; allowed are {', '.join(QUERY_PARAMS)}"
                )
            ],
        ),
        ({"q": ["a\x00b"]}, [FieldError("q", "text", "holds U+0000, which no text can store; leave it out")]),
        (
            {"status": ["open", "completed"]},
            [FieldError("status", "repeated", "give this parameter at most once")],
        ),
        ({"q": ["x" * 201]}, [FieldError("q", "length", "at most 200 characters")]),
        ({"status": ["done"]}, [FieldError("status", "enum", "must be one of open, completed, all")]),
        (
            {"priority": ["high", "low", "medium", "high"]},
            [FieldError("priority", "count", "give at most 3 priorities")],
        ),
        (
            {"priority": ["high,urgent"]},
            [FieldError("priority", "enum", "'urgent' is not one of high, medium, low")],
        ),
        (
            {"tag": [f"t{i}" for i in range(21)]},
            [FieldError("tag", "count", "give at most 20 tags: no task holds more")],
        ),
        (
            {"tag": [",".join(f"t{i}" for i in range(21))]},
            [FieldError("tag", "count", "give at most 20 tags: no task holds more")],
        ),
        ({"due_after": ["tomorrow"]}, [FieldError("due_after", "format", RFC3339)]),
        ({"due_before": ["2026-12-01T00:00:00"]}, [FieldError("due_before", "format", RFC3339)]),
        ({"overdue": ["yes"]}, [FieldError("overdue", "enum", "must be true or false")]),
        ({"sort": ["title"]}, [FieldError("sort", "enum", f"must be one of {', '.join(SORTS)}")]),
        ({"limit": ["0"]}, [FieldError("limit", "range", "must be a whole number from 1 to 200")]),
        ({"limit": ["201"]}, [FieldError("limit", "range", "must be a whole number from 1 to 200")]),
        ({"limit": ["²"]}, [FieldError("limit", "range", "must be a whole number from 1 to 200")]),
        ({"limit": ["10000"]}, [FieldError("limit", "range", "must be a whole number from 1 to 200")]),
        ({"cursor": ["not-a-cursor"]}, [FieldError("cursor", "invalid", CURSOR)]),
    ],
)
def test_each_bad_parameter_is_named_with_its_rule_and_message(
    params: dict[str, list[str]], errors: list[FieldError]
) -> None:
    assert refused(params) == errors


def test_every_problem_is_reported_at_once_unknown_names_first() -> None:
    errors = refused({"zz": ["1"], "aa": ["1"], "status": ["x"], "limit": ["x"]})
    assert [(e.field, e.rule) for e in errors] == [
        ("aa", "unknown_parameter"),
        ("zz", "unknown_parameter"),
        ("status", "enum"),
        ("limit", "range"),
    ]


def test_a_cursor_is_only_read_for_the_sort_it_was_made_for() -> None:
    cursor = encode_cursor("priority", [1, datetime(2026, 12, 1, tzinfo=UTC), "task-id"])
    query = parse_task_query({"sort": ["priority"], "cursor": [cursor]})
    assert query.cursor == (1, datetime(2026, 12, 1, tzinfo=UTC), "task-id")
    assert refused({"sort": ["-created_at"], "cursor": [cursor]}) == [FieldError("cursor", "invalid", CURSOR)]
    assert refused({"sort": ["-priority"], "cursor": [cursor]}) == [
        FieldError("cursor", "invalid", CURSOR)
    ], "the same keys, but another order: a cursor of one is no place in the other"
    assert refused({"sort": ["bogus"], "cursor": [cursor]}) == [
        FieldError("sort", "enum", f"must be one of {', '.join(SORTS)}")
    ], "a cursor is not read while other parameters are wrong"


def raw_cursor(sort: str, key: list[object]) -> str:
    """A cursor as encode_cursor would write it, but with any key at all."""
    return base64.urlsafe_b64encode(json.dumps([sort, key]).encode()).decode().rstrip("=")


T = {"t": "2026-12-01T00:00:00+00:00"}


@pytest.mark.parametrize(
    "key",
    [
        [True, T, "id"],  # a rank is 0, 1 or 2, and not a boolean
        [3, T, "id"],
        [1, {"t": "2026-12-01T00:00:00"}, "id"],  # a time without its offset
        [1, {"t": "2026-12-01T00:00:00+00:00", "x": 1}, "id"],
        [1, T, "i" * 65],
        [1, T, "a\x00b"],
        [1, T, 7],
        [1, T],
        [1, T, "id", "more"],
    ],
)
def test_a_cursor_with_a_key_of_the_wrong_kind_or_number_is_refused(key: list[object]) -> None:
    assert refused({"sort": ["priority"], "cursor": [raw_cursor("priority", key)]}) == [
        FieldError("cursor", "invalid", CURSOR)
    ]


def test_relevance_cursors_carry_a_finite_score() -> None:
    good = parse_task_query({"q": ["milk"], "cursor": [raw_cursor(RELEVANCE, [2, T, "i" * 64])]})
    assert good.cursor == (2.0, datetime(2026, 12, 1, tzinfo=UTC), "i" * 64)
    assert isinstance(good.cursor[0], float)
    for score in [float("inf"), 1e300, -1e300, False]:
        cursor = raw_cursor(RELEVANCE, [score, T, "id"])
        assert refused({"q": ["milk"], "cursor": [cursor]}) == [FieldError("cursor", "invalid", CURSOR)]
    assert parse_task_query({"q": ["milk"], "cursor": [raw_cursor(RELEVANCE, [9.9e299, T, "id"])]}).cursor


def test_a_cursor_longer_than_400_characters_is_refused_unread() -> None:
    long_id = raw_cursor("priority", [1, T, "i" * 64]) + "A" * 400
    assert refused({"sort": ["priority"], "cursor": [long_id]}) == [FieldError("cursor", "invalid", CURSOR)]
    fits = raw_cursor("-created_at", [T, "i" * 64])
    assert len(fits) <= 400 and parse_task_query({"cursor": [fits]}).cursor


def test_the_limits_on_q_and_priority_admit_exactly_the_maximum() -> None:
    assert parse_task_query({"q": ["m" * 200]}).q == "m" * 200
    every = [p.value for p in Priority]
    assert parse_task_query({"priority": every}).priorities == tuple(Priority)
    with pytest.raises(ValidationFailed):
        parse_task_query({"q": ["m" * 201]})
    with pytest.raises(ValidationFailed):
        parse_task_query({"priority": [*every, "high"]})
