"""Doable's event side on the cluster, through the public API only: Kafka to the audit log, a reminder
fired by the in-cluster Dapr scheduler, a recurrence and the notifications they leave (issue 10 item 3b).

Every wait is for a fact the API or PostgreSQL shows; nothing calls a consumer directly.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from doable.adapters import db
from doable.adapters.db import make_engine
from doable.config import FUNCTIONS
from tests.cluster.doable_cluster import database_url, entry, pods_of, ready, services
from tests.cluster.test_cluster_smoke import cluster
from tests.conftest import Api
from tests.facts import wait_for

pytestmark = pytest.mark.cluster

__all__ = ["cluster"]


@pytest.fixture
def api(cluster: None) -> Iterator[Api]:
    client = Api(entry()[0])
    yield client
    client.close()


@pytest.fixture(scope="module")
def database(cluster: None) -> Iterator[sa.Engine]:
    engine = make_engine(database_url())
    yield engine
    engine.dispose()


def notifications(api: Api, kind: str, task_id: str | None = None) -> list[dict[str, Any]]:
    items = api.get("/api/notifications").json()["items"]
    return [n for n in items if n["kind"] == kind and (task_id is None or n["task_id"] == task_id)]


def test_every_function_is_ready_and_every_running_pod_has_its_sidecar(cluster: None) -> None:
    found = services()
    assert set(found) == set(FUNCTIONS)
    assert [name for name, s in found.items() if not ready(s)] == []
    # Event functions never scale to zero, so each has a pod; HTTP functions have one while in use.
    for name in sorted(found):
        for pod in pods_of(name):
            containers = {c["name"] for c in pod["spec"]["containers"]}
            assert {"function", "queue-proxy", "daprd"} <= containers, (
                f"{pod['metadata']['name']}: {containers}"
            )
    event_functions = {"write-audit", "spawn-recurrence", "fire-reminder", "notify", "relay-outbox"}
    assert all(pods_of(name) for name in event_functions)


def test_a_created_task_reaches_the_audit_log_through_kafka(api: Api, database: sa.Engine) -> None:
    task = api.new_task(title="audited on the cluster")
    a = db.audit_log.c

    def audited() -> list[str]:
        with database.connect() as connection:
            query = sa.select(a.action).where(a.resource_id == task["id"])
            return list(connection.execute(query).scalars())

    wait_for(lambda: audited() == ["task.created"], "write-audit's row for the new task", timeout=120)


def test_a_reminder_scheduled_as_a_dapr_job_fires_and_notifies(api: Api) -> None:
    """Due in two minutes, reminded one minute before: the job fires in the future, from the scheduler."""
    due = (datetime.now(UTC) + timedelta(minutes=2)).replace(microsecond=0)
    task = api.new_task(title="Call the plumber", due_at=due.isoformat(), reminder_minutes_before=1)
    assert notifications(api, "reminder", str(task["id"])) == [], "not before its time"
    wait_for(
        lambda: bool(notifications(api, "reminder", str(task["id"]))),
        "the reminder notification",
        timeout=180,
    )
    [reminder] = notifications(api, "reminder", str(task["id"]))
    assert reminder["title"] == "Call the plumber"
    assert datetime.now(UTC) >= due - timedelta(minutes=1), "it fired at its time, not at once"


def test_completing_a_recurring_task_spawns_the_next_and_notifies(api: Api) -> None:
    first = api.new_task(title="Water the plants", recurrence="daily", due_at="2030-03-30T09:00:00Z")
    assert api.post(f"/api/tasks/{first['id']}/complete").status_code == 200

    def series() -> list[dict[str, Any]]:
        items = api.get("/api/tasks", params={"q": "water", "sort": "due_at"}).json()["items"]
        return items if len(items) >= 2 else []

    wait_for(lambda: bool(series()), "the next instance of the series", timeout=120)
    done, spawned = series()
    assert done["id"] == first["id"] and spawned["series_id"] == first["id"]
    assert spawned["due_at"] == "2030-03-31T09:00:00.000Z"
    wait_for(lambda: bool(notifications(api, "spawned")), "the 'spawned' notification", timeout=120)
    [note] = notifications(api, "spawned")
    assert note["task_id"] == spawned["id"]
    assert api.post("/api/notifications/read-all").json() == {"marked": 1, "unread": 0}
