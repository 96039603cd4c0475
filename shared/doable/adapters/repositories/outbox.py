"""The transactional outbox's rows: events written with the change, claimed and marked by the relay."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import Connection

from doable.adapters import db
from doable.domain.events import Event


class Outbox:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def add(self, events: Sequence[Event]) -> None:
        if events:
            self.connection.execute(
                db.outbox.insert(),
                [
                    {
                        "id": event.id,
                        "topic": event.topic.value,
                        "partition_key": event.partition_key,
                        "payload": event.to_json(),
                        "created_at": event.time,
                    }
                    for event in events
                ],
            )

    def claim_pending(self, created_before: datetime, limit: int) -> list[tuple[str, str, str, str]]:
        """Unpublished rows as (id, topic, partition key, payload); locked so two relays never race."""
        o = db.outbox.c
        statement = (
            sa.select(o.id, o.topic, o.partition_key, o.payload)
            .where(o.published_at.is_(None), o.created_at < created_before)
            .order_by(o.created_at)
            .limit(limit)
        )
        if self.connection.dialect.name == "postgresql":
            statement = statement.with_for_update(skip_locked=True)
        return [tuple(row) for row in self.connection.execute(statement)]

    def mark_published(self, ids: Sequence[str], when: datetime) -> None:
        if ids:
            self.connection.execute(
                db.outbox.update()
                .where(db.outbox.c.id.in_(ids), db.outbox.c.published_at.is_(None))
                .values(published_at=when)
            )

    def backlog(self) -> int:
        return self.connection.execute(
            sa.select(sa.func.count()).select_from(db.outbox).where(db.outbox.c.published_at.is_(None))
        ).scalar_one()
