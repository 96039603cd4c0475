"""The Dapr control plane that scripts/cluster/dapr.sh installs really works: it is Ready, it injects a
sidecar that gets its mTLS identity from sentry, and the sidecar's Jobs API reaches the scheduler.

Run with `make test-cluster` after `make cluster-up`; the sidecar's app is the smoke tests' probe.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from doable_dev.layout import VERSIONS
from tests.cluster.test_cluster_smoke import PROBE_PORT, cluster, kubectl, probe_image

pytestmark = pytest.mark.cluster

# Fixtures shared with the smoke tests: imported, so pytest finds them in this module too.
__all__ = ["cluster", "probe_image"]

NAMESPACE = "dapr-system"
CONTROL_PLANE = {
    "dapr-operator",
    "dapr-sidecar-injector",
    "dapr-placement-server",
    "dapr-sentry",
    "dapr-scheduler-server",
}
SIDECAR_IMAGE = f"dev.local/dapr/daprd:{VERSIONS['DAPR_VERSION']}"
DAPR_HTTP_PORT = 3500


@pytest.fixture(scope="module")
def control_plane(cluster: None) -> list[dict[str, Any]]:
    pods = json.loads(kubectl("-n", NAMESPACE, "get", "pods", "-o", "json"))["items"]
    if not pods:
        pytest.fail(f"no pods in {NAMESPACE}: run scripts/cluster/dapr.sh (make cluster-up runs it)")
    return list(pods)


def annotated_probe(namespace: str, app_id: str, image: str) -> dict[str, Any]:
    """A Deployment of the probe with the annotations that ask the injector for a sidecar."""
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": app_id, "namespace": namespace},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"app": app_id}},
            "template": {
                "metadata": {
                    "labels": {"app": app_id},
                    "annotations": {
                        "dapr.io/enabled": "true",
                        "dapr.io/app-id": app_id,
                        "dapr.io/app-port": str(PROBE_PORT),
                        "dapr.io/sidecar-cpu-request": "10m",
                        # The sidecar's API listens on localhost only by default; the tests call it
                        # from the host on the pod's address.
                        "dapr.io/sidecar-listen-addresses": "0.0.0.0",
                    },
                },
                "spec": {
                    "containers": [
                        {
                            "name": "probe",
                            "image": image,
                            "imagePullPolicy": "Never",
                            "ports": [{"containerPort": PROBE_PORT}],
                        }
                    ]
                },
            },
        },
    }


@pytest.fixture(scope="module")
def app_pods(control_plane: list[dict[str, Any]], probe_image: str) -> Iterator[dict[str, dict[str, Any]]]:
    """Two annotated probes, `caller` and `callee`, in a throwaway namespace; waits until both are Ready."""
    namespace = f"dapr-check-{uuid.uuid4().hex[:8]}"
    kubectl("create", "namespace", namespace)
    try:
        pods = {}
        for app_id in ("caller", "callee"):
            kubectl("apply", "-f", "-", stdin=json.dumps(annotated_probe(namespace, app_id, probe_image)))
        for app_id in ("caller", "callee"):
            kubectl("-n", namespace, "rollout", "status", f"deployment/{app_id}", "--timeout=180s")
            listed = json.loads(kubectl("-n", namespace, "get", "pods", "-l", f"app={app_id}", "-o", "json"))
            pods[app_id] = listed["items"][0]
        yield pods
    finally:
        kubectl("delete", "namespace", namespace, "--wait=true", "--timeout=120s")


def sidecar_url(pod: dict[str, Any], path: str) -> str:
    return f"http://{pod['status']['podIP']}:{DAPR_HTTP_PORT}{path}"


def test_every_control_plane_pod_is_ready(control_plane: list[dict[str, Any]]) -> None:
    ready = {}
    for pod in control_plane:
        conditions = {c["type"]: c["status"] for c in pod["status"].get("conditions", [])}
        ready[pod["metadata"]["labels"]["app"]] = conditions.get("Ready")
    assert ready == dict.fromkeys(CONTROL_PLANE, "True")


def test_an_annotated_pod_gets_a_ready_sidecar_with_mtls(app_pods: dict[str, dict[str, Any]]) -> None:
    pod = app_pods["caller"]
    containers = {c["name"]: c for c in pod["spec"]["containers"]}
    assert containers["daprd"]["image"] == SIDECAR_IMAGE
    assert "--enable-mtls" in containers["daprd"]["args"]
    statuses = {s["name"]: s["ready"] for s in pod["status"]["containerStatuses"]}
    assert statuses == {"probe": True, "daprd": True}
    reply = httpx.get(sidecar_url(pod, "/v1.0/healthz"), timeout=10)
    assert reply.status_code == 204, reply.text


def test_a_call_between_two_sidecars_reaches_the_other_app(app_pods: dict[str, dict[str, Any]]) -> None:
    # Sidecar to sidecar is mutual TLS with the identities sentry issued: this fails without them.
    url = sidecar_url(app_pods["caller"], "/v1.0/invoke/callee/method/")
    reply = httpx.get(url, timeout=15)
    assert reply.status_code == 200, reply.text
    assert reply.text == f"doable-probe {app_pods['callee']['metadata']['name']}\n"


def test_the_sidecar_schedules_a_job_with_the_scheduler(app_pods: dict[str, dict[str, Any]]) -> None:
    jobs = sidecar_url(app_pods["caller"], "/v1.0-alpha1/jobs")
    name = f"check-{uuid.uuid4().hex[:8]}"
    created = httpx.post(f"{jobs}/{name}", json={"schedule": "@every 1h", "data": {"n": 1}}, timeout=10)
    assert created.status_code == 204, created.text
    job = httpx.get(f"{jobs}/{name}", timeout=10)
    assert job.status_code == 200, job.text
    assert (job.json()["name"], job.json()["schedule"]) == (name, "@every 1h")
    assert httpx.delete(f"{jobs}/{name}", timeout=10).status_code == 204
    gone = httpx.get(f"{jobs}/{name}", timeout=10)
    assert "job not found" in gone.text, gone.text
