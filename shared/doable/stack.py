"""The local stack: PostgreSQL, Kafka (KRaft), the Dapr scheduler, and each function beside its daprd.

Everything runs as a local process started from the caches `scripts/deps.sh` filled; process ids are
recorded in the state directory so `down` (or Ctrl-C) stops exactly what `up` started.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from doable.config import REPO_ROOT

CACHE = Path(os.environ.get("DOABLE_CACHE", Path.home() / ".cache" / "doable"))
VERSIONS = dict(
    line.split("=", 1) for line in (REPO_ROOT / "scripts" / "versions.env").read_text().split() if "=" in line
)
DAPR_VERSION = VERSIONS["DAPR_VERSION"]
KAFKA_VERSION = VERSIONS["KAFKA_VERSION"]
DAPR_BIN = CACHE / "dapr" / DAPR_VERSION / "bin"
KAFKA_LIBS = CACHE / "kafka" / KAFKA_VERSION / "libs"
DAPR_BINARIES = ("daprd", "scheduler", "sentry")

# Every listening port sits below the kernel's ephemeral range (32768+), where outgoing connections
# would otherwise take them first.
POSTGRES_PORT = 15432
POSTGRES_CLUSTER = "doable"
KAFKA_PORT = 19092
KAFKA_CONTROLLER_PORT = 19093
SCHEDULER_PORT = 16006
SENTRY_PORT = 16050
NAMESPACE = "default"  # self-hosted daprd's namespace, part of each app's mTLS identity
TOPICS = ("task-events", "task-updates", "reminders")
TOPIC_PARTITIONS = 3

# Fixed order, so every function keeps its ports from run to run.
FUNCTIONS = (
    "web",
    "auth",
    "create-task",
    "update-task",
    "search-tasks",
    "activity",
    "chat",
    "write-audit",
    "spawn-recurrence",
    "fire-reminder",
    "notify",
    "relay-outbox",
)

Progress = Callable[[str], None]


class StackError(RuntimeError):
    """The stack could not start; the message says which part and where its log is."""


class StackBusy(StackError):
    """Another stack holds the state directory or the ports; nothing was started, nothing to stop."""


@dataclass(frozen=True)
class FunctionPorts:
    app: int
    dapr_http: int
    dapr_grpc: int
    dapr_internal: int
    dapr_metrics: int

    @classmethod
    def of(cls, name: str) -> FunctionPorts:
        i = FUNCTIONS.index(name)
        return cls(
            app=8080 if name == "web" else 8100 + i,
            dapr_http=3500 + i,
            dapr_grpc=4500 + i,
            dapr_internal=5500 + i,
            dapr_metrics=9100 + i,
        )


def available_functions(functions_dir: Path = REPO_ROOT / "functions") -> list[str]:
    """Every function folder, or the subset named in DOABLE_STACK_FUNCTIONS (comma-separated)."""
    chosen = [
        name.strip() for name in os.environ.get("DOABLE_STACK_FUNCTIONS", "").split(",") if name.strip()
    ]
    unknown = sorted(set(chosen) - set(FUNCTIONS))
    if unknown:
        raise StackError(
            f"DOABLE_STACK_FUNCTIONS names unknown functions {unknown}; known: {', '.join(FUNCTIONS)}"
        )
    return [name for name in (chosen or FUNCTIONS) if (functions_dir / name / "main.py").is_file()]


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.2)
        return probe.connect_ex((host, port)) == 0


def wait_until(check: Callable[[], bool], timeout: float, what: str, log: Path | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    hint = f"; see {log}" if log else ""
    raise StackError(f"{what} was not ready within {timeout:.0f}s{hint}")


class Postgres:
    """A Debian cluster that runs as the postgres user (the server refuses root) on a known port."""

    def __init__(self, database: str, password: str) -> None:
        self.database = database
        self.password = password
        self.version = max(
            p.name for p in Path("/usr/lib/postgresql").iterdir() if (p / "bin/postgres").exists()
        )

    @property
    def url(self) -> str:
        return f"postgresql://doable:{self.password}@127.0.0.1:{POSTGRES_PORT}/{self.database}"

    def start(self, fresh: bool) -> bool:
        """Starts the cluster if it is down; returns whether this call started it."""
        clusters = subprocess.run(["pg_lsclusters", "-h"], capture_output=True, text=True, check=True).stdout
        mine = [line.split() for line in clusters.splitlines() if line.split()[1:2] == [POSTGRES_CLUSTER]]
        if not mine:
            _run(
                [
                    "pg_createcluster",
                    self.version,
                    POSTGRES_CLUSTER,
                    "-p",
                    str(POSTGRES_PORT),
                    "-o",
                    "max_connections=400",
                    "-o",
                    "shared_buffers=256MB",
                    "--",
                    "--auth-local=peer",
                    "--auth-host=scram-sha-256",
                ]
            )
            mine = [[self.version, POSTGRES_CLUSTER, str(POSTGRES_PORT), "down"]]
        started = False
        if mine[0][2] != str(POSTGRES_PORT):  # a cluster from an older Doable: move it to today's port
            _run(["pg_ctlcluster", mine[0][0], POSTGRES_CLUSTER, "stop"]) if mine[0][3] == "online" else None
            _run(["pg_conftool", mine[0][0], POSTGRES_CLUSTER, "set", "port", str(POSTGRES_PORT)])
            mine[0][3] = "down"
        if mine[0][3] != "online":
            _run(["pg_ctlcluster", mine[0][0], POSTGRES_CLUSTER, "start"])
            started = True
        wait_until(lambda: port_open(POSTGRES_PORT), 30, "PostgreSQL")
        self._prepare(fresh)
        return started

    def _prepare(self, fresh: bool) -> None:
        password = self.password.replace("'", "''")
        self.psql(
            "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'doable') THEN "
            "CREATE ROLE doable LOGIN; END IF; END $$;"
            f"ALTER ROLE doable PASSWORD '{password}';"
        )
        exists = self.psql(f"SELECT 1 FROM pg_database WHERE datname = '{self.database}'").strip() == "1"
        if exists and fresh:
            self.psql(f'DROP DATABASE "{self.database}" WITH (FORCE)')
            exists = False
        if not exists:
            self.psql(f'CREATE DATABASE "{self.database}" OWNER doable')

    def psql(self, sql: str, database: str = "postgres") -> str:
        return _run(
            [
                "runuser",
                "-u",
                "postgres",
                "--",
                "psql",
                "-p",
                str(POSTGRES_PORT),
                "-d",
                database,
                "-X",
                "-q",
                "-t",
                "-A",
                "-v",
                "ON_ERROR_STOP=1",
                "-c",
                sql,
            ]
        )

    def stop(self) -> None:
        subprocess.run(
            ["pg_ctlcluster", self.version, POSTGRES_CLUSTER, "stop", "-m", "fast"],
            capture_output=True,
            check=False,
        )


def _run(command: list[str]) -> str:
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise StackError(f"{shlex.join(command)} failed: {result.stderr.strip() or result.stdout.strip()}")
    return result.stdout


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
        self.logs = self.state_dir / "logs"
        self.database = database
        self.fresh = fresh
        self.functions = list(functions) if functions is not None else available_functions()
        self.progress = progress
        self.pids_file = self.state_dir / "stack.json"
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.started_postgres = False
        self.tokens = {
            "APP_API_TOKEN": secrets.token_urlsafe(24),
            "DAPR_API_TOKEN": secrets.token_urlsafe(24),
        }

    # --- lifecycle -------------------------------------------------------------------------------

    def start(self) -> None:
        if self.running_pids():
            raise StackBusy(
                f"a stack is already running (pids in {self.pids_file}); stop it with `make down`"
            )
        busy = [p for p in (KAFKA_PORT, SCHEDULER_PORT, 8080) if port_open(p)]
        if busy:
            raise StackBusy(f"ports {busy} are in use; is another Doable stack running? `make down` stops it")
        self._check_binaries()
        if self.fresh:  # a fresh stack forgets old events and jobs too, not only the database
            for part in ("kafka", "scheduler", "sentry", "logs"):
                shutil.rmtree(self.state_dir / part, ignore_errors=True)
        self.logs.mkdir(parents=True, exist_ok=True)
        started = time.monotonic()
        secrets_ = self._secrets()
        postgres = Postgres(self.database, secrets_["postgres-password"])
        self.started_postgres = postgres.start(self.fresh)
        self.progress(f"postgresql  ready on {POSTGRES_PORT} (database {self.database})")
        self._migrate(postgres.url)
        self._start_kafka()
        self._start_sentry()
        self._start_scheduler()
        self._write_configurations()
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
        infrastructure = ("scheduler", "sentry", "kafka")
        _stop_all([pid for name, pid in pids.items() if name not in infrastructure])
        for name in infrastructure:
            if name in pids:
                _stop_all([pids[name]])
        state = self._read_state()
        if state.get("started_postgres"):
            Postgres(self.database, "").stop()
        self.pids_file.unlink(missing_ok=True)
        self.processes.clear()

    # --- parts -----------------------------------------------------------------------------------

    def _check_binaries(self) -> None:
        missing = [
            str(p)
            for p in (
                DAPR_BIN / "daprd",
                DAPR_BIN / "scheduler",
                DAPR_BIN / "sentry",
                KAFKA_LIBS / ".complete",
            )
            if not p.exists()
        ]
        if missing:
            raise StackError(f"missing {', '.join(missing)}; run `make deps` first")

    def secrets(self) -> dict[str, str]:
        """The secrets `start` generated for this state directory (database URL, JWT key, API tokens)."""
        return dict(json.loads((self.state_dir / "secrets.json").read_text()))

    def _secrets(self) -> dict[str, str]:
        """Generated once per state directory and read by daprd's local file secret store."""
        path = self.state_dir / "secrets.json"
        values = json.loads(path.read_text()) if path.exists() else {}
        values.setdefault("postgres-password", secrets.token_urlsafe(24))
        values.setdefault("jwt-signing-key", secrets.token_urlsafe(48))
        # The sidecars' API tokens: a function only answers its own sidecar, a sidecar only its own app.
        values.setdefault("app-api-token", secrets.token_urlsafe(24))
        values.setdefault("dapr-api-token", secrets.token_urlsafe(24))
        self.tokens = {"APP_API_TOKEN": values["app-api-token"], "DAPR_API_TOKEN": values["dapr-api-token"]}
        values["database-url"] = (
            f"postgresql://doable:{values['postgres-password']}@127.0.0.1:{POSTGRES_PORT}/{self.database}"
        )
        # The Dapr PostgreSQL state store takes a libpq connection string.
        values["state-connection-string"] = (
            f"host=127.0.0.1 port={POSTGRES_PORT} user=doable password={values['postgres-password']} "
            f"dbname={self.database} sslmode=disable"
        )
        self.state_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values, indent=2))
        path.chmod(0o600)
        return values

    def _migrate(self, url: str) -> None:
        from doable.adapters.db import make_engine
        from doable.adapters.migrate import upgrade

        engine = make_engine(url)
        try:
            upgrade(engine)
        finally:
            engine.dispose()
        self.progress("migrations  applied")

    def _start_kafka(self) -> None:
        data = self.state_dir / "kafka"
        config = self.state_dir / "kafka.properties"
        config.write_text(
            "\n".join(
                [
                    "process.roles=broker,controller",
                    "node.id=1",
                    f"controller.quorum.bootstrap.servers=127.0.0.1:{KAFKA_CONTROLLER_PORT}",
                    f"listeners=PLAINTEXT://127.0.0.1:{KAFKA_PORT},CONTROLLER://127.0.0.1:{KAFKA_CONTROLLER_PORT}",
                    f"advertised.listeners=PLAINTEXT://127.0.0.1:{KAFKA_PORT}",
                    "controller.listener.names=CONTROLLER",
                    "inter.broker.listener.name=PLAINTEXT",
                    "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
                    f"log.dirs={data}",
                    f"num.partitions={TOPIC_PARTITIONS}",
                    "offsets.topic.replication.factor=1",
                    "offsets.topic.num.partitions=6",
                    "transaction.state.log.replication.factor=1",
                    "transaction.state.log.min.isr=1",
                    "share.coordinator.state.topic.replication.factor=1",
                    "share.coordinator.state.topic.min.isr=1",
                    "group.initial.rebalance.delay.ms=0",
                    "auto.create.topics.enable=false",
                    "",
                ]
            )
        )
        log4j = self.state_dir / "kafka-log4j2.properties"
        log4j.write_text(
            "rootLogger.level=WARN\nrootLogger.appenderRef.stdout.ref=STDOUT\nappender.stdout.type=Console\n"
            "appender.stdout.name=STDOUT\nappender.stdout.layout.type=PatternLayout\n"
            "appender.stdout.layout.pattern=[%d] %p %m (%c)%n\n"
        )
        java = [
            "java",
            "-Xms256m",
            "-Xmx768m",
            "-XX:+UseG1GC",
            f"-Dlog4j2.configurationFile={log4j}",
            "-cp",
            f"{KAFKA_LIBS}/*",
        ]
        if not (data / "meta.properties").exists():
            cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
            _run(
                [
                    *java,
                    "kafka.tools.StorageTool",
                    "format",
                    f"--cluster-id={cluster_id}",  # one word: an id may start with '-'
                    "-c",
                    str(config),
                    "--standalone",
                ]
            )
        self._spawn("kafka", [*java, "kafka.Kafka", str(config)])
        wait_until(lambda: port_open(KAFKA_PORT), 60, "Kafka", self.logs / "kafka.log")
        self._create_topics()
        self.progress(f"kafka       ready on {KAFKA_PORT} (topics {', '.join(TOPICS)})")

    def _create_topics(self) -> None:
        from confluent_kafka.admin import AdminClient, NewTopic

        admin = AdminClient({"bootstrap.servers": f"127.0.0.1:{KAFKA_PORT}"})
        deadline = time.monotonic() + 60
        while True:
            existing = set(admin.list_topics(timeout=10).topics)
            wanted = [
                NewTopic(t, num_partitions=TOPIC_PARTITIONS, replication_factor=1)
                for t in TOPICS
                if t not in existing
            ]
            if not wanted:
                return
            for future in admin.create_topics(wanted).values():
                try:
                    future.result(timeout=15)
                except Exception as error:
                    if "TOPIC_ALREADY_EXISTS" not in str(error) and time.monotonic() > deadline:
                        raise StackError(f"creating Kafka topics failed: {error}") from error
            time.sleep(0.2)

    @property
    def trust_anchors(self) -> Path:
        return self.state_dir / "sentry" / "ca.crt"

    def _start_sentry(self) -> None:
        """Dapr's certificate authority: every sidecar gets an mTLS identity, so access control
        knows who is calling. On first start it writes its own root and issuer into sentry/."""
        credentials = self.state_dir / "sentry"
        credentials.mkdir(parents=True, exist_ok=True)
        self._spawn(
            "sentry",
            [
                str(DAPR_BIN / "sentry"),
                "--issuer-credentials",
                str(credentials),
                "--trust-domain",
                "localhost",
                "--port",
                str(SENTRY_PORT),
                "--listen-address",
                "127.0.0.1",
                "--healthz-port",
                "16082",
                "--healthz-listen-address",
                "127.0.0.1",
                "--metrics-port",
                "16091",
                "--config",
                str(REPO_ROOT / "dapr" / "local" / "config.yaml"),
                "--log-level",
                "warn",
            ],
        )
        wait_until(
            lambda: self.trust_anchors.exists() and _http_ok("http://127.0.0.1:16082/healthz"),
            60,
            "Dapr sentry",
            self.logs / "sentry.log",
        )
        self.progress(f"sentry      ready on {SENTRY_PORT} (mTLS between sidecars)")

    def _write_configurations(self) -> None:
        """Each sidecar's Configuration: the shared base plus its own access control and secret scopes."""
        import yaml

        from doable.access import access_control, secret_scopes

        base = yaml.safe_load((REPO_ROOT / "dapr" / "local" / "config.yaml").read_text())
        folder = self.state_dir / "dapr-config"
        folder.mkdir(parents=True, exist_ok=True)
        for name in FUNCTIONS:
            config = {**base, "metadata": {"name": name}, "spec": dict(base["spec"])}
            config["spec"]["accessControl"] = access_control(name, NAMESPACE)
            config["spec"]["secrets"] = {"scopes": secret_scopes(name)}
            (folder / f"{name}.yaml").write_text(yaml.safe_dump(config, sort_keys=False))

    def _start_scheduler(self) -> None:
        data = self.state_dir / "scheduler"
        data.mkdir(parents=True, exist_ok=True)
        self._spawn(
            "scheduler",
            [
                str(DAPR_BIN / "scheduler"),
                "--port",
                str(SCHEDULER_PORT),
                "--listen-address",
                "127.0.0.1",
                "--healthz-port",
                "16081",
                "--healthz-listen-address",
                "127.0.0.1",
                "--metrics-port",
                "16090",
                "--etcd-data-dir",
                str(data),
                "--etcd-client-port",
                "16379",
                "--etcd-initial-cluster",
                "dapr-scheduler-server-0=http://127.0.0.1:16380",
                "--override-broadcast-host-port",
                f"127.0.0.1:{SCHEDULER_PORT}",
                "--tls-enabled",
                "--trust-anchors-file",
                str(self.trust_anchors),
                "--sentry-address",
                f"127.0.0.1:{SENTRY_PORT}",
                "--log-level",
                "warn",
            ],
        )
        wait_until(
            lambda: _http_ok("http://127.0.0.1:16081/healthz"),
            60,
            "Dapr scheduler",
            self.logs / "scheduler.log",
        )
        self.progress(f"scheduler   ready on {SCHEDULER_PORT}")

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
        self._spawn(
            f"{name}.daprd",
            [
                str(DAPR_BIN / "daprd"),
                "--app-id",
                name,
                "--app-port",
                str(ports.app),
                "--app-protocol",
                "http",
                "--app-channel-address",
                "127.0.0.1",
                "--dapr-listen-addresses",
                "127.0.0.1",
                "--dapr-http-port",
                str(ports.dapr_http),
                "--dapr-grpc-port",
                str(ports.dapr_grpc),
                "--dapr-internal-grpc-port",
                str(ports.dapr_internal),
                "--metrics-port",
                str(ports.dapr_metrics),
                "--resources-path",
                str(REPO_ROOT / "dapr" / "local" / "components"),
                "--config",
                str(self.state_dir / "dapr-config" / f"{name}.yaml"),
                "--read-buffer-size",
                "32Ki",  # long filter queries; the gateway refuses anything longer first
                "--enable-mtls",
                "--sentry-address",
                f"127.0.0.1:{SENTRY_PORT}",
                "--scheduler-host-address",
                f"127.0.0.1:{SCHEDULER_PORT}",
                "--placement-host-address",
                "",
                "--log-level",
                "warn",
                "--log-as-json",
            ],
            env=sidecar_env,
        )
        self._spawn(
            name,
            [sys.executable, "-m", "doable.cli", "serve", name, "--port", str(ports.app)],
            env={**env, "DOABLE_MODE": "dapr", "DOABLE_DATA_DIR": str(self.state_dir)},
        )
        if wait:
            self.wait_function(name)

    def wait_function(self, name: str) -> None:
        ports = FunctionPorts.of(name)
        wait_until(
            lambda: _http_ok(f"http://127.0.0.1:{ports.dapr_http}/v1.0/healthz"),
            60,
            f"daprd of {name}",
            self.logs / f"{name}.daprd.log",
        )
        wait_until(
            lambda: _http_ok(f"http://127.0.0.1:{ports.app}/readyz"), 60, name, self.logs / f"{name}.log"
        )

    def stop_function(self, name: str, *, kill: bool = False) -> None:
        """Stops the function and its sidecar; `kill` sends SIGKILL at once, as a crash would."""
        pids = self.running_pids()
        _stop_all([pids[key] for key in (name, f"{name}.daprd") if key in pids], grace=0 if kill else 15)
        self._forget(name, f"{name}.daprd")

    def stop_kafka(self, *, kill: bool = False) -> None:
        """Stops the broker; `kill` sends SIGKILL at once, so nothing is flushed or handed over."""
        pids = self.running_pids()
        if "kafka" in pids:
            _stop_all([pids["kafka"]], grace=0 if kill else 15)
        self._forget("kafka")

    def start_kafka(self) -> None:
        self._start_kafka()

    def consumer_groups(self) -> dict[str, str]:
        """The Kafka consumer group of each running function's input bindings (group → app id)."""
        import yaml

        groups: dict[str, str] = {}
        for path in sorted((REPO_ROOT / "dapr" / "local" / "components").glob("*.yaml")):
            component = yaml.safe_load(path.read_text())
            metadata = {m["name"]: m.get("value") for m in component["spec"].get("metadata", [])}
            if component["spec"]["type"] == "bindings.kafka" and metadata.get("direction") == "input":
                for app in component.get("scopes", []):
                    if app in self.functions:
                        groups[str(metadata["consumerGroup"])] = app
        return groups

    def wait_consumers(self, timeout: float = 60) -> None:
        """Ready means listening: every binding's consumer group has joined and holds its partitions."""
        from confluent_kafka import ConsumerGroupState
        from confluent_kafka.admin import AdminClient

        groups = self.consumer_groups()
        if not groups:
            return
        admin = AdminClient({"bootstrap.servers": f"127.0.0.1:{KAFKA_PORT}"})

        def stable() -> bool:
            futures = admin.describe_consumer_groups(list(groups), request_timeout=5)
            try:
                return all(
                    f.result().state == ConsumerGroupState.STABLE and f.result().members
                    for f in futures.values()
                )
            except Exception:
                return False

        wait_until(stable, timeout, f"Kafka consumer groups {', '.join(groups)}", self.logs)

    # --- bookkeeping -----------------------------------------------------------------------------

    def _spawn(self, name: str, command: list[str], env: dict[str, str] | None = None) -> None:
        log = open(self.logs / f"{name}.log", "ab")  # noqa: SIM115 - the child owns it from here
        process = subprocess.Popen(
            command,
            cwd=self.state_dir,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            start_new_session=True,
        )
        log.close()
        self.processes[name] = process
        state = self._read_state()
        state.setdefault("pids", {})[name] = process.pid
        state["started_postgres"] = state.get("started_postgres", False) or self.started_postgres
        self.pids_file.write_text(json.dumps(state, indent=2))

    def _forget(self, *names: str) -> None:
        state = self._read_state()
        for name in names:
            state.get("pids", {}).pop(name, None)
            self.processes.pop(name, None)
        self.pids_file.write_text(json.dumps(state, indent=2))

    def _read_state(self) -> dict[str, Any]:
        if not self.pids_file.exists():
            return {}
        return json.loads(self.pids_file.read_text())

    def running_pids(self) -> dict[str, int]:
        pids = self._read_state().get("pids", {})
        assert isinstance(pids, dict)
        return {name: pid for name, pid in pids.items() if _alive(pid)}

    def dapr_version(self) -> str:
        return _run([str(DAPR_BIN / "daprd"), "--version"]).strip()

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


def _http_ok(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1.0).status_code in (200, 204)
    except httpx.HTTPError:
        return False


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie child of this process counts as gone
        finished, _ = os.waitpid(pid, os.WNOHANG)
        return finished == 0
    except ChildProcessError:
        return True


def _stop_all(pids: list[int], grace: float = 15) -> None:
    """SIGTERM, then SIGKILL for whatever is still alive after `grace` seconds (0: SIGKILL only)."""
    for pid in pids:
        _terminate(pid, signal.SIGTERM if grace > 0 else signal.SIGKILL)
    deadline = time.monotonic() + grace
    for pid in pids:
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        if _alive(pid):
            _terminate(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    for pid in pids:  # gone, ports and all, before anyone starts a successor
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)


def _terminate(pid: int, sig: signal.Signals = signal.SIGTERM) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)
