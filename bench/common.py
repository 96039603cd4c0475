"""Benchmark plumbing: an open-loop load generator, latency statistics, and the two targets to load.

Open loop: requests leave on a fixed schedule whatever the server does, and each latency is measured
from its scheduled send time, so a slow server shows up as queueing instead of hiding it.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import sqlalchemy as sa

from doable.adapters import db
from doable.adapters.db import make_engine
from doable.adapters.migrate import upgrade
from doable.adapters.tokens import TokenService
from doable.config import REPO_ROOT
from doable.domain.model import Priority, new_id

BENCH_STATE = REPO_ROOT / ".doable" / "bench"
WORDS = [
    "report",
    "invoice",
    "rent",
    "groceries",
    "dentist",
    "meeting",
    "taxes",
    "garden",
    "car",
    "insurance",
    "flight",
    "hotel",
    "birthday",
    "gift",
    "review",
    "budget",
    "plan",
    "email",
    "call",
    "doctor",
    "gym",
    "laundry",
    "kitchen",
    "roof",
    "paint",
    "school",
    "homework",
    "project",
    "release",
    "deploy",
    "backup",
    "server",
    "database",
    "design",
    "draft",
    "contract",
    "lawyer",
    "bank",
    "loan",
    "mortgage",
    "vacation",
]
TAGS = ("home", "work", "errand", "finance", "health", "family", "urgent", "later", "q1", "q2")

Request = Callable[[httpx.AsyncClient], Awaitable[httpx.Response]]


@dataclass
class Result:
    name: str
    rate: float
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    sent: int = 0
    error_kinds: dict[str, int] = field(default_factory=dict)  # status code or exception name → count

    def percentile(self, p: float) -> float:
        return percentile(self.latencies_ms, p)

    duration: float = 0.0

    @property
    def error_detail(self) -> str:
        return (
            f" ({', '.join(f'{k}: {v}' for k, v in sorted(self.error_kinds.items()))})" if self.errors else ""
        )

    def row(self) -> str:
        return (
            f"| {self.name} | {self.rate:.0f}/s | {self.sent} | {self.percentile(50):.1f} | "
            f"{self.percentile(95):.1f} | {self.percentile(99):.1f} | {self.errors}{self.error_detail} |"
        )


async def open_loop(
    name: str, base_url: str, rate: float, duration: float, make: Callable[[], Request]
) -> Result:
    """Sends `rate` requests per second for `duration` seconds on a fixed schedule."""
    schedule = [(i / rate, make()) for i in range(int(rate * duration))]
    return await run_schedule(name, base_url, schedule, rate)


async def run_schedule(
    name: str, base_url: str, schedule: list[tuple[float, Request]], rate: float
) -> Result:
    """Sends each request at its offset (seconds from the start) whether or not earlier ones returned."""
    result = Result(name, rate)
    limits = httpx.Limits(max_connections=2000, max_keepalive_connections=2000)
    async with httpx.AsyncClient(base_url=base_url, timeout=30, limits=limits) as client:
        started = time.perf_counter()

        async def one(scheduled: float, request: Request) -> None:
            try:
                status = (await request(client)).status_code
                kind = str(status) if status >= 400 else ""
            except httpx.HTTPError as error:
                kind = type(error).__name__
            if not kind:
                result.latencies_ms.append((time.perf_counter() - scheduled) * 1000)
            else:
                result.errors += 1
                result.error_kinds[kind] = result.error_kinds.get(kind, 0) + 1

        pending = []
        for offset, request in schedule:
            scheduled = started + offset
            delay = scheduled - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            pending.append(asyncio.create_task(one(scheduled, request)))
            result.sent += 1
        await asyncio.gather(*pending)
        result.duration = time.perf_counter() - started
    return result


def cpu_busy() -> tuple[float, float]:
    """(busy, total) CPU time of the whole machine so far, in clock ticks, from /proc/stat."""
    fields = [float(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return sum(fields) - idle, sum(fields)


async def settle(busy_limit: float = 0.2, timeout: float = 240) -> float:
    """Waits until the machine is nearly idle (under `busy_limit` of its CPUs for two seconds running):
    the work the last operation set off (event consumers, Kafka, the relay, PostgreSQL's checkpoints)
    has finished and will not bill the next one. Returns the seconds waited."""
    started, quiet = time.monotonic(), 0
    busy, total = cpu_busy()
    while quiet < 2 and time.monotonic() - started < timeout:
        await asyncio.sleep(1)
        now_busy, now_total = cpu_busy()
        share = (now_busy - busy) / max(now_total - total, 1)
        busy, total = now_busy, now_total
        quiet = quiet + 1 if share < busy_limit else 0
    waited = time.monotonic() - started
    print(f"  settled in {waited:.0f} s", file=sys.stderr)
    return waited


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_ready(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} not ready within {timeout}s")


@dataclass
class Target:
    """A running Doable (embedded or stack) with its database and the key that signs its tokens."""

    mode: str
    base_url: str
    database_url: str
    jwt_key: str

    def token(self, user_id: str, email: str) -> str:
        return TokenService(self.jwt_key, 24 * 3600).issue(user_id, email)


@contextmanager
def embedded_target(data_dir: Path) -> Iterator[Target]:
    """`doable run` in its own process, so the load generator does not share its interpreter."""
    data_dir.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{data_dir / 'doable.db'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    secrets_file = data_dir / "secrets.json"
    if not secrets_file.exists():
        secrets_file.write_text(json.dumps({"jwt-signing-key": os.urandom(32).hex()}))
    port = free_port()
    env = {**os.environ, "DOABLE_DATA_DIR": str(data_dir), "DOABLE_LOG_LEVEL": "WARNING"}
    process = subprocess.Popen(
        [sys.executable, "-m", "doable.cli", "run", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(data_dir / "server.log", "w"),  # noqa: SIM115 - the server process owns it
    )
    try:
        wait_ready(f"http://127.0.0.1:{port}/readyz")
        yield Target(
            "embedded",
            f"http://127.0.0.1:{port}",
            url,
            json.loads(secrets_file.read_text())["jwt-signing-key"],
        )
    finally:
        process.terminate()
        process.wait(timeout=20)


@contextmanager
def stack_target(state_dir: Path) -> Iterator[Target]:
    from doable_dev.stack import Stack

    os.environ["DOABLE_LOG_LEVEL"] = "WARNING"
    stack = Stack(
        state_dir, "doable_bench", fresh=True, progress=lambda line: print(f"  {line}", file=sys.stderr)
    )
    try:
        stack.start()  # inside: a start that fails half-way still stops what it started
        secrets = stack.secrets()
        yield Target("stack", "http://127.0.0.1:8080", secrets["database-url"], secrets["jwt-signing-key"])
    finally:
        stack.stop()


def seed(
    database_url: str,
    tasks_for_main_user: int,
    other_users: int = 1000,
    tasks_per_other_user: int = 10,
    seed_value: int = 7,
) -> tuple[str, str]:
    """Writes users and realistic tasks straight into the database; returns the main user's (id, email)."""
    rng = random.Random(seed_value)
    engine = make_engine(database_url)
    now = datetime.now(UTC)
    main_id, main_email = new_id(), f"bench-{new_id()[:8]}@example.com"
    users = [
        {
            "id": main_id,
            "email": main_email,
            "name": "Bench",
            "timezone": "Europe/Paris",
            "password_hash": "!",
            "webhook_url": None,
            "created_at": now,
        }
    ]
    users += [
        {
            "id": new_id(),
            "email": f"other-{i}-{new_id()[:6]}@example.com",
            "name": f"Other {i}",
            "timezone": "UTC",
            "password_hash": "!",
            "webhook_url": None,
            "created_at": now,
        }
        for i in range(other_users)
    ]
    with engine.begin() as connection:
        connection.execute(db.users.insert(), users)
    owners = [main_id] * tasks_for_main_user + [
        u["id"] for u in users[1:] for _ in range(tasks_per_other_user)
    ]
    batch: list[dict[str, object]] = []
    tags: list[dict[str, object]] = []
    for index, owner in enumerate(owners):
        priority = rng.choice(list(Priority))
        chosen = rng.sample(TAGS, rng.randint(0, 3))
        due = now + timedelta(hours=rng.randint(-24 * 60, 24 * 120)) if rng.random() < 0.7 else None
        task_id = new_id()
        created = now - timedelta(seconds=len(owners) - index)
        batch.append(
            {
                "id": task_id,
                "user_id": owner,
                "title": " ".join(rng.sample(WORDS, rng.randint(2, 5))).capitalize(),
                "description": " ".join(rng.sample(WORDS, rng.randint(0, 12))),
                "priority": priority.value,
                "priority_rank": priority.rank,
                "tags": chosen,
                "status": "completed" if rng.random() < 0.3 else "open",
                "due_at": due,
                "recurrence": "none",
                "reminder_minutes_before": None,
                "reminder_at": None,
                "series_id": None,
                "created_at": created,
                "updated_at": created,
                "completed_at": None,
                "version": 1,
            }
        )
        tags += [{"task_id": task_id, "tag": tag, "user_id": owner} for tag in chosen]
        if len(batch) >= 5000:
            _flush(engine, batch, tags)
    _flush(engine, batch, tags)
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(sa.text("ANALYZE"))
    engine.dispose()
    return main_id, main_email


def _flush(engine: sa.Engine, batch: list[dict[str, object]], tags: list[dict[str, object]]) -> None:
    if batch:
        with engine.begin() as connection:
            connection.execute(db.tasks.insert(), batch)
            if tags:
                connection.execute(db.task_tags.insert(), tags)
    batch.clear()
    tags.clear()


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        "unknown CPU",
    )
    memory_kb = int(Path("/proc/meminfo").read_text().split()[1])
    python = sys.version.split()[0]
    return f"{os.cpu_count()} cores ({cpu}), {memory_kb / 1024 / 1024:.0f} GiB RAM, Python {python}"


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile; NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def summary(values: list[float]) -> str:
    if not values:
        return "n/a"
    p50, p95, p99 = (percentile(values, p) for p in (50, 95, 99))
    return f"{p50:.0f} / {p95:.0f} / {p99:.0f} (mean {statistics.mean(values):.0f}, n={len(values)})"
