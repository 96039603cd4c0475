"""Every function's probes: liveness, readiness of its database (and sidecar), Prometheus metrics."""

from __future__ import annotations

import httpx

from tests.conftest import Api


def test_liveness_readiness_and_metrics(api: Api, base_url: str) -> None:
    api.new_task(title="counted")
    with httpx.Client(base_url=base_url) as probe:
        assert probe.get("/healthz").json() == {"status": "ok", "function": "web"}
        ready = probe.get("/readyz")
        assert ready.status_code == 200
        assert ready.json()["checks"]["database"] is True
        if base_url.endswith(":8080"):
            assert ready.json()["checks"]["sidecar"] is True, "on the stack readiness includes the sidecar"
        metrics = probe.get("/metrics")
    assert metrics.headers["content-type"].startswith("text/plain")
    text = metrics.text
    assert 'doable_http_requests_total{function="web",route="/api/{rest*}",status="201"}' in text
    assert "doable_http_request_duration_seconds_bucket" in text
