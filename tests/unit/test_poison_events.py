"""Poison events: a consumer error that repeats is retried a bounded number of times, then dead-lettered.

With a real (SQLite) unit of work for the ledger, and the embedded bus with a stand-in for the
functions: an event that keeps failing holds up neither other keys nor, once it is given up on,
the events behind it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from doable.adapters import db
from doable.adapters.inprocess import InProcessBus
from doable.adapters.unit_of_work import UnitOfWork
from doable.domain.events import Context, Event, EventType, task_events
from doable.domain.model import User, new_task
from doable.domain.recurrence import Recurrence
from doable.services import audit, series
from doable.services.consumers import FAILURES_MAX, Outcome, consume
from doable.services.ports import SidecarUnavailable
from tests.unit.test_event_services import RecordedJobs

UoW = Callable[[], UnitOfWork]
NOW = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)


def an_event(user: User, title: str = "t") -> Event:
    task = new_task(user.id, {"title": title}, NOW)
    return task_events(EventType.TASK_CREATED, task, Context(user.id), NOW)[0]


def rows(engine: sa.Engine, table: sa.Table) -> list[dict[str, object]]:
    with engine.connect() as connection:
        return [dict(row) for row in connection.execute(sa.select(table)).mappings()]


def test_an_effect_that_always_fails_is_dead_lettered_after_a_bounded_number_of_tries(
    engine: sa.Engine, uow: UoW, user: User
) -> None:
    event = an_event(user)
    attempts: list[int] = []

    def poison(work: UnitOfWork, delivered: Event) -> None:
        audit.record(work, delivered)  # written, then rolled back with the failure
        attempts.append(1)
        raise KeyError("no such thing")

    outcomes = [consume(uow(), "write-audit", event, poison) for _ in range(FAILURES_MAX + 1)]

    assert outcomes == [Outcome.FAILED] * (FAILURES_MAX - 1) + [Outcome.DEAD_LETTER, Outcome.DUPLICATE]
    assert len(attempts) == FAILURES_MAX, "a redelivery after the dead letter does not run the effect"
    assert rows(engine, db.audit_log) == []
    (letter,) = rows(engine, db.dead_letters)
    assert (letter["consumer"], letter["event_id"]) == ("write-audit", event.id)
    assert letter["reason"] == f"failed {FAILURES_MAX} times; the last time with KeyError: 'no such thing'"
    assert event.id in str(letter["payload"])
    (count,) = rows(engine, db.consumer_failures)
    assert (count["consumer"], count["event_id"], count["failures"]) == (
        "write-audit",
        event.id,
        FAILURES_MAX,
    )


def test_outages_are_not_counted_and_keep_the_delivery_failing(
    engine: sa.Engine, uow: UoW, user: User
) -> None:
    event = an_event(user)

    def outage(work: UnitOfWork, delivered: Event) -> None:
        raise SidecarUnavailable("scheduler unreachable")

    def database_down(work: UnitOfWork, delivered: Event) -> None:
        raise sa.exc.OperationalError("SELECT 1", {}, ConnectionRefusedError("connection refused"))

    for effect in [outage, database_down] * FAILURES_MAX:
        with pytest.raises((SidecarUnavailable, sa.exc.OperationalError)):
            consume(uow(), "spawn-recurrence", event, effect)
    assert rows(engine, db.consumer_failures) == []
    assert rows(engine, db.dead_letters) == []
    assert consume(uow(), "spawn-recurrence", event, lambda work, delivered: None) is Outcome.PROCESSED


def test_an_event_that_fails_a_few_times_then_succeeds_is_processed_once(
    engine: sa.Engine, uow: UoW, user: User
) -> None:
    event = an_event(user)
    failures_left = [FAILURES_MAX - 1]

    def flaky(work: UnitOfWork, delivered: Event) -> None:
        if failures_left[0]:
            failures_left[0] -= 1
            raise RuntimeError("not yet")
        audit.record(work, delivered)

    outcomes = [consume(uow(), "write-audit", event, flaky) for _ in range(FAILURES_MAX)]
    assert outcomes == [Outcome.FAILED] * (FAILURES_MAX - 1) + [Outcome.PROCESSED]
    assert len(rows(engine, db.audit_log)) == 1
    assert rows(engine, db.dead_letters) == []


def test_a_series_far_in_the_future_is_a_poison_event_for_spawn_recurrence(
    engine: sa.Engine, uow: UoW, user: User
) -> None:
    # Stored before times were range-checked: completing it asks for a day after 9999-12-31.
    task = new_task(
        user.id,
        {"title": "far", "due_at": datetime(9999, 12, 31, 9, tzinfo=UTC), "recurrence": Recurrence.DAILY},
        NOW,
    )
    ctx = Context(user.id)
    created = task_events(EventType.TASK_CREATED, task, ctx, NOW)[0]
    task.complete(NOW)
    completed = task_events(EventType.TASK_COMPLETED, task, ctx, NOW)[0]
    jobs = RecordedJobs()

    def follow(work: UnitOfWork, delivered: Event) -> None:
        series.on_task_event(work, delivered, jobs, NOW)

    assert consume(uow(), "spawn-recurrence", created, follow) is Outcome.PROCESSED
    outcomes = [consume(uow(), "spawn-recurrence", completed, follow) for _ in range(FAILURES_MAX)]
    assert outcomes[-1] is Outcome.DEAD_LETTER
    (letter,) = rows(engine, db.dead_letters)
    assert letter["event_id"] == completed.id
    assert "OverflowError" in str(letter["reason"])


class Consumer:
    """A function behind the bus: fails `poison` until its FAILURES_MAX-th delivery, as consume() does."""

    def __init__(self) -> None:
        self.calls: list[bytes] = []
        self.done = threading.Event()
        self.expected = 0

    def __call__(self, app_id: str, path: str, body: bytes) -> int:
        self.calls.append(body)
        if body.startswith(b"poison") and self.calls.count(body) < FAILURES_MAX:
            return 500
        if len(self.calls) >= self.expected:
            self.done.set()
        return 200


def test_the_embedded_bus_backs_off_a_failing_event_without_holding_up_other_keys() -> None:
    consumer = Consumer()
    consumer.expected = FAILURES_MAX + 21
    bus = InProcessBus(consumer)
    bus.RETRY_FIRST = 0.25  # a wide window for the other keys to go through before the first retry
    bus.subscribe("task-events", "write-audit")
    bus.publish("task-events", "a", "poison")
    for i in range(10):
        bus.publish("task-events", "b", f"b{i}")
    for i in range(10):
        bus.publish("task-events", "a", f"a{i}")
    bus.publish("task-events", "c", "c0")
    assert consumer.done.wait(30), consumer.calls
    bus.drain()

    order = [body.decode() for body in consumer.calls]
    poison_tries = [i for i, body in enumerate(order) if body == "poison"]
    assert len(poison_tries) == FAILURES_MAX
    others = [i for i, body in enumerate(order) if body[0] in "bc"]
    assert max(others) < poison_tries[1], "other keys went while the poison event waited for its first retry"
    behind = [body for body in order if body.startswith("a")]
    assert behind == [f"a{i}" for i in range(10)], "its own key's events follow it, in order"
    assert order.index("a0") > poison_tries[-1]
