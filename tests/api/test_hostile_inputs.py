"""Hostile inputs through the gateway: each is a 4xx problem naming the field, and nothing is written."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
import sqlalchemy as sa

from tests.conftest import Api

JSON = {"Content-Type": "application/json"}


def cursor(payload: Any) -> str:
    """A cursor in the server's encoding (base64url JSON) around whatever `payload` a forger chooses."""
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def raw_task(body: str) -> dict[str, Any]:
    return {"content": body.encode(), "headers": JSON}


# (case id, method, path, request keywords, expected status, field the problem must name)
CASES: list[tuple[str, str, str, dict[str, Any], int, str]] = [
    # Times that used to crash the parser (offsets past ±24h, year 0, overflow on conversion to UTC).
    (
        "offset +99:00",
        "POST",
        "/api/tasks",
        {"json": {"title": "t", "due_at": "2026-01-01T00:00:00+99:00"}},
        422,
        "due_at",
    ),
    (
        "year 0",
        "POST",
        "/api/tasks",
        {"json": {"title": "t", "due_at": "0000-01-01T00:00:00Z"}},
        422,
        "due_at",
    ),
    (
        "year 1 east of UTC",
        "POST",
        "/api/tasks",
        {"json": {"title": "t", "due_at": "0001-01-01T00:00:00+01:00", "reminder_minutes_before": 5}},
        422,
        "due_at",
    ),
    (
        "year 9999 west of UTC",
        "GET",
        "/api/tasks",
        {"params": {"due_before": "9999-12-31T23:59:59-01:00"}},
        422,
        "due_before",
    ),
    (
        "query offset +99:00",
        "GET",
        "/api/tasks",
        {"params": {"due_after": "2026-01-01T00:00:00+99:00"}},
        422,
        "due_after",
    ),
    # JSON the decoder takes but nothing after it can hold.
    (
        "nested 5000 deep",
        "POST",
        "/api/tasks",
        raw_task('{"title": "t", "tags": ' + nested(5000) + "}"),
        422,
        "tags",
    ),
    ("nested 40 deep", "PATCH", "/api/me", raw_task('{"name": ' + nested(40) + "}"), 422, "name"),
    (
        "5000-digit integer",
        "POST",
        "/api/tasks",
        raw_task('{"title": "t", "reminder_minutes_before": ' + "9" * 5000 + "}"),
        422,
        "reminder_minutes_before",
    ),
    (
        "integer past 64 bits",
        "POST",
        "/api/tasks",
        raw_task('{"title": "t", "reminder_minutes_before": 18446744073709551616}'),
        422,
        "reminder_minutes_before",
    ),
    (
        "float overflow",
        "POST",
        "/api/tasks",
        raw_task('{"title": "t", "reminder_minutes_before": 1e400}'),
        422,
        "reminder_minutes_before",
    ),
    (
        "NaN",
        "POST",
        "/api/tasks",
        raw_task('{"title": "t", "reminder_minutes_before": NaN}'),
        422,
        "reminder_minutes_before",
    ),
    # Text no database can store.
    ("lone surrogate", "POST", "/api/tasks", raw_task('{"title": "ok \\ud800"}'), 422, "title"),
    (
        "lone low surrogate in a tag",
        "POST",
        "/api/tasks",
        raw_task('{"title": "t", "tags": ["\\udfff"]}'),
        422,
        "tags[0]",
    ),
    (
        "NUL in the description",
        "POST",
        "/api/tasks",
        raw_task('{"title": "t", "description": "a\\u0000b"}'),
        422,
        "description",
    ),
    (
        "NUL in a chat message",
        "POST",
        "/api/chat",
        raw_task('{"message": "add \\u0000 milk"}'),
        422,
        "message",
    ),
    ("NUL in the search text", "GET", "/api/tasks", {"params": {"q": "a\x00b"}}, 422, "q"),
    # Cursors that are not ours.
    ("cursor not base64", "GET", "/api/tasks", {"params": {"cursor": "!!!"}}, 422, "cursor"),
    (
        "cursor keys of the wrong type",
        "GET",
        "/api/tasks",
        {"params": {"cursor": cursor(["-created_at", [1, 2]])}},
        422,
        "cursor",
    ),
    (
        "cursor with strings for times",
        "GET",
        "/api/tasks",
        {"params": {"cursor": cursor(["-created_at", ["x", "y"]])}},
        422,
        "cursor",
    ),
    (
        "cursor with a huge rank",
        "GET",
        "/api/tasks",
        {
            "params": {
                "sort": "priority",
                "cursor": cursor(["priority", [10**30, {"t": "2026-01-01T00:00:00+00:00"}, "a"]]),
            }
        },
        422,
        "cursor",
    ),
    (
        "cursor nested 3000 deep",
        "GET",
        "/api/tasks",
        {
            "params": {
                "cursor": base64.urlsafe_b64encode(b'["-created_at",' + nested(3000).encode() + b"]").decode()
            }
        },
        422,
        "cursor",
    ),
    # Very many repeated filters.
    # (Not thousands: on the stack a query string past ~4 KB stops at the sidecar with its own 431.)
    ("300 tags", "GET", "/api/tasks?" + "&".join(f"tag=t{i}" for i in range(300)), {}, 422, "tag"),
    (
        "21 tags in one value",
        "GET",
        "/api/tasks",
        {"params": {"tag": ",".join(f"t{i}" for i in range(21))}},
        422,
        "tag",
    ),
    (
        "500 priorities",
        "GET",
        "/api/tasks?" + "&".join("priority=high" for _ in range(500)),
        {},
        422,
        "priority",
    ),
    ("non-ASCII digits as a limit", "GET", "/api/tasks", {"params": {"limit": "²"}}, 422, "limit"),
    # Ids the gateway lets through (its shape) that are still no id: refused before the database.
    ("task id of the wrong shape", "GET", "/api/tasks/not-a-task-id", {}, 404, "task_id"),
    ("task id of 64 characters", "PATCH", "/api/tasks/" + "a" * 64, {"json": {"title": "t"}}, 404, "task_id"),
    ("history of a malformed id", "GET", "/api/tasks/DROP-TABLE-tasks/history", {}, 404, "task_id"),
    ("notification id of the wrong shape", "POST", "/api/notifications/0_0/read", {}, 404, "notification_id"),
    ("conversation id of the wrong shape", "GET", "/api/chat/x", {}, 404, "conversation_id"),
]


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status", "field"),
    [pytest.param(*case[1:], id=case[0]) for case in CASES],
)
def test_hostile_input_is_a_4xx_problem_naming_the_field_and_writes_nothing(
    api: Api, method: str, path: str, kwargs: dict[str, Any], status: int, field: str
) -> None:
    api.new_task(title="already there")
    profile = api.get("/api/me").json()
    response = api.request(method, path, **kwargs)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert field in problem["detail"], problem
    assert field in {error["field"] for error in problem.get("errors", [])}, problem
    assert api.get("/api/tasks").json()["total"] == 1
    assert api.get("/api/me").json() == profile


