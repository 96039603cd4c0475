"""The relational schema as SQLAlchemy Core tables, and the engine for PostgreSQL or SQLite."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Dialect,
    Engine,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    create_engine,
    event,
)
from sqlalchemy.types import TypeDecorator


class UtcDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in and out, on PostgreSQL (timestamptz) and on SQLite (text) alike."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


Serial = BigInteger().with_variant(Integer, "sqlite")

metadata = MetaData()

users = Table(
    "users",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("email", String(320), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("password_hash", String(255), nullable=False),
    Column("webhook_url", String(2000)),
    Column("created_at", UtcDateTime, nullable=False),
    Column("notify", JSON),  # {kind: bool}; NULL and missing kinds mean on (migration 0006)
)

tasks = Table(
    "tasks",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("user_id", String(36), ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("title", String(200), nullable=False),
    Column("description", Text, nullable=False),
    Column("priority", String(8), nullable=False),
    Column("priority_rank", SmallInteger, nullable=False),
    Column("tags", JSON, nullable=False),
    Column("status", String(10), nullable=False),
    Column("due_at", UtcDateTime),
    Column("recurrence", String(8), nullable=False),
    Column("reminder_minutes_before", Integer),
    Column("reminder_at", UtcDateTime),
    Column("series_id", String(36)),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("completed_at", UtcDateTime),
    Column("version", Integer, nullable=False),
)

task_tags = Table(
    "task_tags",
    metadata,
    Column("task_id", String(36), ForeignKey("tasks.id", ondelete="CASCADE"), primary_key=True),
    Column("tag", String(40), primary_key=True),
    Column("user_id", String(36), nullable=False),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("topic", String(32), nullable=False),
    Column("partition_key", String(64), nullable=False),
    Column("payload", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("published_at", UtcDateTime),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("seq", Serial, primary_key=True, autoincrement=True),
    Column("event_id", String(64), nullable=False, unique=True),
    Column("user_id", String(36), nullable=False),
    Column("action", String(40), nullable=False),
    Column("resource_type", String(20), nullable=False),
    Column("resource_id", String(64), nullable=False),
    Column("occurred_at", UtcDateTime, nullable=False),
    Column("recorded_at", UtcDateTime, nullable=False),
    Column("correlation_id", String(64), nullable=False),
    Column("data", JSON, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)

processed_events = Table(
    "processed_events",
    metadata,
    Column("consumer", String(40), primary_key=True),
    Column("event_id", String(64), primary_key=True),
    Column("processed_at", UtcDateTime, nullable=False),
)

dead_letters = Table(
    "dead_letters",
    metadata,
    Column("id", Serial, primary_key=True, autoincrement=True),
    Column("consumer", String(40), nullable=False),
    Column("event_id", String(64)),
    Column("reason", Text, nullable=False),
    Column("payload", Text, nullable=False),
    Column("received_at", UtcDateTime, nullable=False),
)

# Failed deliveries per consumer and event, outages aside (doable.services.consumers): the count
# that bounds the retries of an event that fails every time before it is dead-lettered.
consumer_failures = Table(
    "consumer_failures",
    metadata,
    Column("consumer", String(40), primary_key=True),
    Column("event_id", String(64), primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("last_error", Text, nullable=False),
    Column("first_failed_at", UtcDateTime, nullable=False),
    Column("last_failed_at", UtcDateTime, nullable=False),
)


notifications = Table(
    "notifications",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("user_id", String(36), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("task_id", String(36), nullable=False),
    Column("title", String(200), nullable=False),
    Column("body", Text, nullable=False),
    Column("event_id", String(64), nullable=False, unique=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("read_at", UtcDateTime),
)

recurring_schedules = Table(
    "recurring_schedules",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("series_id", String(36), nullable=False, unique=True),
    Column("user_id", String(36), nullable=False),
    Column("pattern", String(8), nullable=False),
    Column("series_start", UtcDateTime, nullable=False),
    Column("next_due_at", UtcDateTime, nullable=False),
    Column("current_task_id", String(36), nullable=False),
    Column("template", JSON, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

series_occurrences = Table(
    "series_occurrences",
    metadata,
    Column("series_id", String(36), primary_key=True),
    Column("due_at", UtcDateTime, primary_key=True),
    Column("task_id", String(36), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)


# One row per reminder webhook, written with its notification (doable.adapters.webhook_outbox): a POST
# lost to a crash after commit is still here, pending, for the relay-outbox sweep.
webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("event_id", String(64), nullable=False, unique=True),
    Column("user_id", String(36), nullable=False),
    Column("task_id", String(64), nullable=False),
    Column("correlation_id", String(64), nullable=False),
    Column("url", String(2000), nullable=False),
    Column("payload", Text, nullable=False),
    Column("status", String(10), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("leased_until", UtcDateTime),
    Column("finished_at", UtcDateTime),
    Column("last_error", Text),
    Index("webhook_deliveries_pending", "status", "created_at"),
)


# One row per sign-in or sign-up attempt that counts against a limit (see doable.services.throttle);
# rows older than the longest window are pruned as new ones arrive.
sign_in_attempts = Table(
    "sign_in_attempts",
    metadata,
    Column("id", Serial, primary_key=True, autoincrement=True),
    Column("scope", String(20), nullable=False),
    Column("key", String(320), nullable=False),
    Column("attempted_at", UtcDateTime, nullable=False),
    Index("sign_in_attempts_key", "scope", "key", "attempted_at"),
    Index("sign_in_attempts_age", "attempted_at"),
)


# Personal access tokens for agents and scripts (doable.services.access_tokens): the token itself is
# shown once and only its SHA-256 digest is kept; a revoked row stays so its use can be told apart.
access_tokens = Table(
    "access_tokens",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("user_id", String(36), ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(100), nullable=False),
    Column("scope", String(5), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("last_used_at", UtcDateTime),
    Column("revoked_at", UtcDateTime),
    Index("access_tokens_user", "user_id", "created_at"),
)


def make_engine(url: str, **options: Any) -> Engine:
    """One engine per process; SQLite gets WAL and foreign keys so it behaves like the real thing."""
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **options)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    options.setdefault("pool_size", 10)
    options.setdefault("max_overflow", 10)
    options.setdefault("pool_pre_ping", True)
    return create_engine(url, **options)
