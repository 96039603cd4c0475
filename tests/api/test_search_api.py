"""Listing, filtering, sorting, searching and paging tasks through the gateway."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from doable.adapters.repositories.tasks import TaskRepository
from doable.domain.model import Priority, Status, Task, new_id, utcnow
from doable.domain.query import TOTAL_CAP
from tests.conftest import Api


def titles(page: dict[str, Any]) -> list[str]:
    return [task["title"] for task in page["items"]]


def seed(api: Api) -> dict[str, dict[str, Any]]:
    specs = [
        {
            "title": "Pay rent",
            "priority": "high",
            "tags": ["home", "bills"],
            "due_at": "2020-01-01T09:00:00Z",
        },
        {
            "title": "Write quarterly report",
            "priority": "medium",
            "tags": ["work"],
            "due_at": "2030-03-01T09:00:00Z",
            "description": "numbers for the board",
        },
        {"title": "Buy milk", "priority": "low", "tags": ["home", "errand"]},
        {
            "title": "Board meeting prep",
            "priority": "high",
            "tags": ["work"],
            "due_at": "2030-01-15T09:00:00Z",
        },
    ]
    return {spec["title"]: api.new_task(**spec) for spec in specs}


def test_default_list_is_newest_first_with_total(api: Api) -> None:
    seed(api)
    page = api.get("/api/tasks").json()
    assert titles(page) == ["Board meeting prep", "Buy milk", "Write quarterly report", "Pay rent"]
    assert page["total"] == 4
    assert page["next_cursor"] is None


def test_filters_combine(api: Api) -> None:
    tasks = seed(api)
    api.post(f"/api/tasks/{tasks['Buy milk']['id']}/complete")
    assert titles(api.get("/api/tasks", params={"status": "completed"}).json()) == ["Buy milk"]
    assert len(api.get("/api/tasks", params={"status": "open"}).json()["items"]) == 3
    high_or_low = api.get("/api/tasks", params=[("priority", "high"), ("priority", "low")]).json()
    assert sorted(titles(high_or_low)) == ["Board meeting prep", "Buy milk", "Pay rent"]
    both_tags = api.get("/api/tasks", params=[("tag", "home"), ("tag", "BILLS")]).json()
    assert titles(both_tags) == ["Pay rent"]
    window = api.get(
        "/api/tasks", params={"due_after": "2030-01-01T00:00:00Z", "due_before": "2030-02-01T00:00:00Z"}
    ).json()
    assert titles(window) == ["Board meeting prep"]
    assert titles(api.get("/api/tasks", params={"overdue": "true"}).json()) == ["Pay rent"]


def test_sorts_and_their_reverse(api: Api) -> None:
    seed(api)
    by_priority = titles(api.get("/api/tasks", params={"sort": "priority"}).json())
    assert by_priority[:2] == ["Board meeting prep", "Pay rent"]
    assert by_priority[-1] == "Buy milk"
    by_due = titles(api.get("/api/tasks", params={"sort": "due_at"}).json())
    assert by_due == ["Pay rent", "Board meeting prep", "Write quarterly report", "Buy milk"]
    by_due_desc = titles(api.get("/api/tasks", params={"sort": "-due_at"}).json())
    assert by_due_desc == ["Write quarterly report", "Board meeting prep", "Pay rent", "Buy milk"], (
        "undated last"
    )
    oldest = titles(api.get("/api/tasks", params={"sort": "created_at"}).json())
    assert oldest == ["Pay rent", "Write quarterly report", "Buy milk", "Board meeting prep"]


def test_text_search_matches_word_prefixes_in_title_description_and_tags(api: Api) -> None:
    seed(api)
    assert titles(api.get("/api/tasks", params={"q": "BOAR"}).json())[0] == "Board meeting prep"
    assert sorted(titles(api.get("/api/tasks", params={"q": "board"}).json())) == [
        "Board meeting prep",
        "Write quarterly report",
    ]
    assert titles(api.get("/api/tasks", params={"q": "errand"}).json()) == ["Buy milk"]
    assert titles(api.get("/api/tasks", params={"q": "ilk"}).json()) == [], "prefixes, not substrings"
    assert titles(api.get("/api/tasks", params={"q": "rent pay"}).json()) == ["Pay rent"]
    assert api.get("/api/tasks", params={"q": "report", "tag": "home"}).json()["total"] == 0


def test_cursor_pages_cover_everything_once_despite_concurrent_inserts(api: Api) -> None:
    for i in range(7):
        api.new_task(title=f"task {i}", priority=["high", "medium", "low"][i % 3])
    seen: list[str] = []
    inserted = 0
    params = {"limit": "3", "sort": "priority"}
    while True:
        page = api.get("/api/tasks", params=params).json()
        assert page["total"] == 7 + inserted
        seen += titles(page)
        if page["next_cursor"] is None:
            break
        params["cursor"] = page["next_cursor"]
        api.new_task(title=f"inserted {inserted}", priority="high")  # sorts before the cursor
        inserted += 1
    assert sorted(seen) == sorted(f"task {i}" for i in range(7))


def test_bad_query_parameters_are_422(api: Api) -> None:
    for params in (
        {"sort": "title"},
        {"status": "done"},
        {"limit": "0"},
        {"limit": "201"},
        {"priority": "urgent"},
        {"due_after": "yesterday"},
        {"cursor": "garbage"},
        {"colour": "red"},
    ):
        response = api.get("/api/tasks", params=params)
        assert response.status_code == 422, params
        assert response.json()["errors"][0]["field"] == next(iter(params))


def test_a_cursor_only_fits_its_own_sort(api: Api) -> None:
    for i in range(3):
        api.new_task(title=f"t{i}")
    cursor = api.get("/api/tasks", params={"limit": "1"}).json()["next_cursor"]
    assert (
        api.get("/api/tasks", params={"limit": "1", "sort": "priority", "cursor": cursor}).status_code == 422
    )


def test_tag_counts(api: Api) -> None:
    seed(api)
    assert api.get("/api/tags").json() == [
        {"tag": "home", "count": 2},
        {"tag": "work", "count": 2},
        {"tag": "bills", "count": 1},
        {"tag": "errand", "count": 1},
    ]


def test_total_is_exact_up_to_the_cap_and_flagged_past_it(api: Api, database: sa.Engine) -> None:
    # Straight into the database: a thousand HTTP creates would test the create path, not the count.
    start = utcnow() - timedelta(days=1)
    with database.begin() as connection:
        tasks = TaskRepository(connection)
        for i in range(TOTAL_CAP + 1):
            tasks.add(
                Task(
                    id=new_id(),
                    user_id=api.user["id"],
                    title=f"bulk chore {i}",
                    priority=Priority.HIGH if i < 10 else Priority.LOW,
                    status=Status.OPEN if i % 2 else Status.COMPLETED,
                    tags=("pile",),
                    due_at=start + timedelta(minutes=i),
                    created_at=start + timedelta(seconds=i),
                )
            )
    past_cap = [{}, {"q": "chore"}, {"tag": "pile"}, {"sort": "due_at"}, {"q": "bulk", "sort": "priority"}]
    for params in past_cap:
        page = api.get("/api/tasks", params={**params, "limit": "5"}).json()
        assert (page["total"], page["total_exact"]) == (TOTAL_CAP, False), params
        assert len(page["items"]) == 5 and page["next_cursor"], params
    nxt = api.get(
        "/api/tasks", params={"limit": "5", "cursor": page["next_cursor"], "q": "bulk", "sort": "priority"}
    )
    assert (nxt.json()["total"], nxt.json()["total_exact"]) == (TOTAL_CAP, False), "later pages say the same"
    within = api.get("/api/tasks", params={"status": "open", "sort": "due_at", "limit": "3"}).json()
    assert (within["total"], within["total_exact"]) == ((TOTAL_CAP + 1) // 2, True)
    assert [t["title"] for t in within["items"]] == ["bulk chore 1", "bulk chore 3", "bulk chore 5"]
    high = api.get("/api/tasks", params={"q": "chore", "priority": "high"}).json()
    assert (high["total"], high["total_exact"]) == (10, True)

    api.delete(f"/api/tasks/{api.get('/api/tasks', params={'limit': '1'}).json()['items'][0]['id']}")
    exactly = api.get("/api/tasks", params={"limit": "1"}).json()
    assert (exactly["total"], exactly["total_exact"]) == (TOTAL_CAP, True), "exactly the cap is still exact"
