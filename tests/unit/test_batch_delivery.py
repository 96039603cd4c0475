"""Bulk delivery: a batch applied in one transaction, idempotent per event, answered entry by entry.

`consume_batch` runs on a migrated SQLite unit of work with the real audit effect; the HTTP side is
write-audit's own handler fed the envelope daprd posts for a bulk subscription (entries with an
entryId and the CloudEvent as `event`), answered with a status per entry.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import flask
import pytest
import sqlalchemy as sa
from werkzeug.test import EnvironBuilder

from doable.adapters import db
from doable.adapters.unit_of_work import UnitOfWork
from doable.domain.events import Context, Event, EventType, task_events
from doable.domain.model import User, new_task
from doable.services import audit
from doable.services.consumers import FAILURES_MAX, Outcome, consume_batch
from doable.services.ports import SidecarUnavailable
from tests.unit.conftest import add_user

UoW = Callable[[], UnitOfWork]
NOW = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)


def an_event(user: User, title: str = "t") -> Event:
    task = new_task(user.id, {"title": title}, NOW)
    return task_events(EventType.TASK_CREATED, task, Context(user.id), NOW)[0]


def audit_rows(engine: sa.Engine) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        statement = sa.select(db.audit_log).order_by(db.audit_log.c.user_id, db.audit_log.c.seq)
        return [dict(row) for row in connection.execute(statement).mappings()]


def test_a_batch_commits_every_event_once_and_keeps_each_users_order(
    engine: sa.Engine, uow: UoW, user: User
) -> None:
    other = add_user(uow, "Other")
    batch = [an_event(user, "a1"), an_event(other, "b1"), an_event(user, "a2"), an_event(other, "b2")]

    assert consume_batch(uow(), "write-audit", batch, audit.record) == [Outcome.PROCESSED] * 4
    rows = audit_rows(engine)
    by_user = {
        u.id: [r["data"]["task"]["title"] for r in rows if r["user_id"] == u.id] for u in (user, other)
    }
    assert by_user == {user.id: ["a1", "a2"], other.id: ["b1", "b2"]}
    assert audit.verify(uow()) == (4, None), "each user's chain links up"

    redelivered = [batch[2], an_event(user, "a3"), batch[0]]
    outcomes = consume_batch(uow(), "write-audit", redelivered, audit.record)
    assert outcomes == [Outcome.DUPLICATE, Outcome.PROCESSED, Outcome.DUPLICATE]
    assert len(audit_rows(engine)) == 5


def test_one_bad_event_fails_alone_and_the_rest_of_its_batch_commits(
    engine: sa.Engine, uow: UoW, user: User
) -> None:
    good, bad, later = an_event(user, "good"), an_event(user, "bad"), an_event(user, "later")

    def effect(work: UnitOfWork, event: Event) -> None:
        if event.id == bad.id:
            raise KeyError("no such thing")
        audit.record(work, event)

    outcomes = consume_batch(uow(), "write-audit", [good, bad, later], effect)

    assert outcomes == [Outcome.PROCESSED, Outcome.FAILED, Outcome.PROCESSED]
    assert [r["data"]["task"]["title"] for r in audit_rows(engine)] == ["good", "later"]
    for _ in range(FAILURES_MAX - 1):
        outcomes = consume_batch(uow(), "write-audit", [good, bad], effect)
    assert outcomes == [Outcome.DUPLICATE, Outcome.DEAD_LETTER]


def test_an_outage_fails_the_whole_batch_and_counts_nothing(engine: sa.Engine, uow: UoW, user: User) -> None:
    def outage(work: UnitOfWork, event: Event) -> None:
        raise SidecarUnavailable("sidecar unreachable")

    with pytest.raises(SidecarUnavailable):
        consume_batch(uow(), "write-audit", [an_event(user), an_event(user)], outage)
    with engine.connect() as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(db.processed_events)).scalar() == 0
        assert connection.execute(sa.select(sa.func.count()).select_from(db.consumer_failures)).scalar() == 0


# --- over HTTP, as daprd delivers a bulk subscription -------------------------------------------------


@pytest.fixture
def embedded(tmp_path: Path) -> Iterator[Any]:
    from doable.config import Settings
    from doable.embedded import Embedded

    running = Embedded(Settings(mode="embedded", data_dir=tmp_path))
    try:
        yield running
    finally:
        running.stop()


def post(embedded: Any, function: str, path: str, body: object) -> flask.Response:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    builder = EnvironBuilder(
        method="POST", path=path, data=data, headers={"Content-Type": "application/json"}
    )
    try:
        request = flask.Request(builder.get_environ())
    finally:
        builder.close()
    response: flask.Response = embedded.functions[function].handler(request)
    return response


def entry(entry_id: str, event: object) -> dict[str, object]:
    return {
        "entryId": entry_id,
        "event": event,
        "metadata": {},
        "contentType": "application/cloudevents+json",
    }


def test_write_audit_answers_each_entry_of_a_bulk_delivery(embedded: Any) -> None:
    engine = embedded.container.engine
    person = add_user(lambda: UnitOfWork(engine), "Bulk")
    first, second = an_event(person, "one"), an_event(person, "two")
    no_time = {key: value for key, value in first.to_cloudevent().items() if key != "time"} | {"id": "evt-x"}
    envelope = {
        "id": "bulk-1",
        "type": "com.dapr.event.sent.bulk",
        "topic": "task-events",
        "pubsubname": "pubsub",
        "metadata": {},
        "entries": [
            entry("e1", first.to_cloudevent()),
            entry("e2", second.to_json()),  # the CloudEvent as text, as daprd passes a non-JSON content type
            entry("e3", no_time),
            {"event": first.to_cloudevent()},  # no entryId: nothing to answer to
            entry("e4", first.to_cloudevent()),  # the same event twice in one batch
        ],
    }

    response = post(embedded, "write-audit", "/events/batch", envelope)

    assert response.status_code == 200
    statuses = {s["entryId"]: s["status"] for s in response.get_json()["statuses"]}
    assert statuses == {"e1": "SUCCESS", "e2": "SUCCESS", "e3": "DROP", "e4": "SUCCESS"}
    assert [r["data"]["task"]["title"] for r in audit_rows(engine)] == ["one", "two"]
    with engine.connect() as connection:
        (letter,) = connection.execute(sa.select(db.dead_letters)).mappings()
    assert (letter["consumer"], letter["event_id"]) == ("write-audit", "evt-x")
    assert "no time" in letter["reason"]


@pytest.mark.parametrize("body", [b"not json", {"entries": "none"}, {"id": "x"}])
def test_a_body_that_is_no_bulk_delivery_is_refused_with_what_was_expected(
    embedded: Any, body: object
) -> None:
    response = post(embedded, "write-audit", "/events/batch", body)
    assert response.status_code == 400
    assert "bulk delivery" in response.get_json()["detail"]
