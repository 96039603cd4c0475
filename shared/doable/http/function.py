"""Turns a function's routes into one functions-framework HTTP handler.

Every function gets the same edges here: health, readiness and metrics probes, the app API token
check, correlation and trace context, bearer authentication, body limits, and problem+json errors.
"""

from __future__ import annotations

import hmac
import logging
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import flask
from flask import Response
from opentelemetry.trace import SpanKind
from werkzeug.exceptions import HTTPException

from doable.adapters.tokens import Identity
from doable.domain.errors import DomainError, Unauthorized
from doable.domain.events import Context
from doable.domain.model import ID_PATTERN, new_id
from doable.http.body import read_body
from doable.http.json_body import parse_object
from doable.http.problem import from_error, from_http_exception, json_response, problem
from doable.http.routes import declared_route
from doable.observability import (
    HTTP_LATENCY,
    HTTP_REQUESTS,
    configure_tracing,
    correlation_id_var,
    current_traceparent,
    metrics_text,
    serve_metrics,
    span,
)

if TYPE_CHECKING:
    from doable.bootstrap import Container

log = logging.getLogger(__name__)
access_log = logging.getLogger("doable.access")  # one line per request, with trace and correlation ids
CORRELATION_HEADER = "X-Correlation-ID"
_CORRELATION = re.compile(r"^[\w.\-:]{1,64}$")
_OUR_FAULT = "something went wrong on our side; try again, and quote the correlation id if it keeps failing"


class Request:
    """What a route handler sees: the raw request, path parameters, the caller and the container."""

    def __init__(
        self,
        raw: flask.Request,
        params: dict[str, str],
        ctx: Context,
        app: Container,
        identity: Identity | None = None,
    ) -> None:
        self.raw = raw
        self.params = params
        self.ctx = ctx
        self.app = app
        self.identity = identity or Identity(ctx.user_id)  # the verified caller; anonymous on open routes

    @property
    def user_id(self) -> str:
        return self.ctx.user_id

    @property
    def args(self) -> dict[str, list[str]]:
        return {key: self.raw.args.getlist(key) for key in self.raw.args}

    def json(self) -> dict[str, Any]:
        """The body as a JSON object, or a DomainError that says exactly what is wrong with it."""
        mimetype = self.raw.mimetype
        if mimetype and mimetype != "application/json" and not mimetype.endswith("+json"):
            raise DomainError(
                f"send the body as application/json, not {mimetype}", 415, "Unsupported media type"
            )
        return parse_object(read_body(self.raw, self.app.settings.max_body_bytes))


RouteHandler = Callable[[Request], Response]


def _check_ids(params: dict[str, str]) -> None:
    """A path id that is not shaped like one names nothing: 404 here, before any database sees it."""
    for name, value in params.items():
        if name.endswith("_id") and not ID_PATTERN.fullmatch(value):
            message = "is not an id; ids look like 0b6f1c52-8d6e-4c39-9a1f-3f1e2d4c5b6a"
            raise DomainError(
                f"{name}: {value[:80]!r} {message}",
                404,
                "Not found",
                {"errors": [{"field": name, "rule": "format", "message": message}]},
            )


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    template: str
    handler: RouteHandler
    auth: bool
    scoped: bool  # the handler itself tells a read-only token's reads from its writes (MCP: per tool)


