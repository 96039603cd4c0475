"""Audit integrity on PostgreSQL: the same known-answer hash as SQLite, and triggers that refuse
UPDATE, DELETE and TRUNCATE on the audit log."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from doable.adapters import db
from doable.adapters.unit_of_work import UnitOfWork
from doable.services import audit
from doable.services.consumers import Outcome, consume
from tests.unit.test_audit_integrity import (
    GENESIS,
    KAT_CANONICAL,
    KAT_EVENT,
    KAT_HASH,
    KAT_NEXT_CANONICAL,
    KAT_NEXT_EVENT,
    sha256,
)

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def kat_entries(database: sa.Engine) -> list[dict[str, object]]:
    """The known-answer entries, written by write-audit's own effect into the stack's database."""
    for event in (KAT_EVENT, KAT_NEXT_EVENT):
        assert consume(UnitOfWork(database), "write-audit", event, audit.record) is Outcome.PROCESSED
    with database.connect() as connection:
        statement = sa.select(db.audit_log).where(db.audit_log.c.user_id == KAT_EVENT.user_id)
        return [dict(row) for row in connection.execute(statement.order_by(db.audit_log.c.seq)).mappings()]


def test_postgres_entries_hash_to_the_known_answer_and_verify(
    database: sa.Engine, kat_entries: list[dict[str, object]]
) -> None:
    first, second = kat_entries
    assert (first["prev_hash"], first["hash"]) == (GENESIS, KAT_HASH)
    assert (second["prev_hash"], second["hash"]) == (KAT_HASH, sha256(KAT_HASH + KAT_NEXT_CANONICAL))
    assert sha256(GENESIS + KAT_CANONICAL) == KAT_HASH
    assert audit.verify(UnitOfWork(database), KAT_EVENT.user_id) == (2, None)


@pytest.mark.parametrize(
    ("statement", "operation"),
    [
        (f"UPDATE audit_log SET action = 'forged' WHERE event_id = '{KAT_EVENT.id}'", "UPDATE"),
        (f"DELETE FROM audit_log WHERE event_id = '{KAT_EVENT.id}'", "DELETE"),
        ("TRUNCATE audit_log", "TRUNCATE"),
    ],
)
def test_postgres_refuses_to_change_or_remove_audit_entries(
    database: sa.Engine, kat_entries: list[dict[str, object]], statement: str, operation: str
) -> None:
    with (
        database.begin() as connection,
        pytest.raises(sa.exc.DatabaseError, match=f"audit_log is append-only: {operation} refused"),
    ):
        connection.execute(sa.text(statement))
    assert audit.verify(UnitOfWork(database), KAT_EVENT.user_id) == (2, None)
    with database.connect() as connection:
        action = connection.execute(
            sa.select(db.audit_log.c.action).where(db.audit_log.c.event_id == KAT_EVENT.id)
        ).scalar_one()
    assert action == KAT_EVENT.type
