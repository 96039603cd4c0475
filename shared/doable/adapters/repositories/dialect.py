"""The one INSERT that both databases take with ON CONFLICT, for repositories that insert at most once."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection
from sqlalchemy.dialects import postgresql, sqlite


def insert(connection: Connection, table: sa.Table) -> Any:
    """INSERT with ON CONFLICT support on both dialects; pair it with RETURNING to learn if a row went in."""
    return (postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert)(table)
