"""In-app notifications: one per event, read or unread."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from doable.adapters import db
from doable.adapters.repositories.dialect import insert


class Notifications:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def add(self, row: dict[str, Any]) -> bool:
        """Adds the notification unless one exists for its event; returns whether it was added."""
        statement = (
            insert(self.connection, db.notifications)
            .values(row)
            .on_conflict_do_nothing()
            .returning(db.notifications.c.id)
        )
        return self.connection.execute(statement).first() is not None

    def for_user(self, user_id: str, unread_only: bool, limit: int = 100) -> list[dict[str, Any]]:
        n = db.notifications.c
        statement = sa.select(db.notifications).where(n.user_id == user_id)
        if unread_only:
            statement = statement.where(n.read_at.is_(None))
        statement = statement.order_by(n.created_at.desc(), n.id.desc()).limit(limit)
        return [dict(row) for row in self.connection.execute(statement).mappings()]

    def unread_count(self, user_id: str) -> int:
        n = db.notifications.c
        statement = sa.select(sa.func.count()).where(n.user_id == user_id, n.read_at.is_(None))
        return self.connection.execute(statement).scalar_one()

    def mark_read(self, user_id: str, notification_id: str, when: datetime) -> dict[str, Any] | None:
        n = db.notifications.c
        self.connection.execute(
            db.notifications.update()
            .where(n.id == notification_id, n.user_id == user_id, n.read_at.is_(None))
            .values(read_at=when)
        )
        row = (
            self.connection.execute(
                sa.select(db.notifications).where(n.id == notification_id, n.user_id == user_id)
            )
            .mappings()
            .first()
        )
        return dict(row) if row else None

    def mark_all_read(self, user_id: str, when: datetime) -> int:
        n = db.notifications.c
        result = self.connection.execute(
            db.notifications.update().where(n.user_id == user_id, n.read_at.is_(None)).values(read_at=when)
        )
        return result.rowcount
