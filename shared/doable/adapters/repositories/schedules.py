"""Recurring schedules, and the occurrences of each that already got their task."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from doable.adapters import db
from doable.adapters.repositories.dialect import insert


class Schedules:
    """Recurring schedules, one per series, and the occurrences that already got their instance."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def get(self, series_id: str, *, for_update: bool = False) -> dict[str, Any] | None:
        statement = sa.select(db.recurring_schedules).where(db.recurring_schedules.c.series_id == series_id)
        if for_update and self.connection.dialect.name == "postgresql":
            statement = statement.with_for_update()
        row = self.connection.execute(statement).mappings().first()
        return dict(row) if row else None

    def add(self, row: dict[str, Any]) -> None:
        statement = insert(self.connection, db.recurring_schedules).values(row).on_conflict_do_nothing()
        self.connection.execute(statement)

    def update(self, series_id: str, **values: Any) -> None:
        self.connection.execute(
            db.recurring_schedules.update()
            .where(db.recurring_schedules.c.series_id == series_id)
            .values(values)
        )

    def claim_occurrence(self, series_id: str, due_at: datetime, task_id: str, now: datetime) -> bool:
        """True for the first claim of this occurrence; every later claim (a redelivery, a race) is False."""
        statement = (
            insert(self.connection, db.series_occurrences)
            .values(series_id=series_id, due_at=due_at, task_id=task_id, created_at=now)
            .on_conflict_do_nothing()
            .returning(db.series_occurrences.c.task_id)
        )
        return self.connection.execute(statement).first() is not None
