"""A migrated SQLite database per test, for service tests that need a real unit of work."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from doable.adapters.db import make_engine
from doable.adapters.migrate import upgrade
from doable.adapters.unit_of_work import UnitOfWork
from doable.domain.events import Event
from doable.domain.model import User, new_id, utcnow


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[sa.Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'doable.db'}")
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def published() -> list[Event]:
    """Events handed on after commit, in order."""
    return []


@pytest.fixture
def uow(engine: sa.Engine, published: list[Event]) -> Callable[[], UnitOfWork]:
    return lambda: UnitOfWork(engine, published.extend)


def add_user(uow: Callable[[], UnitOfWork], name: str = "Test", timezone: str = "Europe/Paris") -> User:
    """A stored account with a fresh id and e-mail, for tests that need someone to own things."""
    person = User(
        id=new_id(),
        email=f"{new_id()}@example.com",
        name=name,
        timezone=timezone,
        password_hash="!",
        created_at=utcnow(),
    )
    with uow() as work:
        work.users.add(person)
        work.commit()
    return person


@pytest.fixture
def user(uow: Callable[[], UnitOfWork]) -> User:
    return add_user(uow)
