"""The single-node cluster from `make cluster-up` really works: a node, a pod, a Service and DNS.

Run with `make test-cluster` after `make cluster-up`; every check goes through the real parts
(kubelet on containerd, the CNI bridge, kube-proxy's iptables rules, CoreDNS), nothing is simulated.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import uuid
from collections.abc import Iterator

import httpx
import pytest

from doable.config import REPO_ROOT
from doable_dev.layout import CACHE, VERSIONS
from tests.facts import wait_for

pytestmark = pytest.mark.cluster

CLUSTER_HOME = CACHE / "cluster"
BIN = CLUSTER_HOME / VERSIONS["K8S_VERSION"] / "bin"
KUBECONFIG = CLUSTER_HOME / "state" / "kubeconfig" / "admin.kubeconfig"
PROBE_SOURCE = REPO_ROOT / "tests" / "cluster" / "probe"
PROBE_PORT = 8000
# On the node's address only (the portmap plugin's DNAT); outside every port the local stack uses.
HOST_PORT = 18888
NODE_IP = "10.244.0.1"


def kubectl(*args: str, stdin: str | None = None) -> str:
    result = subprocess.run(
        [str(BIN / "kubectl"), "--kubeconfig", str(KUBECONFIG), *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if result.returncode != 0:
        raise AssertionError(f"kubectl {' '.join(args)} failed: {result.stderr.strip()}")
    return result.stdout


@pytest.fixture(scope="module")
def cluster() -> None:
    if not KUBECONFIG.exists():
        pytest.fail(f"no cluster: {KUBECONFIG} is missing; run `make cluster-up` first")
    kubectl("get", "--raw", "/readyz")


@pytest.fixture(scope="module")
def probe_image(cluster: None) -> str:
    """Builds the probe binary and its image from scratch, tagged by the source's content."""
    source = b"".join((PROBE_SOURCE / name).read_bytes() for name in ("go.mod", "main.go"))
    digest = hashlib.sha256(source).hexdigest()[:12]
    image = f"dev.local/doable-probe:{digest}"
    binary = CLUSTER_HOME / "probe" / digest / "probe"
    if not binary.exists():
        subprocess.run(
            ["nice", "-n", "19", "go", "build", "-trimpath", "-o", str(binary), "."],
            cwd=PROBE_SOURCE,
            env={**os.environ, "CGO_ENABLED": "0", "GOFLAGS": "-buildvcs=false"},
            check=True,
        )
    subprocess.run(
        [
            "bash",
            str(REPO_ROOT / "scripts" / "cluster" / "scratch-image.sh"),
            image,
            str(binary),
            f":{PROBE_PORT}",
        ],
        check=True,
    )
    return image


@pytest.fixture(scope="module")
def namespace(cluster: None) -> Iterator[str]:
    name = f"smoke-{uuid.uuid4().hex[:8]}"
    kubectl("create", "namespace", name)
    yield name
    kubectl("delete", "namespace", name, "--wait=true", "--timeout=120s")


@pytest.fixture(scope="module")
def probe(namespace: str, probe_image: str) -> dict[str, str]:
    """A Deployment of the probe behind a ClusterIP Service named `probe`; waits until it is Ready."""
    manifest = {
        "apiVersion": "v1",
        "kind": "List",
        "items": [
            {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "metadata": {"name": "probe", "namespace": namespace},
                "spec": {
                    "replicas": 1,
                    "selector": {"matchLabels": {"app": "probe"}},
                    "template": {
                        "metadata": {"labels": {"app": "probe"}},
                        "spec": {
                            "containers": [
                                {
                                    "name": "probe",
                                    "image": probe_image,
                                    "imagePullPolicy": "Never",
                                    "ports": [{"containerPort": PROBE_PORT, "hostPort": HOST_PORT}],
                                    "readinessProbe": {"httpGet": {"path": "/", "port": PROBE_PORT}},
                                }
                            ]
                        },
                    },
                },
            },
            {
                "apiVersion": "v1",
                "kind": "Service",
                "metadata": {"name": "probe", "namespace": namespace},
                "spec": {"selector": {"app": "probe"}, "ports": [{"port": 80, "targetPort": PROBE_PORT}]},
            },
            {
                "apiVersion": "v1",
                "kind": "Service",
                "metadata": {"name": "probe-nodeport", "namespace": namespace},
                "spec": {
                    "type": "NodePort",
                    "selector": {"app": "probe"},
                    "ports": [{"port": 80, "targetPort": PROBE_PORT}],
                },
            },
        ],
    }
    kubectl("apply", "-f", "-", stdin=json.dumps(manifest))
    kubectl("-n", namespace, "rollout", "status", "deployment/probe", "--timeout=180s")
    pod = json.loads(kubectl("-n", namespace, "get", "pods", "-l", "app=probe", "-o", "json"))["items"][0]
    service = json.loads(kubectl("-n", namespace, "get", "service", "probe", "-o", "json"))
    node_port = json.loads(kubectl("-n", namespace, "get", "service", "probe-nodeport", "-o", "json"))
    return {
        "pod": pod["metadata"]["name"],
        "pod_ip": pod["status"]["podIP"],
        "cluster_ip": service["spec"]["clusterIP"],
        "node_port": str(node_port["spec"]["ports"][0]["nodePort"]),
    }


