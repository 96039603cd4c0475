"""The webhook outbox on the stack's PostgreSQL: queued once, one claimant at a time, done is final."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta

import pytest
import sqlalchemy as sa

from doable.adapters import db
from doable.adapters.repositories.audit import AuditLog
from doable.adapters.webhook_outbox import DELIVERED, FAILED, WebhookDeliveries
from doable.domain.events import Event
from doable.domain.model import User, new_id, utcnow
from doable.services import notifications
from tests.unit.test_webhooks import Receiver, reminder

pytestmark = pytest.mark.integration


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = Receiver()
    yield running
    running.close()


def queued(database: sa.Engine, url: str) -> Event:
    """A reminder with a fresh row: the stack's own sweep leaves rows under 30 s old alone."""
    user = User(
        id=new_id(),
        email="hook@example.com",
        name="Hook",
        timezone="UTC",
        password_hash="!",
        created_at=utcnow(),
    )
    event = reminder(user, f"evt-{new_id()}")
    row = {
        "id": new_id(),
        "event_id": event.id,
        "user_id": user.id,
        "task_id": event.subject,
        "correlation_id": event.correlation_id,
        "url": url,
        "payload": json.dumps({"id": event.id}),
        "created_at": utcnow(),
    }
    with database.begin() as connection:
        assert WebhookDeliveries(connection).add(row)
        assert not WebhookDeliveries(connection).add({**row, "id": new_id()}), "one delivery per event"
    return event


def test_a_queued_webhook_is_claimed_once_delivered_once_and_final(
    database: sa.Engine, receiver: Receiver
) -> None:
    event = queued(database, f"http://127.0.0.1:{receiver.port}/hook")
    now = utcnow()
    with database.begin() as connection:
        assert WebhookDeliveries(connection).claim(event.id, now, now + timedelta(minutes=5)) is not None
    with database.begin() as connection:
        assert WebhookDeliveries(connection).claim(event.id, now, now + timedelta(minutes=5)) is None
    assert notifications.deliver_webhook(database, event, allow_private=True) is False, "still leased"

    with database.begin() as connection:  # the first claimant died: its lease ran out
        rows = db.webhook_deliveries
        connection.execute(rows.update().where(rows.c.event_id == event.id).values(leased_until=now))
    assert notifications.deliver_webhook(database, event, allow_private=True) is True
    assert notifications.deliver_webhook(database, event, allow_private=True) is False
    assert [r.event for r in receiver.received] == [event.id]
    with database.connect() as connection:
        done = WebhookDeliveries(connection).get(event.id)
    assert done is not None and done["status"] == DELIVERED


def test_a_refused_target_is_failed_and_audited_in_one_transaction(database: sa.Engine) -> None:
    event = queued(database, "http://127.0.0.1:9/hook")
    assert notifications.deliver_webhook(database, event) is False
    with database.connect() as connection:
        row = WebhookDeliveries(connection).get(event.id)
        assert row is not None and row["status"] == FAILED and "not a public address" in row["last_error"]
        [entry] = [e for e in AuditLog(connection).chain(event.user_id) if e["action"] == "webhook.failed"]
    assert entry["data"]["attempts"] == 0
