"""The first vertical slice on the real stack: gateway → create-task → Kafka → write-audit → PostgreSQL."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
import sqlalchemy as sa
from confluent_kafka import Consumer, TopicPartition

from doable.adapters import db
from doable_dev.layout import KAFKA_PORT
from doable_dev.stack import Stack
from tests.conftest import Api
from tests.facts import wait_caught_up, wait_outbox_drained
from tests.integration.conftest import audit_rows, eventually

pytestmark = pytest.mark.integration


def kafka_records(topic: str, subject: str) -> list[dict[str, Any]]:
    """Reads the whole topic as it stands, with a throwaway consumer, and keeps the task's events.

    It reads up to each partition's end offset taken at the start, so "no more records" is a fact
    the broker stated rather than a quiet spell.
    """
    consumer = Consumer(
        {
            "bootstrap.servers": f"127.0.0.1:{KAFKA_PORT}",
            "group.id": f"test-{uuid.uuid4()}",
            "enable.auto.commit": False,
        }
    )
    try:
        partitions = consumer.list_topics(topic, timeout=10).topics[topic].partitions
        ends = {
            p: consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)[1] for p in partitions
        }
        consumer.assign([TopicPartition(topic, p, 0) for p in partitions])  # offset 0: the beginning
        found: list[dict[str, Any]] = []
        unread = {p for p, end in ends.items() if end > 0}
        while unread:
            message = consumer.poll(10)
            assert message is not None, f"{topic} stopped short of its end offsets {ends}"
            if message.error():
                continue
            if message.offset() >= ends[message.partition()] - 1:
                unread.discard(message.partition())
            if message.offset() >= ends[message.partition()]:
                continue  # written after the end was taken
            try:
                envelope = json.loads(message.value())
            except ValueError:
                continue  # the fault tests leave a malformed record on the topic on purpose
            if envelope.get("subject") == subject:
                found.append({"key": message.key(), "partition": message.partition(), **envelope})
        return found
    finally:
        consumer.close()


def test_a_created_task_is_published_to_kafka_and_audited_with_the_same_ids(
    stack_api: Api, database: sa.Engine
) -> None:
    correlation_id = f"it-{uuid.uuid4()}"
    response = stack_api.post(
        "/api/tasks",
        json={"title": "Audit me", "tags": ["Slice"]},
        headers={"X-Correlation-ID": correlation_id},
    )
    assert response.status_code == 201, response.text
    task_id = response.json()["id"]
    assert response.headers["X-Correlation-ID"] == correlation_id

    rows = eventually(lambda: audit_rows(database, [task_id]), timeout=10)
    assert len(rows) == 1
    [row] = rows
    assert row["action"] == "task.created"
    assert row["correlation_id"] == correlation_id
    assert row["user_id"] == stack_api.user["id"]
    assert row["data"]["task"]["tags"] == ["slice"]

    wait_outbox_drained(database, [task_id])
    records = kafka_records("task-events", task_id)
    assert [r["type"] for r in records] == ["task.created"]
    record = records[0]
    assert record["id"] == row["event_id"]
    assert record["correlationid"] == correlation_id
    assert record["key"] == task_id.encode(), "the partition key is the task id"
    with database.connect() as connection:
        published = connection.execute(
            sa.select(db.outbox.c.published_at).where(db.outbox.c.id == row["event_id"])
        ).scalar_one()
    assert published is not None, "the outbox row is marked published after the sidecar accepted it"


def test_events_published_while_the_auditor_is_down_are_audited_exactly_once_after_restart(
    local_stack: Stack, stack_api: Api, database: sa.Engine
) -> None:
    local_stack.stop_function("write-audit")
    try:
        task_ids = [stack_api.new_task(title=f"while down {i}")["id"] for i in range(50)]
        wait_outbox_drained(database, task_ids)  # on Kafka, waiting for their consumer
        assert audit_rows(database, task_ids) == [], "nothing audits while write-audit is stopped"
    finally:
        local_stack.start_function("write-audit")

    rows = eventually(
        lambda: len(audit_rows(database, task_ids)) >= 50 and audit_rows(database, task_ids), timeout=60
    )
    assert rows, "the 50 events were not audited within 60 s of the restart"
    wait_caught_up(["write-audit"], "task-events")  # any duplicate delivery has been handled by now
    rows = audit_rows(database, task_ids)
    assert sorted(r["resource_id"] for r in rows) == sorted(task_ids)
    assert len({r["event_id"] for r in rows}) == 50