@pytest.mark.parametrize(
    "encoded",
    ["%F0%9F%98%80", "%00", "a%20b", "a%2Fb", "%2e%2e", "%ED%A0%80", "a%3Fb"],
)
def test_encoded_characters_in_an_id_are_refused_before_any_function(api: Api, encoded: str) -> None:
    task = api.new_task(title="untouched")
    for method, path in (("GET", f"/api/tasks/{encoded}"), ("PATCH", f"/api/tasks/{encoded}")):
        response = api.request(method, path, json={"title": "changed"})
        assert 400 <= response.status_code < 500, (method, path, response.text)
        assert response.headers["content-type"] == "application/problem+json"
    assert api.get(f"/api/tasks/{task['id']}").json()["title"] == "untouched"


def test_a_token_for_a_deleted_account_is_401_and_writes_nothing(api: Api, database: sa.Engine) -> None:
    user_id = api.user["id"]
    with database.begin() as connection:
        connection.execute(sa.text("DELETE FROM tasks WHERE user_id = :id"), {"id": user_id})
        connection.execute(sa.text("DELETE FROM users WHERE id = :id"), {"id": user_id})
    for method, path, body in (
        ("GET", "/api/me", None),
        ("POST", "/api/tasks", {"title": "for nobody"}),
        ("GET", "/api/tasks", None),
        ("POST", "/api/chat", {"message": "add buy milk"}),
    ):
        response = api.request(method, path, json=body)
        assert response.status_code == 401, (method, path, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert "sign in again" in response.json()["detail"]
    with database.connect() as connection:
        written = connection.execute(
            sa.text("SELECT count(*) FROM tasks WHERE user_id = :id"), {"id": user_id}
        ).scalar_one()
    assert written == 0


# Where Schemathesis found the OpenAPI document and the server apart, each settled one way.


def test_an_edit_that_the_task_as_stored_cannot_take_is_a_409(api: Api) -> None:
    task = api.new_task(title="no due date")
    response = api.patch(f"/api/tasks/{task['id']}", json={"recurrence": "weekly"})
    assert response.status_code == 409, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in response.json()["errors"]] == ["recurrence"]
    alone = api.patch(f"/api/tasks/{task['id']}", json={"recurrence": "weekly", "due_at": None})
    assert alone.status_code == 422, alone.text  # the edit on its own contradicts itself
    assert api.get(f"/api/tasks/{task['id']}").json()["version"] == 1


def test_whole_numbers_written_as_decimals_are_integers_and_titles_count_their_spaces(api: Api) -> None:
    task = api.new_task(due_at="2026-12-01T09:00:00Z", reminder_minutes_before=30.0)
    assert task["reminder_minutes_before"] == 30
    padded = api.post("/api/tasks", json={"title": "x" * 199 + "  "})
    assert padded.status_code == 422
    assert padded.json()["errors"][0]["field"] == "title"
    twenty_one = api.post("/api/tasks", json={"title": "t", "tags": ["same"] * 21})
    assert twenty_one.status_code == 422
    assert twenty_one.json()["errors"][0]["field"] == "tags"


def test_unread_is_true_or_false(api: Api) -> None:
    response = api.get("/api/notifications", params={"unread": "maybe"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "unread"
    assert api.get("/api/notifications", params={"unread": "true"}).status_code == 200


def test_a_deleted_tasks_history_is_gone_with_it(api: Api) -> None:
    task = api.new_task(title="short-lived")
    assert api.delete(f"/api/tasks/{task['id']}").status_code == 204
    response = api.get(f"/api/tasks/{task['id']}/history")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


def test_a_newline_in_the_path_is_a_problem_not_an_html_page(api: Api) -> None:
    response = api.post("/api/tasks/a%0Ab/complete")
    assert 400 <= response.status_code < 500
    assert response.headers["content-type"] == "application/problem+json"


def test_mcp_refuses_what_its_sdk_would_drop_or_answer_in_html(api: Api) -> None:
    untyped = api.post("/api/mcp", content=b'{"jsonrpc": "2.0", "method": "tools/list"}')
    assert untyped.status_code == 415
    assert untyped.headers["content-type"] == "application/problem+json"
    for request_id in (None, {}, True, 1.5):
        response = api.post("/api/mcp", json={"jsonrpc": "2.0", "id": request_id, "method": "tools/list"})
        assert response.status_code == 400, (request_id, response.text)
        assert response.json()["error"]["code"] == -32600
