"""`make bench-cpu`: where one request's CPU goes on the local stack, process by process.

Run: .venv/bin/python -m bench.cpu [--rate 40 --seconds 20]
Offers creates (then reads) at a fixed rate and divides each stack process's CPU time (/proc, in
clock ticks) by the number of requests, after letting the event consumers finish their share.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

from bench.common import BENCH_STATE, TAGS, WORDS, Request, machine, open_loop, seed, settle, stack_target
from doable_dev.stack import Stack

TICKS = os.sysconf("SC_CLK_TCK")


def process_cpu(stack: Stack) -> dict[str, float]:
    """CPU seconds per stack process (and PostgreSQL's backends, summed) so far."""
    children: dict[int, list[int]] = {}
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                parent = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (FileNotFoundError, ProcessLookupError, ValueError):
                continue
            children.setdefault(parent, []).append(int(proc.name))
    seconds: dict[str, float] = {}
    for name, pid in stack.running_pids().items():
        # gunicorn serves from a forked worker: count the whole process tree, not just the master.
        tree, todo = [], [pid]
        while todo:
            current = todo.pop()
            tree.append(current)
            todo.extend(children.get(current, []))
        seconds[name] = sum(_cpu_of(member) for member in tree)
    seconds["postgresql"] = sum(
        _cpu_of(int(p.name)) for p in Path("/proc").iterdir() if p.name.isdigit() and _is_postgres(p)
    )
    return seconds


def _cpu_of(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


def _is_postgres(proc: Path) -> bool:
    try:
        return (proc / "comm").read_text().strip() == "postgres"
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return False


async def profile(
    stack: Stack, base_url: str, name: str, make: Callable[[], Request], rate: float, seconds: float
) -> str:
    before, received_before = process_cpu(stack), received(stack)
    result = await open_loop(name, base_url, rate, seconds, make)
    await settle()  # consumers, relay and sidecars finish the events these requests caused
    after, received_after = process_cpu(stack), received(stack)
    spent = {key: after.get(key, 0.0) - before.get(key, 0.0) for key in after}
    total = sum(spent.values())
    lines = [
        f"{name} at {rate:.0f}/s for {seconds:.0f} s: {result.sent} requests, "
        f"p50 {result.percentile(50):.1f} ms, p95 {result.percentile(95):.1f} ms, {result.errors} errors; "
        f"**{total * 1000 / max(result.sent, 1):.1f} ms of CPU per request**",
        "",
        "| process | CPU ms per request | share |",
        "|---|---|---|",
    ]
    for key, value in sorted(spent.items(), key=lambda item: -item[1]):
        if value > 0:
            lines.append(f"| {key} | {value * 1000 / result.sent:.2f} | {value / total:.0%} |")
    lines += [
        "",
        "| event function | events received per request | of them skipped by the function |",
        "|---|---|---|",
    ]
    for function in EVENT_FUNCTIONS:
        before_f, after_f = received_before[function], received_after[function]
        got = {key: value - before_f.get(key, 0.0) for key, value in after_f.items()}
        total_received = sum(got.values())
        skipped = sum(value for (_, outcome), value in got.items() if outcome == "ignored")
        lines.append(f"| {function} | {total_received / result.sent:.2f} | {skipped / result.sent:.2f} |")
    return "\n".join(lines) + "\n"


EVENT_FUNCTIONS = ("write-audit", "spawn-recurrence", "fire-reminder", "notify")


def received(stack: Stack) -> dict[str, dict[tuple[str, str], float]]:
    """Each event function's deliveries so far, by (event type, outcome): what its rules let through."""
    return {function: stack.events_consumed(function) for function in EVENT_FUNCTIONS}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rate", type=float, default=40)
    parser.add_argument("--seconds", type=float, default=20)
    args = parser.parse_args()
    print(f"machine: {machine()}", file=sys.stderr)
    rng = random.Random(5)
    with stack_target(BENCH_STATE / "stack") as target:
        stack = Stack(BENCH_STATE / "stack", "doable_bench")
        user_id, email = seed(target.database_url, 10_000, other_users=0)
        headers = {"Authorization": f"Bearer {target.token(user_id, email)}"}

        def create() -> Request:
            body = {"title": " ".join(rng.sample(WORDS, 3)), "tags": rng.sample(TAGS, 2)}
            return lambda client: client.post("/api/tasks", json=body, headers=headers)

        def listing() -> Request:
            return lambda client: client.get("/api/tasks", params={"limit": "50"}, headers=headers)

        # Warm up first: a freshly started JVM and interpreters spend their first seconds compiling.
        asyncio.run(open_loop("warm-up", target.base_url, args.rate, 15, create))
        time.sleep(10)
        for name, make in (("create", create), ("list", listing)):
            print(asyncio.run(profile(stack, target.base_url, name, make, args.rate, args.seconds)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
