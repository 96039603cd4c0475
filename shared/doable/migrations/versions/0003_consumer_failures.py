"""Bounded retries for consumer errors that repeat: a failure count per consumer and event.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

from doable.adapters.db import UtcDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "consumer_failures",
        sa.Column("consumer", sa.String(40), primary_key=True),
        sa.Column("event_id", sa.String(64), primary_key=True),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("last_error", sa.Text, nullable=False),
        sa.Column("first_failed_at", UtcDateTime, nullable=False),
        sa.Column("last_failed_at", UtcDateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("consumer_failures")
