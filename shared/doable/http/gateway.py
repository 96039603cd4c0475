"""The public gateway's routing: which function answers which /api path, and how the call gets there."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Protocol

import flask
import httpx
from flask import Response
from werkzeug.test import EnvironBuilder

from doable.adapters.dapr import DaprSidecar
from doable.http.body import read_body
from doable.http.problem import problem

if TYPE_CHECKING:
    from doable.http.function import HttpFunction

API_PREFIX = "/api"
ANY = frozenset({"GET", "POST", "PATCH", "PUT", "DELETE"})

# (methods, path below /api, app id). The first match wins.
ROUTES: tuple[tuple[frozenset[str], re.Pattern[str], str], ...] = tuple(
    (frozenset(methods), re.compile(f"^{pattern}/?$"), app_id)
    for methods, pattern, app_id in (
        ({"POST"}, r"/auth/(register|login)", "auth"),
        ({"GET", "PATCH"}, r"/me", "auth"),
        ({"POST"}, r"/tasks", "create-task"),
        ({"GET"}, r"/tasks", "search-tasks"),
        ({"GET"}, r"/tags", "search-tasks"),
        ({"GET"}, r"/tasks/[^/]+/history", "activity"),
        ({"GET"}, r"/tasks/[^/]+", "search-tasks"),
        ({"PATCH", "DELETE"}, r"/tasks/[^/]+", "update-task"),
        ({"POST"}, r"/tasks/[^/]+/(complete|reopen)", "update-task"),
        (ANY, r"/notifications(/.*)?", "activity"),
        (ANY, r"/chat(/.*)?", "chat"),
        (ANY, r"/mcp", "chat"),  # the MCP server for AI agents lives in the chat function
    )
)
FORWARDED_REQUEST_HEADERS = (
    "Mcp-Protocol-Version",
    "Mcp-Method",
    "Mcp-Name",
    "Mcp-Session-Id",
    "Authorization",
    "Content-Type",
    "If-Match",
    "Accept",
    "X-Correlation-ID",
    "traceparent",
)
RETURNED_HEADERS = (
    "Content-Type",
    "ETag",
    "Location",
    "X-Correlation-ID",
    "traceparent",
    "Allow",
    "WWW-Authenticate",
)


def resolve(method: str, path: str) -> tuple[str | None, list[str]]:
    """The app id for a request below /api, or None and the methods that path does accept."""
    allowed: list[str] = []
    for methods, pattern, app_id in ROUTES:
        if pattern.match(path):
            if method in methods:
                return app_id, []
            allowed.extend(methods)
    return None, sorted(set(allowed))


class Invoker(Protocol):
    def __call__(
        self, app_id: str, raw: flask.Request, path: str, headers: Mapping[str, str]
    ) -> Response: ...


class DaprInvoker:
    """Service invocation through the gateway's own sidecar (mTLS, resiliency and tracing come with it)."""

    def __init__(self, sidecar: DaprSidecar, timeout: float) -> None:
        self.sidecar = sidecar
        self.timeout = timeout

    def __call__(self, app_id: str, raw: flask.Request, path: str, headers: Mapping[str, str]) -> Response:
        try:
            reply = self.sidecar.invoke(
                app_id,
                raw.method,
                path,
                params=list(raw.args.items(multi=True)),
                headers=dict(headers),
                content=raw.get_data(),
                timeout=self.timeout,
            )
        except httpx.TimeoutException:
            return problem(504, f"the {app_id} function did not answer within {self.timeout:g}s; try again")
        except httpx.HTTPError:
            return problem(503, f"the {app_id} function is not reachable right now; try again shortly")
        if reply.status_code >= 500 and "ERR_DIRECT_INVOKE" in reply.text:
            return problem(503, f"the {app_id} function is not reachable right now; try again shortly")
        response = Response(reply.content, status=reply.status_code)
        for name in RETURNED_HEADERS:
            if name in reply.headers:
                response.headers[name] = reply.headers[name]
        return response


class InProcessInvoker:
    """Embedded mode: the same request handed straight to the function's handler, no network hop."""

    def __init__(self, functions: Mapping[str, HttpFunction]) -> None:
        self.functions = functions

    def __call__(self, app_id: str, raw: flask.Request, path: str, headers: Mapping[str, str]) -> Response:
        function = self.functions.get(app_id)
        if function is None:
            return problem(503, f"the {app_id} function is not part of this server")
        builder = EnvironBuilder(
            path=path,
            method=raw.method,
            headers=list(headers.items()),
            query_string=raw.query_string.decode("latin-1"),
            data=raw.get_data(),
        )
        try:
            inner = flask.Request(builder.get_environ())
        finally:
            builder.close()
        return function.handler(inner)


def forward(
    invoker: Invoker, raw: flask.Request, correlation_id: str, traceparent: str, max_body_bytes: int
) -> Response:
    path = raw.path.removeprefix(API_PREFIX) or "/"
    app_id, allowed = resolve(raw.method, path)
    if app_id is None:
        if allowed:
            response = problem(405, f"{raw.method} is not allowed on {raw.path}; use {', '.join(allowed)}")
            response.headers["Allow"] = ", ".join(allowed)
            return response
        return problem(404, f"no such endpoint: {raw.method} {raw.path}; see /api/openapi.json")
    read_body(raw, max_body_bytes)  # refuse oversized bodies here, before they cross the network
    headers = {name: raw.headers[name] for name in FORWARDED_REQUEST_HEADERS if name in raw.headers}
    headers["X-Correlation-ID"] = correlation_id
    headers["traceparent"] = traceparent
    return invoker(app_id, raw, path, headers)
