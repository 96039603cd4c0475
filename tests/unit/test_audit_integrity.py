"""Audit integrity on SQLite: a known-answer entry hash, tampering of every kind detected by
`verify` and by `doable audit verify`, and the triggers that refuse UPDATE and DELETE."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from doable.adapters import db
from doable.adapters.unit_of_work import UnitOfWork
from doable.domain.audit import entry_hash
from doable.domain.events import Event, EventType, Topic
from doable.services import audit
from doable.services.audit import BrokenLink
from doable.services.consumers import Outcome, consume

UoW = Callable[[], UnitOfWork]
GENESIS = "0" * 64

# The canonical form documented in docs/architecture.md, written out by hand: the hashed fields as
# JSON with sorted keys (nested ones too), no spaces, non-ASCII escaped, the time in isoformat with
# its offset; the hash is the SHA-256 of the previous entry's hash (64 zeros for a user's first
# entry) followed by that text. Changing any of this orphans every chain already written, so the
# vector pins it.
KAT_EVENT = Event(
    id="evt-kat-1",
    type=EventType.TASK_CREATED,
    topic=Topic.TASK_EVENTS,
    subject="task-kat",
    user_id="user-kat",
    time=datetime(2026, 11, 30, 9, 0, 0, 123456, tzinfo=UTC),
    correlation_id="corr-kat",
    data={"task": {"title": "Café", "tags": ["home"]}},
)
KAT_CANONICAL = (
    '{"action":"task.created","correlation_id":"corr-kat",'
    '"data":{"task":{"tags":["home"],"title":"Caf\\u00e9"}},'
    '"event_id":"evt-kat-1","occurred_at":"2026-11-30T09:00:00.123456+00:00",'
    '"resource_id":"task-kat","resource_type":"task","user_id":"user-kat"}'
)
KAT_HASH = "65f17cbb8e88fea8c1a51abb2dc03490d1fe4cd67e9b99f52db7740b3be89497"

KAT_NEXT_EVENT = Event(
    id="evt-kat-2",
    type=EventType.TASK_COMPLETED,
    topic=Topic.TASK_EVENTS,
    subject="task-kat",
    user_id="user-kat",
    time=datetime(2026, 11, 30, 10, 0, tzinfo=UTC),
    correlation_id="corr-kat-2",
    data={"task": {"status": "completed"}},
)
KAT_NEXT_CANONICAL = (
    '{"action":"task.completed","correlation_id":"corr-kat-2","data":{"task":{"status":"completed"}},'
    '"event_id":"evt-kat-2","occurred_at":"2026-11-30T10:00:00+00:00",'
    '"resource_id":"task-kat","resource_type":"task","user_id":"user-kat"}'
)


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def rows(engine: sa.Engine, user_id: str | None = None) -> list[dict[str, Any]]:
    statement = sa.select(db.audit_log).order_by(db.audit_log.c.seq)
    if user_id is not None:
        statement = statement.where(db.audit_log.c.user_id == user_id)
    with engine.connect() as connection:
        return [dict(row) for row in connection.execute(statement).mappings()]


def test_the_entry_hash_matches_a_known_answer_vector(uow: UoW, engine: sa.Engine) -> None:
    assert sha256(GENESIS + KAT_CANONICAL) == KAT_HASH
    assert consume(uow(), "write-audit", KAT_EVENT, audit.record) is Outcome.PROCESSED
    assert consume(uow(), "write-audit", KAT_NEXT_EVENT, audit.record) is Outcome.PROCESSED
    first, second = rows(engine, "user-kat")
    assert (first["prev_hash"], first["hash"]) == (GENESIS, KAT_HASH)
    assert (second["prev_hash"], second["hash"]) == (KAT_HASH, sha256(KAT_HASH + KAT_NEXT_CANONICAL))
    assert audit.verify(uow(), "user-kat") == (2, None)


def event(n: int, user_id: str = "alice") -> Event:
    return Event(
        id=f"evt-{user_id}-{n}",
        type=EventType.TASK_UPDATED,
        topic=Topic.TASK_EVENTS,
        subject=f"task-{user_id}",
        user_id=user_id,
        time=datetime(2026, 11, 30, 9, n, tzinfo=UTC),
        correlation_id=f"corr-{n}",
        data={"task": {"title": f"version {n}"}, "changes": {"title": f"version {n}"}},
    )


@pytest.fixture
def chain(uow: UoW, engine: sa.Engine) -> list[dict[str, Any]]:
    """Alice's three entries (seq 1, 2, 3), intact, with the append-only triggers dropped, as someone
    holding the database's keys could: what is left to catch tampering is the hash chain."""
    for n in (1, 2, 3):
        consume(uow(), "write-audit", event(n), audit.record)
    assert audit.verify(uow()) == (3, None)
    with engine.begin() as connection:
        connection.execute(sa.text("DROP TRIGGER audit_log_no_update"))
        connection.execute(sa.text("DROP TRIGGER audit_log_no_delete"))
    return rows(engine)


