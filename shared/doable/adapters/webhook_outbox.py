"""The webhook outbox: reminder POSTs committed with their notification, claimed by lease, marked when done.

A row is `pending` until a 2xx marks it `delivered` or the last retry marks it `failed`. Whoever
delivers it (notify right after commit, or the relay-outbox sweep for rows a crash left behind)
first claims it by setting `leased_until`; a claim only succeeds on a pending row whose lease is
unset or ran out, so two deliverers do not POST the same row at once, and a deliverer that died
mid-way gives the row back when its lease ends.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from doable.adapters import db
from doable.adapters.repositories.dialect import insert

PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"
_c = db.webhook_deliveries.c


class WebhookDeliveries:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def add(self, row: dict[str, Any]) -> bool:
        """Queues a delivery (one per event id); False when the event already has one."""
        statement = (
            insert(self.connection, db.webhook_deliveries)
            .values(status=PENDING, attempts=0, leased_until=None, **row)
            .on_conflict_do_nothing()
            .returning(_c.id)
        )
        return self.connection.execute(statement).first() is not None

    def get(self, event_id: str) -> dict[str, Any] | None:
        row = self.connection.execute(sa.select(db.webhook_deliveries).where(_c.event_id == event_id))
        found = row.mappings().first()
        return dict(found) if found else None

    def claim(self, event_id: str, now: datetime, lease_until: datetime) -> dict[str, Any] | None:
        """The event's pending delivery, now leased to the caller; None if done, absent or leased."""
        return self._claim(_c.event_id == event_id, now, lease_until)

    def claim_stale(
        self, created_before: datetime, now: datetime, lease_until: datetime, limit: int
    ) -> list[dict[str, Any]]:
        """Pending deliveries created before `created_before` that nobody holds, leased to the caller."""
        ids = self.connection.execute(
            sa.select(_c.id)
            .where(_c.status == PENDING, _c.created_at < created_before, _free(now))
            .order_by(_c.created_at)
            .limit(limit)
        ).scalars()
        claimed = (self._claim(_c.id == delivery_id, now, lease_until) for delivery_id in list(ids))
        return [row for row in claimed if row is not None]

    def finish(self, delivery_id: str, *, delivered: bool, attempts: int, when: datetime, error: str) -> None:
        self.connection.execute(
            db.webhook_deliveries.update()
            .where(_c.id == delivery_id)
            .values(
                status=DELIVERED if delivered else FAILED,
                attempts=attempts,
                finished_at=when,
                leased_until=None,
                last_error=error or None,
            )
        )

    def _claim(
        self, which: sa.ColumnElement[bool], now: datetime, lease_until: datetime
    ) -> dict[str, Any] | None:
        # One conditional UPDATE: of two claimants racing for a row, only one sees it come back.
        statement = (
            db.webhook_deliveries.update()
            .where(which, _c.status == PENDING, _free(now))
            .values(leased_until=lease_until)
            .returning(*db.webhook_deliveries.c)
        )
        row = self.connection.execute(statement).mappings().first()
        return dict(row) if row else None


def _free(now: datetime) -> sa.ColumnElement[bool]:
    return sa.or_(_c.leased_until.is_(None), _c.leased_until <= now)
