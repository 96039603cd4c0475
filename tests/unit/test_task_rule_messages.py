"""Each task field rule: its limits to the character, and the exact rule name and message it reports.

A client shows these messages and switches on the rule names, so a changed word is a changed API;
test_model.py checks which rule breaks, this pins what each one says and where each limit lies.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from doable.domain.errors import DomainError, FieldError, ValidationFailed
from doable.domain.model import (
    DESCRIPTION_MAX,
    EDITABLE_FIELDS,
    REMINDER_MAX_MINUTES,
    TAG_MAX,
    TAGS_MAX,
    TIME_RANGE,
    TITLE_MAX,
    new_task,
    validate_task_fields,
)
from doable.domain.recurrence import Recurrence

TAG_RULE = f"is not a valid tag: up to {TAG_MAX} letters, digits, '-', '_', '/', ':' or '.'"
NOW = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
RFC3339 = "must be RFC 3339 with a time zone offset, such as 2026-12-01T09:00:00+01:00"


def refused(data: dict[str, Any], partial: bool = False) -> list[FieldError]:
    with pytest.raises(ValidationFailed) as caught:
        validate_task_fields(data, partial=partial)
    return caught.value.errors


def test_the_limits_are_the_documented_numbers() -> None:
    assert (TITLE_MAX, DESCRIPTION_MAX, TAG_MAX, TAGS_MAX) == (200, 10_000, 40, 20)
    assert REMINDER_MAX_MINUTES == 366 * 24 * 60


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        ({"title": 5}, [FieldError("title", "type", "must be a string")]),
        ({"title": " "}, [FieldError("title", "length", "must be 1 to 200 characters, not only spaces")]),
        (
            {"title": "x" * 201},
            [FieldError("title", "length", "must be 1 to 200 characters, not only spaces")],
        ),
        ({"description": 3}, [FieldError("description", "type", "must be a string or null")]),
        (
            {"description": "d" * 10_001},
            [FieldError("description", "length", "must be at most 10000 characters")],
        ),
        ({"priority": "urgent"}, [FieldError("priority", "enum", "must be one of high, medium, low")]),
        ({"tags": "work"}, [FieldError("tags", "type", "must be a list of strings")]),
        ({"tags": ["ok", 1]}, [FieldError("tags", "type", "must be a list of strings")]),
        ({"tags": ["ok", "  #  "]}, [FieldError("tags", "tag", "tags cannot be empty")]),
        ({"tags": ["two words"]}, [FieldError("tags", "tag", f"'two words' {TAG_RULE}")]),
        ({"tags": ["t" * 41]}, [FieldError("tags", "tag", f"'{'t' * 41}' {TAG_RULE}")]),
        ({"tags": [" " * 30 + "t" * 15]}, [FieldError("tags", "tag", f"'{' ' * 30 + 't' * 15}' {TAG_RULE}")]),
        ({"tags": [f"t{i}" for i in range(21)]}, [FieldError("tags", "count", "at most 20 tags")]),
        (
            {"due_at": 20261201},
            [
                FieldError(
                    "due_at", "type", "must be an RFC 3339 string such as 2026-12-01T09:00:00+01:00, or null"
                )
            ],
        ),
        ({"due_at": "tomorrow"}, [FieldError("due_at", "format", RFC3339)]),
        ({"due_at": "2300-01-01T00:00:00Z"}, [FieldError("due_at", "range", f"must lie {TIME_RANGE}")]),
        (
            {"recurrence": "yearly"},
            [FieldError("recurrence", "enum", "must be one of none, daily, weekly, monthly")],
        ),
        (
            {"reminder_minutes_before": "5"},
            [FieldError("reminder_minutes_before", "type", "must be a whole number of minutes, or null")],
        ),
        (
            {"reminder_minutes_before": -1},
            [FieldError("reminder_minutes_before", "range", "must be between 0 and 527040 minutes")],
        ),
        (
            {"reminder_minutes_before": REMINDER_MAX_MINUTES + 1},
            [FieldError("reminder_minutes_before", "range", "must be between 0 and 527040 minutes")],
        ),
    ],
)
def test_each_broken_rule_is_named_with_its_message(data: dict[str, Any], errors: list[FieldError]) -> None:
    assert refused(data, partial=True) == errors


def test_values_at_each_limit_are_accepted() -> None:
    clean = validate_task_fields(
        {
            "title": "x" * TITLE_MAX,
            "description": "d" * DESCRIPTION_MAX,
            "tags": ["t" * TAG_MAX, *[f"t{i}" for i in range(TAGS_MAX - 1)]],
            "reminder_minutes_before": REMINDER_MAX_MINUTES,
            "due_at": "2200-12-31T23:59:59Z",
        },
        partial=False,
    )
    assert clean["title"] == "x" * TITLE_MAX and len(clean["description"]) == DESCRIPTION_MAX
    assert len(clean["tags"]) == TAGS_MAX
    assert clean["due_at"] == datetime(2200, 12, 31, 23, 59, 59, tzinfo=UTC)


def test_nulls_mean_empty_and_repeated_tags_count_once() -> None:
    clean = validate_task_fields(
        {
            "description": None,
            "tags": None,
            "due_at": None,
            "recurrence": None,
            "reminder_minutes_before": None,
        },
        partial=True,
    )
    assert clean == {
        "description": "",
        "tags": (),
        "due_at": None,
        "recurrence": Recurrence.NONE,
        "reminder_minutes_before": None,
    }
    tags = validate_task_fields({"tags": ["#Home", "home", " HOME ", "x"]}, partial=True)["tags"]
    assert tags == ("home", "x")


def test_unknown_fields_and_a_missing_title_are_reported_together() -> None:
    allowed = ", ".join(EDITABLE_FIELDS)
    assert refused({"zz": 1, "aa": 2, "title": None}, partial=False)[:2] == [
        FieldError("aa", "unknown_field", f"unknown field; allowed fields are {allowed}"),
        FieldError("zz", "unknown_field", f"unknown field; allowed fields are {allowed}"),
    ]
    assert refused({"aa": 2}, partial=False) == [
        FieldError("aa", "unknown_field", f"unknown field; allowed fields are {allowed}"),
        FieldError("title", "required", "title is required"),
    ]


def test_an_edit_that_clears_due_at_cannot_keep_a_recurrence_or_a_reminder_it_sets() -> None:
    assert refused({"due_at": None, "recurrence": "daily", "reminder_minutes_before": 5}, partial=True) == [
        FieldError("recurrence", "requires_due_at", "a recurring task needs a due_at"),
        FieldError("reminder_minutes_before", "requires_due_at", "a reminder needs a due_at to count from"),
    ]
    assert validate_task_fields({"due_at": None}, partial=True) == {"due_at": None}


def test_an_edit_the_task_cannot_go_with_is_a_conflict_naming_the_fields_to_change_together() -> None:
    task = new_task("u", {"title": "t", "due_at": NOW, "reminder_minutes_before": 15}, NOW)
    with pytest.raises(DomainError) as conflict:
        task.apply({"due_at": None}, NOW)
    error = conflict.value
    assert (error.status, error.title) == (409, "Conflict")
    assert error.detail == (
        "reminder_minutes_before: a reminder needs a due_at to count from; as this task stands, "
        "change due_at, recurrence and reminder_minutes_before together"
    )
    assert error.extra == {
        "errors": [
            {
                "field": "reminder_minutes_before",
                "rule": "requires_due_at",
                "message": "a reminder needs a due_at to count from",
            }
        ]
    }


def test_an_edit_of_a_one_off_task_starts_no_series() -> None:
    task = new_task("u", {"title": "t", "due_at": NOW}, NOW)
    task.apply({"title": "u"}, NOW)
    assert task.series_id is None
    assert new_task("u", {"title": "t"}, NOW).series_id is None
