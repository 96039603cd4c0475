"""The consumer ledger's edges: failure counts, what a dead letter keeps, and failures of the count itself.

tests/unit/test_poison_events.py follows an event through its retries; these pin the bookkeeping
each step leaves behind, on a real (SQLite) unit of work.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from doable.adapters import db
from doable.adapters.repositories.ledger import ConsumerLedger
from doable.adapters.unit_of_work import UnitOfWork
from doable.domain.events import Context, Event, EventType, task_events
from doable.domain.model import User, new_task
from doable.services.consumers import Outcome, consume, dead_letter, is_outage

UoW = Callable[[], UnitOfWork]
NOW = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)


def an_event(user: User) -> Event:
    return task_events(EventType.TASK_CREATED, new_task(user.id, {"title": "t"}, NOW), Context(user.id), NOW)[
        0
    ]


def rows(engine: sa.Engine, table: sa.Table) -> list[dict[str, object]]:
    with engine.connect() as connection:
        return [dict(row) for row in connection.execute(sa.select(table)).mappings()]


def failing(error: Exception) -> Callable[[UnitOfWork, Event], None]:
    def effect(work: UnitOfWork, event: Event) -> None:
        raise error

    return effect


def test_the_ledger_says_first_once_per_consumer_and_counts_failures_one_by_one(engine: sa.Engine) -> None:
    later = NOW + timedelta(minutes=1)
    with engine.begin() as connection:
        ledger = ConsumerLedger(connection)
        assert ledger.first_delivery("write-audit", "e1", NOW) is True
        assert ledger.first_delivery("write-audit", "e1", later) is False
        assert ledger.first_delivery("notify", "e1", later) is True, "each consumer has its own entry"
        assert ledger.count_failure("notify", "e2", "first reason", NOW) == 1
        assert ledger.count_failure("notify", "e2", "second reason", later) == 2
        assert ledger.count_failure("write-audit", "e2", "other consumer", later) == 1
    (notify_entry, audit_entry) = sorted(rows(engine, db.processed_events), key=lambda r: str(r["consumer"]))
    assert (notify_entry["event_id"], notify_entry["processed_at"]) == ("e1", later)
    assert audit_entry["processed_at"] == NOW, "a repeat does not touch the first entry"
    counts = {(r["consumer"], r["event_id"]): r for r in rows(engine, db.consumer_failures)}
    notify = counts[("notify", "e2")]
    assert (notify["failures"], notify["last_error"]) == (2, "second reason")
    assert (notify["first_failed_at"], notify["last_failed_at"]) == (NOW, later)


def test_a_long_error_is_kept_to_2000_characters(engine: sa.Engine, uow: UoW, user: User) -> None:
    event = an_event(user)
    assert consume(uow(), "write-audit", event, failing(ValueError("x" * 5000))) is Outcome.FAILED
    (count,) = rows(engine, db.consumer_failures)
    assert count["last_error"] == ("ValueError: " + "x" * 5000)[:2000]


def test_an_outage_while_counting_a_failure_propagates(
    uow: UoW, user: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    down = sa.exc.OperationalError("INSERT", {}, ConnectionRefusedError("connection refused"))

    def count_failure(*args: object) -> int:
        raise down

    monkeypatch.setattr(ConsumerLedger, "count_failure", count_failure)
    with pytest.raises(sa.exc.OperationalError):
        consume(uow(), "write-audit", an_event(user), failing(KeyError("bad data")))


def test_a_failure_that_cannot_be_counted_is_dead_lettered_at_once_and_not_entered_as_processed(
    engine: sa.Engine, uow: UoW, user: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    def count_failure(*args: object) -> int:
        raise ValueError("value too long for the ledger")

    monkeypatch.setattr(ConsumerLedger, "count_failure", count_failure)
    event = an_event(user)
    assert consume(uow(), "write-audit", event, failing(KeyError("bad data"))) is Outcome.DEAD_LETTER
    (letter,) = rows(engine, db.dead_letters)
    assert letter["reason"] == "failed 1 times; the last time with KeyError: 'bad data'"
    assert rows(engine, db.processed_events) == [], "not countable, so not entered either"


def test_a_dead_letter_keeps_100000_characters_of_payload_and_enters_the_ledger_only_when_asked(
    engine: sa.Engine, uow: UoW
) -> None:
    payload = "p" * 100_100
    assert dead_letter(uow(), "notify", "e1", "unreadable", payload) is Outcome.DEAD_LETTER
    assert dead_letter(uow(), "notify", None, "no id", "{}", processed=True) is Outcome.DEAD_LETTER
    assert rows(engine, db.processed_events) == [], "by default, and never without an event id"
    dead_letter(uow(), "notify", "e2", "gave up", "{}", processed=True)
    assert [(r["consumer"], r["event_id"]) for r in rows(engine, db.processed_events)] == [("notify", "e2")]
    letters = rows(engine, db.dead_letters)
    assert [(r["event_id"], r["reason"]) for r in letters] == [
        ("e1", "unreadable"),
        (None, "no id"),
        ("e2", "gave up"),
    ]
    assert letters[0]["payload"] == payload[:100_000]


def test_an_invalidated_connection_is_an_outage_and_a_plain_database_error_is_not() -> None:
    lost = sa.exc.DBAPIError("SELECT 1", {}, Exception("server closed the connection"))
    assert is_outage(lost) is False
    lost.connection_invalidated = True
    assert is_outage(lost) is True
    assert is_outage(sa.exc.IntegrityError("INSERT", {}, Exception("duplicate key"))) is False
    assert is_outage(KeyError("x")) is False
