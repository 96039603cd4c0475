"""Routing before the function runs, on the real sidecars: each event function's daprd holds the stack's
Subscriptions (rules, batching), and an event no rule matches never reaches the function.

What a function received is read from its own counter (`doable_events_consumed_total`, by type and
outcome, on its /metrics: `Stack.events_consumed`). A function that receives an event it does not
want counts it as "ignored"; with routing, the events its rule holds back are never counted at all.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from doable_dev.stack import Stack
from tests.conftest import Api
from tests.integration.conftest import eventually, sidecar

pytestmark = pytest.mark.integration


consumed = Stack.events_consumed


def grew(
    before: dict[tuple[str, str], float], after: dict[tuple[str, str], float], key: tuple[str, str]
) -> float:
    return after.get(key, 0.0) - before.get(key, 0.0)


def test_each_sidecar_holds_its_functions_subscriptions_with_their_rules(local_stack: Stack) -> None:
    expected = {
        "write-audit": [("task-events", "", "/events/batch")],
        "spawn-recurrence": [("task-events", "has(event.seriesid)", "/events")],
        "notify": [
            ("reminders", "", "/events/batch"),
            (
                "task-updates",
                'has(event.seriesid) && has(event.type) && event.type == "task.created"',
                "/events",
            ),
        ],
    }
    for app_id, subscriptions in expected.items():
        with sidecar(local_stack, app_id) as client:
            metadata = client.get("/v1.0/metadata").json()
        held = sorted(
            (s["topic"], rule.get("match", ""), rule["path"])
            for s in metadata["subscriptions"]
            for rule in s["rules"]
        )
        assert held == subscriptions, app_id


def test_events_a_rule_holds_back_never_reach_the_function(local_stack: Stack, stack_api: Api) -> None:
    """One task, so one partition and one order: created plain (no reminder, no series), then given a
    reminder, then made a series. fire-reminder must see the update and spawn-recurrence the series,
    and neither may have received the plain creation before it."""
    reminder_before, series_before = consumed("fire-reminder"), consumed("spawn-recurrence")
    task = stack_api.new_task(title="routed")
    due = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    path = f"/api/tasks/{task['id']}"
    assert stack_api.patch(path, json={"due_at": due, "reminder_minutes_before": 30}).status_code == 200
    assert stack_api.patch(path, json={"recurrence": "daily"}).status_code == 200

    assert eventually(
        lambda: grew(series_before, consumed("spawn-recurrence"), ("task.updated", "processed")) >= 1
    )
    assert eventually(
        lambda: grew(reminder_before, consumed("fire-reminder"), ("task.updated", "processed")) >= 2
    )
    reminder_after, series_after = consumed("fire-reminder"), consumed("spawn-recurrence")
    assert grew(reminder_before, reminder_after, ("task.created", "ignored")) == 0
    assert grew(series_before, series_after, ("task.created", "ignored")) == 0
