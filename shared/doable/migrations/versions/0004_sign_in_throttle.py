"""Sign-in throttling: failed attempts per account and per client address, shared by every replica.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

from doable.adapters.db import Serial, UtcDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sign_in_attempts",
        sa.Column("id", Serial, primary_key=True, autoincrement=True),
        sa.Column("scope", sa.String(20), nullable=False),
        sa.Column("key", sa.String(320), nullable=False),
        sa.Column("attempted_at", UtcDateTime, nullable=False),
    )
    # Counting one key's attempts in its window, and pruning everything older than the longest window.
    op.create_index("sign_in_attempts_key", "sign_in_attempts", ["scope", "key", "attempted_at"])
    op.create_index("sign_in_attempts_age", "sign_in_attempts", ["attempted_at"])


def downgrade() -> None:
    op.drop_table("sign_in_attempts")
