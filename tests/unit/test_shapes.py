"""The declared shapes are the ones the domain reads and writes, and every route names real ones."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from doable.client_view import TASK_COLUMNS
from doable.domain.model import EDITABLE_FIELDS, Priority, User, new_task, validate_task_fields
from doable.domain.query import QUERY_PARAMS
from doable.domain.recurrence import Recurrence
from doable.http import shapes
from doable.http.routes import PUBLIC_ROUTES

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def a_task() -> shapes.Task:
    fields = validate_task_fields(
        {
            "title": "Pay rent",
            "tags": ["home"],
            "due_at": "2026-12-01T09:00:00+01:00",
            "recurrence": "monthly",
            "reminder_minutes_before": 60,
            "priority": "high",
        },
        partial=False,
    )
    return shapes.Task.model_validate(new_task("u-1", fields, NOW).to_dict())


def test_a_task_as_the_domain_writes_it_is_the_task_shape() -> None:
    task = a_task()
    assert task.priority is Priority.HIGH and task.recurrence is Recurrence.MONTHLY
    assert list(shapes.Task.model_fields) == list(new_task("u-1", {"title": "x"}, NOW).to_dict())


def test_the_task_bodies_have_the_fields_the_domain_accepts() -> None:
    assert tuple(shapes.NewTask.model_fields) == EDITABLE_FIELDS
    assert tuple(shapes.TaskChange.model_fields) == EDITABLE_FIELDS
    schema = shapes.schema_of(shapes.NewTask)
    assert schema["required"] == ["title"] and schema["additionalProperties"] is False


def test_the_list_query_has_the_parameters_the_domain_reads() -> None:
    assert tuple(shapes.TaskQuery.model_fields) == QUERY_PARAMS


def test_a_user_as_the_domain_writes_it_is_the_user_shape() -> None:
    user = User("u-1", "a@example.com", "A", "Europe/Paris", "hash", NOW)
    assert list(shapes.User.model_fields) == list(user.to_dict())


def test_every_route_names_declared_shapes() -> None:
    named = {name for route in PUBLIC_ROUTES for name in (route.request, route.response) if name}
    assert named <= set(shapes.SHAPES), named - set(shapes.SHAPES)
    schemas = shapes.component_schemas()
    assert named <= set(schemas)
    assert schemas["Task"]["properties"]["priority"]["enum"] == [p.value for p in Priority]


@pytest.mark.parametrize(("heading", "field"), TASK_COLUMNS)
def test_the_terminal_tables_columns_are_task_fields(heading: str, field: str) -> None:
    assert field in shapes.Task.model_fields, heading
