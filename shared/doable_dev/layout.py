"""Where the local stack's parts are: the pinned versions and their caches, the ports, the functions."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from doable.config import FUNCTIONS, REPO_ROOT
from doable_dev.processes import StackError

CACHE = Path(os.environ.get("DOABLE_CACHE", Path.home() / ".cache" / "doable"))
VERSIONS = dict(
    line.split("=", 1) for line in (REPO_ROOT / "scripts" / "versions.env").read_text().split() if "=" in line
)
DAPR_VERSION = VERSIONS["DAPR_VERSION"]
KAFKA_VERSION = VERSIONS["KAFKA_VERSION"]
DAPR_BIN = CACHE / "dapr" / DAPR_VERSION / "bin"
KAFKA_LIBS = CACHE / "kafka" / KAFKA_VERSION / "libs"
DAPR_BINARIES = ("daprd", "scheduler", "sentry")
DAPR_LOCAL = REPO_ROOT / "dapr" / "local"  # the sidecars' base configuration and components

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


@dataclass(frozen=True)
class FunctionPorts:
    """A function's ports, from its place in FUNCTIONS, so each keeps them from run to run."""

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


def missing_binaries() -> list[str]:
    """The cached tools `make deps` puts in place that are not there."""
    wanted = [*(DAPR_BIN / name for name in DAPR_BINARIES), KAFKA_LIBS / ".complete"]
    return [str(path) for path in wanted if not path.exists()]