def test_the_node_is_ready(cluster: None) -> None:
    node = json.loads(kubectl("get", "nodes", "-o", "json"))["items"]
    assert len(node) == 1
    conditions = {c["type"]: c["status"] for c in node[0]["status"]["conditions"]}
    assert conditions["Ready"] == "True", conditions


def test_a_pod_from_a_local_image_serves_http(probe: dict[str, str]) -> None:
    reply = httpx.get(f"http://{probe['pod_ip']}:{PROBE_PORT}/", timeout=10)
    assert reply.status_code == 200
    assert reply.text == f"doable-probe {probe['pod']}\n"


def test_a_service_reaches_the_pod_through_kube_proxy(probe: dict[str, str]) -> None:
    # Endpoints reach kube-proxy's rules asynchronously after the pod turns Ready: wait for that fact.
    def answers() -> bool:
        try:
            return (
                httpx.get(f"http://{probe['cluster_ip']}/", timeout=2).text
                == f"doable-probe {probe['pod']}\n"
            )
        except httpx.HTTPError:
            return False

    wait_for(
        answers, f"the Service's cluster IP {probe['cluster_ip']} answering with the probe pod", timeout=60
    )


def test_a_node_port_and_a_host_port_reach_the_pod_on_the_node_address(probe: dict[str, str]) -> None:
    def answers(url: str) -> bool:
        try:
            return httpx.get(url, timeout=2).text == f"doable-probe {probe['pod']}\n"
        except httpx.HTTPError:
            return False

    node_port = f"http://{NODE_IP}:{probe['node_port']}/"
    wait_for(lambda: answers(node_port), f"the NodePort {node_port} answering with the probe pod", timeout=60)
    host_port = f"http://{NODE_IP}:{HOST_PORT}/"
    wait_for(lambda: answers(host_port), f"the hostPort {host_port} answering with the probe pod", timeout=60)


def test_coredns_resolves_the_service_name_inside_a_pod(namespace: str, probe: dict[str, str]) -> None:
    name = f"probe.{namespace}.svc.cluster.local"
    reply = httpx.get(f"http://{probe['pod_ip']}:{PROBE_PORT}/resolve", params={"name": name}, timeout=10)
    assert reply.status_code == 200, reply.text
    assert reply.json() == [probe["cluster_ip"]]


def test_a_pod_reaches_a_service_by_its_short_name(probe: dict[str, str]) -> None:
    # The pod's resolv.conf search path (from the kubelet's clusterDNS) turns `probe` into the Service.
    reply = httpx.get(
        f"http://{probe['pod_ip']}:{PROBE_PORT}/fetch", params={"url": "http://probe/"}, timeout=15
    )
    assert reply.status_code == 200, reply.text
    assert reply.text == f"doable-probe {probe['pod']}\n"


def test_an_unknown_service_name_does_not_resolve(namespace: str, probe: dict[str, str]) -> None:
    name = f"absent.{namespace}.svc.cluster.local"
    reply = httpx.get(f"http://{probe['pod_ip']}:{PROBE_PORT}/resolve", params={"name": name}, timeout=10)
    assert reply.status_code == 502
    assert "no such host" in reply.text


def test_the_api_server_reads_pod_logs_from_the_kubelet(namespace: str, probe: dict[str, str]) -> None:
    # kubectl logs goes API server -> kubelet on the node's address, checked against the cluster CA.
    assert f"probe listening on :{PROBE_PORT}" in kubectl("-n", namespace, "logs", probe["pod"])
