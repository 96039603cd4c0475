"""Notification preferences: which kinds of notification each user wants (NULL: every kind).

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable, so existing rows need no backfill: NULL reads as the defaults (every kind on).
    op.add_column("users", sa.Column("notify", sa.JSON, nullable=True))


def downgrade() -> None:
    # Plain ALTER TABLE (SQLite has it since 3.35): batch mode's table copy would drop and recreate
    # users, and dropping it cascades to every task.
    op.drop_column("users", "notify")
