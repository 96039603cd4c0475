"""Jobs in the real Dapr scheduler follow the tasks: completing or deleting a task removes its reminder
job, and deleting a series removes its open instances, their reminder jobs and its due-time job."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import sqlalchemy as sa

from doable.adapters import db
from doable_dev.layout import FunctionPorts
from doable_dev.stack import Stack
from tests.conftest import Api
from tests.facts import wait_for

pytestmark = pytest.mark.integration


class Jobs:
    """The jobs API of one function's sidecar: Dapr scopes each job to the app that scheduled it."""

    def __init__(self, stack: Stack) -> None:
        self.token = stack.secrets()["dapr-api-token"]
        self.client = httpx.Client(headers={"dapr-api-token": self.token}, timeout=10)
        self.last = ""

    def state(self, app: str, name: str) -> str:
        """Whether the job is scheduled or gone, or else what the sidecar answered (an error is neither)."""
        port = FunctionPorts.of(app).dapr_http
        response = self.client.get(f"http://127.0.0.1:{port}/v1.0-alpha1/jobs/{name}")
        self.last = f"{response.status_code} {response.text[:300]}"
        if response.status_code == 200:
            return "scheduled"
        # Dapr 1.16 answers a missing job with 500 and the scheduler's NotFound ("job not found: <name>").
        if response.status_code == 404 or (response.status_code == 500 and "job not found" in response.text):
            return "gone"
        return self.last

    def wait_scheduled(self, app: str, name: str) -> None:
        self._wait(app, name, "scheduled")

    def wait_gone(self, app: str, name: str) -> None:
        self._wait(app, name, "gone")

    def _wait(self, app: str, name: str, state: str) -> None:
        try:
            wait_for(lambda: self.state(app, name) == state, f"job {name} being {state}", timeout=30)
        except AssertionError as error:
            raise AssertionError(f"{error}; {app}'s sidecar last answered {self.last}") from None


@pytest.fixture
def jobs(local_stack: Stack) -> Iterator[Jobs]:
    scheduler = Jobs(local_stack)
    yield scheduler
    scheduler.client.close()


def reminder(task_id: object) -> str:
    return f"fire-reminder--{task_id}"


def tomorrow() -> str:
    return (datetime.now(UTC) + timedelta(days=1)).replace(microsecond=0).isoformat()


@pytest.mark.parametrize("ending", ["delete", "complete"])
def test_ending_a_task_removes_its_reminder_job(stack_api: Api, jobs: Jobs, ending: str) -> None:
    task = stack_api.new_task(
        title=f"reminded, then {ending}d", due_at=tomorrow(), reminder_minutes_before=30
    )
    jobs.wait_scheduled("fire-reminder", reminder(task["id"]))
    if ending == "delete":
        assert stack_api.delete(f"/api/tasks/{task['id']}").status_code == 204
    else:
        assert stack_api.post(f"/api/tasks/{task['id']}/complete").status_code == 200
    jobs.wait_gone("fire-reminder", reminder(task["id"]))


def test_deleting_a_series_removes_its_open_instances_and_every_job(
    stack_api: Api, jobs: Jobs, database: sa.Engine
) -> None:
    first = stack_api.new_task(
        title="series to delete", recurrence="daily", due_at=tomorrow(), reminder_minutes_before=30
    )
    series_job = f"spawn-recurrence--{first['series_id']}"
    jobs.wait_scheduled("spawn-recurrence", series_job)
    jobs.wait_scheduled("fire-reminder", reminder(first["id"]))

    # Completing spawns the next instance; reopening leaves two open instances, each with a reminder.
    assert stack_api.post(f"/api/tasks/{first['id']}/complete").status_code == 200
    jobs.wait_gone("fire-reminder", reminder(first["id"]))

    def instances() -> list[dict[str, object]]:
        params = {"q": "series to delete", "status": "all"}
        return list(stack_api.get("/api/tasks", params=params).json()["items"])

    wait_for(lambda: len(instances()) == 2, "the next instance being spawned")
    [second] = [t for t in instances() if t["id"] != first["id"]]
    assert stack_api.post(f"/api/tasks/{first['id']}/reopen").status_code == 200
    jobs.wait_scheduled("fire-reminder", reminder(first["id"]))
    jobs.wait_scheduled("fire-reminder", reminder(second["id"]))

    response = stack_api.delete(f"/api/tasks/{first['id']}", params={"scope": "series"})
    assert response.status_code == 204, response.text
    assert instances() == []
    for name in (reminder(first["id"]), reminder(second["id"])):
        jobs.wait_gone("fire-reminder", name)
    jobs.wait_gone("spawn-recurrence", series_job)

    def schedule_active() -> bool:
        with database.connect() as connection:
            statement = sa.select(db.recurring_schedules.c.active).where(
                db.recurring_schedules.c.series_id == first["series_id"]
            )
            return bool(connection.execute(statement).scalar_one())

    wait_for(lambda: not schedule_active(), "the series' schedule being retired, so nothing spawns again")
