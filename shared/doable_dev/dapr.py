"""The stack's Dapr processes: the sentry (mTLS identities), the scheduler (jobs), a daprd per function."""

from __future__ import annotations

from pathlib import Path

from doable_dev.layout import DAPR_BIN, DAPR_LOCAL, SCHEDULER_PORT, SENTRY_PORT, FunctionPorts
from doable_dev.processes import Processes, http_ok, run, wait_until


def trust_anchors(state_dir: Path) -> Path:
    """The sentry's root certificate, written on its first start; every sidecar trusts it."""
    return state_dir / "sentry" / "ca.crt"


def start_sentry(processes: Processes) -> None:
    """Dapr's certificate authority: every sidecar gets an mTLS identity, so access control
    knows who is calling. On first start it writes its own root and issuer into sentry/."""
    credentials = processes.state_dir / "sentry"
    credentials.mkdir(parents=True, exist_ok=True)
    processes.spawn(
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
            str(DAPR_LOCAL / "config.yaml"),
            "--log-level",
            "warn",
        ],
    )
    wait_until(
        lambda: trust_anchors(processes.state_dir).exists() and http_ok("http://127.0.0.1:16082/healthz"),
        60,
        "Dapr sentry",
        processes.logs / "sentry.log",
    )


def start_scheduler(processes: Processes) -> None:
    data = processes.state_dir / "scheduler"
    data.mkdir(parents=True, exist_ok=True)
    processes.spawn(
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
            str(trust_anchors(processes.state_dir)),
            "--sentry-address",
            f"127.0.0.1:{SENTRY_PORT}",
            "--log-level",
            "warn",
        ],
    )
    wait_until(
        lambda: http_ok("http://127.0.0.1:16081/healthz"),
        60,
        "Dapr scheduler",
        processes.logs / "scheduler.log",
    )


def start_sidecar(processes: Processes, name: str, configuration: Path, env: dict[str, str]) -> None:
    """Starts `name`'s daprd (`name.daprd`), with its Configuration and the stack's components."""
    ports = FunctionPorts.of(name)
    processes.spawn(
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
            str(DAPR_LOCAL / "components"),
            "--config",
            str(configuration),
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
        env=env,
    )


def version() -> str:
    return run([str(DAPR_BIN / "daprd"), "--version"]).strip()
