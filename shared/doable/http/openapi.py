"""The public API as an OpenAPI 3.1 document, written from the route registry and the shapes: no drift.

Each path comes from a route in doable.http.routes (its operation, statuses and shape names), each
schema from a model in doable.http.shapes; this module only says how those become OpenAPI.
"""

from __future__ import annotations

from typing import Any

from doable import __version__
from doable.domain.model import ID_PATTERN
from doable.http.routes import PUBLIC_ROUTES, PublicRoute
from doable.http.shapes import TaskQuery, component_schemas, schema_of

PROBLEM_TITLES = {
    400: "Malformed JSON",
    401: "Missing or invalid token",
    403: "Sign-up closed (to this domain), a read-only access token, or a token creating tokens",
    404: "Not found (or another user's)",
    409: "Conflict",
    412: "Stale If-Match version",
    413: "Body too large",
    415: "Not JSON",
    422: "Invalid input, field by field",
    429: "Too many attempts from this address or at this account; wait Retry-After seconds",
}
RETRY_AFTER = {
    "Retry-After": {
        "description": "seconds until the next attempt is allowed",
        "schema": {"type": "integer", "minimum": 1},
    }
}
IF_MATCH = r'^\s*(W/)?"?[0-9]+"?\s*$'
BEARER = (
    "a sign-in token (JWT) or a personal access token (dpat_...); a read-only "
    "access token gets 403 on everything but GET and the reading MCP tools"
)
# Answers that are not the route's one success: MCP speaks JSON-RPC, whose refusals are no problems.
OTHER_ANSWERS: dict[str, dict[str, Any]] = {
    "mcp": {
        "202": {"description": "A notification, accepted"},
        "400": {
            "description": "Not a JSON-RPC message",
            "content": {"application/json": {"schema": {"type": "object"}}},
        },
    }
}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _query_parameters() -> list[dict[str, Any]]:
    """GET /tasks's query, one parameter per TaskQuery field; lists repeat the parameter."""
    parameters: list[dict[str, Any]] = []
    for name, schema in schema_of(TaskQuery)["properties"].items():
        schema = dict(schema)
        description = schema.pop("description", "")
        # An absent parameter is the null: the query itself has no null to send.
        branches = [branch for branch in schema.pop("anyOf", []) if branch != {"type": "null"}]
        schema = {**branches[0], **schema} if branches else schema
        if schema.get("default", 0) is None:
            del schema["default"]
        parameter: dict[str, Any] = {
            "name": name,
            "in": "query",
            "schema": schema,
            "description": description,
        }
        if schema.get("type") == "array":
            parameter.update(style="form", explode=True)
        parameters.append(parameter)
    return parameters


def _parameters(route: PublicRoute) -> list[dict[str, Any]]:
    path = [
        {
            "name": segment[1:-1],
            "in": "path",
            "required": True,
            "schema": {"type": "string", "pattern": ID_PATTERN.pattern},
            "description": "an id as the API returned it; anything else is a 404 (400 for unsafe characters)",
        }
        for segment in route.segments
        if segment.startswith("{")
    ]
    named = {
        None: [],
        "task_query": _query_parameters(),
        "if_match": [
            {
                "name": "If-Match",
                "in": "header",
                "schema": {"type": "string", "pattern": IF_MATCH},
                "description": "the version last seen; 412 if the task moved on",
            }
        ],
        "delete_scope": [
            {
                "name": "scope",
                "in": "query",
                "schema": {"enum": ["one", "series"], "default": "one"},
                "description": "series also deletes the series' open instances from this one on",
            }
        ],
        "unread": [
            {
                "name": "unread",
                "in": "query",
                "schema": {"type": "boolean", "default": False},
                "description": "unread only",
            }
        ],
    }
    return path + named[route.parameters]


def _operation(route: PublicRoute) -> dict[str, Any]:
    success: dict[str, Any] = {"description": route.answer}
    if route.response is not None:
        success["content"] = {"application/json": {"schema": _ref(route.response)}}
    operation: dict[str, Any] = {
        "operationId": route.operation,
        "responses": {
            str(route.status): success,
            **OTHER_ANSWERS.get(route.operation, {}),
            **{
                str(status): {
                    "description": PROBLEM_TITLES[status],
                    "content": {"application/problem+json": {"schema": _ref("Problem")}},
                    **({"headers": RETRY_AFTER} if status == 429 else {}),
                }
                for status in route.problems
            },
        },
    }
    if route.summary:
        operation["description"] = route.summary
    if not route.auth:
        operation["security"] = []
    if parameters := _parameters(route):
        operation["parameters"] = parameters
    if route.request is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _ref(route.request)}},
        }
    return operation


def document() -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for route in PUBLIC_ROUTES:
        paths.setdefault(route.template, {})[route.method.lower()] = _operation(route)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Doable",
            "version": __version__,
            "description": "Multi-user task manager. Errors are RFC 9457 problem details.",
        },
        "servers": [{"url": "/api"}],
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "description": BEARER}},
            "schemas": component_schemas(),
        },
    }
