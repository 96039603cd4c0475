"""What checking a create-task body costs: the domain's rules (what the functions run) and the pydantic shape.

Run: .venv/bin/python -m bench.validation [--times 10000 --imports 5]
Validates one full POST /tasks body `--times` times with doable.domain.model.validate_task_fields and
with doable.http.shapes.NewTask, best of 5 rounds each, and times a fresh interpreter importing each
(median of `--imports`): the import is what a cold function would pay before its first answer.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

from doable.domain.model import validate_task_fields
from doable.http.shapes import NewTask

BODY: dict[str, Any] = {
    "title": "Pay rent",
    "description": "the flat, by transfer",
    "priority": "high",
    "tags": ["home", "#Bills"],
    "due_at": "2026-12-01T09:00:00+01:00",
    "recurrence": "monthly",
    "reminder_minutes_before": 60,
}

SHAPES_LIMITS = (
    "doable.services.access_tokens, doable.services.chat, doable.services.quick_add, doable.services.users"
)


def per_call(check: Callable[[], object], times: int) -> float:
    """Microseconds per call, best of 5 rounds (the least disturbed by the rest of the machine)."""
    rounds = []
    for _ in range(5):
        started = time.perf_counter()
        for _ in range(times):
            check()
        rounds.append((time.perf_counter() - started) / times * 1e6)
    return min(rounds)


def import_ms(module: str, times: int) -> float:
    """Milliseconds for a fresh interpreter to import `module`, median of `times`, less a bare start."""

    def run(code: str) -> float:
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True)
        return (time.perf_counter() - started) * 1000

    bare = statistics.median(run("pass") for _ in range(times))
    return statistics.median(run(f"import {module}") for _ in range(times)) - bare


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--times", type=int, default=10_000)
    parser.add_argument("--imports", type=int, default=5)
    args = parser.parse_args()
    domain = per_call(lambda: validate_task_fields(BODY, partial=False), args.times)
    shape = per_call(lambda: NewTask.model_validate(BODY), args.times)
    print(f"create body, {args.times:,} times, best of 5 rounds:")
    print(f"  domain rules (validate_task_fields): {domain:6.1f} µs per body")
    print(f"  pydantic shape (NewTask)           : {shape:6.1f} µs per body")
    print(f"import in a fresh interpreter, median of {args.imports}:")
    # The shapes read their limits from the services, which every HTTP function imports anyway:
    # the difference between the last two lines is pydantic and the models.
    for module in ("doable.domain.model", SHAPES_LIMITS, "doable.http.shapes"):
        print(f"  {module[:40]:<40}: {import_ms(module, args.imports):6.0f} ms")


if __name__ == "__main__":
    main()
