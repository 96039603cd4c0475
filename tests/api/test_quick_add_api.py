"""Quick add's reading (POST /api/tasks/parse), embedded and on the stack, in the user's time zone."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.conftest import Api

EXAMPLE = "pay rent every month on the 1st 9am #home !high remind 1 day before"


def in_zone(api: Api, zone: str) -> None:
    response = api.patch("/api/me", json={"timezone": zone})
    assert response.status_code == 200, response.text


def parse(api: Api, text: str) -> dict[str, Any]:
    response = api.post("/api/tasks/parse", json={"text": text})
    assert response.status_code == 200, response.text
    return response.json()


def problem(api: Api, body: Any, status: int = 422) -> dict[str, Any]:
    response = api.post("/api/tasks/parse", json=body)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    return response.json()


def test_the_example_reads_as_every_part_in_the_users_zone(api: Api) -> None:
    in_zone(api, "Pacific/Auckland")
    reading = parse(api, EXAMPLE)
    task = dict(reading["task"])
    due = datetime.fromisoformat(task.pop("due_at")).astimezone(ZoneInfo("Pacific/Auckland"))
    assert (due.day, due.hour, due.minute) == (1, 9, 0)  # 09:00 on the 1st on the user's clock
    assert timedelta(0) < due - datetime.now(due.tzinfo) <= timedelta(days=31)
    assert task == {
        "title": "pay rent",
        "recurrence": "monthly",
        "reminder_minutes_before": 1440,
        "priority": "high",
        "tags": ["home"],
    }
    assert [(piece["field"], piece["value"]) for piece in reading["pieces"]] == [
        ("title", "pay rent"),
        ("due_at", reading["task"]["due_at"]),
        ("recurrence", "monthly"),
        ("reminder_minutes_before", 1440),
        ("priority", "high"),
        ("tags", "home"),
    ]


def test_a_date_and_time_are_read_on_the_users_clock(api: Api) -> None:
    in_zone(api, "Asia/Tokyo")
    reading = parse(api, "dentist 2027-03-04 14:30 #health #teeth notes: bring the referral")
    assert reading["task"] == {
        "title": "dentist",
        "due_at": "2027-03-04T05:30:00.000Z",
        "tags": ["health", "teeth"],
        "description": "bring the referral",
    }
    assert [piece["field"] for piece in reading["pieces"]] == [
        "title",
        "due_at",
        "tags",
        "tags",
        "description",
    ]


def test_reading_stores_nothing_and_the_task_posts_as_read(api: Api) -> None:
    task = parse(api, "call mom friday 5pm p1 remind me 10 minutes before")["task"]
    assert api.get("/api/tasks").json()["total"] == 0
    created = api.post("/api/tasks", json=task)
    assert created.status_code == 201, created.text
    stored = created.json()
    assert {name: stored[name] for name in task} == task


def test_a_plain_line_is_just_a_title(api: Api) -> None:
    # A word that could be a modifier inside a title stays in it, as in the assistant.
    assert parse(api, "high school reunion") == {
        "task": {"title": "high school reunion"},
        "pieces": [{"field": "title", "value": "high school reunion"}],
    }


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("buy milk feb 31", "February has no 31st"),
        ("file taxes 2027-02-29", "February 2027 has no 29th"),
        ("renew passport 9999-01-01", "the year 9999 is outside the years Doable keeps"),
    ],
)
def test_an_impossible_date_is_refused_with_the_reason(api: Api, text: str, says: str) -> None:
    errors = problem(api, {"text": text})["errors"]
    assert isinstance(errors, list) and len(errors) == 1
    assert errors[0]["field"] == "text"
    assert says.lower() in errors[0]["message"].lower()


def test_a_line_without_a_title_says_what_to_type(api: Api) -> None:
    [error] = problem(api, {"text": "tomorrow 9am"})["errors"]
    assert error == {
        "field": "text",
        "rule": "unreadable",
        "message": "Start with what to do, e.g. 'buy milk tomorrow'.",
    }


def test_what_post_tasks_would_refuse_is_refused_here(api: Api) -> None:
    tags = " ".join(f"#t{n}" for n in range(30))
    [error] = problem(api, {"text": f"sort the shed {tags}"})["errors"]
    assert error["field"] == "text"
    assert error["message"].startswith("tags: ")


@pytest.mark.parametrize(
    ("body", "field", "rule"),
    [
        ({}, "text", "required"),
        ({"text": "   "}, "text", "required"),
        ({"text": 5}, "text", "required"),
        ({"text": "x" * 1001}, "text", "length"),
        ({"text": "milk", "due_at": "tomorrow"}, "due_at", "unknown_field"),
    ],
)
def test_the_body_is_validated(api: Api, body: Any, field: str, rule: str) -> None:
    errors = problem(api, body)["errors"]
    assert {"field": field, "rule": rule} in [{"field": e["field"], "rule": e["rule"]} for e in errors]


def test_a_body_that_is_not_an_object_is_malformed(api: Api) -> None:
    problem(api, ["milk"], status=400)


def test_it_needs_a_signed_in_user(base_url: str) -> None:
    response = httpx.post(f"{base_url}/api/tasks/parse", json={"text": "milk"}, timeout=30)
    assert response.status_code == 401


@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
def test_parse_is_a_path_of_its_own_not_a_task_id(api: Api, method: str) -> None:
    response = api.request(method, "/api/tasks/parse", json={"title": "x"} if method == "PATCH" else None)
    assert response.status_code == 405, response.text
    assert response.headers["allow"] == "POST"
