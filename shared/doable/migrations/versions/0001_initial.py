"""Initial schema: users, tasks and tags, the outbox, the append-only audit log, consumer bookkeeping.

Revision ID: 0001
"""

import sqlalchemy as sa
from alembic import op

from doable.adapters.db import Serial, UtcDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("email", sa.String(320), nullable=False, unique=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("webhook_url", sa.String(2000)),
        sa.Column("created_at", UtcDateTime, nullable=False),
    )
    op.create_table(
        "tasks",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("user_id", sa.String(36), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("priority", sa.String(8), nullable=False),
        sa.Column("priority_rank", sa.SmallInteger, nullable=False),
        sa.Column("tags", sa.JSON, nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("due_at", UtcDateTime),
        sa.Column("recurrence", sa.String(8), nullable=False),
        sa.Column("reminder_minutes_before", sa.Integer),
        sa.Column("reminder_at", UtcDateTime),
        sa.Column("series_id", sa.String(36)),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.Column("completed_at", UtcDateTime),
        sa.Column("version", sa.Integer, nullable=False),
    )
    # The list's default order and its cursor: newest first, id breaks ties.
    op.create_index("tasks_user_created", "tasks", ["user_id", "created_at", "id"])
    op.create_index("tasks_user_due", "tasks", ["user_id", "due_at"])
    op.create_index("tasks_user_priority", "tasks", ["user_id", "priority_rank", "created_at"])
    op.create_index("tasks_series", "tasks", ["series_id"])
    _add_full_text_search()
    op.create_table(
        "task_tags",
        sa.Column("task_id", sa.String(36), sa.ForeignKey("tasks.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("tag", sa.String(40), primary_key=True),
        sa.Column("user_id", sa.String(36), nullable=False),
    )
    op.create_index("task_tags_user_tag", "task_tags", ["user_id", "tag"])
    op.create_table(
        "outbox",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("topic", sa.String(32), nullable=False),
        sa.Column("partition_key", sa.String(64), nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("published_at", UtcDateTime),
    )
    op.create_index(
        "outbox_pending",
        "outbox",
        ["created_at"],
        postgresql_where=sa.text("published_at IS NULL"),
        sqlite_where=sa.text("published_at IS NULL"),
    )
    op.create_table(
        "audit_log",
        sa.Column("seq", Serial, primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(64), nullable=False, unique=True),
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("resource_type", sa.String(20), nullable=False),
        sa.Column("resource_id", sa.String(64), nullable=False),
        sa.Column("occurred_at", UtcDateTime, nullable=False),
        sa.Column("recorded_at", UtcDateTime, nullable=False),
        sa.Column("correlation_id", sa.String(64), nullable=False),
        sa.Column("data", sa.JSON, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.create_index("audit_resource", "audit_log", ["resource_id", "seq"])
    op.create_index("audit_user", "audit_log", ["user_id", "seq"])
    _make_append_only("audit_log")
    op.create_table(
        "processed_events",
        sa.Column("consumer", sa.String(40), primary_key=True),
        sa.Column("event_id", sa.String(64), primary_key=True),
        sa.Column("processed_at", UtcDateTime, nullable=False),
    )
    op.create_table(
        "dead_letters",
        sa.Column("id", Serial, primary_key=True, autoincrement=True),
        sa.Column("consumer", sa.String(40), nullable=False),
        sa.Column("event_id", sa.String(64)),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("received_at", UtcDateTime, nullable=False),
    )


def _add_full_text_search() -> None:
    """Whole words and word prefixes of title, description and tags; the 'simple' configuration and
    unicode61 without diacritic folding tokenise alike, so both databases find the same tasks."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "ALTER TABLE tasks ADD COLUMN search tsvector GENERATED ALWAYS AS (to_tsvector('simple', "
            "title || ' ' || description || ' ' || (tags::text))) STORED"
        )
        op.execute("CREATE INDEX tasks_search ON tasks USING GIN (search)")
        return
    # External content keyed by the implicit rowid, which stays stable because Doable never VACUUMs.
    op.execute(
        "CREATE VIRTUAL TABLE tasks_fts USING fts5(title, description, tags, content='tasks', "
        "content_rowid='rowid', tokenize='unicode61 remove_diacritics 0')"
    )
    op.execute(
        "CREATE TRIGGER tasks_fts_insert AFTER INSERT ON tasks BEGIN "
        "INSERT INTO tasks_fts(rowid, title, description, tags) "
        "VALUES (new.rowid, new.title, new.description, new.tags); END"
    )
    op.execute(
        "CREATE TRIGGER tasks_fts_delete AFTER DELETE ON tasks BEGIN "
        "INSERT INTO tasks_fts(tasks_fts, rowid, title, description, tags) "
        "VALUES ('delete', old.rowid, old.title, old.description, old.tags); END"
    )
    op.execute(
        "CREATE TRIGGER tasks_fts_update AFTER UPDATE OF title, description, tags ON tasks BEGIN "
        "INSERT INTO tasks_fts(tasks_fts, rowid, title, description, tags) "
        "VALUES ('delete', old.rowid, old.title, old.description, old.tags); "
        "INSERT INTO tasks_fts(rowid, title, description, tags) "
        "VALUES (new.rowid, new.title, new.description, new.tags); END"
    )


def _make_append_only(table: str) -> None:
    """The database itself refuses UPDATE and DELETE, so no code path can rewrite history."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            """
            CREATE OR REPLACE FUNCTION doable_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP;
            END $$
            """
        )
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION doable_refuse_change()"
        )
        op.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION doable_refuse_change()"
        )
    else:
        for operation in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{operation.lower()} BEFORE {operation} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {operation} refused'); END"
            )


def downgrade() -> None:
    for table in ("dead_letters", "processed_events", "audit_log", "outbox", "task_tags", "tasks", "users"):
        op.drop_table(table)
