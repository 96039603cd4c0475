"""Sign-in and sign-up attempts in the database, so every replica of `auth` counts the same attempts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import Connection

from doable.adapters import db

_table = db.sign_in_attempts


class SignInAttempts:
    """Attempts keyed by a scope (what was tried, and counted by what) and a key (an email, an address)."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def add(self, scope: str, key: str, at: datetime) -> int:
        statement = _table.insert().values(scope=scope, key=key, attempted_at=at).returning(_table.c.id)
        return int(self.connection.execute(statement).scalar_one())

    def since(self, scope: str, key: str, since: datetime) -> list[datetime]:
        """When this key's attempts in the window happened, oldest first."""
        statement = (
            sa.select(_table.c.attempted_at)
            .where(_table.c.scope == scope, _table.c.key == key, _table.c.attempted_at > since)
            .order_by(_table.c.attempted_at)
        )
        return list(self.connection.execute(statement).scalars())

    def remove(self, ids: Sequence[int]) -> None:
        if ids:
            self.connection.execute(_table.delete().where(_table.c.id.in_(ids)))

    def clear(self, scope: str, key: str) -> None:
        self.connection.execute(_table.delete().where(_table.c.scope == scope, _table.c.key == key))

    def prune(self, before: datetime) -> None:
        """Forgets attempts that no window reaches any more."""
        self.connection.execute(_table.delete().where(_table.c.attempted_at <= before))
