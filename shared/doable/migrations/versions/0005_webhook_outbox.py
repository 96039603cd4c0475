"""Webhook outbox: a delivery is committed with its notification, then POSTed, so a crash loses nothing.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

from doable.adapters.db import UtcDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("event_id", sa.String(64), nullable=False, unique=True),
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column("task_id", sa.String(64), nullable=False),
        sa.Column("correlation_id", sa.String(64), nullable=False),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("leased_until", UtcDateTime),
        sa.Column("finished_at", UtcDateTime),
        sa.Column("last_error", sa.Text),
    )
    # The sweep's question: which pending rows are old enough to be the after-commit step's leftovers.
    op.create_index("webhook_deliveries_pending", "webhook_deliveries", ["status", "created_at"])


def downgrade() -> None:
    op.drop_index("webhook_deliveries_pending", table_name="webhook_deliveries")
    op.drop_table("webhook_deliveries")
