"""Waits for facts instead of time: a consumer group has caught up, the outbox is drained.

A sleep before "no duplicate arrived" proves nothing on a slow machine and wastes time on a fast one;
these return as soon as the thing a test is about to rely on is true, and fail saying what is not.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterable

import pytest
import sqlalchemy as sa
from confluent_kafka import Consumer, ConsumerGroupTopicPartitions, TopicPartition
from confluent_kafka.admin import AdminClient

from doable.adapters import db
from doable.adapters.db import make_engine
from doable_dev.layout import KAFKA_PORT

BOOTSTRAP = f"127.0.0.1:{KAFKA_PORT}"
STACK_URL = "http://127.0.0.1:8080"


def wait_for(check: Callable[[], bool], what: str, timeout: float = 60, interval: float = 0.05) -> None:
    """Polls `check` until it holds; fails naming `what` did not become true."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout:.0f} s")
        time.sleep(interval)


class KafkaLag:
    """How far a consumer group's committed offsets trail the end of a topic, read as an outsider.

    The probe consumer never subscribes, so it neither joins nor disturbs the group it measures.
    """

    def __init__(self) -> None:
        self.admin = AdminClient({"bootstrap.servers": BOOTSTRAP})
        self.probe = Consumer(
            {
                "bootstrap.servers": BOOTSTRAP,
                "group.id": f"lag-probe-{uuid.uuid4()}",
                "enable.auto.commit": False,
            }
        )

    def close(self) -> None:
        self.probe.close()

    def of(self, group: str, topic: str) -> int:
        partitions = self.probe.list_topics(topic, timeout=10).topics[topic].partitions
        request = ConsumerGroupTopicPartitions(group, [TopicPartition(topic, p) for p in partitions])
        committed = self.admin.list_consumer_group_offsets([request])[group].result(timeout=10)
        lag = 0
        for position in committed.topic_partitions:
            low, high = self.probe.get_watermark_offsets(
                TopicPartition(topic, position.partition), timeout=10
            )
            # No commit yet on a partition: the group (initialOffset oldest) starts at its beginning.
            start = position.offset if position.offset >= 0 else low
            lag += max(high - start, 0)
        return int(lag)


def wait_caught_up(groups: Iterable[str], topic: str, timeout: float = 60) -> None:
    """Every group has committed past everything on `topic` so far, so each event on it was handled.

    Dapr's Kafka binding commits a message only after the function answered it, so a committed end
    of topic means every delivery, duplicates included, has had its effect (or was refused).
    """
    lag = KafkaLag()
    try:
        for group in groups:
            wait_for(
                lambda group=group: lag.of(group, topic) == 0,
                f"consumer group {group} reaching the end of {topic}",
                timeout,
            )
    finally:
        lag.close()


def outbox_pending(engine: sa.Engine, partition_keys: Iterable[str] | None = None) -> int:
    """Outbox rows not yet published, optionally only those of the given tasks (partition keys)."""
    o = db.outbox.c
    statement = sa.select(sa.func.count()).select_from(db.outbox).where(o.published_at.is_(None))
    if partition_keys is not None:
        statement = statement.where(o.partition_key.in_(list(partition_keys)))
    with engine.connect() as connection:
        return int(connection.execute(statement).scalar_one())


def wait_outbox_drained(
    engine: sa.Engine, partition_keys: Iterable[str] | None = None, timeout: float = 60
) -> None:
    """Every event of these tasks (or all) has been handed to the broker and marked published."""
    keys = None if partition_keys is None else list(partition_keys)
    wait_for(lambda: outbox_pending(engine, keys) == 0, "the outbox draining", timeout)


def settle(
    request: pytest.FixtureRequest, base_url: str, task_ids: Iterable[str], group: str, topic: str
) -> None:
    """The tasks' events so far have reached `group`, on the local stack or in the embedded server.

    Embedded Doable has one in-process bus: once the outbox rows are handed to it and it is idle,
    every consumer has had every event. On the stack, the group's committed offsets say so.
    """
    keys = list(task_ids)
    if base_url == STACK_URL:
        engine = make_engine(request.getfixturevalue("local_stack").secrets()["database-url"])
        try:
            wait_outbox_drained(engine, keys)
        finally:
            engine.dispose()
        wait_caught_up([group], topic)
        return
    embedded = request.getfixturevalue("embedded")

    def idle() -> bool:
        # A consumer may emit new events while the bus works, so the outbox is read again after it.
        engine = embedded.container.engine
        return (
            outbox_pending(engine, keys) == 0
            and embedded.bus._queue.unfinished_tasks == 0
            and outbox_pending(engine, keys) == 0
        )

    wait_for(idle, "the embedded bus delivering every event")
