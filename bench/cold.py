"""`make bench-cold`: how long a function process takes from exec to its first answers (issue 12 item 6).

Run: .venv/bin/python -m bench.cold [--runs 5] [--sidecar] [FUNCTION ...]
Spawns `python -m doable.cli serve <function>` and times, from the exec, the first 200 on /healthz
(the process serves) and on /readyz (a real route: it builds the container and asks the database and,
behind a sidecar, daprd). Without --sidecar the function runs in embedded mode on a temporary SQLite
directory; with --sidecar the local stack is started once (holding the machine-wide stack lock) and
each function process is replaced while its daprd keeps running, which is what a restart or a
scale-from-zero of the app container looks like when the sidecar is already up.
"""

from __future__ import annotations

import argparse
import fcntl
import http.client
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from bench.common import BENCH_STATE, free_port, machine
from doable.config import FUNCTIONS
from doable_dev.layout import FunctionPorts
from doable_dev.stack import Stack

STACK_LOCK = Path.home() / ".cache" / "doable" / "stack.lock"
POLL_SECONDS = 0.005
TIMEOUT_SECONDS = 30.0
TICKS = os.sysconf("SC_CLK_TCK")


def _status(port: int, path: str) -> int | None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        connection.request("GET", path)
        return connection.getresponse().status
    except OSError:
        return None  # not listening yet
    finally:
        connection.close()


def _first_200(port: int, path: str, started: float, process: subprocess.Popen[bytes]) -> float:
    while time.perf_counter() - started < TIMEOUT_SECONDS:
        if _status(port, path) == 200:
            return time.perf_counter() - started
        if process.poll() is not None:
            raise RuntimeError(f"the function exited with {process.returncode} before {path} answered 200")
        time.sleep(POLL_SECONDS)
    raise RuntimeError(f"{path} on port {port} not 200 within {TIMEOUT_SECONDS:.0f}s")


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _cpu_seconds(pid: int) -> float:
    """The process's user and system CPU so far: what the start costs, whatever else the cores run."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def measure(name: str, port: int, env: dict[str, str]) -> tuple[float, float, float]:
    """Seconds from exec to the first 200 on /healthz and on /readyz, and the CPU seconds by then."""
    command = [sys.executable, "-m", "doable.cli", "serve", name, "--port", str(port)]
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        healthz = _first_200(port, "/healthz", started, process)
        readyz = _first_200(port, "/readyz", started, process)
        cpu = _cpu_seconds(process.pid)
    finally:
        _stop(process)
    return healthz, readyz, cpu


def embedded_runs(functions: list[str], runs: int) -> Iterator[tuple[str, float, float, float]]:
    for name in functions:
        for _ in range(runs):
            with tempfile.TemporaryDirectory(prefix="doable-cold-") as data:
                env = {**os.environ, "DOABLE_MODE": "embedded", "DOABLE_DATA_DIR": data}
                yield name, *measure(name, free_port(), env)


@contextmanager
def _stack_lock() -> Iterator[None]:
    """One local stack per machine: the test suite takes the same lock, so the two take turns."""
    STACK_LOCK.parent.mkdir(parents=True, exist_ok=True)
    with STACK_LOCK.open("w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print("another session holds the local stack; waiting for it", file=sys.stderr)
            fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def sidecar_runs(functions: list[str], runs: int) -> Iterator[tuple[str, float, float, float]]:
    with _stack_lock():
        stack = Stack(BENCH_STATE / "cold-stack", "doable_bench_cold", fresh=True, functions=functions)
        try:
            stack.start()
            for name in functions:
                pid = stack.running_pids()[name]
                os.killpg(pid, signal.SIGTERM)  # the function only; its daprd stays up
                while _exists(pid):
                    time.sleep(0.05)
                ports = FunctionPorts.of(name)
                env = {
                    **os.environ,
                    **stack.tokens,
                    "DAPR_HTTP_PORT": str(ports.dapr_http),
                    "DAPR_GRPC_PORT": str(ports.dapr_grpc),
                    "DOABLE_MODE": "dapr",
                    "DOABLE_DATA_DIR": str(stack.state_dir),
                }
                for _ in range(runs):
                    yield name, *measure(name, ports.app, env)
        finally:
            stack.stop()


def _exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
        finished, _ = os.waitpid(pid, os.WNOHANG)
        return finished == 0
    except ChildProcessError:
        return True  # not our child: it exists until kill(0) says otherwise
    except ProcessLookupError:
        return False


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("functions", nargs="*", help=f"default: all ({', '.join(FUNCTIONS)})")
    parser.add_argument("--runs", type=int, default=5, help="processes per function; the median is reported")
    parser.add_argument("--sidecar", action="store_true", help="behind its daprd on the local stack")
    args = parser.parse_args()
    functions = args.functions or list(FUNCTIONS)
    unknown = sorted(set(functions) - set(FUNCTIONS))
    if unknown:
        parser.error(f"unknown functions {unknown}; known: {', '.join(FUNCTIONS)}")
    mode = (
        "with its sidecar already up (local stack)"
        if args.sidecar
        else "without a sidecar (embedded, SQLite)"
    )
    print(f"cold start, {mode}: exec to first 200, median of {args.runs}")
    print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {machine()}")
    print("| function | /healthz ms | /readyz ms | slowest /readyz ms | CPU ms by /readyz |")
    print("|---|---:|---:|---:|---:|")
    samples: dict[str, list[tuple[float, float, float]]] = {}
    for name, *sample in (sidecar_runs if args.sidecar else embedded_runs)(functions, args.runs):
        runs = samples.setdefault(name, [])
        runs.append((sample[0], sample[1], sample[2]))
        if len(runs) == args.runs:
            health, ready, cpu = (statistics.median(run[i] for run in runs) * 1000 for i in range(3))
            slowest = max(run[1] for run in runs) * 1000
            print(f"| {name} | {health:.0f} | {ready:.0f} | {slowest:.0f} | {cpu:.0f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
