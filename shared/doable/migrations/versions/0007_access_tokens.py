"""Personal access tokens: a name, a scope and an expiry per token; only the token's SHA-256 is kept.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

from doable.adapters.db import UtcDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "access_tokens",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("user_id", sa.String(36), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("scope", sa.String(5), nullable=False),
        # Unique, so every request's lookup by digest is an index probe.
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("expires_at", UtcDateTime, nullable=False),
        sa.Column("last_used_at", UtcDateTime),
        sa.Column("revoked_at", UtcDateTime),
    )
    # The settings page's listing: one user's tokens, newest first.
    op.create_index("access_tokens_user", "access_tokens", ["user_id", "created_at"])


def downgrade() -> None:
    op.drop_index("access_tokens_user", table_name="access_tokens")
    op.drop_table("access_tokens")
