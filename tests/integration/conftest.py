"""Fixtures for tests on the real local stack: its database, an API client, and polling."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from doable.adapters.db import make_engine
from doable_dev.layout import FunctionPorts
from doable_dev.stack import Stack
from tests.conftest import Api

STACK_URL = "http://127.0.0.1:8080"


@pytest.fixture(scope="session")
def database(local_stack: Stack) -> Iterator[sa.Engine]:
    secrets = local_stack.secrets()
    engine = make_engine(secrets["database-url"])
    yield engine
    engine.dispose()


def sidecar(local_stack: Stack, app_id: str) -> httpx.Client:
    """A client of `app_id`'s own sidecar, holding that sidecar's API token, as its app would."""
    token = local_stack.secrets()["dapr-api-token"]
    port = FunctionPorts.of(app_id).dapr_http
    return httpx.Client(base_url=f"http://127.0.0.1:{port}", headers={"dapr-api-token": token}, timeout=10)


@pytest.fixture
def publisher(local_stack: Stack) -> Iterator[httpx.Client]:
    """The Dapr pub/sub API of a sidecar that may publish (relay-outbox's), for hand-made deliveries."""
    with sidecar(local_stack, "relay-outbox") as client:
        yield client


@pytest.fixture
def stack_api(local_stack: Stack) -> Iterator[Api]:
    client = Api(STACK_URL)
    yield client
    client.close()


def eventually(check: Callable[[], Any], timeout: float = 30, interval: float = 0.05) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(interval)


def audit_rows(engine: sa.Engine, task_ids: list[str]) -> list[dict[str, Any]]:
    from doable.adapters import db

    with engine.connect() as connection:
        statement = sa.select(db.audit_log).where(db.audit_log.c.resource_id.in_(task_ids))
        return [dict(row) for row in connection.execute(statement).mappings()]
