"""Personal access tokens in the database: only their SHA-256 digests are stored, never the tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from doable.adapters import db

PREFIX = "dpat_"
_table = db.access_tokens


def generate() -> str:
    """A new token: the prefix (so it is recognisable in a leak scan) and 256 random bits."""
    return PREFIX + secrets.token_urlsafe(32)


def digest(token: str) -> str:
    """What is stored and looked up. The token is random and long, so a fast hash is as good as a slow one."""
    return hashlib.sha256(token.encode()).hexdigest()


class AccessTokens:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def add(self, row: dict[str, Any]) -> None:
        self.connection.execute(_table.insert().values(row))

    def by_digest(self, token_digest: str) -> dict[str, Any] | None:
        row = self.connection.execute(sa.select(_table).where(_table.c.token_hash == token_digest))
        found = row.mappings().first()
        return dict(found) if found else None

    def for_user(self, user_id: str) -> list[dict[str, Any]]:
        """The user's tokens not revoked, newest first."""
        c = _table.c
        statement = (
            sa.select(_table)
            .where(c.user_id == user_id, c.revoked_at.is_(None))
            .order_by(c.created_at.desc(), c.id.desc())
        )
        return [dict(row) for row in self.connection.execute(statement).mappings()]

    def active_count(self, user_id: str, now: datetime) -> int:
        c = _table.c
        statement = sa.select(sa.func.count()).where(
            c.user_id == user_id, c.revoked_at.is_(None), c.expires_at > now
        )
        return int(self.connection.execute(statement).scalar_one())

    def get(self, user_id: str, token_id: str) -> dict[str, Any] | None:
        c = _table.c
        statement = sa.select(_table).where(c.id == token_id, c.user_id == user_id)
        found = self.connection.execute(statement).mappings().first()
        return dict(found) if found else None

    def revoke(self, user_id: str, token_id: str, when: datetime) -> None:
        c = _table.c
        self.connection.execute(
            _table.update()
            .where(c.id == token_id, c.user_id == user_id, c.revoked_at.is_(None))
            .values(revoked_at=when)
        )

    def used(self, token_id: str, when: datetime) -> None:
        self.connection.execute(_table.update().where(_table.c.id == token_id).values(last_used_at=when))
