"""`make bench-api`: latency at a fixed rate, the highest sustainable rate, and 500 simulated users.

Run: .venv/bin/python -m bench.api --mode stack --tasks 100000   (or --mode embedded, --tasks 10000)
The main user has --tasks tasks in a database that also holds 1,000 other users with 10 tasks each.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
from collections.abc import Callable

import sqlalchemy as sa

from bench.common import (
    BENCH_STATE,
    TAGS,
    WORDS,
    Request,
    Result,
    Target,
    embedded_target,
    machine,
    open_loop,
    run_schedule,
    seed,
    settle,
)
from doable.adapters import db
from doable.adapters.db import make_engine

P95_LIMIT_MS = 100.0
STEP_RATES = (100, 200, 300, 400, 500, 650, 800)


def operations(token: str, task_ids: list[str], rng: random.Random) -> dict[str, Callable[[], Request]]:
    headers = {"Authorization": f"Bearer {token}"}

    def create() -> Request:
        body = {
            "title": " ".join(rng.sample(WORDS, 3)),
            "priority": rng.choice(["high", "medium", "low"]),
            "tags": rng.sample(TAGS, 2),
            "due_at": "2027-01-15T09:00:00+01:00",
        }
        return lambda client: client.post("/api/tasks", json=body, headers=headers)

    def get() -> Request:
        task_id = rng.choice(task_ids)
        return lambda client: client.get(f"/api/tasks/{task_id}", headers=headers)

    def search() -> Request:
        params = [
            ("q", rng.choice(WORDS)[:4]),
            ("status", "open"),
            ("priority", "high"),
            ("priority", "medium"),
            ("sort", "due_at"),
            ("limit", "50"),
        ]
        return lambda client: client.get("/api/tasks", params=params, headers=headers)

    def listing() -> Request:
        return lambda client: client.get("/api/tasks", params={"limit": "50"}, headers=headers)

    return {"create": create, "get": get, "search": search, "list": listing}


async def fixed_rate(target: Target, ops: dict[str, Callable[[], Request]], duration: float) -> list[Result]:
    results = []
    for name, make in ops.items():
        results.append(await open_loop(name, target.base_url, 100, duration, make))
        await settle()  # creates leave events for the consumers: they drain before the next operation
    return results


async def sustainable(
    target: Target, ops: dict[str, Callable[[], Request]], step: float
) -> dict[str, tuple[int, Result]]:
    best: dict[str, tuple[int, Result]] = {}
    for name, make in ops.items():
        for rate in STEP_RATES:
            result = await open_loop(name, target.base_url, rate, step, make)
            print(
                f"  {name} @ {rate}/s: p95 {result.percentile(95):.1f} ms, errors {result.errors}",
                file=sys.stderr,
            )
            if result.errors or result.percentile(95) > P95_LIMIT_MS:
                break
            best[name] = (rate, result)
            await settle()  # queues drain before the next step
        await settle()
    return best


async def many_users(
    target: Target, users: list[tuple[str, str, list[str]]], duration: float, rng: random.Random
) -> Result:
    """Each user sends a realistic mix every 5 s on average (Poisson arrivals), all on one schedule."""
    schedule: list[tuple[float, Request]] = []
    for user_id, email, task_ids in users:
        headers = {"Authorization": f"Bearer {target.token(user_id, email)}"}
        at = rng.expovariate(1 / 5)
        while at < duration:
            schedule.append((at, _mixed_request(headers, task_ids, rng)))
            at += rng.expovariate(1 / 5)
    schedule.sort(key=lambda item: item[0])
    return await run_schedule(
        f"{len(users)} users, mixed", target.base_url, schedule, len(schedule) / duration
    )


def _mixed_request(headers: dict[str, str], task_ids: list[str], rng: random.Random) -> Request:
    roll = rng.random()
    task_id = rng.choice(task_ids)
    if roll < 0.45:
        return lambda client: client.get(
            "/api/tasks", params={"status": "open", "limit": "20"}, headers=headers
        )
    if roll < 0.65:
        return lambda client: client.get(f"/api/tasks/{task_id}", headers=headers)
    if roll < 0.80:
        query = rng.choice(WORDS)[:5]
        return lambda client: client.get(
            "/api/tasks", params={"q": query, "sort": "priority"}, headers=headers
        )
    if roll < 0.92:
        body = {"title": " ".join(rng.sample(WORDS, 3)), "tags": rng.sample(TAGS, 1)}
        return lambda client: client.post("/api/tasks", json=body, headers=headers)
    if roll < 0.97:
        return lambda client: client.patch(
            f"/api/tasks/{task_id}", json={"priority": "high"}, headers=headers
        )
    return lambda client: client.get("/api/tags", headers=headers)


def sample_ids(database_url: str, user_id: str | None, limit: int) -> list[tuple[str, str, list[str]]]:
    engine = make_engine(database_url)
    with engine.connect() as connection:
        if user_id is not None:
            rows = connection.execute(
                sa.select(db.tasks.c.id).where(db.tasks.c.user_id == user_id).limit(limit)
            )
            result = [("", "", [row.id for row in rows])]
        else:
            users = connection.execute(
                sa.select(db.users.c.id, db.users.c.email)
                .where(db.users.c.email.like("other-%"))
                .limit(limit)
            ).all()
            result = []
            for user in users:
                ids = [
                    r.id
                    for r in connection.execute(sa.select(db.tasks.c.id).where(db.tasks.c.user_id == user.id))
                ]
                result.append((user.id, user.email, ids))
    engine.dispose()
    return result


async def run(
    target: Target, tasks: int, fixed_seconds: float, step_seconds: float, users_seconds: float
) -> str:
    rng = random.Random(11)
    started = time.monotonic()
    main_id, main_email = seed(target.database_url, tasks)
    print(f"  seeded {tasks} tasks + 1,000 users in {time.monotonic() - started:.0f}s", file=sys.stderr)
    task_ids = sample_ids(target.database_url, main_id, 2000)[0][2]
    ops = operations(target.token(main_id, main_email), task_ids, rng)
    lines = [
        f"### {target.mode}, {tasks:,} tasks for the measured user",
        "",
        "(a) fixed offered rate, open loop, latency in ms from the scheduled send time",
        "",
        "| operation | offered | sent | p50 | p95 | p99 | errors |",
        "|---|---|---|---|---|---|---|",
    ]
    for result in await fixed_rate(target, ops, fixed_seconds):
        lines.append(result.row())
    lines += [
        "",
        f"(b) highest offered rate with p95 ≤ {P95_LIMIT_MS:.0f} ms and no errors "
        f"(steps {', '.join(map(str, STEP_RATES))}/s, {step_seconds:.0f} s each)",
        "",
        "| operation | sustained | p50 | p95 | p99 |",
        "|---|---|---|---|---|",
    ]
    best = await sustainable(target, ops, step_seconds)
    for name in ops:
        if name in best:
            rate, result = best[name]
            lines.append(
                f"| {name} | {rate}/s | {result.percentile(50):.1f} | {result.percentile(95):.1f} | "
                f"{result.percentile(99):.1f} |"
            )
        else:
            lines.append(f"| {name} | < {STEP_RATES[0]}/s | | | |")
    users = sample_ids(target.database_url, None, 500)
    crowd = await many_users(target, users, users_seconds, rng)
    lines += [
        "",
        f"(c) {len(users)} simulated users, one request every 5 s on average each, {users_seconds:.0f} s",
        "",
        "| load | offered | sent | p50 | p95 | p99 | errors |",
        "|---|---|---|---|---|---|---|",
        crowd.row(),
        "",
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mode", choices=("stack", "embedded"), required=True)
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--fixed-seconds", type=float, default=20)
    parser.add_argument("--step-seconds", type=float, default=8)
    parser.add_argument("--users-seconds", type=float, default=120)
    args = parser.parse_args()
    print(f"machine: {machine()}", file=sys.stderr)
    if args.mode == "stack":
        from bench.common import stack_target

        context = stack_target(BENCH_STATE / "stack")
    else:
        import shutil

        shutil.rmtree(BENCH_STATE / "embedded", ignore_errors=True)
        context = embedded_target(BENCH_STATE / "embedded")
    with context as target:
        report = asyncio.run(
            run(target, args.tasks, args.fixed_seconds, args.step_seconds, args.users_seconds)
        )
    print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
