"""Task rules: validation, normalisation, state changes and the versioning they imply."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from doable.domain.errors import DomainError, ValidationFailed
from doable.domain.model import Priority, Status, new_task, validate_task_fields
from doable.domain.recurrence import Recurrence

NOW = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)


def rules_broken(data: dict[str, object], partial: bool = False) -> dict[str, str]:
    with pytest.raises(ValidationFailed) as caught:
        validate_task_fields(data, partial=partial)
    return {error.field: error.rule for error in caught.value.errors}


def test_valid_input_is_cleaned() -> None:
    clean = validate_task_fields(
        {
            "title": " Plan ",
            "tags": ["#Work", "work", " Q1 "],
            "priority": "high",
            "due_at": "2026-12-01T09:00:00-05:00",
            "reminder_minutes_before": 0,
            "description": None,
        },
        partial=False,
    )
    assert clean == {
        "title": "Plan",
        "tags": ("work", "q1"),
        "priority": Priority.HIGH,
        "due_at": datetime(2026, 12, 1, 14, 0, tzinfo=UTC),
        "reminder_minutes_before": 0,
        "description": "",
    }


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({}, {"title": "required"}),
        ({"title": "   "}, {"title": "length"}),
        ({"title": 5}, {"title": "type"}),
        ({"title": "t", "priority": "HIGH"}, {"priority": "enum"}),
        ({"title": "t", "tags": ["ok", "not ok"]}, {"tags": "tag"}),
        ({"title": "t", "tags": [f"t{i}" for i in range(21)]}, {"tags": "count"}),
        ({"title": "t", "due_at": "2026-12-01"}, {"due_at": "format"}),
        ({"title": "t", "due_at": "2026-12-01T09:00:00"}, {"due_at": "format"}),
        ({"title": "t", "reminder_minutes_before": True}, {"reminder_minutes_before": "type"}),
        ({"title": "t", "reminder_minutes_before": 1.5}, {"reminder_minutes_before": "type"}),
        ({"title": "t", "recurrence": "yearly"}, {"recurrence": "enum"}),
        ({"title": "t", "status": "completed"}, {"status": "unknown_field"}),
    ],
)
def test_each_rule_names_its_field(data: dict[str, object], expected: dict[str, str]) -> None:
    assert rules_broken(data) == expected


def test_partial_input_needs_no_title() -> None:
    assert validate_task_fields({"priority": "low"}, partial=True) == {"priority": Priority.LOW}


def test_schedule_rules_apply_to_new_and_edited_tasks() -> None:
    with pytest.raises(ValidationFailed):
        new_task("u", {"title": "t", "recurrence": Recurrence.DAILY}, NOW)
    task = new_task("u", {"title": "t", "due_at": NOW, "reminder_minutes_before": 15}, NOW)
    assert task.reminder_at == NOW - timedelta(minutes=15)
    with pytest.raises(DomainError) as conflict:
        task.apply({"due_at": None}, NOW)
    assert conflict.value.status == 409, "valid on its own, the edit conflicts with the task's reminder"
    assert task.due_at == NOW and task.version == 1, "a refused edit leaves the task untouched"
    with pytest.raises(ValidationFailed):
        validate_task_fields({"due_at": None, "reminder_minutes_before": 5}, partial=True)


def test_apply_reports_only_real_changes_and_bumps_the_version_once() -> None:
    task = new_task("u", {"title": "t", "priority": Priority.LOW}, NOW)
    assert task.apply({"title": "t", "priority": Priority.LOW}, NOW) == {}
    assert task.version == 1
    later = NOW + timedelta(minutes=1)
    assert task.apply({"title": "u", "priority": Priority.LOW}, later) == {"title": "u"}
    assert (task.version, task.updated_at) == (2, later)


def test_making_a_task_recurring_starts_a_series() -> None:
    task = new_task("u", {"title": "t", "due_at": NOW}, NOW)
    assert task.series_id is None
    task.apply({"recurrence": Recurrence.WEEKLY}, NOW)
    assert task.series_id == task.id


def test_complete_and_reopen_are_idempotent() -> None:
    task = new_task("u", {"title": "t"}, NOW)
    assert task.complete(NOW) is True
    assert task.complete(NOW) is False
    assert (task.status, task.completed_at, task.version) == (Status.COMPLETED, NOW, 2)
    assert task.reopen(NOW) is True
    assert task.reopen(NOW) is False
    assert (task.status, task.completed_at, task.version) == (Status.OPEN, None, 3)


def test_public_representation_uses_utc_z_times() -> None:
    task = new_task(
        "u",
        {
            "title": "t",
            "due_at": datetime(2026, 12, 1, 9, 30, 15, 123456, tzinfo=UTC),
            "reminder_minutes_before": 30,
        },
        NOW,
    )
    body = task.to_dict()
    assert body["due_at"] == "2026-12-01T09:30:15.123Z"
    assert body["reminder_at"] == "2026-12-01T09:00:15.123Z"
    assert body["tags"] == [] and body["status"] == "open"


@pytest.mark.parametrize(
    "due_at",
    [
        "1969-12-31T23:59:59Z",
        "1970-01-01T00:30:00+01:00",  # 1969 in UTC
        "2201-01-01T00:00:00Z",
        "2200-12-31T23:00:00-01:00",  # 2201 in UTC
        "9999-12-31T23:00:00-05:00",  # past year 9999 in UTC: must not overflow into a 500
        "0001-01-01T00:00:00+05:00",
        "2026-12-01T09:00:00+14:01",
        "2026-12-01T09:00:00-23:59",
    ],
)
def test_times_outside_the_documented_range_are_refused_by_name(due_at: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        validate_task_fields({"title": "t", "due_at": due_at}, partial=False)
    (error,) = caught.value.errors
    assert (error.field, error.rule) == ("due_at", "range")
    assert "1970-01-01T00:00:00Z to 2200-12-31T23:59:59Z" in error.message


@pytest.mark.parametrize(
    ("due_at", "expected"),
    [
        ("1970-01-01T00:00:00Z", datetime(1970, 1, 1, tzinfo=UTC)),
        ("2200-12-31T23:59:59.999Z", datetime(2200, 12, 31, 23, 59, 59, 999000, tzinfo=UTC)),
        ("2026-12-01T09:00:00+14:00", datetime(2026, 11, 30, 19, 0, tzinfo=UTC)),
        ("2026-12-01T09:00:00-14:00", datetime(2026, 12, 1, 23, 0, tzinfo=UTC)),
    ],
)
def test_the_edges_of_the_range_are_accepted(due_at: str, expected: datetime) -> None:
    assert validate_task_fields({"due_at": due_at}, partial=True) == {"due_at": expected}
