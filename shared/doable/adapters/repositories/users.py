"""Accounts: one row per user, the email unique."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from doable.adapters import db
from doable.adapters.repositories.dialect import insert
from doable.domain.model import User


class UserRepository:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def add(self, user: User) -> bool:
        """Inserts the user; False when the email is already taken."""
        statement = (
            insert(self.connection, db.users)
            .values(_user_row(user))
            .on_conflict_do_nothing()
            .returning(db.users.c.id)
        )
        return self.connection.execute(statement).first() is not None

    def get(self, user_id: str) -> User | None:
        row = self.connection.execute(sa.select(db.users).where(db.users.c.id == user_id)).mappings().first()
        return User(**row) if row else None

    def by_email(self, email: str) -> User | None:
        row = self.connection.execute(sa.select(db.users).where(db.users.c.email == email)).mappings().first()
        return User(**row) if row else None

    def save(self, user: User) -> None:
        self.connection.execute(db.users.update().where(db.users.c.id == user.id).values(_user_row(user)))


def _user_row(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "email": user.email,
        "name": user.name,
        "timezone": user.timezone,
        "password_hash": user.password_hash,
        "webhook_url": user.webhook_url,
        "created_at": user.created_at,
        "notify": user.notify,
    }
