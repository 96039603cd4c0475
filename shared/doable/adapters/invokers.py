"""The gateway's ways to reach another function: Dapr service invocation, or a direct call in one process."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Protocol

import flask
from flask import Response
from werkzeug.test import EnvironBuilder

from doable.http.problem import problem

if TYPE_CHECKING:
    import httpx

    from doable.adapters.dapr import DaprSidecar

log = logging.getLogger(__name__)
Handler = Callable[[flask.Request], Response]  # a function's functions-framework entry point
RETURNED_HEADERS = (
    "Content-Type",
    "ETag",
    "Location",
    "X-Correlation-ID",
    "traceparent",
    "Allow",
    "WWW-Authenticate",
    "Retry-After",
)


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
        import httpx

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
        refusal = sidecar_refusal(app_id, reply)
        if refusal is not None:
            return refusal
        response = Response(reply.content, status=reply.status_code)
        for name in RETURNED_HEADERS:
            if name in reply.headers:
                response.headers[name] = reply.headers[name]
        return response


def sidecar_refusal(app_id: str, reply: httpx.Response) -> Response | None:
    """A problem in place of an answer that came from a sidecar rather than from the function.

    Functions answer JSON or problem+json of their own; Dapr's own errors carry an `errorCode`. Those
    stay in the logs: the caller gets what it can act on, never the sidecar's internals.
    """
    if reply.status_code < 400 or not reply.headers.get("content-type", "").startswith("application/json"):
        return None
    try:
        code = reply.json().get("errorCode")
    except (ValueError, AttributeError):
        return None
    if not isinstance(code, str):
        return None
    log.warning("sidecar refused the call to %s: %s %s", app_id, reply.status_code, reply.text[:500])
    if reply.status_code == 431:
        return problem(414, "the request line or headers are too long; send a shorter query", "URI too long")
    if reply.status_code >= 500:
        return problem(503, f"the {app_id} function is not reachable right now; try again shortly")
    return problem(
        502,
        f"the {app_id} function could not be reached through its sidecar ({code}); "
        "try again, and quote the correlation id if it keeps failing",
    )


class InProcessInvoker:
    """Embedded mode: the same request handed straight to the function's handler, no network hop."""

    def __init__(self, handlers: Mapping[str, Handler]) -> None:
        self.handlers = handlers

    def __call__(self, app_id: str, raw: flask.Request, path: str, headers: Mapping[str, str]) -> Response:
        handler = self.handlers.get(app_id)
        if handler is None:
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
        return handler(inner)


class InProcessDelivery:
    """Embedded mode's event and job deliveries: a POST to the function's handler, as a sidecar makes."""

    def __init__(self, handlers: Mapping[str, Handler]) -> None:
        self.handlers = handlers

    def __call__(self, app_id: str, path: str, body: bytes) -> int:
        builder = EnvironBuilder(
            path=path, method="POST", data=body, headers=[("Content-Type", "application/cloudevents+json")]
        )
        try:
            request = flask.Request(builder.get_environ())
        finally:
            builder.close()
        return self.handlers[app_id](request).status_code
