"""`python -m bench.sidecar`: what one sidecar call costs in CPU, over HTTP with httpx (the adapter before
issue 12 item 1) and over gRPC with the `dapr` SDK (the adapter now), in the caller and in its daprd;
and what an event costs published one by one (PublishEvent, as the outbox did before issue 12 item
2a) against the adapter's bulk publish, a batch of one and a batch of --batch.

Run: .venv/bin/python -m bench.sidecar [--calls 2000 --rounds 3 --batch 100]
Starts the local stack with create-task and chat only (no consumer reads what this publishes), then,
from this process as those functions would: publishes CloudEvents with their trace context to
task-events through create-task's sidecar, and reads then saves a state key with its ETag through
chat's. The rounds alternate the clients so the machine's other load falls on all alike; each cell
is the median of the rounds, per event for the publishes (each cell publishes --calls events) and per
call for state. Then what a fresh process's first call costs with each client, import and connection
included.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

import httpx

from bench.cold import _stack_lock
from bench.common import BENCH_STATE, machine
from bench.cpu import _cpu_of
from doable.adapters.dapr import DaprSidecar
from doable.domain.model import new_id
from doable.services.ports import Outgoing
from doable_dev.layout import FunctionPorts
from doable_dev.stack import Stack

Call = Callable[[int], None]
Cell = tuple[str, str]  # (operation, client)
# A fresh process's first call, as a function's first secret read on /readyz: the client's import, its
# connection and one call, after the modules both adapters share (the CPU it prints, in ms).
FIRST_CALL = {
    "HTTP (httpx)": """
import httpx
client = httpx.Client(
    base_url=f"http://127.0.0.1:{os.environ['DAPR_HTTP_PORT']}",
    headers={"dapr-api-token": os.environ["DAPR_API_TOKEN"]},
)
assert client.get("/v1.0/secrets/secretstore/database-url").status_code == 200
""",
    "gRPC (SDK)": """
from doable.adapters.dapr import DaprSidecar
DaprSidecar().secret("secretstore", "database-url")
""",
}


def event(n: int) -> str:
    return json.dumps(
        {
            "specversion": "1.0",
            "id": new_id(),
            "source": "bench/sidecar",
            "type": "task.created",
            "datacontenttype": "application/json",
            "subject": f"task-{n}",
            "traceparent": traceparent(n),
            "data": {"task_id": new_id(), "user_id": new_id(), "title": "sidecar bench " * 4, "tags": ["a"]},
        }
    )


def outgoing(n: int) -> Outgoing:
    payload = event(n)
    return Outgoing(json.loads(payload)["id"], "task-events", f"task-{n % 64}", payload)


def traceparent(n: int) -> str:
    """A sampled trace context, as each of a function's publishes carries (daprd traces every call)."""
    return f"00-{n + 1:032x}-{n + 1:016x}-01"


def over_http(app_id: str, token: str) -> httpx.Client:
    port = FunctionPorts.of(app_id).dapr_http
    return httpx.Client(base_url=f"http://127.0.0.1:{port}", headers={"dapr-api-token": token}, timeout=5)


def over_grpc(app_id: str, token: str) -> DaprSidecar:
    """The adapter as `app_id`'s process makes it (the SDK reads its settings when it connects)."""
    from dapr.conf import settings

    ports = FunctionPorts.of(app_id)
    values = {"DAPR_HTTP_PORT": ports.dapr_http, "DAPR_GRPC_PORT": ports.dapr_grpc, "DAPR_API_TOKEN": token}
    for name, value in values.items():
        setattr(settings, name, value)
    sidecar = DaprSidecar()
    sidecar._client()  # connect now, while the settings name this app's sidecar
    return sidecar