def tamper(engine: sa.Engine, entry: int, **values: Any) -> None:
    with engine.begin() as connection:
        connection.execute(db.audit_log.update().where(db.audit_log.c.seq == entry).values(**values))


CONTENT = "content does not match its hash"
LINK = "prev_hash does not match the entry before it"


@pytest.mark.parametrize(
    ("column", "forged"),
    [
        ("event_id", "evt-forged"),
        ("action", "task.deleted"),
        ("resource_type", "note"),
        ("resource_id", "task-someone-else"),
        ("occurred_at", datetime(2026, 11, 30, 9, 2, 1, tzinfo=UTC)),
        ("correlation_id", "corr-forged"),
        ("data", {"task": {"title": "forged"}, "changes": {"title": "forged"}}),
        ("hash", "f" * 64),
    ],
)
def test_changing_any_hashed_field_breaks_the_entry(
    chain: list[dict[str, Any]], engine: sa.Engine, uow: UoW, column: str, forged: Any
) -> None:
    tamper(engine, 2, **{column: forged})
    assert audit.verify(uow()) == (1, BrokenLink("alice", 2, CONTENT))


def test_moving_an_entry_to_another_user_breaks_the_chain_it_left(
    chain: list[dict[str, Any]], engine: sa.Engine, uow: UoW
) -> None:
    tamper(engine, 2, user_id="mallory")
    assert audit.verify(uow()) == (1, BrokenLink("alice", 3, LINK))


def test_a_changed_previous_hash_breaks_the_link(
    chain: list[dict[str, Any]], engine: sa.Engine, uow: UoW
) -> None:
    tamper(engine, 2, prev_hash=chain[2]["hash"])
    assert audit.verify(uow()) == (1, BrokenLink("alice", 2, LINK))


def test_a_forged_entry_with_a_recomputed_hash_breaks_the_next_link(
    chain: list[dict[str, Any]], engine: sa.Engine, uow: UoW
) -> None:
    forged = {**chain[1], "action": "task.deleted"}
    tamper(engine, 2, action="task.deleted", hash=entry_hash(forged["prev_hash"], forged))
    assert audit.verify(uow()) == (2, BrokenLink("alice", 3, LINK))


@pytest.mark.parametrize(("seq", "checked", "broken_at"), [(1, 0, 2), (2, 1, 3)])
def test_a_deleted_entry_breaks_the_link_after_it(
    chain: list[dict[str, Any]], engine: sa.Engine, uow: UoW, seq: int, checked: int, broken_at: int
) -> None:
    with engine.begin() as connection:
        connection.execute(db.audit_log.delete().where(db.audit_log.c.seq == seq))
    assert audit.verify(uow()) == (checked, BrokenLink("alice", broken_at, LINK))


def test_reordered_entries_break_the_chain(chain: list[dict[str, Any]], engine: sa.Engine, uow: UoW) -> None:
    for old, new in ((1, 100), (2, 1), (100, 2)):
        tamper(engine, old, seq=new)
    assert audit.verify(uow()) == (0, BrokenLink("alice", 1, LINK))


@pytest.mark.parametrize(
    ("statement", "operation"),
    [("UPDATE audit_log SET action = 'forged'", "UPDATE"), ("DELETE FROM audit_log", "DELETE")],
)
def test_sqlite_refuses_to_update_or_delete_audit_entries(
    uow: UoW, engine: sa.Engine, statement: str, operation: str
) -> None:
    consume(uow(), "write-audit", event(1), audit.record)
    before = rows(engine)
    with (
        engine.begin() as connection,
        pytest.raises(sa.exc.DatabaseError, match=f"audit_log is append-only: {operation} refused"),
    ):
        connection.execute(sa.text(statement))
    assert rows(engine) == before


def verify_cli(engine: sa.Engine, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DOABLE_MODE": "embedded",
        "DOABLE_DATABASE_URL": str(engine.url),
        "DOABLE_DATA_DIR": str(tmp_path / "cli"),
    }
    return subprocess.run(
        [sys.executable, "-m", "doable.cli", "audit", "verify"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_cli_says_the_log_is_intact_and_exits_0(uow: UoW, engine: sa.Engine, tmp_path: Path) -> None:
    for n in (1, 2):
        consume(uow(), "write-audit", event(n), audit.record)
    consume(uow(), "write-audit", event(1, "bob"), audit.record)
    result = verify_cli(engine, tmp_path)
    assert (result.returncode, result.stdout) == (0, "audit log intact: 3 entries verified\n"), result.stderr


def test_the_cli_names_the_first_broken_entry_and_exits_1(
    chain: list[dict[str, Any]], engine: sa.Engine, tmp_path: Path
) -> None:
    tamper(engine, 3, occurred_at=chain[2]["occurred_at"] + timedelta(hours=1))
    result = verify_cli(engine, tmp_path)
    assert result.returncode == 1, result.stderr
    assert result.stdout == (
        "audit log broken at entry 3 of user alice: content does not match its hash "
        "(2 entries before it verified)\n"
        "The log is append-only, so this entry was changed outside Doable: compare it with a backup "
        "taken before it, and check who could write to the audit_log table.\n"
    )
