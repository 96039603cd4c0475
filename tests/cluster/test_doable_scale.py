"""Scaling on the cluster: an idle HTTP function really goes to zero pods and a request wakes it (the
cold start measured; issue 10 item 3c), and a consumer scaled from 1 to 3 pods and back while 500 events
flow handles each exactly once through the consumer group's rebalances (FR-020, item 3j).
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from doable.adapters import db
from doable.adapters.db import make_engine
from tests.cluster.doable_cluster import NAMESPACE, database_url, entry, pods_of, services
from tests.cluster.test_cluster_smoke import cluster, kubectl
from tests.conftest import Api
from tests.facts import wait_for

pytestmark = pytest.mark.cluster

__all__ = ["cluster"]

COLD_RUNS = 3
# Knative's stable window (30 s) and grace period (10 s) plus the chart's scale-down delay for HTTP
# functions (60 s): an idle function is gone within about 100 s; the rest is this machine's load.
IDLE_TO_ZERO = 300
EVENTS = 500
CONSUMER = "write-audit"


@pytest.fixture
def api(cluster: None) -> Iterator[Api]:
    client = Api(entry()[0])
    yield client
    client.close()


def pod_count(service: str) -> int:
    """The service's pods that can serve: a terminating pod is already out of its endpoints."""
    return len(pods_of(service))


def test_an_idle_function_goes_to_zero_pods_and_a_request_wakes_it(api: Api) -> None:
    """activity answers a task's history; web is woken first, so the time is activity's own start."""
    task = api.new_task(title="history from a cold function")
    history = f"/api/tasks/{task['id']}/history"
    times = []
    for _ in range(COLD_RUNS):
        wait_for(
            lambda: pod_count("activity") == 0,
            "activity scaled to zero pods",
            timeout=IDLE_TO_ZERO,
            interval=2,
        )
        assert api.get("/readyz").status_code == 200  # the gateway is up; activity is still at zero
        assert pod_count("activity") == 0
        started = time.monotonic()
        response = api.get(history)
        times.append(time.monotonic() - started)
        assert response.status_code == 200, response.text
        assert response.json()[0]["action"] == "task.created"
        assert pod_count("activity") >= 1
    warm_started = time.monotonic()
    assert api.get(history).status_code == 200
    warm = time.monotonic() - warm_started
    print(
        f"cold start of activity through the ingress: median {statistics.median(times):.2f} s, "
        f"max {max(times):.2f} s, runs {', '.join(f'{t:.2f}' for t in times)}; warm {warm:.3f} s"
    )


def pa_bounds(revision: str, replicas: int) -> None:
    """Knative's knob for one revision's scale: its PodAutoscaler's bounds (the revision reconciler keeps
    the PA's spec, not its annotations, so the same revision and consumer group really grows)."""
    kubectl(
        "-n",
        NAMESPACE,
        "annotate",
        "--overwrite",
        "podautoscalers.autoscaling.internal.knative.dev",
        revision,
        f"autoscaling.knative.dev/min-scale={replicas}",
        f"autoscaling.knative.dev/max-scale={replicas}",
    )


def ready_pods(revision: str) -> int:
    selector = f"serving.knative.dev/revision={revision}"
    pods = json.loads(kubectl("-n", NAMESPACE, "get", "pods", "-l", selector, "-o", "json"))["items"]
    return sum(
        1
        for p in pods
        if "deletionTimestamp" not in p["metadata"]
        and any(c["type"] == "Ready" and c["status"] == "True" for c in p["status"].get("conditions", []))
    )


def test_a_consumer_scaled_to_three_and_back_handles_every_event_once(cluster: None) -> None:
    revision = services()[CONSUMER]["status"]["latestReadyRevisionName"]
    engine = make_engine(database_url())
    clients = [Api(entry()[0]) for _ in range(10)]
    created: list[str] = []
    done: list[int] = []

    def create(n: int) -> str:
        task = clients[n % len(clients)].new_task(title=f"rebalance {n}")
        done.append(n)
        return str(task["id"])

    try:
        with ThreadPoolExecutor(max_workers=len(clients)) as pool:
            flowing = pool.map(create, range(EVENTS))
            pa_bounds(revision, 3)
            wait_for(
                lambda: ready_pods(revision) == 3, f"{CONSUMER} at 3 ready pods", timeout=180, interval=1
            )
            at_three = len(done)
            pa_bounds(revision, 1)
            created = list(flowing)
        assert at_three < EVENTS, "events were still flowing when the third consumer joined"
        wait_for(lambda: ready_pods(revision) == 1, f"{CONSUMER} back at 1 pod", timeout=180, interval=1)
        a = db.audit_log.c
        p = db.processed_events.c

        def audited() -> int:
            with engine.connect() as connection:
                query = sa.select(sa.func.count()).where(
                    a.resource_id.in_(created), a.action == "task.created"
                )
                return int(connection.execute(query).scalar_one())

        wait_for(lambda: audited() >= EVENTS, f"{EVENTS} audit rows", timeout=300, interval=1)
        assert audited() == EVENTS
        with engine.connect() as connection:
            event_ids = list(
                connection.execute(
                    sa.select(a.event_id).where(a.resource_id.in_(created), a.action == "task.created")
                ).scalars()
            )
            ledger = set(
                connection.execute(
                    sa.select(p.event_id).where(p.consumer == CONSUMER, p.event_id.in_(event_ids))
                ).scalars()
            )
        # The audit row and the ledger entry commit together, and both are unique by event id: a
        # redelivery after a rebalance is absorbed there, and a lost event would be missing from both.
        assert len(set(event_ids)) == EVENTS, "one audit row per event"
        assert ledger == set(event_ids), "every event's handling recorded in the consumer's ledger"
        print(f"{at_three} of {EVENTS} tasks created when {CONSUMER} had 3 ready pods; scaled back to 1")
    finally:
        pa_bounds(revision, 1)
        for client in clients:
            client.close()
        engine.dispose()
