"""Doable as installed in the local cluster, seen from the host: its public URL, database and release.

Shared by tests/conftest.py (the API suite's third mode) and tests/cluster/test_doable_*.py, so the
address, the Host header and the way to PostgreSQL are named once.
"""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
from collections.abc import Callable
from typing import Any

from doable.config import REPO_ROOT
from tests.cluster.test_cluster_smoke import BIN, KUBECONFIG, kubectl

NAMESPACE = "doable"
INFRA_NAMESPACE = "doable-infra"
RELEASE = "doable"
VALUES_LOCAL = REPO_ROOT / "helm" / "doable" / "values-local.yaml"


def entry() -> tuple[str, str]:
    """The ingress URL and Host header `make test-cluster` chose (DOABLE_CLUSTER_URL, DOABLE_CLUSTER_HOST)."""
    url = os.environ.get("DOABLE_CLUSTER_URL", "").rstrip("/")
    if not url:
        raise AssertionError(
            "DOABLE_CLUSTER_URL is not set: run `make test-cluster`, which points it at the cluster's ingress"
        )
    return url, os.environ.get("DOABLE_CLUSTER_HOST", "doable.localhost")


def database_url() -> str:
    """The chart's database URL with the PostgreSQL Service's cluster IP: the host has no cluster DNS."""
    encoded = kubectl("-n", NAMESPACE, "get", "secret", "database-url", "-o", "jsonpath={.data.database-url}")
    url = base64.b64decode(encoded).decode()
    ip = kubectl("-n", INFRA_NAMESPACE, "get", "service", "postgres", "-o", "jsonpath={.spec.clusterIP}")
    return re.sub(r"@[^/:@]+(?=[:/])", f"@{ip}", url, count=1)


def helm(*args: str, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [helm_binary(), "--kubeconfig", str(KUBECONFIG), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def helm_binary() -> str:
    cached = os.path.expanduser("~/.cache/doable/tools/bin/helm")
    return cached if os.path.exists(cached) else "helm"


def tool_env(**extra: str) -> dict[str, str]:
    """An environment in which scripts/deploy.sh finds this cluster's kubectl and helm."""
    path = f"{BIN}:{os.path.dirname(helm_binary())}:{os.environ['PATH']}"
    return {**os.environ, "KUBECONFIG": str(KUBECONFIG), "PATH": path, **extra}


def release_values() -> dict[str, Any]:
    result = helm("get", "values", RELEASE, "-n", NAMESPACE, "-o", "json")
    assert result.returncode == 0, result.stderr
    values: dict[str, Any] = json.loads(result.stdout)
    return values


def services() -> dict[str, dict[str, Any]]:
    items = json.loads(kubectl("-n", NAMESPACE, "get", "ksvc", "-o", "json"))["items"]
    return {s["metadata"]["name"]: s for s in items}


def ready(resource: dict[str, Any]) -> bool:
    conditions = resource.get("status", {}).get("conditions", [])
    return any(c["type"] == "Ready" and c["status"] == "True" for c in conditions)


def pods_of(service: str) -> list[dict[str, Any]]:
    """The running pods of a Knative Service (any revision), terminating ones excluded."""
    selector = f"serving.knative.dev/service={service}"
    items = json.loads(kubectl("-n", NAMESPACE, "get", "pods", "-l", selector, "-o", "json"))["items"]
    return [p for p in items if "deletionTimestamp" not in p["metadata"]]


def ctr(*args: str) -> str:
    """containerd's client on the cluster's socket, in the namespace the kubelet uses."""
    socket = "/run/doable-k8s/containerd/containerd.sock"
    result = subprocess.run(
        ["ctr", "--address", socket, "-n", "k8s.io", *args], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, f"ctr {' '.join(args)} failed: {result.stderr.strip()}"
    return result.stdout


def all_of(*checks: Callable[[], bool]) -> Callable[[], bool]:
    return lambda: all(check() for check in checks)
