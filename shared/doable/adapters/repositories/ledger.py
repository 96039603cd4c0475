"""The consumer ledger: which events each consumer has processed, failed on, or dead-lettered."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection

from doable.adapters import db
from doable.adapters.repositories.dialect import insert


class ConsumerLedger:
    """What each consumer has already processed, and what it could not understand."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def first_delivery(self, consumer: str, event_id: str, now: datetime) -> bool:
        """Records the event as processed; False when this consumer has seen it before."""
        statement = (
            insert(self.connection, db.processed_events)
            .values(consumer=consumer, event_id=event_id, processed_at=now)
            .on_conflict_do_nothing()
            .returning(db.processed_events.c.event_id)
        )
        # rowcount is unreliable for ON CONFLICT on psycopg; RETURNING says for sure whether a row went in.
        return self.connection.execute(statement).first() is not None

    def count_failure(self, consumer: str, event_id: str, reason: str, now: datetime) -> int:
        """Adds one failed delivery of the event to the consumer's count; returns the count so far."""
        f = db.consumer_failures.c
        statement = (
            insert(self.connection, db.consumer_failures)
            .values(
                consumer=consumer,
                event_id=event_id,
                failures=1,
                last_error=reason,
                first_failed_at=now,
                last_failed_at=now,
            )
            .on_conflict_do_update(
                index_elements=[f.consumer, f.event_id],
                set_={"failures": f.failures + 1, "last_error": reason, "last_failed_at": now},
            )
            .returning(f.failures)
        )
        return int(self.connection.execute(statement).scalar_one())

    def dead_letter(
        self, consumer: str, event_id: str | None, reason: str, payload: str, now: datetime
    ) -> None:
        self.connection.execute(
            db.dead_letters.insert().values(
                consumer=consumer, event_id=event_id, reason=reason, payload=payload, received_at=now
            )
        )
