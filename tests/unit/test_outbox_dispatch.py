"""What the after-commit dispatcher hands the broker for each event: topic, key, the CloudEvent and
the trace it continues, and a burst of commits still published in order."""

from __future__ import annotations

import json

import sqlalchemy as sa

from doable.adapters.outbox import OutboxDispatcher
from doable.adapters.unit_of_work import UnitOfWork
from doable.domain.events import Context
from doable.domain.model import User
from doable.services import tasks
from tests.facts import outbox_pending, wait_for
from tests.unit.test_outbox_relay import Broker

TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


class RecordingBroker(Broker):
    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[str, str, dict[str, object], str | None]] = []

    def publish(self, topic: str, partition_key: str, payload: str, traceparent: str | None = None) -> None:
        self.calls.append((topic, partition_key, json.loads(payload), traceparent))
        super().publish(topic, partition_key, payload, traceparent)


def test_each_event_goes_to_its_topic_under_its_task_with_the_trace_it_continues(
    engine: sa.Engine, user: User
) -> None:
    broker = RecordingBroker()
    dispatcher = OutboxDispatcher(engine, broker)
    task = tasks.create_task(
        UnitOfWork(engine, dispatcher), Context(user.id, "c1", TRACEPARENT), {"title": "t"}
    )
    wait_for(lambda: outbox_pending(engine, [task.id]) == 0, "the commit's events being marked published")
    assert [(topic, key) for topic, key, _, _ in broker.calls] == [
        ("task-events", task.id),
        ("task-updates", task.id),
    ]
    for _, _, envelope, traceparent in broker.calls:
        assert (envelope["subject"], envelope["correlationid"], envelope["type"]) == (
            task.id,
            "c1",
            "task.created",
        )
        # The producer span is a child of the request's span: same trace, its own span id.
        assert traceparent is not None and traceparent.split("-")[1] == TRACEPARENT.split("-")[1]
    assert dispatcher._thread.daemon is True, "a pending publish never keeps a stopping process alive"


def test_a_burst_of_commits_is_published_whole_and_in_order(engine: sa.Engine, user: User) -> None:
    broker = RecordingBroker()
    dispatcher = OutboxDispatcher(engine, broker)
    ids = [
        tasks.create_task(UnitOfWork(engine, dispatcher), Context(user.id), {"title": f"t{i}"}).id
        for i in range(30)
    ]
    wait_for(lambda: outbox_pending(engine, ids) == 0, "every commit's events being marked published")
    assert [key for topic, key, _, _ in broker.calls if topic == "task-events"] == ids
