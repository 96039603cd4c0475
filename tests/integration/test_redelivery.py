"""Redeliveries where they really come from (a consumer or the broker SIGKILLed), seen by the ledger.

Audit and notification rows are unique by event id, so counting them cannot tell whether the consumer
ledger works. These tests assert what only the ledger decides: a redelivered event is answered as a
duplicate (the consumers' `doable_events_consumed{outcome="duplicate"}`), and every other delivery is
processed exactly once, so with a ledger that waved every delivery through they go red.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import httpx
import pytest
import sqlalchemy as sa
from confluent_kafka import Consumer, ConsumerGroupTopicPartitions, TopicPartition
from confluent_kafka.admin import AdminClient
from prometheus_client.parser import text_string_to_metric_families

from doable.adapters import db
from doable.domain.events import Context, EventType, task_events
from doable.domain.model import new_task
from doable_dev.layout import FunctionPorts
from doable_dev.stack import Stack
from tests.conftest import Api
from tests.facts import BOOTSTRAP, wait_caught_up, wait_for, wait_outbox_drained
from tests.integration.conftest import audit_rows

pytestmark = pytest.mark.integration

TOPIC = "task-events"
CONSUMER = "write-audit"  # its consumer group is named after it (dapr/local/components)
ROUNDS = 3  # a fault that happened to land where nothing was left to redeliver is tried again


def consumed(function: str, event_type: str) -> dict[str, float]:
    """The function's own count of deliveries of `event_type` by outcome, from its /metrics."""
    text = httpx.get(f"http://127.0.0.1:{FunctionPorts.of(function).app}/metrics", timeout=10).text
    counts: dict[str, float] = {}
    for family in text_string_to_metric_families(text):
        if family.name != "doable_events_consumed":
            continue
        for sample in family.samples:
            labels = sample.labels
            if sample.name.endswith("_total") and labels["type"] == event_type:
                counts[labels["outcome"]] = counts.get(labels["outcome"], 0) + sample.value
    return counts


def processed(engine: sa.Engine, event_ids: list[str]) -> set[str]:
    """The events the consumer's ledger holds, that is whose effect has committed."""
    p = db.processed_events.c
    with engine.connect() as connection:
        rows = connection.execute(
            sa.select(p.event_id).where(p.consumer == CONSUMER, p.event_id.in_(event_ids))
        )
        return set(rows.scalars())


def end_offsets(topic: str) -> dict[int, int]:
    consumer = Consumer({"bootstrap.servers": BOOTSTRAP, "group.id": f"ends-{uuid.uuid4()}"})
    try:
        partitions = consumer.list_topics(topic, timeout=10).topics[topic].partitions
        return {
            p: consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)[1] for p in partitions
        }
    finally:
        consumer.close()


def offsets_of(topic: str, since: dict[int, int]) -> dict[str, tuple[int, int]]:
    """(partition, offset) of each record written after `since`, by event id, read up to today's end."""
    ends = end_offsets(topic)
    consumer = Consumer(
        {"bootstrap.servers": BOOTSTRAP, "group.id": f"reader-{uuid.uuid4()}", "enable.auto.commit": False}
    )
    found: dict[str, tuple[int, int]] = {}
    try:
        unread = {p for p, end in ends.items() if end > since.get(p, 0)}
        consumer.assign([TopicPartition(topic, p, since.get(p, 0)) for p in unread])
        while unread:
            message = consumer.poll(10)
            assert message is not None, f"{topic} stopped short of its end offsets {ends}"
            if message.error():
                continue
            partition, offset = message.partition(), message.offset()
            if offset >= ends[partition] - 1:
                unread.discard(partition)
            if offset < ends[partition]:
                found.setdefault(json.loads(message.value())["id"], (partition, offset))
        return found
    finally:
        consumer.close()


def committed(group: str, topic: str) -> dict[int, int]:
    """The group's committed offset per partition (-1 where it never committed)."""
    admin = AdminClient({"bootstrap.servers": BOOTSTRAP})
    partitions = end_offsets(topic)
    request = ConsumerGroupTopicPartitions(group, [TopicPartition(topic, p) for p in partitions])
    answer = admin.list_consumer_group_offsets([request])[group].result(timeout=10)
    return {position.partition: position.offset for position in answer.topic_partitions}


