"""Session-wide fixtures: the local stack and the embedded server start once and serve every suite."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher

from doable.adapters.db import make_engine
from doable.config import REPO_ROOT, Settings
from doable_dev.layout import CACHE, DAPR_BIN
from doable_dev.processes import StackBusy
from doable_dev.stack import Stack

if TYPE_CHECKING:
    from doable.embedded import Embedded

TEST_STATE = REPO_ROOT / ".doable" / "test"
# Every API test signs up from 127.0.0.1, far more often than the default allows one address an hour;
# tests/api/test_sign_in_abuse.py fills the rest of this allowance itself to see the limit hold.
SIGNUPS_PER_HOUR = 1000
CHEAP_ARGON2 = {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}


@contextmanager
def cheap_password_hashing() -> Iterator[PasswordHasher]:
    """Argon2 at its cheapest, for tests about accounts and the API rather than the cost of guessing."""
    from doable.services import users

    cheap = PasswordHasher(**CHEAP_ARGON2)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(users, "hasher", cheap)
        patch.setattr(users, "_DUMMY_HASH", cheap.hash("not-a-real-password"))
        yield cheap


def pytest_report_header() -> str:
    daprd = DAPR_BIN / "daprd"
    if not daprd.exists():
        return "daprd: not installed (run make deps)"
    version = subprocess.run([str(daprd), "--version"], capture_output=True, text=True).stdout.strip()
    return f"daprd {version} ({daprd}); Dapr scheduler from the same build"


# The slow tier (docs/testing.md) is whatever needs more than the venv: the local stack
# (tests/integration, the API suite's stack cases), a browser (tests/e2e) or a cluster (tests/cluster).
# `pytest -m "not integration"` is the fast tier.
NEEDS_MORE_THAN_THE_VENV = ("integration", "e2e", "cluster")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    tests = Path(__file__).parent
    for item in items:
        folder = item.path.relative_to(tests).parts[0] if item.path.is_relative_to(tests) else None
        if folder in NEEDS_MORE_THAN_THE_VENV:
            item.add_marker(pytest.mark.integration)


TRACE_FILE = TEST_STATE / "traces.jsonl"
STACK_URL = "http://127.0.0.1:8080"  # the local stack's gateway
# The third mode, Doable in the local cluster behind its ingress (docs/cluster.md): only when a cluster
# run asks for it (`make test-cluster` sets DOABLE_CLUSTER_URL), and then selected by `-m cluster`.
CLUSTER_URL = os.environ.get("DOABLE_CLUSTER_URL", "").rstrip("/")


@pytest.fixture(scope="session")
def stack_lock() -> Iterator[None]:
    """One local stack per machine: its ports are fixed, so concurrent test sessions take turns."""
    CACHE.mkdir(parents=True, exist_ok=True)
    with (CACHE / "stack.lock").open("w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print("another test session holds the local stack; waiting for it", file=sys.stderr)
            fcntl.flock(lock, fcntl.LOCK_EX)
        yield


@pytest.fixture(scope="session")
def local_stack(stack_lock: None) -> Iterator[Stack]:
    # Every function of the stack inherits this and writes its spans to one JSON-lines file.
    TRACE_FILE.unlink(missing_ok=True)
    os.environ["DOABLE_TRACE_FILE"] = str(TRACE_FILE)
    os.environ["DOABLE_SIGNUP_PER_ADDRESS_PER_HOUR"] = str(SIGNUPS_PER_HOUR)
    stack = Stack(TEST_STATE, "doable_test", fresh=True, progress=lambda line: print(line, file=sys.stderr))
    try:
        stack.start()
    except StackBusy:
        raise  # someone else's stack: not ours to stop
    except BaseException:
        stack.stop()
        raise
    yield stack
    stack.stop()


@pytest.fixture(scope="session")
def embedded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Embedded]:
    """The embedded Doable itself, for tests that wait on its bus and outbox (tests/facts.py)."""
    from doable.embedded import Embedded

    data_dir: Path = tmp_path_factory.mktemp("embedded")
    running = Embedded(
        Settings(mode="embedded", data_dir=data_dir, signup_per_address_per_hour=SIGNUPS_PER_HOUR)
    )
    # Every API test signs someone up, and a real Argon2 hash costs 0.2 s of CPU, most of the suite's
    # time; the local stack's functions keep the real parameters.
    with cheap_password_hashing():
        running.start_background()
        yield running
        running.stop()


@pytest.fixture(scope="session")
def embedded_url(embedded: Embedded) -> Iterator[str]:
    from doable.embedded import wsgi_server

    # The server `make run` uses, so its own refusals of malformed HTTP are what these tests see.
    server = wsgi_server(embedded.app, "127.0.0.1", 0)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.effective_port}"
    server.close()
    thread.join(timeout=10)


class Api(httpx.Client):
    """An HTTP client for the public API with one freshly registered user."""

    def __init__(self, base_url: str) -> None:
        # The cluster's ingress is reached by address and routes by the public host (DOABLE_CLUSTER_HOST).
        host = (
            {"Host": os.environ.get("DOABLE_CLUSTER_HOST", "doable.localhost")}
            if base_url == CLUSTER_URL
            else {}
        )
        super().__init__(base_url=base_url, timeout=30, headers=host)
        self.email = f"user-{uuid.uuid4().hex[:12]}@example.com"
        response = self.post("/api/auth/register", json={"email": self.email, "password": "correct horse"})
        assert response.status_code == 201, response.text
        self.user = response.json()["user"]
        self.headers["Authorization"] = f"Bearer {response.json()['token']}"

    def new_task(self, **fields: object) -> dict[str, object]:
        response = self.post("/api/tasks", json={"title": "a task", **fields})
        assert response.status_code == 201, response.text
        return response.json()


MODES = [
    "embedded",
    pytest.param("stack", marks=pytest.mark.integration),
    *([pytest.param("cluster", marks=[pytest.mark.integration, pytest.mark.cluster])] if CLUSTER_URL else []),
]


@pytest.fixture(scope="session", params=MODES)
def base_url(request: pytest.FixtureRequest) -> str:
    """The same API suite runs against every way of running Doable."""
    if request.param == "embedded":
        return request.getfixturevalue("embedded_url")
    if request.param == "cluster":
        return CLUSTER_URL
    request.getfixturevalue("local_stack")
    return STACK_URL


@pytest.fixture
def api(base_url: str) -> Iterator[Api]:
    client = Api(base_url)
    yield client
    client.close()


@pytest.fixture
def database(base_url: str, request: pytest.FixtureRequest) -> Iterator[sa.Engine]:
    """The database behind `base_url`: the embedded server's engine, or the stack's or the cluster's."""
    if base_url == CLUSTER_URL:
        from tests.cluster.doable_cluster import database_url

        cluster_engine = make_engine(database_url())
        yield cluster_engine
        cluster_engine.dispose()
        return
    if base_url != STACK_URL:
        yield request.getfixturevalue("embedded").container.engine
        return
    engine = make_engine(request.getfixturevalue("local_stack").secrets()["database-url"])
    yield engine
    engine.dispose()


@pytest.fixture
def other_api(base_url: str) -> Iterator[Api]:
    client = Api(base_url)
    yield client
    client.close()
