"""What the after-commit dispatcher hands the broker for each event: topic, key, the CloudEvent and
the trace it continues, and a burst of commits still published in order."""

from __future__ import annotations

import json
from collections.abc import Sequence

import sqlalchemy as sa

from doable.adapters.outbox import OutboxDispatcher
from doable.adapters.unit_of_work import UnitOfWork
from doable.domain.events import Context
from doable.domain.model import User
from doable.services import tasks
from doable.services.ports import Outgoing
from tests.facts import outbox_pending, wait_for
from tests.unit.test_outbox_relay import Broker

TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


class RecordingBroker(Broker):
    def __init__(self, refusals: list[bool] | None = None) -> None:
        super().__init__(refusals)
        self.calls: list[tuple[str, str, dict[str, object]]] = []

    def publish_batch(self, messages: Sequence[Outgoing]) -> dict[str, str]:
        self.calls.extend((m.topic, m.partition_key, json.loads(m.payload)) for m in messages)
        return super().publish_batch(messages)


def test_each_event_goes_to_its_topic_under_its_task_with_the_trace_it_continues(
    engine: sa.Engine, user: User
) -> None:
    broker = RecordingBroker()
    dispatcher = OutboxDispatcher(engine, broker)
    task = tasks.create_task(
        UnitOfWork(engine, dispatcher), Context(user.id, "c1", TRACEPARENT), {"title": "t"}
    )
    wait_for(lambda: outbox_pending(engine, [task.id]) == 0, "the commit's events being marked published")
    assert [(topic, key) for topic, key, _ in broker.calls] == [
        ("task-events", task.id),
        ("task-updates", task.id),
    ]
    for _, _, envelope in broker.calls:
        assert (envelope["subject"], envelope["correlationid"], envelope["type"]) == (
            task.id,
            "c1",
            "task.created",
        )
        # The event carries its producer span's context, a child of the request's span: same trace.
        traceparent = str(envelope["traceparent"])
        assert traceparent.split("-")[1] == TRACEPARENT.split("-")[1]
    assert dispatcher._thread.daemon is True, "a pending publish never keeps a stopping process alive"


def test_a_burst_of_commits_is_published_whole_and_in_order(engine: sa.Engine, user: User) -> None:
    broker = RecordingBroker()
    dispatcher = OutboxDispatcher(engine, broker)
    ids = [
        tasks.create_task(UnitOfWork(engine, dispatcher), Context(user.id), {"title": f"t{i}"}).id
        for i in range(30)
    ]
    wait_for(lambda: outbox_pending(engine, ids) == 0, "every commit's events being marked published")
    assert [key for topic, key, _ in broker.calls if topic == "task-events"] == ids
