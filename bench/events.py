"""`make bench-events`: commit-to-audit latency, reminder lateness and recurrence spawn lateness on the stack.

Run: .venv/bin/python -m bench.events [--rate 100 --seconds 60 --reminders 100 --series 100]
Times come from the database (one machine, one clock): audit `recorded_at` - task `created_at`;
notification `created_at` - `reminder_at`; spawned instance `created_at` - previous `due_at`.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
from datetime import UTC, datetime, timedelta

import httpx
import sqlalchemy as sa

from bench.common import BENCH_STATE, WORDS, Target, machine, open_loop, seed, stack_target, summary
from doable.adapters import db
from doable.adapters.db import make_engine


async def audit_latency(target: Target, headers: dict[str, str], rate: float, seconds: float) -> list[float]:
    rng = random.Random(3)

    def make() -> object:
        body = {"title": " ".join(rng.sample(WORDS, 3)), "tags": ["bench"]}
        return lambda client: client.post("/api/tasks", json=body, headers=headers)

    started = datetime.now(UTC)
    result = await open_loop("create", target.base_url, rate, seconds, make)  # type: ignore[arg-type]
    print(f"  created {result.sent} tasks, {result.errors} errors", file=sys.stderr)
    engine = make_engine(target.database_url)
    t, a = db.tasks.c, db.audit_log.c
    query = (
        sa.select(t.created_at, a.recorded_at)
        .join_from(db.tasks, db.audit_log, sa.and_(a.resource_id == t.id, a.action == "task.created"))
        .where(t.created_at >= started, t.title != "")
    )
    deadline = time.monotonic() + 120
    rows: list[sa.Row[tuple[datetime, datetime]]] = []
    while time.monotonic() < deadline:
        with engine.connect() as connection:
            rows = list(connection.execute(query))
        if len(rows) >= result.sent - result.errors:
            break
        await asyncio.sleep(1)
    engine.dispose()
    return [(recorded - created).total_seconds() * 1000 for created, recorded in rows]


async def reminder_lateness(target: Target, headers: dict[str, str], count: int) -> list[float]:
    now = datetime.now(UTC).replace(microsecond=0)
    ids = []
    async with httpx.AsyncClient(base_url=target.base_url, timeout=30) as client:
        for i in range(count):
            reminder_at = now + timedelta(seconds=20 + 30 * i / count)
            body = {
                "title": f"reminder {i}",
                "due_at": (reminder_at + timedelta(minutes=10)).isoformat(),
                "reminder_minutes_before": 10,
            }
            response = await client.post("/api/tasks", json=body, headers=headers)
            ids.append(response.json()["id"])
    engine = make_engine(target.database_url)
    n, t = db.notifications.c, db.tasks.c
    query = (
        sa.select(n.created_at, t.reminder_at)
        .join_from(db.notifications, db.tasks, t.id == n.task_id)
        .where(n.kind == "reminder", n.task_id.in_(ids))
    )
    return await _collect(engine, query, count, timeout=150)


async def spawn_lateness(target: Target, headers: dict[str, str], count: int) -> list[float]:
    now = datetime.now(UTC).replace(microsecond=0)
    firsts = []
    async with httpx.AsyncClient(base_url=target.base_url, timeout=30) as client:
        for i in range(count):
            body = {
                "title": f"series {i}",
                "recurrence": "daily",
                "due_at": (now + timedelta(seconds=20 + 30 * i / count)).isoformat(),
            }
            firsts.append((await client.post("/api/tasks", json=body, headers=headers)).json()["id"])
    engine = make_engine(target.database_url)
    first, spawned = db.tasks.alias("first"), db.tasks.alias("spawned")
    query = (
        sa.select(spawned.c.created_at, first.c.due_at)
        .join_from(first, spawned, sa.and_(spawned.c.series_id == first.c.id, spawned.c.id != first.c.id))
        .where(first.c.id.in_(firsts))
    )
    return await _collect(engine, query, count, timeout=150)


async def _collect(
    engine: sa.Engine, query: sa.Select[tuple[datetime, datetime]], count: int, timeout: float
) -> list[float]:
    deadline = time.monotonic() + timeout
    rows: list[sa.Row[tuple[datetime, datetime]]] = []
    while time.monotonic() < deadline:
        with engine.connect() as connection:
            rows = list(connection.execute(query))
        if len(rows) >= count:
            break
        await asyncio.sleep(1)
    engine.dispose()
    return [(happened - planned).total_seconds() * 1000 for happened, planned in rows]


async def run(target: Target, rate: float, seconds: float, reminders: int, series: int) -> str:
    user_id, email = seed(target.database_url, 0, other_users=0)
    headers = {"Authorization": f"Bearer {target.token(user_id, email)}"}
    audit = await audit_latency(target, headers, rate, seconds)
    late_reminders = await reminder_lateness(target, headers, reminders)
    late_spawns = await spawn_lateness(target, headers, series)
    return "\n".join(
        [
            "| measure | p50 / p95 / p99 ms | target |",
            "|---|---|---|",
            f"| commit → audit row, {rate:.0f} tasks/s for {seconds:.0f} s | {summary(audit)} "
            "| p95 ≤ 500 ms |",
            f"| reminder lateness (notification - reminder_at), {reminders} reminders "
            f"| {summary(late_reminders)} | p95 ≤ 2000 ms |",
            f"| recurrence spawn lateness (instance - due_at), {series} series | {summary(late_spawns)} "
            "| p95 ≤ 2000 ms |",
            "",
        ]
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rate", type=float, default=100)  # issue 12: audit p95 at 100 creates/s
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--reminders", type=int, default=100)
    parser.add_argument("--series", type=int, default=100)
    args = parser.parse_args()
    print(f"machine: {machine()}", file=sys.stderr)
    with stack_target(BENCH_STATE / "stack") as target:
        report = asyncio.run(run(target, args.rate, args.seconds, args.reminders, args.series))
    print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
