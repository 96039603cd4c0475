"""Schemathesis fuzzes the embedded server from /api/openapi.json with all its checks: zero failures.

A bounded, derandomised run (the same cases every time, a few hundred of them, well under a minute)
of every phase Schemathesis has: the schema's examples, coverage of each constraint's edges,
fuzzing, and stateful sequences that follow one response into the next request. It runs as its own
process, as a developer would run `st run`, and is judged by its JSON report.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import httpx

from doable.config import REPO_ROOT

CONFIG = Path(__file__).with_name("schemathesis.toml")  # hooks, derandomised generation, 10 per operation
CASES_FLOOR = 300  # what this run generated when it was written was ~600; far fewer means it went blind
REPORT_TAIL = 20_000


def _operations(spec: dict[str, object]) -> int:
    paths = spec["paths"]
    assert isinstance(paths, dict)
    methods = ("get", "post", "patch", "delete")
    return sum(1 for item in paths.values() for method in item if method in methods)


def test_the_api_agrees_with_its_openapi_document(embedded_url: str, tmp_path: Path) -> None:
    with httpx.Client(base_url=embedded_url, timeout=30) as client:
        session = client.post(
            "/api/auth/register", json={"email": "fuzzer@example.com", "password": "fuzz the contract"}
        )
        assert session.status_code == 201, session.text
        operations = _operations(client.get("/api/openapi.json").json())
    report = tmp_path / "schemathesis.json"
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        f"--config-file={CONFIG}",
        "run",
        f"{embedded_url}/api/openapi.json",
        "--checks=all",
        f"--header=Authorization: Bearer {session.json()['token']}",
        "--report=json",
        f"--report-json-path={report}",
        "--no-color",
    ]
    run = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)
    output = (run.stdout + run.stderr)[-REPORT_TAIL:]
    assert report.exists(), output
    summary = json.loads(report.read_text())

    assert summary["stop_reason"] == "completed", output
    assert summary["operations"]["total"] == operations, summary["operations"]
    assert summary["operations"]["tested"] == operations, summary["operations"]
    assert summary["test_cases"]["generated"] >= CASES_FLOOR, summary["test_cases"]
    assert summary["warnings"]["missing_auth"] == [], output
    assert summary["errors"] == [], output
    assert summary["failures"] == [], output
    assert run.returncode == 0, output
