"""Every function's probes: liveness, readiness of its database (and sidecar), Prometheus metrics."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import httpx

from doable_dev.processes import wait_until
from tests.conftest import Api


def test_liveness_readiness_and_metrics(api: Api, base_url: str) -> None:
    api.new_task(title="counted")
    with httpx.Client(base_url=base_url) as probe:
        assert probe.get("/healthz").json() == {"status": "ok", "function": "web"}
        ready = probe.get("/readyz")
        assert ready.status_code == 200
        if base_url.endswith(":8080"):
            # The gateway only forwards: on the stack it opens no database, its sidecar is its readiness.
            assert ready.json()["checks"] == {"sidecar": True}
        else:
            assert ready.json()["checks"]["database"] is True
        metrics = probe.get("/metrics")
    assert metrics.headers["content-type"].startswith("text/plain")
    text = metrics.text
    assert 'doable_http_requests_total{function="web",route="/api/{rest*}",status="201"}' in text
    assert "doable_http_request_duration_seconds_bucket" in text


def test_the_app_shell_tells_the_browser_to_refuse_injected_content(base_url: str) -> None:
    with httpx.Client(base_url=base_url) as browser:
        for path in ("/", "/tasks", "/js/app.js", "/api/openapi.json"):
            headers = browser.get(path).headers
            policy = headers["Content-Security-Policy"]
            assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy
            assert "frame-ancestors 'none'" in policy
            assert headers["X-Content-Type-Options"] == "nosniff"
            assert headers["Referrer-Policy"] == "no-referrer"


def test_metrics_move_off_the_app_port_when_a_metrics_port_is_set(tmp_path: Path) -> None:
    """What the chart sets for every function, so the public gateway never serves /metrics."""
    app_port, metrics_port = free_port(), free_port()
    env = {
        **os.environ,
        "DOABLE_MODE": "embedded",
        "DOABLE_DATA_DIR": str(tmp_path),
        "DOABLE_METRICS_PORT": str(metrics_port),
    }
    command = [sys.executable, "-m", "doable.cli", "serve", "web", "--port", str(app_port)]
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{app_port}", timeout=5) as client:
            wait_until(lambda: ok(client, "/healthz"), 30, "doable serve web")
            assert "# HELP doable_" not in client.get("/metrics").text  # the app shell answers instead
        with httpx.Client(base_url=f"http://127.0.0.1:{metrics_port}", timeout=5) as scraper:
            metrics = scraper.get("/metrics")
        assert metrics.status_code == 200
        assert "# HELP doable_http_requests_total" in metrics.text
    finally:
        server.terminate()
        server.wait(timeout=10)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def ok(client: httpx.Client, path: str) -> bool:
    try:
        return client.get(path).status_code == 200
    except httpx.HTTPError:
        return False
