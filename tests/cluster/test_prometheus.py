"""Prometheus (built from its Go module) scrapes every running function and evaluates the chart's alerts.

scripts/cluster/prometheus.sh runs it in the local cluster with the scrape the chart's ServiceMonitor
describes and the chart's PrometheusRule as its rules file; the alerts' logic itself is unit-tested by
promtool in tests/manifests/test_alerts.py.
"""

from __future__ import annotations

import json
import subprocess
from typing import Any

import httpx
import pytest

from doable.config import REPO_ROOT
from tests.cluster.doable_cluster import NAMESPACE, helm_binary
from tests.cluster.test_cluster_smoke import NODE_IP, kubectl
from tests.facts import wait_for

pytestmark = pytest.mark.cluster

PROMETHEUS = f"http://{NODE_IP}:31090"
# Event functions never scale to zero (docs/deploy.md), so their pods are always there to scrape.
ALWAYS_RUNNING = ("write-audit", "notify", "fire-reminder", "spawn-recurrence", "relay-outbox")


@pytest.fixture(scope="module")
def prometheus() -> httpx.Client:
    script = REPO_ROOT / "scripts" / "cluster" / "prometheus.sh"
    subprocess.run(["bash", str(script)], check=True, capture_output=True)
    client = httpx.Client(base_url=PROMETHEUS, timeout=10)
    wait_for(lambda: client.get("/-/ready").status_code == 200, "Prometheus ready", timeout=120, interval=1)
    return client


def targets(prometheus: httpx.Client) -> list[dict[str, Any]]:
    active: list[dict[str, Any]] = prometheus.get("/api/v1/targets").json()["data"]["activeTargets"]
    return active


def query(prometheus: httpx.Client, promql: str) -> list[dict[str, Any]]:
    body = prometheus.get("/api/v1/query", params={"query": promql}).json()
    assert body["status"] == "success", body
    result: list[dict[str, Any]] = body["data"]["result"]
    return result


def test_every_running_function_is_scraped_on_its_app_and_sidecar_ports(prometheus: httpx.Client) -> None:
    pods = json.loads(kubectl("-n", NAMESPACE, "get", "pods", "-l", "doable.dev/scrape=true", "-o", "json"))
    running = {
        pod["metadata"]["labels"]["doable.dev/function"]
        for pod in pods["items"]
        if pod["status"].get("phase") == "Running" and not pod["metadata"].get("deletionTimestamp")
    }
    assert set(ALWAYS_RUNNING) <= running, f"event functions not running: {set(ALWAYS_RUNNING) - running}"

    def healthy() -> set[tuple[str, str]]:
        return {
            (t["labels"]["app_id"], t["labels"]["endpoint"])
            for t in targets(prometheus)
            if t["health"] == "up" and t["labels"].get("namespace") == NAMESPACE
        }

    wanted = {(fn, port) for fn in ALWAYS_RUNNING for port in ("app-metrics", "dapr-metrics")}
    wait_for(
        lambda: wanted <= healthy(), "both metrics ports of each event function up", timeout=90, interval=2
    )
    # Only the chart's two metrics ports, never the app's public port, the sidecar's API or queue-proxy.
    assert {t["labels"].get("endpoint") for t in targets(prometheus)} <= {"app-metrics", "dapr-metrics"}


def test_the_functions_own_metrics_arrive_with_the_labels_the_alerts_use(prometheus: httpx.Client) -> None:
    def series() -> list[dict[str, Any]]:
        return query(prometheus, f'up{{namespace="{NAMESPACE}", endpoint="app-metrics"}} == 1')

    wait_for(lambda: len(series()) >= len(ALWAYS_RUNNING), "app-metrics series", timeout=90, interval=2)
    assert {s["metric"]["app_id"] for s in series()} >= set(ALWAYS_RUNNING)
    # The app's own counters (the probes the kubelet sends count as requests) with the function label.
    wait_for(
        lambda: bool(query(prometheus, f'doable_http_requests_total{{namespace="{NAMESPACE}"}}')),
        "doable_http_requests_total scraped",
        timeout=90,
        interval=2,
    )


def test_the_charts_alerts_are_loaded_and_quiet_while_all_is_well(prometheus: httpx.Client) -> None:
    chart = REPO_ROOT / "helm" / "doable"
    rendered = subprocess.run(
        [
            *(helm_binary(), "template", "doable", str(chart), "-n", NAMESPACE),
            *("-f", str(chart / "values-local.yaml"), "--set", "monitoring.prometheusRule.enabled=true"),
            *("--show-only", "templates/prometheusrule.yaml"),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    chart_alerts = {line.split(":", 1)[1].strip() for line in rendered.splitlines() if "- alert:" in line}
    groups = prometheus.get("/api/v1/rules").json()["data"]["groups"]
    loaded = {rule["name"] for group in groups for rule in group["rules"] if rule["type"] == "alerting"}
    assert loaded == chart_alerts
    firing = {
        (a["labels"]["alertname"], a["labels"].get("function", ""))
        for a in prometheus.get("/api/v1/alerts").json()["data"]["alerts"]
        if a["state"] == "firing"
    }
    assert not {f for f in firing if f[0] == "DoableEventFunctionDown"}, firing
