"""The outbox's two publishers on a real (SQLite) database: a row counts as published only once the
broker took it, and when the relay and the after-commit dispatcher both publish an event, its
consumers still apply it once."""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

import sqlalchemy as sa

from doable.adapters import db
from doable.adapters.outbox import OutboxDispatcher, relay
from doable.adapters.unit_of_work import UnitOfWork
from doable.domain.events import Context, Event
from doable.domain.model import User
from doable.services import audit, tasks
from doable.services.consumers import Outcome, consume
from doable.services.ports import Outgoing, PublishFailed
from tests.facts import outbox_pending, wait_for

UoW = Callable[[], UnitOfWork]


class Broker:
    """Accepts or refuses each event of a batch as scripted (accepting once the script runs out), keeping
    what it accepted in a log it may share with another publisher's broker; a batch it refuses whole
    is PublishFailed, as the sidecar reports a broker that is down."""

    def __init__(self, refusals: list[bool] | None = None, log: list[str] | None = None) -> None:
        self.refusals = list(refusals or [])
        self.accepted: list[str] = [] if log is None else log

    def publish_batch(self, messages: Sequence[Outgoing]) -> dict[str, str]:
        failed = {m.id: "the broker refused it" for m in messages if self.refusals and self.refusals.pop(0)}
        if messages and len(failed) == len(messages):
            raise PublishFailed("the broker is down")
        self.accepted.extend(m.payload for m in messages if m.id not in failed)
        return failed


class GatedBroker(Broker):
    """Holds every batch until the gate opens, so a test can run the relay while it waits."""

    def __init__(self, log: list[str]) -> None:
        super().__init__(log=log)
        self.waiting = threading.Event()
        self.gate = threading.Event()

    def publish_batch(self, messages: Sequence[Outgoing]) -> dict[str, str]:
        self.waiting.set()
        assert self.gate.wait(30), "the test never opened the gate"
        return super().publish_batch(messages)


def published_at(engine: sa.Engine, task_id: str) -> dict[str, datetime | None]:
    o = db.outbox.c
    with engine.connect() as connection:
        statement = sa.select(o.id, o.published_at).where(o.partition_key == task_id)
        return {row.id: row.published_at for row in connection.execute(statement)}


def new_task(uow: UnitOfWork, user: User, title: str) -> str:
    return tasks.create_task(uow, Context(user.id), {"title": title}).id


def ids(payloads: list[str]) -> list[str]:
    return [json.loads(payload)["id"] for payload in payloads]


def test_the_relay_marks_a_row_published_only_after_the_broker_took_it(
    uow: UoW, engine: sa.Engine, user: User
) -> None:
    task_id = new_task(uow(), user, "relayed")  # two rows: task-events and its task-updates twin
    down = Broker(refusals=[True, True])
    assert relay(engine, down, min_age=timedelta(0)) == (0, 2)
    assert down.accepted == []
    assert list(published_at(engine, task_id).values()) == [None, None], "refused: both rows wait"

    half = Broker(refusals=[False, True])
    assert relay(engine, half, min_age=timedelta(0)) == (1, 1)
    rows = published_at(engine, task_id)
    assert [event_id for event_id, at in rows.items() if at is not None] == ids(half.accepted)

    up = Broker()
    assert relay(engine, up, min_age=timedelta(0)) == (1, 0)
    assert sorted(ids(half.accepted + up.accepted)) == sorted(rows), "each row published once in all"
    assert outbox_pending(engine, [task_id]) == 0
    assert relay(engine, Broker(), min_age=timedelta(0)) == (0, 0), "nothing is published twice"


def test_the_relay_hands_the_broker_its_rows_in_one_batch_oldest_first(
    uow: UoW, engine: sa.Engine, user: User
) -> None:
    first, second = new_task(uow(), user, "first"), new_task(uow(), user, "second")
    broker = Broker()
    assert relay(engine, broker, min_age=timedelta(0)) == (4, 0)
    subjects = [json.loads(payload)["subject"] for payload in broker.accepted]
    assert subjects == [first, first, second, second]


def test_the_dispatcher_leaves_what_it_could_not_publish_to_the_relay(engine: sa.Engine, user: User) -> None:
    broker = Broker(refusals=[True, True])  # the first commit's two events are refused
    dispatcher = OutboxDispatcher(engine, broker)
    refused = new_task(UnitOfWork(engine, dispatcher), user, "refused")
    taken = new_task(UnitOfWork(engine, dispatcher), user, "taken")
    # One thread handles commits in order, so once the second is marked the first has been settled.
    wait_for(lambda: outbox_pending(engine, [taken]) == 0, "the second commit being marked published")
    assert outbox_pending(engine, [refused]) == 2
    assert len(broker.accepted) == 2

    assert relay(engine, broker, min_age=timedelta(0)) == (2, 0)
    assert outbox_pending(engine, [refused]) == 0


def test_the_relay_leaves_fresh_rows_to_the_dispatcher(uow: UoW, engine: sa.Engine, user: User) -> None:
    task_id = new_task(uow(), user, "fresh")
    broker = Broker()
    assert relay(engine, broker) == (0, 0)
    assert broker.accepted == []
    assert outbox_pending(engine, [task_id]) == 2


def test_an_event_both_publishers_sent_is_applied_once_by_its_consumers(
    uow: UoW, engine: sa.Engine, user: User
) -> None:
    log: list[str] = []
    slow = GatedBroker(log)
    dispatcher = OutboxDispatcher(engine, slow)
    task_id = new_task(UnitOfWork(engine, dispatcher), user, "raced")
    wait_for(slow.waiting.is_set, "the dispatcher starting to publish")

    # The dispatcher is stuck in the broker call, its rows still unmarked: the relay sweeps them too.
    assert relay(engine, Broker(log=log), min_age=timedelta(0)) == (2, 0)
    first_marks = published_at(engine, task_id)
    slow.gate.set()
    later = new_task(UnitOfWork(engine, dispatcher), user, "later")
    wait_for(lambda: outbox_pending(engine, [later]) == 0, "the dispatcher finishing its batches")
    assert published_at(engine, task_id) == first_marks, "the second publisher does not re-mark rows"

    raced = [payload for payload in log if json.loads(payload)["subject"] == task_id]
    assert Counter(ids(raced)) == dict.fromkeys(first_marks, 2), "both publishers sent each event"

    applied: Counter[str] = Counter()

    def effect(work: UnitOfWork, event: Event) -> None:
        applied[event.id] += 1
        if event.topic == "task-events":
            audit.record(work, event)

    outcomes = [consume(uow(), "a-consumer", Event.from_cloudevent(json.loads(p)), effect) for p in raced]
    assert sorted(outcomes) == sorted([Outcome.PROCESSED] * 2 + [Outcome.DUPLICATE] * 2)
    assert applied == dict.fromkeys(first_marks, 1)
    assert len(audit.history(uow(), user.id, task_id)) == 1
