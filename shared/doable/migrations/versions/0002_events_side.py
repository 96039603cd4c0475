"""Event side: in-app notifications, recurring schedules and the once-per-occurrence guard.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

from doable.adapters.db import UtcDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notifications",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("task_id", sa.String(36), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("event_id", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("read_at", UtcDateTime),
    )
    op.create_index("notifications_user", "notifications", ["user_id", "created_at"])
    op.create_table(
        "recurring_schedules",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("series_id", sa.String(36), nullable=False, unique=True),
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column("pattern", sa.String(8), nullable=False),
        sa.Column("series_start", UtcDateTime, nullable=False),
        sa.Column("next_due_at", UtcDateTime, nullable=False),
        sa.Column("current_task_id", sa.String(36), nullable=False),
        sa.Column("template", sa.JSON, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
    )
    # One row per occurrence that got its instance: the unique key that makes spawning happen once.
    op.create_table(
        "series_occurrences",
        sa.Column("series_id", sa.String(36), primary_key=True),
        sa.Column("due_at", UtcDateTime, primary_key=True),
        sa.Column("task_id", sa.String(36), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
    )


def downgrade() -> None:
    for table in ("series_occurrences", "recurring_schedules", "notifications"):
        op.drop_table(table)