class HttpFunction:
    """A function's routes; it serves once the composition root (doable.bootstrap) binds it to a container."""

    def __init__(self, name: str, *, public: bool = False, headers: Mapping[str, str] | None = None) -> None:
        self.name = name
        self.public = public  # the gateway faces the internet, not a sidecar: no app token there
        self.headers = dict(headers or {})  # added to every response that does not set its own
        self.routes: list[Route] = []
        self._app: Container | None = None

        def handler(raw: flask.Request) -> Response:
            """The functions-framework entry point (it wants a plain function, not a bound method)."""
            return self.handle(raw)

        self.handler = handler

    def bind(self, app: Container) -> None:
        """Serves with `app` from now on: the one container of this process, built by doable.bootstrap."""
        self._app = app

    @property
    def app(self) -> Container:
        if self._app is None:
            raise RuntimeError(f"{self.name} is not bound to a container; doable.bootstrap.build binds it")
        return self._app

    def route(
        self, method: str, template: str, *, auth: bool = True, scoped: bool = False
    ) -> Callable[[RouteHandler], RouteHandler]:
        """A route of this function's own (the gateway's, events, jobs); public ones are bound by `serve`."""
        # {name} matches one path segment, {name*} the rest of the path.
        regex = re.sub(r"\{(\w+)\*\}", r"(?P<\1>.*)", template)
        # DOTALL: {rest*} takes newlines too, so a handler, not a silent 404, decides about them.
        pattern = re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", regex) + "/?$", re.DOTALL)

        def register(handler: RouteHandler) -> RouteHandler:
            self.routes.append(Route(method, pattern, template, handler, auth, scoped))
            return handler

        return register

    def serve(self, operation: str) -> Callable[[RouteHandler], RouteHandler]:
        """Binds a handler to the public route this function declares as `operation` in doable.http.routes."""
        declared = declared_route(self.name, operation)
        return self.route(declared.method, declared.template, auth=declared.auth, scoped=declared.scoped)

    def handle(self, raw: flask.Request) -> Response:
        response = self._handle(raw)
        for name, value in self.headers.items():
            response.headers.setdefault(name, value)
        return response

    def _handle(self, raw: flask.Request) -> Response:
        app = self.app
        if app.settings.metrics_port:
            serve_metrics(app.settings.metrics_port)
        probe = self._probe(raw.path, app, app.settings.metrics_port is None)
        if probe is not None:
            return probe
        started = time.perf_counter()
        configure_tracing(self.name)
        correlation_id = raw.headers.get(CORRELATION_HEADER, "")
        if not _CORRELATION.match(correlation_id):
            correlation_id = new_id()
        correlation_token = correlation_id_var.set(correlation_id)
        attributes = {"doable.function": self.name, "doable.correlation_id": correlation_id}
        try:
            with span(
                f"{self.name} {raw.method}", raw.headers.get("traceparent"), SpanKind.SERVER, attributes
            ) as server_span:
                traceparent = current_traceparent() or ""
                response, template = self._dispatch(raw, app, correlation_id, traceparent)
                server_span.update_name(f"{self.name} {raw.method} {template}")
                server_span.set_attribute("http.route", template)
                server_span.set_attribute("http.response.status_code", response.status_code)
                access_log.info(
                    "%s %s %d %.1fms",
                    raw.method,
                    raw.path,
                    response.status_code,
                    (time.perf_counter() - started) * 1000,
                )
        finally:
            correlation_id_var.reset(correlation_token)
        response.headers[CORRELATION_HEADER] = correlation_id
        response.headers.setdefault("traceparent", traceparent)
        HTTP_REQUESTS.labels(self.name, template, str(response.status_code)).inc()
        HTTP_LATENCY.labels(self.name, template).observe(time.perf_counter() - started)
        return response

    def _dispatch(
        self, raw: flask.Request, app: Container, correlation_id: str, traceparent: str
    ) -> tuple[Response, str]:
        if not self.public and app.settings.app_api_token:
            given = raw.headers.get("dapr-api-token", "")
            if not hmac.compare_digest(given, app.settings.app_api_token):
                return problem(401, "this function only answers its own Dapr sidecar"), "unauthorised"
        allowed: list[str] = []
        for route in self.routes:
            match = route.pattern.match(raw.path)
            if not match:
                continue
            if route.method not in ("*", raw.method):
                allowed.append(route.method)
                continue
            try:
                identity = self._authenticate(raw, app) if route.auth else Identity("")
                if identity.read_only and raw.method != "GET" and not route.scoped:
                    from doable.services.access_tokens import READ_ONLY

                    raise DomainError(READ_ONLY, 403, "Forbidden")
                _check_ids(match.groupdict())
                ctx = Context(
                    user_id=identity.user_id, correlation_id=correlation_id, traceparent=traceparent
                )
                request = Request(raw, match.groupdict(), ctx, app, identity)
                return route.handler(request), route.template
            except DomainError as error:
                return from_error(error, correlation_id=correlation_id), route.template
            except Exception as error:
                # Werkzeug's refusals from inside a handler (a file not there, a client gone mid-body)
                # are 4xx about the request, not a failure of ours.
                if isinstance(error, HTTPException) and error.code is not None and error.code < 500:
                    return from_http_exception(error), route.template
                log.exception("%s %s failed", raw.method, raw.path)
                return problem(500, _OUR_FAULT, correlation_id=correlation_id), route.template
        if allowed:
            response = problem(
                405, f"{raw.method} is not allowed here; use {', '.join(sorted(set(allowed)))}"
            )
            response.headers["Allow"] = ", ".join(sorted(set(allowed)))
            return response, "unmatched"
        return problem(404, f"no such endpoint: {raw.method} {raw.path}"), "unmatched"

    def _authenticate(self, raw: flask.Request, app: Container) -> Identity:
        header = raw.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized(
                "send 'Authorization: Bearer <token>'; get a token from /api/auth/login "
                "or create an access token in settings"
            )
        # Imported here, not at the top: the token services bring SQLAlchemy, which the probes and the
        # gateway (it forwards the token unread) need none of.
        from doable.services.access_tokens import identify
        from doable.services.users import current_user

        identity = identify(app.uow(), app.tokens, token.strip())

        # A valid signature is not enough: the account may have been deleted since the token was
        # issued, and its writes would then land on no user (or fail on the foreign key as a 500).
        current_user(app.uow(), identity)
        return identity

    def _probe(self, path: str, app: Container, metrics_here: bool) -> Response | None:
        if path == "/healthz":
            return json_response({"status": "ok", "function": self.name})
        if path == "/readyz":
            checks = app.readiness()
            return json_response(
                {"ready": all(checks.values()), "checks": checks}, 200 if all(checks.values()) else 503
            )
        if path == "/metrics" and metrics_here:
            return Response(metrics_text(), mimetype="text/plain; version=0.0.4")
        return None