def test_a_consumer_killed_between_its_commit_and_the_offset_commit_answers_the_redelivery_as_a_duplicate(
    local_stack: Stack, publisher: httpx.Client, stack_api: Api, database: sa.Engine
) -> None:
    """SIGKILL write-audit and its sidecar mid-batch: events whose effect committed but whose offset did
    not come again, and the ledger must turn each into a duplicate, not a second effect."""
    user_id = str(stack_api.user["id"])
    for _ in range(ROUNDS):
        wait_caught_up([CONSUMER], TOPIC)
        since = end_offsets(TOPIC)
        key = str(uuid.uuid4())  # one key: one partition, so the batch is consumed in order
        now = datetime.now(UTC)
        events = [
            task_events(
                EventType.TASK_CREATED, new_task(user_id, {"title": f"batch {i}"}, now), Context(user_id), now
            )[0]
            for i in range(200)
        ]
        ids = [event.id for event in events]
        for event in events:
            response = publisher.post(
                f"/v1.0/publish/pubsub/{TOPIC}",
                params={"metadata.partitionKey": key},
                content=event.to_json().encode(),
                headers={"content-type": "application/cloudevents+json"},
            )
            assert response.status_code == 204, response.text
        wait_for(lambda ids=ids: len(processed(database, ids)) >= 20, "write-audit working through the batch")
        local_stack.stop_function(CONSUMER, kill=True)
        try:
            done = processed(database, ids)  # final: nobody writes the ledger for write-audit now
            offsets = offsets_of(TOPIC, since)
            commits = committed(CONSUMER, TOPIC)
            # Effect committed, offset not: exactly what a restarted consumer is handed again.
            pending = {i for i in done if offsets[i][1] >= commits.get(offsets[i][0], -1)}
        finally:
            local_stack.start_function(CONSUMER)
        wait_caught_up([CONSUMER], TOPIC, timeout=120)
        if pending:
            break
    else:
        pytest.fail(f"in {ROUNDS} rounds the kill never fell between an effect's and its offset's commit")
    after_restart = consumed(CONSUMER, EventType.TASK_CREATED)  # a fresh process: counts since the kill
    assert after_restart.get("duplicate", 0) >= len(pending), (
        f"{len(pending)} events committed before the kill came again; the ledger must call each a duplicate"
    )
    # A transaction the kill cut off mid-commit may land just after `done` was read: it then shows as
    # one more duplicate and one fewer processed, never as a second effect.
    assert after_restart.get("processed", 0) <= len(ids) - len(done), "none of them processed twice"
    assert after_restart.get("processed", 0) + after_restart.get("duplicate", 0) >= len(ids) - len(
        done
    ) + len(pending)
    assert processed(database, ids) == set(ids)
    assert len(audit_rows(database, [event.subject for event in events])) == len(ids)


def test_a_broker_killed_while_events_flow_loses_none_and_repeats_none(
    local_stack: Stack, stack_api: Api, database: sa.Engine
) -> None:
    """SIGKILL Kafka mid-stream: the relay publishes again what it never saw acknowledged, the consumer
    resumes from its last committed offset. Deliveries beyond one per event must all be duplicates."""
    task_ids: list[str] = []
    for _ in range(ROUNDS):
        wait_caught_up([CONSUMER], TOPIC)
        before = consumed(CONSUMER, EventType.TASK_CREATED)
        batch = [stack_api.new_task(title=f"flowing {i}")["id"] for i in range(40)]
        wait_for(
            lambda batch=batch: len(audit_rows(database, batch)) >= 5, "write-audit working through them"
        )
        local_stack.stop_kafka(kill=True)
        try:
            batch += [stack_api.new_task(title=f"broker down {i}")["id"] for i in range(10)]
        finally:
            local_stack.start_kafka()
        task_ids += batch
        wait_outbox_drained(database, batch, timeout=120)
        wait_caught_up([CONSUMER], TOPIC, timeout=120)
        after = consumed(CONSUMER, EventType.TASK_CREATED)
        delta = {outcome: after.get(outcome, 0) - before.get(outcome, 0) for outcome in after}
        # Deliveries are counted whatever the ledger says; those beyond one per task were redeliveries.
        redelivered = delta.get("processed", 0) + delta.get("duplicate", 0) - len(batch)
        assert delta.get("processed", 0) == len(batch), f"each created task processed once: {delta}"
        if redelivered > 0:
            assert delta.get("duplicate", 0) == redelivered
            break
    else:
        pytest.fail(f"in {ROUNDS} rounds killing the broker never caused a redelivery to write-audit")
    rows = audit_rows(database, task_ids)
    assert sorted(row["resource_id"] for row in rows) == sorted(task_ids)
