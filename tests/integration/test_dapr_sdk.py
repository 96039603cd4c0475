"""The SDK adapter against real sidecars of the stack, as each function's process uses its own: bulk
publish to Kafka, state with ETags and first-write on PostgreSQL, scoped secrets, and jobs in the real
scheduler."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from doable.adapters import db
from doable.adapters.dapr import DaprSidecar
from doable.domain.events import Context, EventType, task_events
from doable.domain.model import new_task
from doable.services.ports import Outgoing, StateConflict
from doable_dev.layout import FunctionPorts
from doable_dev.stack import Stack
from tests.conftest import Api
from tests.integration.conftest import audit_rows, eventually, sidecar
from tests.integration.test_tracing import spans_of_trace

pytestmark = pytest.mark.integration

SidecarOf = Callable[[str], DaprSidecar]


@pytest.fixture
def sidecar_of(local_stack: Stack, monkeypatch: pytest.MonkeyPatch) -> SidecarOf:
    """The adapter as `app_id`'s process has it: the SDK's settings name its sidecar and the API token."""

    def make(app_id: str) -> DaprSidecar:
        from dapr.conf import settings

        ports = FunctionPorts.of(app_id)
        monkeypatch.setattr(settings, "DAPR_HTTP_PORT", ports.dapr_http)
        monkeypatch.setattr(settings, "DAPR_GRPC_PORT", ports.dapr_grpc)
        monkeypatch.setattr(settings, "DAPR_API_TOKEN", local_stack.secrets()["dapr-api-token"])
        return DaprSidecar()

    return make


def test_a_bulk_publish_reaches_the_consumers_in_order_per_task_each_event_in_its_own_trace(
    sidecar_of: SidecarOf, stack_api: Api, database: sa.Engine
) -> None:
    now = datetime.now(UTC)
    tasks = [new_task(stack_api.user["id"], {"title": f"bulk {n}"}, now) for n in range(2)]
    batch: list[Outgoing] = []
    for step, event_type in enumerate(
        (EventType.TASK_CREATED, EventType.TASK_UPDATED, EventType.TASK_DELETED)
    ):
        for n, task in enumerate(tasks):  # the two tasks' events interleaved, as commits interleave
            traceparent = f"00-{uuid.uuid4().hex}-{step * 2 + n + 1:016x}-01"
            for event in task_events(event_type, task, Context(task.user_id, traceparent=traceparent), now):
                batch.append(Outgoing(event.id, event.topic.value, event.partition_key, event.to_json()))
    assert sidecar_of("relay-outbox").publish_batch("pubsub", batch) == {}

    full = [message for message in batch if message.topic == "task-events"]
    assert eventually(lambda: len(audit_rows(database, [task.id for task in tasks])) == len(full), timeout=30)
    with database.connect() as connection:
        audited = connection.execute(
            sa.select(db.audit_log.c.resource_id, db.audit_log.c.event_id).order_by(db.audit_log.c.seq)
        ).all()
    for task in tasks:  # one partition per task: its events applied in the order they were published
        assert [event_id for resource_id, event_id in audited if resource_id == task.id] == [
            message.id for message in full if message.partition_key == task.id
        ]
    # daprd passed each event on as it was: its consumer's span is in that event's own trace.
    for message in full:
        trace_id = json.loads(message.payload)["traceparent"].split("-")[1]
        consumed = eventually(
            lambda trace_id=trace_id: [
                span for span in spans_of_trace(trace_id) if span["name"].startswith("write-audit consume")
            ],
            timeout=10,
        )
        assert [span["attributes"]["doable.event_id"] for span in consumed] == [message.id]


def test_state_is_first_write_wins_with_etags_and_stored_as_json(
    sidecar_of: SidecarOf, database: sa.Engine
) -> None:
    chat = sidecar_of("chat")
    key = f"sdk-test-{uuid.uuid4()}"
    assert chat.get_state("statestore", key) == (None, None)
    chat.save_state("statestore", key, {"turns": 1}, None)
    value, etag = chat.get_state("statestore", key)
    assert value == {"turns": 1} and etag
    with pytest.raises(StateConflict):
        chat.save_state("statestore", key, {"turns": 9}, None)  # without an ETag, only a new key
    chat.save_state("statestore", key, {"turns": 2}, etag)
    with pytest.raises(StateConflict):
        chat.save_state("statestore", key, {"turns": 3}, etag)  # that ETag is stale now
    assert chat.get_state("statestore", key)[0] == {"turns": 2}
    with database.connect() as connection:
        row = connection.execute(
            sa.text("SELECT value, isbinary FROM dapr_state WHERE key = :key"), {"key": f"chat||{key}"}
        ).one()
    assert row.value == {"turns": 2} and row.isbinary is False  # JSON, as the HTTP API stored it


def test_a_function_reads_its_secrets_and_a_refused_one_says_which(
    sidecar_of: SidecarOf, local_stack: Stack
) -> None:
    chat = sidecar_of("chat")
    assert chat.secret("secretstore", "database-url") == local_stack.secrets()["database-url"]
    with pytest.raises(KeyError, match=r"dapr-api-token.*secretstore.*PERMISSION_DENIED"):
        chat.secret("secretstore", "dapr-api-token")  # outside chat's secret scope


def test_a_job_is_scheduled_with_its_data_then_deleted_and_a_second_delete_is_nothing(
    sidecar_of: SidecarOf, local_stack: Stack
) -> None:
    fire_reminder = sidecar_of("fire-reminder")
    name = f"sdk-test--{uuid.uuid4()}"
    due = (datetime.now(UTC) + timedelta(days=1)).replace(microsecond=0)
    fire_reminder.schedule_job(name, due, {"task_id": "t-1", "minutes": 30})
    with sidecar(local_stack, "fire-reminder") as http:
        job = http.get(f"/v1.0-alpha1/jobs/{name}")
        assert job.status_code == 200, job.text
        # A google.protobuf.Value, as the HTTP jobs API stores it: daprd hands the app its JSON.
        assert job.json()["data"] == {
            "@type": "type.googleapis.com/google.protobuf.Value",
            "value": {"task_id": "t-1", "minutes": 30},
        }
        fire_reminder.delete_job(name)
        gone = http.get(f"/v1.0-alpha1/jobs/{name}")
        assert gone.status_code in (404, 500) and "not found" in gone.text, gone.text
    fire_reminder.delete_job(name)


def test_the_health_probe_asks_the_real_sidecar(sidecar_of: SidecarOf) -> None:
    assert sidecar_of("web").healthy()
