"""Faults on the real stack: stopped consumers, a stopped broker, duplicates, late jobs, poison events."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import sqlalchemy as sa

from doable.adapters import db
from doable.domain.events import Context, EventType, task_events
from doable.domain.model import new_task
from doable.domain.recurrence import Recurrence
from doable_dev.layout import FunctionPorts
from doable_dev.stack import Stack
from tests.conftest import Api
from tests.facts import wait_caught_up, wait_for, wait_outbox_drained
from tests.integration.conftest import audit_rows, eventually

pytestmark = pytest.mark.integration


def publish(client: httpx.Client, topic: str, key: str, body: bytes, *, raw: bool = False) -> None:
    params = {"metadata.partitionKey": key}
    if raw:
        params["metadata.rawPayload"] = "true"
    content_type = "application/octet-stream" if raw else "application/cloudevents+json"
    response = client.post(
        f"/v1.0/publish/pubsub/{topic}", params=params, content=body, headers={"content-type": content_type}
    )
    assert response.status_code == 204, response.text


def count(engine: sa.Engine, table: sa.Table, *conditions: sa.ColumnElement[bool]) -> int:
    with engine.connect() as connection:
        return connection.execute(
            sa.select(sa.func.count()).select_from(table).where(*conditions)
        ).scalar_one()


def test_a_stopped_consumer_catches_up_on_200_events_exactly_once(
    local_stack: Stack, stack_api: Api, database: sa.Engine
) -> None:
    local_stack.stop_function("write-audit")
    try:
        task_ids = [stack_api.new_task(title=f"burst {i}")["id"] for i in range(200)]
    finally:
        local_stack.start_function("write-audit")
    assert eventually(lambda: len(audit_rows(database, task_ids)) >= 200, timeout=90)
    wait_outbox_drained(database, task_ids)
    wait_caught_up(["write-audit"], "task-events")  # every delivery, duplicates too, has been handled
    rows = audit_rows(database, task_ids)
    assert len(rows) == 200
    assert sorted(r["resource_id"] for r in rows) == sorted(task_ids)


def test_requests_succeed_while_kafka_is_down_and_the_outbox_delivers_after(
    local_stack: Stack, stack_api: Api, database: sa.Engine
) -> None:
    local_stack.stop_kafka()
    try:
        # How fast requests answer without a broker is the benchmarks' business; here they succeed.
        task_ids = [stack_api.new_task(title=f"no broker {i}")["id"] for i in range(10)]
        pending = count(
            database, db.outbox, db.outbox.c.partition_key.in_(task_ids), db.outbox.c.published_at.is_(None)
        )
        assert pending == 20, "each task's two events wait in the outbox"
    finally:
        local_stack.start_kafka()
    assert eventually(lambda: len(audit_rows(database, task_ids)) >= 10, timeout=120)
    assert eventually(
        lambda: (
            count(
                database,
                db.outbox,
                db.outbox.c.partition_key.in_(task_ids),
                db.outbox.c.published_at.is_(None),
            )
            == 0
        ),
        timeout=60,
    )
    wait_caught_up(["write-audit"], "task-events")
    assert len(audit_rows(database, task_ids)) == 10, "delivered once each, not once per publish attempt"


def test_the_same_event_delivered_twice_has_one_effect(
    publisher: httpx.Client, database: sa.Engine, stack_api: Api
) -> None:
    now = datetime.now(UTC)
    # Due, reminded and recurring, so that every task-events consumer has work to do with it.
    fields = {
        "title": "twice",
        "due_at": datetime(2030, 1, 7, 9, tzinfo=UTC),
        "reminder_minutes_before": 10,
        "recurrence": Recurrence.WEEKLY,
    }
    task = new_task(stack_api.user["id"], fields, now)
    event, _ = task_events(EventType.TASK_CREATED, task, Context(task.user_id), now)
    for _ in range(2):
        publish(publisher, "task-events", task.id, event.to_json().encode())
    assert eventually(lambda: audit_rows(database, [task.id]), timeout=20)
    assert eventually(
        lambda: count(database, db.processed_events, db.processed_events.c.event_id == event.id) == 3,
        timeout=20,
    ), "write-audit, spawn-recurrence and fire-reminder each record it once"
    wait_caught_up(["write-audit", "spawn-recurrence", "fire-reminder"], "task-events")  # both copies
    assert len(audit_rows(database, [task.id])) == 1


def test_a_malformed_event_is_dead_lettered_and_the_events_behind_it_flow(
    publisher: httpx.Client, database: sa.Engine, stack_api: Api
) -> None:
    now = datetime.now(UTC)
    task = new_task(stack_api.user["id"], {"title": "behind the poison"}, now)
    event, _ = task_events(EventType.TASK_CREATED, task, Context(task.user_id), now)
    poison_id = f"poison-{uuid.uuid4()}"
    # JSON, but no CloudEvent: daprd passes it on (it reads every message as a JSON object to route it;
    # bytes that are not JSON at all stall the subscription, docs/deploy.md says how to skip them).
    publish(
        publisher,
        "task-events",
        task.id,
        b'{"id": "' + poison_id.encode() + b'", "not": "a cloudevent"}',
        raw=True,
    )
    publish(publisher, "task-events", task.id, event.to_json().encode())  # same key: same partition, after it
    assert eventually(lambda: audit_rows(database, [task.id]), timeout=20)
    letters = eventually(
        lambda: count(
            database,
            db.dead_letters,
            db.dead_letters.c.consumer == "write-audit",
            db.dead_letters.c.payload.contains(poison_id),
        ),
        timeout=20,
    )
    assert letters == 1


def test_a_reminder_due_while_its_function_is_down_is_delivered_when_it_returns(
    local_stack: Stack, stack_api: Api, database: sa.Engine
) -> None:
    # The reminder falls due 45 s from now: enough for fire-reminder to register its job even while
    # catching up after the faults above, or the job fires at once and there is nothing to miss.
    due = datetime.now(UTC) + timedelta(minutes=10, seconds=45)
    task = stack_api.new_task(title="late reminder", due_at=due.isoformat(), reminder_minutes_before=10)
    token = local_stack.secrets()["dapr-api-token"]
    jobs_url = f"http://127.0.0.1:{FunctionPorts.of('fire-reminder').dapr_http}/v1.0-alpha1/jobs/fire-reminder--{task['id']}"
    assert eventually(
        lambda: httpx.get(jobs_url, headers={"dapr-api-token": token}).status_code == 200,
        timeout=30,
    )
    local_stack.stop_function("fire-reminder")
    try:
        reminder_at = datetime.fromisoformat(str(task["reminder_at"]))
        wait_for(
            lambda: datetime.now(UTC) > reminder_at, "the reminder time passing while nobody can take it"
        )
    finally:
        local_stack.start_function("fire-reminder")
    reminders = eventually(
        lambda: [
            n
            for n in stack_api.get("/api/notifications").json()["items"]
            if n["task_id"] == task["id"] and n["kind"] == "reminder"
        ],
        timeout=60,
    )
    assert len(reminders) == 1


def test_a_poison_event_is_retried_a_few_times_then_dead_lettered_and_the_100_behind_it_flow(
    publisher: httpx.Client, database: sa.Engine, stack_api: Api
) -> None:
    now = datetime.now(UTC)
    user_id = str(stack_api.user["id"])
    # A daily series due on the last day Python knows, as stored before the API refused such dates:
    # completing it makes spawn-recurrence fail on every delivery (there is no next day).
    fields = {"title": "poison", "recurrence": Recurrence.DAILY, "due_at": now + timedelta(days=1)}
    poison_task = new_task(user_id, fields, now)
    poison_task.due_at = datetime(9999, 12, 31, 9, tzinfo=UTC)
    poison_task.complete(now)  # so its creation schedules no job for the year 9999
    ctx = Context(user_id)
    created, _ = task_events(EventType.TASK_CREATED, poison_task, ctx, now)
    poison, _ = task_events(EventType.TASK_COMPLETED, poison_task, ctx, now)
    good = [
        task_events(
            EventType.TASK_CREATED,
            new_task(
                user_id,
                {"title": f"good {i}", "recurrence": Recurrence.DAILY, "due_at": now + timedelta(days=30)},
                now,
            ),
            ctx,
            now,
        )[0]
        for i in range(100)
    ]
    # One key, so one partition: the 100 wait behind the poison event unless it is given up on.
    for event in [created, poison, *good]:
        publish(publisher, "task-events", poison_task.id, event.to_json().encode())

    processed = db.processed_events.c
    assert eventually(
        lambda: (
            count(
                database,
                db.processed_events,
                processed.consumer == "spawn-recurrence",
                processed.event_id.in_([event.id for event in good]),
            )
            == 100
        ),
        timeout=90,
    ), "the events behind the poison one are processed"
    schedules = db.recurring_schedules.c
    assert count(database, db.recurring_schedules, schedules.series_id.in_([e.subject for e in good])) == 100
    with database.connect() as connection:
        letters = (
            connection.execute(sa.select(db.dead_letters).where(db.dead_letters.c.event_id == poison.id))
            .mappings()
            .all()
        )
        failures = connection.execute(
            sa.select(db.consumer_failures.c.failures).where(db.consumer_failures.c.event_id == poison.id)
        ).scalar_one()
    assert [letter["consumer"] for letter in letters] == ["spawn-recurrence"]
    assert letters[0]["reason"].startswith("failed 5 times; the last time with OverflowError")
    assert failures == 5
