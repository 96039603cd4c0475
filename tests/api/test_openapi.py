"""The OpenAPI document describes what the code does: every route, every operation, the Task shape."""

from __future__ import annotations

from typing import Any

from doable.domain.model import Priority
from doable.domain.query import SORTS
from doable.http.routes import PUBLIC_ROUTES
from tests.conftest import Api


def operations(spec: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        (method.upper(), path)
        for path, item in spec["paths"].items()
        for method in item
        if method in ("get", "post", "patch", "delete", "put")
    ]


def test_the_gateway_serves_a_valid_openapi_31_document(api: Api) -> None:
    spec = api.get("/api/openapi.json").json()
    assert spec["openapi"] == "3.1.0"
    assert spec["servers"] == [{"url": "/api"}]
    assert operations(spec)


def test_the_document_lists_exactly_the_routes_the_gateway_forwards(api: Api) -> None:
    spec = api.get("/api/openapi.json").json()
    assert sorted(operations(spec)) == sorted((route.method, route.template) for route in PUBLIC_ROUTES)


def test_every_documented_operation_answers_through_the_gateway(api: Api) -> None:
    spec = api.get("/api/openapi.json").json()
    task = api.new_task()
    for method, path in operations(spec):
        if path in ("/mcp", "/chat") or path.startswith("/chat/"):
            continue  # their own suites speak their protocols
        concrete = path.replace("{task_id}", task["id"]).replace("{notification_id}", "none")
        concrete = concrete.replace("{token_id}", "none")
        response = api.request(method, f"/api{concrete}", json={} if method in ("POST", "PATCH") else None)
        assert response.status_code not in (405, 500), (method, path, response.text)
        assert "no such endpoint" not in response.text, (method, path)


def test_the_task_schema_matches_a_real_task_and_the_domain_enums(api: Api) -> None:
    spec = api.get("/api/openapi.json").json()
    schema = spec["components"]["schemas"]["Task"]
    task = api.new_task(title="shape")
    assert set(schema["required"]) == set(task) == set(schema["properties"])
    assert schema["properties"]["priority"]["enum"] == [p.value for p in Priority]
    list_params = {p["name"]: p for p in spec["paths"]["/tasks"]["get"]["parameters"]}
    assert list_params["sort"]["schema"]["enum"] == list(SORTS)
    assert set(list_params) == {
        "q",
        "status",
        "priority",
        "tag",
        "due_after",
        "due_before",
        "overdue",
        "sort",
        "limit",
        "cursor",
    }
