"""Doable as `make cluster-install` leaves it: every function a Ready Knative Service whose pods carry a
daprd sidecar with the components scoped to it, and a task created through the public entry point
reaching the audit log in PostgreSQL through Kafka.

Run with `make test-cluster` after `make cluster-up` and `make cluster-install`.
"""

from __future__ import annotations

import json
import os
import subprocess
from typing import Any

import pytest

from doable.config import FUNCTIONS, REPO_ROOT
from tests.cluster.test_cluster_smoke import cluster, kubectl

pytestmark = pytest.mark.cluster

__all__ = ["cluster"]

NAMESPACE = "doable"


@pytest.fixture(scope="module")
def services(cluster: None) -> dict[str, dict[str, Any]]:
    items = json.loads(kubectl("-n", NAMESPACE, "get", "ksvc", "-o", "json"))["items"]
    if not items:
        pytest.fail(f"no Knative Services in {NAMESPACE}: run `make cluster-install`")
    return {s["metadata"]["name"]: s for s in items}


def condition(resource: dict[str, Any], kind: str) -> dict[str, Any]:
    found = [c for c in resource.get("status", {}).get("conditions", []) if c["type"] == kind]
    return found[0] if found else {"status": "Missing"}


def test_every_function_is_a_ready_knative_service(services: dict[str, dict[str, Any]]) -> None:
    assert set(services) == set(FUNCTIONS)
    not_ready = {
        name: f"{condition(s, 'Ready').get('reason')}: {condition(s, 'Ready').get('message')}"
        for name, s in services.items()
        if condition(s, "Ready")["status"] != "True"
    }
    assert not not_ready


def test_event_functions_run_with_a_sidecar_that_loaded_their_subscriptions(
    services: dict[str, dict[str, Any]],
) -> None:
    """Event functions never scale to zero, so their pods are there to look at: write-audit's sidecar
    consumes task-events through the pub/sub component, in batches, with no rule (it takes every event)."""
    revision = services["write-audit"]["status"]["latestReadyRevisionName"]
    selector = f"serving.knative.dev/revision={revision}"
    pods = json.loads(kubectl("-n", NAMESPACE, "get", "pods", "-l", selector, "-o", "json"))["items"]
    assert pods, f"no pod of {revision}"
    pod = pods[0]["metadata"]["name"]
    containers = {c["name"] for c in pods[0]["spec"]["containers"]}
    assert {"function", "queue-proxy", "daprd"} <= containers
    log = kubectl("-n", NAMESPACE, "logs", pod, "-c", "daprd")
    assert "Component loaded: pubsub (pubsub.kafka/v1)" in log
    assert "Component loaded: statestore" not in log, "the state store is scoped to chat"
    metadata = json.loads(
        kubectl("-n", NAMESPACE, "exec", pod, "-c", "function", "--", "python", "-c", SIDECAR_METADATA)
    )
    (subscription,) = metadata["subscriptions"]
    assert (subscription["pubsubname"], subscription["topic"]) == ("pubsub", "task-events")
    assert [rule["path"] for rule in subscription["rules"]] == ["/events/batch"]


# Asked from inside the function's container: the sidecar's API answers only there, and only with the token.
SIDECAR_METADATA = (
    "import os, urllib.request as r; print(r.urlopen(r.Request('http://127.0.0.1:3500/v1.0/metadata', "
    "headers={'dapr-api-token': os.environ['DAPR_API_TOKEN']}), timeout=10).read().decode())"
)


def smoke(**env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(REPO_ROOT / "scripts" / "cluster" / "doable.sh"), "smoke"],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **env},
    )


def test_a_task_created_through_the_ingress_reaches_the_audit_log(
    services: dict[str, dict[str, Any]],
) -> None:
    """The gateway's cluster-local route on the ingress: the activator wakes web, web's sidecar invokes
    auth and create-task through their Knative addresses, write-audit consumes the event from Kafka."""
    internal = kubectl("-n", "traefik", "get", "svc", "traefik-internal", "-o", "jsonpath={.spec.clusterIP}")
    result = smoke(DOABLE_INGRESS=f"http://{internal}", DOABLE_HOST=f"web.{NAMESPACE}.svc.cluster.local")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "audit row(s) for task" in result.stdout


def test_the_public_url_reaches_the_gateway(services: dict[str, dict[str, Any]]) -> None:
    result = smoke()
    assert result.returncode == 0, result.stdout + result.stderr
