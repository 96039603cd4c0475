"""One request, one trace: gateway, function, publish and consumer spans share the trace id on the stack."""

from __future__ import annotations

import json
from typing import Any

import pytest
import sqlalchemy as sa

from tests.conftest import TEST_STATE, TRACE_FILE, Api
from tests.integration.conftest import audit_rows, eventually

pytestmark = pytest.mark.integration


def spans_of_trace(trace_id: str) -> list[dict[str, Any]]:
    if not TRACE_FILE.exists():
        return []
    lines = TRACE_FILE.read_text().splitlines()
    return [span for span in map(json.loads, lines) if span["trace_id"] == trace_id]


def test_a_create_is_one_trace_from_gateway_to_audit_row(stack_api: Api, database: sa.Engine) -> None:
    response = stack_api.post("/api/tasks", json={"title": "traced"})
    assert response.status_code == 201
    trace_id = response.headers["traceparent"].split("-")[1]
    assert eventually(lambda: audit_rows(database, [response.json()["id"]]), timeout=10)

    def complete() -> list[dict[str, Any]]:
        spans = spans_of_trace(trace_id)
        names = {span["name"] for span in spans}
        wanted = {
            "web POST /api/{rest*}",
            "create-task POST /tasks",
            "publish task-events",
            "write-audit consume task.created",
        }
        return spans if wanted <= names else []

    spans = eventually(complete, timeout=10)
    assert spans, f"spans of trace {trace_id}: {sorted(s['name'] for s in spans_of_trace(trace_id))}"
    services = {span["service"] for span in spans}
    assert {"doable-web", "doable-create-task", "doable-write-audit"} <= services
    consumer = next(s for s in spans if s["name"] == "write-audit consume task.created")
    assert consumer["kind"] == "CONSUMER"
    assert consumer["attributes"]["doable.outcome"] == "processed"
    assert consumer["attributes"]["doable.correlation_id"] == response.headers["X-Correlation-ID"]


def test_every_functions_log_lines_carry_trace_and_correlation_ids(stack_api: Api) -> None:
    correlation_id = "log-check-1"
    response = stack_api.post(
        "/api/tasks", json={"title": "logged"}, headers={"X-Correlation-ID": correlation_id}
    )
    trace_id = response.headers["traceparent"].split("-")[1]

    def entries(function: str) -> list[dict[str, Any]]:
        lines = (TEST_STATE / "logs" / f"{function}.log").read_text().splitlines()
        return [json.loads(line) for line in lines if line.startswith("{")]

    for function in ("web", "create-task"):
        mine = eventually(
            lambda f=function: [e for e in entries(f) if e.get("correlation_id") == correlation_id]
        )
        assert mine, function
        assert {e["trace_id"] for e in mine} == {trace_id}
        assert all({"time", "level", "function", "message", "span_id"} <= set(e) for e in mine)
