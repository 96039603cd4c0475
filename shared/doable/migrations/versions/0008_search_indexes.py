"""Indexes that hand the list's sorts over in order under its filters, so a page stops after the page.

The due-date sort orders by `CASE WHEN due_at IS NULL ...`, `COALESCE(due_at, <far future>)`, then
newest first (adapters/repositories/tasks.py `_sort_keys`, which writes the constant inline for this); these
indexes hold exactly those expressions, so the database walks one in order and stops at the page's last
row instead of sorting every match. Plans before and after are in docs/performance.md.

Revision ID: 0008
Revises: 0007
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

UNDATED = "(CASE WHEN due_at IS NULL THEN 1 ELSE 0 END)"
# The far future as each database stores it: timestamptz, or SQLAlchemy's text form on SQLite.
DUE = {
    "postgresql": "COALESCE(due_at, '9999-12-31 00:00:00+00:00'::timestamptz)",
    "sqlite": "coalesce(due_at, '9999-12-31 00:00:00.000000')",
}
INDEXES = {
    # status=open|completed, sort=due_at (the search the load test runs; -due_at still sorts)
    "tasks_user_status_due_sort": "user_id, status, {undated}, {due}, created_at DESC, id DESC",
    # every status, sort=due_at
    "tasks_user_due_sort": "user_id, {undated}, {due}, created_at DESC, id DESC",
    # status=open|completed, newest first: the default list of open tasks
    "tasks_user_status_created": "user_id, status, created_at, id",
}


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    for name, columns in INDEXES.items():
        op.execute(f"CREATE INDEX {name} ON tasks ({columns.format(undated=UNDATED, due=DUE[dialect])})")


def downgrade() -> None:
    for name in INDEXES:
        op.execute(f"DROP INDEX {name}")
