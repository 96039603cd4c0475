"""RFC 9457 problem details: the one shape every Doable error takes on the wire."""

from __future__ import annotations

import json
from typing import Any

from flask import Response
from werkzeug.exceptions import HTTPException

from doable.domain.errors import DomainError

TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    404: "Not found",
    405: "Method not allowed",
    413: "Payload too large",
    415: "Unsupported media type",
    422: "Invalid input",
    429: "Too many requests",
    500: "Internal error",
    502: "Bad gateway",
    503: "Service unavailable",
    504: "Gateway timeout",
}


def problem(status: int, detail: str, title: str | None = None, **extra: Any) -> Response:
    body = {
        "type": "about:blank",
        "title": title or TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
    }
    body.update({key: value for key, value in extra.items() if value is not None})
    response = Response(json.dumps(body), status=status, mimetype="application/problem+json")
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="doable"'
    if status == 429 and "retry_after" in body:
        response.headers["Retry-After"] = str(body["retry_after"])
    return response


def from_error(error: DomainError, **extra: Any) -> Response:
    return problem(error.status, error.detail, error.title, **error.extra, **extra)


def from_http_exception(error: HTTPException) -> Response:
    """Werkzeug's own refusals (an unreadable body, a bad Host, a missing file) as problems, not HTML."""
    status = error.code or 500
    response = problem(status, str(error.description or TITLES.get(status, "Error")))
    allowed = dict(error.get_headers()).get("Allow")
    if allowed:
        response.headers["Allow"] = allowed
    return response


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        json.dumps(body, separators=(",", ":")), status=status, mimetype="application/json", headers=headers
    )
