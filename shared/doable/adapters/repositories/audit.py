"""The audit log: append-only entries, hash-chained per user so a changed or missing entry shows."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from doable.adapters import db
from doable.domain.audit import GENESIS, entry_hash


class AuditLog:
    """Append-only, hash-chained per user: each entry's hash covers its content and the previous hash."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def append(self, entry: dict[str, Any]) -> bool:
        """Adds one entry unless its event is already recorded; returns whether it was added."""
        if self.connection.dialect.name == "postgresql":
            # Serialises appends per user so concurrent consumers cannot fork the chain.
            self.connection.execute(
                sa.select(sa.func.pg_advisory_xact_lock(sa.func.hashtext(entry["user_id"])))
            )
        a = db.audit_log.c
        if self.connection.execute(sa.select(a.seq).where(a.event_id == entry["event_id"])).first():
            return False
        previous = self.connection.execute(
            sa.select(a.hash).where(a.user_id == entry["user_id"]).order_by(a.seq.desc()).limit(1)
        ).scalar()
        prev_hash = previous or GENESIS
        row = {**entry, "prev_hash": prev_hash, "hash": entry_hash(prev_hash, entry)}
        self.connection.execute(db.audit_log.insert().values(row))
        return True

    def for_resource(self, user_id: str, resource_id: str) -> list[dict[str, Any]]:
        a = db.audit_log.c
        statement = (
            sa.select(db.audit_log).where(a.user_id == user_id, a.resource_id == resource_id).order_by(a.seq)
        )
        return [dict(row) for row in self.connection.execute(statement).mappings()]

    def chain(self, user_id: str | None = None) -> Iterable[dict[str, Any]]:
        statement = sa.select(db.audit_log).order_by(db.audit_log.c.user_id, db.audit_log.c.seq)
        if user_id is not None:
            statement = statement.where(db.audit_log.c.user_id == user_id)
        return (dict(row) for row in self.connection.execute(statement).mappings())
