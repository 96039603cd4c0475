"""The local stack: PostgreSQL, Kafka (KRaft), the Dapr sentry and scheduler, each function and its daprd.

Everything runs as a local process started from the caches `scripts/deps.sh` filled; process ids are
recorded in the state directory so `down` (or Ctrl-C) stops exactly what `up` started.
"""

from __future__ import annotations

import os
import secrets
import shutil
import sys
import time
from collections.abc import Iterable
from pathlib import Path

from doable_dev import components, dapr, kafka
from doable_dev.layout import (
    DAPR_VERSION,
    KAFKA_PORT,
    KAFKA_VERSION,
    NAMESPACE,
    POSTGRES_PORT,
    SCHEDULER_PORT,
    SENTRY_PORT,
    TOPICS,
    FunctionPorts,
    available_functions,
    missing_binaries,
)
from doable_dev.postgres import Postgres
from doable_dev.processes import Processes, Progress, StackBusy, StackError, http_ok, port_open, wait_until

INFRASTRUCTURE = ("scheduler", "sentry", "kafka")  # stopped after the functions, in this order


class Stack:
    def __init__(
        self,
        state_dir: Path,
        database: str = "doable",
        *,
        fresh: bool = False,
        functions: Iterable[str] | None = None,
        progress: Progress = print,
    ) -> None:
        self.state_dir = state_dir.resolve()
        self.processes = Processes(self.state_dir)
        self.logs = self.processes.logs
        self.database = database
        self.fresh = fresh
        self.functions = list(functions) if functions is not None else available_functions()
        self.progress = progress
        self.tokens = {
            "APP_API_TOKEN": secrets.token_urlsafe(24),
            "DAPR_API_TOKEN": secrets.token_urlsafe(24),
        }

    # --- lifecycle -------------------------------------------------------------------------------

    def start(self) -> None:
        if self.running_pids():
            raise StackBusy(
                f"a stack is already running (pids in {self.processes.state_file}); stop it with `make down`"
            )
        busy = [p for p in (KAFKA_PORT, SCHEDULER_PORT, 8080) if port_open(p)]
        if busy:
            raise StackBusy(f"ports {busy} are in use; is another Doable stack running? `make down` stops it")
        missing = missing_binaries()
        if missing:
            raise StackError(f"missing {', '.join(missing)}; run `make deps` first")
        if self.fresh:  # a fresh stack forgets old events and jobs too, not only the database
            for part in ("kafka", "scheduler", "sentry", "logs"):
                shutil.rmtree(self.state_dir / part, ignore_errors=True)
        self.logs.mkdir(parents=True, exist_ok=True)
        started = time.monotonic()
        postgres = Postgres(self.database, self._secrets()["postgres-password"])
        if postgres.start(self.fresh):
            self.processes.note(started_postgres=True)  # so `down` stops it again; else it was running
        self.progress(f"postgresql  ready on {POSTGRES_PORT} (database {self.database})")
        postgres.migrate()
        self.progress("migrations  applied")
        self.start_kafka()
        dapr.start_sentry(self.processes)
        self.progress(f"sentry      ready on {SENTRY_PORT} (mTLS between sidecars)")
        dapr.start_scheduler(self.processes)
        self.progress(f"scheduler   ready on {SCHEDULER_PORT}")
        components.write_configurations(self.state_dir / "dapr-config")
        for name in self.functions:
            self.start_function(name, wait=False)
        for name in self.functions:
            self.wait_function(name)
        self.wait_consumers()
        self.progress(f"stack ready in {time.monotonic() - started:.1f}s (daprd {self.dapr_version()})")

    def stop(self) -> None:
        """Stops functions and sidecars first, then the scheduler, then Kafka, so nothing dies noisily
        for want of what it was talking to."""
        pids = self.running_pids()
        self.processes.stop([name for name in pids if name not in INFRASTRUCTURE])
        for name in INFRASTRUCTURE:
            self.processes.stop([name])
        if self.processes.state().get("started_postgres"):
            Postgres(self.database, "").stop()
        self.processes.clear()

    # --- parts -----------------------------------------------------------------------------------

    def secrets(self) -> dict[str, str]:
        """The secrets `start` generated for this state directory (database URL, JWT key, API tokens)."""
        return components.read_secrets(self.state_dir)

    def _secrets(self) -> dict[str, str]:
        values = components.ensure_secrets(self.state_dir, self.database)
        self.tokens = {"APP_API_TOKEN": values["app-api-token"], "DAPR_API_TOKEN": values["dapr-api-token"]}
        return values

    @property
    def trust_anchors(self) -> Path:
        return dapr.trust_anchors(self.state_dir)

    def start_function(self, name: str, *, wait: bool = True) -> None:
        if not self.tokens:
            self._secrets()
        ports = FunctionPorts.of(name)
        env = {
            **os.environ,
            **self.tokens,
            "DAPR_HTTP_PORT": str(ports.dapr_http),
            "DAPR_GRPC_PORT": str(ports.dapr_grpc),
        }
        sidecar_env = {**env, "NAMESPACE": NAMESPACE, "DAPR_TRUST_ANCHORS": self.trust_anchors.read_text()}
        dapr.start_sidecar(self.processes, name, self.state_dir / "dapr-config" / f"{name}.yaml", sidecar_env)
        self.processes.spawn(
            name,
            [sys.executable, "-m", "doable.cli", "serve", name, "--port", str(ports.app)],
            env={**env, "DOABLE_MODE": "dapr", "DOABLE_DATA_DIR": str(self.state_dir)},
        )
        if wait:
            self.wait_function(name)

    def wait_function(self, name: str) -> None:
        ports = FunctionPorts.of(name)
        wait_until(
            lambda: http_ok(f"http://127.0.0.1:{ports.dapr_http}/v1.0/healthz"),
            60,
            f"daprd of {name}",
            self.logs / f"{name}.daprd.log",
        )
        wait_until(
            lambda: http_ok(f"http://127.0.0.1:{ports.app}/readyz"), 60, name, self.logs / f"{name}.log"
        )

    def stop_function(self, name: str, *, kill: bool = False) -> None:
        """Stops the function and its sidecar; `kill` sends SIGKILL at once, as a crash would."""
        self.processes.stop([name, f"{name}.daprd"], grace=0 if kill else 15)

    def stop_kafka(self, *, kill: bool = False) -> None:
        """Stops the broker; `kill` sends SIGKILL at once, so nothing is flushed or handed over."""
        self.processes.stop(["kafka"], grace=0 if kill else 15)

    def start_kafka(self) -> None:
        kafka.start(self.processes)
        self.progress(f"kafka       ready on {KAFKA_PORT} (topics {', '.join(TOPICS)})")

    def consumer_groups(self) -> dict[str, str]:
        """The Kafka consumer group of each running function's subscriptions (group → app id)."""
        return components.consumer_groups(self.functions)

    def wait_consumers(self, timeout: float = 60) -> None:
        """Ready means listening: every subscription's consumer group has joined and holds its partitions."""
        kafka.wait_stable(list(self.consumer_groups()), timeout, self.logs)

    @staticmethod
    def events_consumed(function: str) -> dict[tuple[str, str], float]:
        """What an event function has received so far, by (event type, outcome), from its own /metrics."""
        import httpx
        from prometheus_client.parser import text_string_to_metric_families

        text = httpx.get(f"http://127.0.0.1:{FunctionPorts.of(function).app}/metrics", timeout=10).text
        return {
            (sample.labels["type"], sample.labels["outcome"]): sample.value
            for family in text_string_to_metric_families(text)
            if family.name == "doable_events_consumed"
            for sample in family.samples
            if sample.name == "doable_events_consumed_total" and sample.labels.get("function") == function
        }

    # --- bookkeeping -----------------------------------------------------------------------------

    def running_pids(self) -> dict[str, int]:
        return self.processes.running()

    def dapr_version(self) -> str:
        return dapr.version()

    def table(self) -> str:
        rows = [
            ("postgresql", str(POSTGRES_PORT), f"database {self.database}"),
            ("kafka", str(KAFKA_PORT), f"KRaft {KAFKA_VERSION}, topics {', '.join(TOPICS)}"),
            ("dapr scheduler", str(SCHEDULER_PORT), f"dapr {DAPR_VERSION}"),
            ("dapr sentry", str(SENTRY_PORT), "mTLS identities; access control per function"),
        ]
        for name in self.functions:
            ports = FunctionPorts.of(name)
            note = "http://localhost:8080 (public gateway)" if name == "web" else ""
            rows.append(
                (name, str(ports.app), f"daprd http {ports.dapr_http} grpc {ports.dapr_grpc} {note}".strip())
            )
        width = max(len(r[0]) for r in rows)
        lines = [f"{'service'.ljust(width)}  port   notes", f"{'-' * width}  -----  -----"]
        lines += [f"{r[0].ljust(width)}  {r[1].ljust(5)}  {r[2]}" for r in rows]
        lines.append(f"logs: {self.logs}")
        return "\n".join(lines)
