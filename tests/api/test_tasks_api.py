"""The task API contract through the gateway, embedded and on the local stack, with the same assertions."""

from __future__ import annotations

from tests.conftest import Api


def test_create_applies_defaults_and_normalises(api: Api) -> None:
    response = api.post(
        "/api/tasks",
        json={
            "title": "  Pay rent  ",
            "tags": ["Home", "#Bills", "home"],
            "due_at": "2026-12-01T09:00:00+01:00",
            "reminder_minutes_before": 60,
        },
    )
    assert response.status_code == 201
    task = response.json()
    assert response.headers["Location"] == f"/api/tasks/{task['id']}"
    assert task["title"] == "Pay rent"
    assert task["priority"] == "medium"
    assert task["status"] == "open"
    assert task["tags"] == ["home", "bills"]
    assert task["due_at"] == "2026-12-01T08:00:00.000Z"
    assert task["reminder_at"] == "2026-12-01T07:00:00.000Z"
    assert task["recurrence"] == "none"
    assert task["version"] == 1
    assert task["series_id"] is None
    assert api.get(f"/api/tasks/{task['id']}").json() == task


def test_a_recurring_task_starts_its_own_series(api: Api) -> None:
    task = api.new_task(recurrence="weekly", due_at="2026-12-07T09:00:00Z")
    assert task["series_id"] == task["id"]


def test_invalid_fields_are_all_named_and_nothing_is_stored(api: Api) -> None:
    response = api.post(
        "/api/tasks",
        json={
            "title": "x" * 201,
            "priority": "urgent",
            "tags": "home",
            "due_at": "2026-12-01T09:00:00",
            "reminder_minutes_before": -5,
            "colour": "red",
        },
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    errors = {e["field"]: e["rule"] for e in response.json()["errors"]}
    assert errors == {
        "title": "length",
        "priority": "enum",
        "tags": "type",
        "due_at": "format",
        "reminder_minutes_before": "range",
        "colour": "unknown_field",
    }
    assert api.get("/api/tasks").json()["total"] == 0


def test_recurrence_and_reminders_need_a_due_date(api: Api) -> None:
    response = api.post(
        "/api/tasks", json={"title": "t", "recurrence": "daily", "reminder_minutes_before": 5}
    )
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {"recurrence", "reminder_minutes_before"}


def test_times_outside_the_documented_range_are_refused_on_create_edit_and_list(api: Api) -> None:
    far = {"title": "far", "due_at": "9999-12-31T23:00:00-05:00", "recurrence": "daily"}
    response = api.post("/api/tasks", json=far)
    assert response.status_code == 422
    assert [(e["field"], e["rule"]) for e in response.json()["errors"]] == [("due_at", "range")]
    assert "2200-12-31T23:59:59Z" in response.json()["detail"]
    task = api.new_task(title="near", due_at="2200-12-31T23:59:59Z", recurrence="daily")
    assert api.patch(f"/api/tasks/{task['id']}", json={"due_at": "1969-12-31T23:59:59Z"}).status_code == 422
    listed = api.get("/api/tasks", params={"due_after": "0001-01-01T00:00:00+05:00"})
    assert listed.status_code == 422
    assert [(e["field"], e["rule"]) for e in listed.json()["errors"]] == [("due_after", "range")]


def test_missing_title_malformed_json_and_oversized_bodies(api: Api) -> None:
    assert api.post("/api/tasks", json={}).json()["errors"][0]["field"] == "title"
    malformed = api.post("/api/tasks", content=b"{nope", headers={"Content-Type": "application/json"})
    assert malformed.status_code == 400
    assert "not valid JSON" in malformed.json()["detail"]
    assert api.post("/api/tasks", json=["a list"]).status_code == 400
    huge = api.post("/api/tasks", json={"title": "t", "description": "x" * 200_000})
    assert huge.status_code == 413
    assert api.post("/api/tasks", json={"title": True}).status_code == 422


def test_another_users_task_is_not_found_for_every_verb(api: Api, other_api: Api) -> None:
    task = api.new_task(title="mine")
    path = f"/api/tasks/{task['id']}"
    assert other_api.get(path).status_code == 404
    assert other_api.patch(path, json={"title": "theirs"}).status_code == 404
    assert other_api.post(f"{path}/complete").status_code == 404
    assert other_api.delete(path).status_code == 404
    assert other_api.get("/api/tasks").json()["total"] == 0
    assert api.get(path).json()["title"] == "mine"


def test_patch_is_partial_and_guarded_by_if_match(api: Api) -> None:
    task = api.new_task(title="draft", priority="low", tags=["a"])
    path = f"/api/tasks/{task['id']}"
    edited = api.patch(path, json={"priority": "high"}, headers={"If-Match": '"1"'})
    assert edited.status_code == 200
    assert edited.headers["ETag"] == '"2"'
    assert edited.json()["priority"] == "high"
    assert edited.json()["title"] == "draft"
    assert edited.json()["tags"] == ["a"]
    stale = api.patch(path, json={"title": "lost update"}, headers={"If-Match": '"1"'})
    assert stale.status_code == 412
    assert api.get(path).json()["title"] == "draft"
    assert api.patch(path, json={"title": "ok"}, headers={"If-Match": "2"}).json()["version"] == 3
    assert api.patch(path, json={"due_at": None, "recurrence": "daily"}).status_code == 422


def test_complete_reopen_and_delete(api: Api) -> None:
    task = api.new_task()
    path = f"/api/tasks/{task['id']}"
    done = api.post(f"{path}/complete").json()
    assert done["status"] == "completed"
    assert done["completed_at"] is not None
    assert api.post(f"{path}/complete").json()["version"] == done["version"], (
        "completing twice changes nothing"
    )
    reopened = api.post(f"{path}/reopen").json()
    assert reopened["status"] == "open"
    assert reopened["completed_at"] is None
    assert api.delete(path).status_code == 204
    assert api.get(path).status_code == 404
    assert api.delete(path).status_code == 404


def test_unknown_routes_and_methods_are_problems(api: Api) -> None:
    assert api.get("/api/nope").status_code == 404
    response = api.put("/api/tasks")
    assert response.status_code == 405
    assert "POST" in response.headers["Allow"]