def calls(token: str, batch: int) -> dict[Cell, tuple[str, Call, int]]:
    """(operation, client) -> (the daprd that serves it, one call, the events one call publishes)."""
    publisher, chat = over_http("create-task", token), over_http("chat", token)
    sdk_publisher, sdk_chat = over_grpc("create-task", token), over_grpc("chat", token)
    key = f"bench-{new_id()}"

    def http_publish(n: int) -> None:
        response = publisher.post(
            "/v1.0/publish/pubsub/task-events",
            params={"metadata.partitionKey": f"task-{n % 64}"},
            content=event(n),
            headers={"content-type": "application/cloudevents+json", "traceparent": traceparent(n)},
        )
        assert response.status_code == 204, response.text

    def http_state(n: int) -> None:
        read = chat.get(f"/v1.0/state/statestore/{key}")
        item: dict[str, Any] = {"key": key, "value": {"n": n}, "options": {"concurrency": "first-write"}}
        if read.headers.get("etag"):
            item["etag"] = read.headers["etag"]
        assert chat.post("/v1.0/state/statestore", json=[item]).status_code == 204

    def grpc_publish(n: int) -> None:
        # The adapter's single publish before the outbox published in bulk: daprd wraps the event and
        # writes its span, a child of the call's trace context, into it.
        sdk_publisher._call(
            "bench publish",
            lambda sdk: sdk.publish_event(
                "pubsub",
                "task-events",
                event(n).encode(),
                publish_metadata={"partitionKey": f"task-{n % 64}"},
                data_content_type="application/cloudevents+json",
            ),
            metadata=(("traceparent", traceparent(n)),),
        )

    def bulk_of(size: int) -> Call:
        def bulk_publish(n: int) -> None:
            failed = sdk_publisher.publish_batch("pubsub", [outgoing(n * size + i) for i in range(size)])
            assert not failed, failed

        return bulk_publish

    def grpc_state(n: int) -> None:
        _, etag = sdk_chat.get_state("statestore", key)
        sdk_chat.save_state("statestore", key, {"n": n}, etag)

    return {
        ("publish", "HTTP (httpx)"): ("create-task.daprd", http_publish, 1),
        ("publish", "gRPC (SDK)"): ("create-task.daprd", grpc_publish, 1),
        ("publish, bulk of 1", "gRPC (SDK stub)"): ("create-task.daprd", bulk_of(1), 1),
        (f"publish, bulk of {batch}", "gRPC (SDK stub)"): ("create-task.daprd", bulk_of(batch), batch),
        ("state get + save", "HTTP (httpx)"): ("chat.daprd", http_state, 1),
        ("state get + save", "gRPC (SDK)"): ("chat.daprd", grpc_state, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batch", type=int, default=100, help="events in one bulk publish")
    args = parser.parse_args()
    print(f"machine: {machine()}", file=sys.stderr)
    stack = Stack(
        BENCH_STATE / "sidecar-stack",
        "doable_bench_sidecar",
        fresh=True,
        functions=["create-task", "chat"],
        progress=lambda line: print(f"  {line}", file=sys.stderr),
    )
    with _stack_lock():
        measured, first = run(stack, args.calls, args.rounds, args.batch)
    print(f"{args.rounds} rounds of {args.calls} calls (publishes: events) each, medians per call or event\n")
    print("| call | client | caller CPU µs | daprd CPU µs | wall µs |")
    print("|---|---|---|---|---|")
    for (operation, client), samples in measured.items():
        caller, daprd, wall = (statistics.median(column) * 1e6 for column in zip(*samples, strict=True))
        print(f"| {operation} | {client} | {caller:.0f} | {daprd:.0f} | {wall:.0f} |")
    print(
        f"\nfirst call in a fresh process (import, connect, one secret read), median of {args.rounds * 2}\n"
    )
    print("| client | CPU ms |")
    print("|---|---|")
    for client, costs in first.items():
        print(f"| {client} | {statistics.median(costs):.0f} |")
    return 0


def first_call(client: str, token: str) -> float:
    ports = FunctionPorts.of("create-task")
    env = {
        **os.environ,
        "DAPR_HTTP_PORT": str(ports.dapr_http),
        "DAPR_GRPC_PORT": str(ports.dapr_grpc),
        "DAPR_API_TOKEN": token,
    }
    code = (
        "import os, time\nimport doable.domain.model, doable.services.ports\nstarted = time.process_time()\n"
        f"{FIRST_CALL[client]}\nprint((time.process_time() - started) * 1000)"
    )
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return float(result.stdout.strip().splitlines()[-1])


def run(
    stack: Stack, count: int, rounds: int, batch: int
) -> tuple[dict[Cell, list[tuple[float, float, float]]], dict[str, list[float]]]:
    stack.start()
    try:
        pids = stack.running_pids()
        measured: dict[Cell, list[tuple[float, float, float]]] = {}
        token = stack.secrets()["dapr-api-token"]
        first: dict[str, list[float]] = {}
        for _ in range(rounds * 2):
            for client in FIRST_CALL:
                first.setdefault(client, []).append(first_call(client, token))
        work = calls(token, batch)
        for _, call, _ in work.values():
            for n in range(50):  # warm: connections, first-call paths, the state row
                call(n)
        for _ in range(rounds):
            for cell, (daprd, call, events) in work.items():
                times = max(1, count // events)  # each publish cell publishes about `count` events
                cpu, sidecar, wall = time.process_time(), _cpu_of(pids[daprd]), time.perf_counter()
                for n in range(times):
                    call(n)
                units = times * events
                measured.setdefault(cell, []).append(
                    (
                        (time.process_time() - cpu) / units,
                        (_cpu_of(pids[daprd]) - sidecar) / units,
                        (time.perf_counter() - wall) / units,
                    )
                )
    finally:
        stack.stop()
    return measured, first


if __name__ == "__main__":
    sys.exit(main())
