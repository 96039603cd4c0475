"""A unit of work per test: a migrated SQLite database (the `uow` fixture), or the in-memory one of
tests/fakes.py (`memory_uow`) for service tests that need no SQL."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from doable.adapters.db import make_engine
from doable.adapters.migrate import upgrade
from doable.adapters.unit_of_work import UnitOfWork
from doable.domain.events import Event
from doable.domain.model import User, new_id, utcnow
from doable.services import ports
from tests.fakes import MemoryData, MemoryUnitOfWork


@pytest.fixture(scope="session")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database at the latest migration, made once: running the migrations costs each test more
    than the test itself."""
    path = tmp_path_factory.mktemp("migrated") / "doable.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture
def engine(tmp_path: Path, migrated: Path) -> Iterator[sa.Engine]:
    """A fresh database of the test's own, copied from `migrated` (SQLite's backup copies it whole)."""
    path = tmp_path / "doable.db"
    source, target = sqlite3.connect(migrated), sqlite3.connect(path)
    source.backup(target)
    source.close()
    target.close()
    engine = make_engine(f"sqlite:///{path}")
    yield engine
    engine.dispose()


@pytest.fixture
def published() -> list[Event]:
    """Events handed on after commit, in order."""
    return []


@pytest.fixture
def uow(engine: sa.Engine, published: list[Event]) -> Callable[[], UnitOfWork]:
    return lambda: UnitOfWork(engine, published.extend)


@pytest.fixture
def memory_uow(published: list[Event]) -> Callable[[], MemoryUnitOfWork]:
    data = MemoryData()
    return lambda: MemoryUnitOfWork(data, published.extend)


def add_user(uow: Callable[[], ports.UnitOfWork], name: str = "Test", timezone: str = "Europe/Paris") -> User:
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
