"""Concurrent edits of one task, on SQLite (embedded) and PostgreSQL (stack): none lost, no version shared."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from tests.conftest import Api

WRITERS = 8


def _patch_at_once(
    api: Api, path: str, bodies: list[dict[str, Any]], if_match: str | None
) -> list[httpx.Response]:
    """Sends every PATCH from its own client, released together so they really overlap."""
    start = threading.Barrier(len(bodies))
    headers = dict(api.headers)
    if if_match is not None:
        headers["If-Match"] = if_match

    def send(body: dict[str, Any]) -> httpx.Response:
        with httpx.Client(base_url=str(api.base_url), headers=headers, timeout=60) as client:
            start.wait()
            return client.patch(path, json=body)

    with ThreadPoolExecutor(max_workers=len(bodies)) as pool:
        return list(pool.map(send, bodies))


def _history_reaches(api: Api, task_id: str, expected: int, timeout: float = 30) -> list[dict[str, Any]]:
    """The audit consumer works after the fact: poll until it has recorded `expected` entries, or time out."""
    deadline = time.monotonic() + timeout
    while True:
        response = api.get(f"/api/tasks/{task_id}/history")
        entries: list[dict[str, Any]] = response.json() if response.status_code == 200 else []
        if len(entries) >= expected or time.monotonic() > deadline:
            return entries
        time.sleep(0.1)


def test_the_same_if_match_lets_exactly_one_concurrent_edit_win(api: Api) -> None:
    task = api.new_task(title="contested")
    path = f"/api/tasks/{task['id']}"
    responses = _patch_at_once(api, path, [{"title": f"edit {i}"} for i in range(WRITERS)], '"1"')
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] + [412] * (WRITERS - 1), [r.text for r in responses]
    winner = next(r.json() for r in responses if r.status_code == 200)
    assert winner["version"] == 2
    assert api.get(path).json() == winner
    history = _history_reaches(api, str(task["id"]), 2)
    assert [h["action"] for h in history] == ["task.created", "task.updated"]


def test_concurrent_edits_without_if_match_are_all_kept_each_with_its_own_version(api: Api) -> None:
    task = api.new_task(title="contested")
    path = f"/api/tasks/{task['id']}"
    responses = _patch_at_once(api, path, [{"title": f"edit {i}"} for i in range(WRITERS)], None)
    assert all(r.status_code in (200, 409) for r in responses), [r.text for r in responses]
    won = [r.json() for r in responses if r.status_code == 200]
    # Each writer can lose the race at most once to each other writer, and the service retries more
    # often than that: every edit must land.
    assert len(won) == WRITERS, [r.text for r in responses]
    versions = sorted(t["version"] for t in won)
    assert versions == list(range(2, 2 + WRITERS)), "every update has a version of its own"
    final = api.get(path).json()
    assert final["version"] == 1 + len(won)
    assert final["title"] == max(won, key=lambda t: t["version"])["title"]
    history = _history_reaches(api, str(task["id"]), 1 + len(won))
    assert [h["action"] for h in history] == ["task.created"] + ["task.updated"] * len(won)
    assert sorted(h["task"]["version"] for h in history) == [1, *versions]


def test_an_if_match_from_the_future_is_a_precondition_failure(api: Api) -> None:
    task = api.new_task(title="now")
    path = f"/api/tasks/{task['id']}"
    response = api.patch(path, json={"title": "later"}, headers={"If-Match": '"7"'})
    assert response.status_code == 412
    assert response.headers["content-type"] == "application/problem+json"
    assert api.get(path).json() == task
