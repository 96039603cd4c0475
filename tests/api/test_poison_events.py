"""Embedded mode end to end: a poison event on the in-process bus is dead-lettered and stalls nothing.

The stack's twin is fault test (f) in tests/integration/test_faults.py; here the real functions,
the in-process bus and SQLite do the same with no broker.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from doable.adapters import db
from doable.domain.events import Context, Event, EventType, task_events
from doable.domain.model import new_task
from doable.domain.recurrence import Recurrence
from doable.embedded import Embedded
from doable.services.consumers import FAILURES_MAX
from tests.conftest import Api
from tests.facts import wait_for


def series_created(user_id: str, title: str, now: datetime) -> Event:
    fields = {"title": title, "recurrence": Recurrence.DAILY, "due_at": now + timedelta(days=30)}
    return task_events(EventType.TASK_CREATED, new_task(user_id, fields, now), Context(user_id), now)[0]


def test_embedded_a_poison_event_is_dead_lettered_and_holds_up_neither_its_key_nor_others(
    embedded: Embedded, embedded_url: str
) -> None:
    now = datetime.now(UTC)
    api = Api(embedded_url)
    user_id = str(api.user["id"])
    api.close()
    # A series stored before due dates were range-checked: completing it fails on every delivery.
    fields = {"title": "poison", "recurrence": Recurrence.DAILY, "due_at": now + timedelta(days=1)}
    poison_task = new_task(user_id, fields, now)
    poison_task.due_at = datetime(9999, 12, 31, 9, tzinfo=UTC)
    poison_task.complete(now)
    created = task_events(EventType.TASK_CREATED, poison_task, Context(user_id), now)[0]
    poison = task_events(EventType.TASK_COMPLETED, poison_task, Context(user_id), now)[0]
    same_key = [series_created(user_id, f"behind {i}", now) for i in range(10)]
    other_keys = [series_created(user_id, f"beside {i}", now) for i in range(10)]

    for event in [created, poison, *same_key]:
        embedded.bus.publish("task-events", poison_task.id, event.to_json())
    for event in other_keys:
        embedded.bus.publish("task-events", event.partition_key, event.to_json())

    engine = embedded.container.engine
    processed = db.processed_events.c

    def processed_count(events: list[Event]) -> int:
        with engine.connect() as connection:
            statement = sa.select(sa.func.count()).where(
                processed.consumer == "spawn-recurrence", processed.event_id.in_([e.id for e in events])
            )
            return int(connection.execute(statement).scalar_one())

    wait_for(lambda: processed_count(other_keys) == 10, "the events of other keys being processed")
    wait_for(lambda: processed_count(same_key) == 10, "the events behind it on its key being processed")
    with engine.connect() as connection:
        (reason,) = connection.execute(
            sa.select(db.dead_letters.c.reason).where(
                db.dead_letters.c.consumer == "spawn-recurrence", db.dead_letters.c.event_id == poison.id
            )
        ).scalars()
    assert reason.startswith(f"failed {FAILURES_MAX} times; the last time with OverflowError")
