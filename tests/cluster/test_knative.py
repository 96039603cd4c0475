"""Knative Serving from scripts/cluster/knative.sh really serves: a Knative Service becomes Ready, answers
through the Traefik ingress from the host, goes to zero pods when idle and the next request wakes it.

Run with `make test-cluster` after `make cluster-up`; the Service runs Knative's own helloworld test image,
which knative.sh builds from the same knative.dev/serving module.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator

import httpx
import pytest

from doable_dev.layout import VERSIONS
from tests.cluster.test_cluster_smoke import NODE_IP, cluster, kubectl
from tests.facts import wait_for

pytestmark = pytest.mark.cluster

# Fixtures shared with the smoke tests: imported, so pytest finds them in this module too.
__all__ = ["cluster"]

HELLO_IMAGE = f"dev.local/knative/helloworld:{VERSIONS['KNATIVE_VERSION']}"
HELLO_REPLY = "Hello World! How about some tasty noodles?\n"
# Traefik's NodePort (scripts/cluster/knative/traefik.yaml) and the domain in config-domain.
INGRESS = f"http://{NODE_IP}:31080/"
DOMAIN = "doable.localhost"
COMPONENTS = ("controller", "activator", "autoscaler", "webhook")


def pods_of(namespace: str, service: str) -> list[str]:
    """Every pod of the Service's revisions, terminating ones included: zero means truly scaled down."""
    listed = kubectl(
        "-n", namespace, "get", "pods", "-l", f"serving.knative.dev/service={service}", "-o", "name"
    )
    return listed.split()


def through_ingress(host: str, timeout: float) -> httpx.Response:
    return httpx.get(INGRESS, headers={"Host": host}, timeout=timeout)


@pytest.fixture(scope="module")
def knative(cluster: None) -> None:
    for name in COMPONENTS:
        deployment = json.loads(kubectl("-n", "knative-serving", "get", "deployment", name, "-o", "json"))
        ready = deployment["status"].get("readyReplicas", 0)
        assert ready >= 1, f"knative-serving/{name} has no ready pod: run scripts/cluster/knative.sh"
    traefik = json.loads(kubectl("-n", "traefik", "get", "deployment", "traefik", "-o", "json"))
    assert traefik["status"].get("readyReplicas", 0) >= 1, (
        "traefik has no ready pod: run scripts/cluster/knative.sh"
    )


@pytest.fixture(scope="module")
def hello(knative: None) -> Iterator[dict[str, str]]:
    """A Knative Service of the helloworld image in a throwaway namespace; waits until it is Ready."""
    namespace = f"knative-check-{uuid.uuid4().hex[:8]}"
    kubectl("create", "namespace", namespace)
    service = {
        "apiVersion": "serving.knative.dev/v1",
        "kind": "Service",
        "metadata": {"name": "hello", "namespace": namespace},
        "spec": {
            "template": {
                "spec": {
                    "containers": [
                        {
                            "image": HELLO_IMAGE,
                            "imagePullPolicy": "Never",
                            "resources": {"requests": {"cpu": "10m", "memory": "16Mi"}},
                        }
                    ]
                }
            }
        },
    }
    try:
        kubectl("apply", "-f", "-", stdin=json.dumps(service))
        kubectl("-n", namespace, "wait", "--for=condition=Ready", "ksvc/hello", "--timeout=180s")
        status = json.loads(kubectl("-n", namespace, "get", "ksvc", "hello", "-o", "json"))["status"]
        yield {"namespace": namespace, "host": f"hello.{namespace}.{DOMAIN}", "url": status["url"]}
    finally:
        # The Service's deletion proves the clean-up (its revisions, routes and pods are owned by it); the
        # namespace controller then takes minutes on this loaded node to sweep ~80 resource types, so
        # the test does not wait for the namespace itself to disappear.
        kubectl(
            "-n", namespace, "delete", "ksvc", "hello", "--ignore-not-found", "--wait=true", "--timeout=120s"
        )
        kubectl("delete", "namespace", namespace, "--wait=false")


def test_a_knative_service_becomes_ready_with_a_route_on_the_configured_domain(hello: dict[str, str]) -> None:
    assert hello["url"] == f"http://{hello['host']}"


def test_the_service_answers_through_the_ingress_from_the_host(hello: dict[str, str]) -> None:
    # Traefik picks up the route when it sees the KIngress; Ready may come a moment before the route does.
    def answers() -> bool:
        try:
            reply = through_ingress(hello["host"], timeout=10)
        except httpx.HTTPError:
            return False
        return reply.status_code == 200 and reply.text == HELLO_REPLY

    wait_for(answers, f"the ingress {INGRESS} answering for Host {hello['host']}", timeout=60, interval=0.5)


def test_an_unknown_host_gets_no_route(hello: dict[str, str]) -> None:
    reply = through_ingress(f"absent.{hello['namespace']}.{DOMAIN}", timeout=10)
    assert reply.status_code == 404


def test_an_idle_service_goes_to_zero_pods_and_a_request_wakes_it(hello: dict[str, str]) -> None:
    namespace = hello["namespace"]
    assert through_ingress(hello["host"], timeout=30).text == HELLO_REPLY
    # config-autoscaler: 30 s stable window + 10 s grace, then the pod's termination.
    wait_for(
        lambda: not pods_of(namespace, "hello"),
        "the idle Service going to zero pods",
        timeout=180,
        interval=1,
    )

    started = time.monotonic()
    reply = through_ingress(hello["host"], timeout=120)
    woke_in = time.monotonic() - started
    assert reply.status_code == 200, reply.text
    assert reply.text == HELLO_REPLY
    assert pods_of(namespace, "hello"), f"a reply after {woke_in:.1f} s without any pod of the Service"
