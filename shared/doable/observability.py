"""Logs, metrics and traces shared by every function: JSON logs, Prometheus series, OpenTelemetry spans.

Trace context travels as W3C `traceparent`: in HTTP headers through the gateway and Dapr, and in
each CloudEvent's `traceparent` attribute through Kafka, so one request's spans share a trace id
from the gateway to the audit row. Spans go to a JSON-lines file (DOABLE_TRACE_FILE) and, when an
OTLP endpoint is configured and its exporter installed, to an OpenTelemetry collector.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import TYPE_CHECKING

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.trace import SpanKind
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest, start_http_server

# The OpenTelemetry SDK (tracer provider, processors, exporters) is imported when tracing is first
# configured, on the first request that is not a probe: a function answers its probes without it.
if TYPE_CHECKING:
    from opentelemetry.sdk.trace import ReadableSpan
    from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

correlation_id_var: ContextVar[str | None] = ContextVar("correlation_id", default=None)
traceparent_var: ContextVar[str | None] = ContextVar("traceparent", default=None)

registry = CollectorRegistry()
HTTP_REQUESTS = Counter(
    "doable_http_requests", "HTTP requests handled", ["function", "route", "status"], registry=registry
)
HTTP_LATENCY = Histogram(
    "doable_http_request_duration_seconds",
    "HTTP request latency",
    ["function", "route"],
    registry=registry,
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
EVENTS_CONSUMED = Counter(
    "doable_events_consumed", "Events consumed", ["function", "type", "outcome"], registry=registry
)
DEAD_LETTERS = Counter(
    "doable_dead_letters", "Deliveries parked as dead letters", ["function"], registry=registry
)
OUTBOX_BACKLOG = Gauge("doable_outbox_backlog", "Outbox rows not yet published", registry=registry)


def metrics_text() -> bytes:
    return generate_latest(registry)


_metrics_server_lock = threading.Lock()
_metrics_server_port: int | None = None


def serve_metrics(port: int) -> None:
    """Serves /metrics on a port of its own (once per process), away from the port users reach.

    Started from the first request a worker handles rather than at import, because gunicorn imports
    the function before it forks the worker, and a thread does not survive the fork.
    """
    global _metrics_server_port
    if _metrics_server_port is not None:
        return
    with _metrics_server_lock:
        if _metrics_server_port is None:
            start_http_server(port, addr="0.0.0.0", registry=registry)  # scraped at the pod address
            _metrics_server_port = port


_propagator = TraceContextTextMapPropagator()
_tracing_lock = threading.Lock()
_tracing_service: str | None = None


def json_lines_exporter(path: Path) -> SpanExporter:
    """One JSON object per finished span, appended to a file several processes may share."""
    from opentelemetry.sdk.trace.export import SpanExporter

    class JsonLinesSpanExporter(SpanExporter):
        def __init__(self, path: Path) -> None:
            self.path = path
            path.parent.mkdir(parents=True, exist_ok=True)

        def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
            return _export_json_lines(self.path, spans)

        def shutdown(self) -> None:
            pass

    return JsonLinesSpanExporter(path)


def _export_json_lines(path: Path, spans: Sequence[ReadableSpan]) -> SpanExportResult:
    from opentelemetry.sdk.trace.export import SpanExportResult

    lines = []
    for span in spans:
        context = span.get_span_context()
        if context is None:
            continue
        lines.append(
            json.dumps(
                {
                    "trace_id": f"{context.trace_id:032x}",
                    "span_id": f"{context.span_id:016x}",
                    "parent_id": f"{span.parent.span_id:016x}" if span.parent else None,
                    "name": span.name,
                    "kind": span.kind.name,
                    "service": span.resource.attributes.get("service.name"),
                    "start": span.start_time,
                    "end": span.end_time,
                    "attributes": dict(span.attributes or {}),
                }
            )
        )
    with path.open("a") as out:  # O_APPEND: whole lines from concurrent writers do not interleave
        out.write("\n".join(lines) + "\n")
    return SpanExportResult.SUCCESS


def configure_tracing(service: str) -> None:
    """Installs the process's tracer provider once; the first function to ask names the service."""
    global _tracing_service
    if _tracing_service is not None:  # every request asks; only the first takes the lock
        return
    with _tracing_lock:
        if _tracing_service is not None:
            return
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor

        _tracing_service = service
        provider = TracerProvider(resource=Resource.create({"service.name": f"doable-{service}"}))
        trace_file = os.environ.get("DOABLE_TRACE_FILE")
        if trace_file:
            provider.add_span_processor(SimpleSpanProcessor(json_lines_exporter(Path(trace_file))))
        if os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT"):
            try:
                from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
            except ImportError:
                logging.getLogger(__name__).warning(
                    "OTEL_EXPORTER_OTLP_ENDPOINT is set but the OTLP exporter package is not installed"
                )
            else:
                provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
        trace.set_tracer_provider(provider)


@contextmanager
def span(
    name: str,
    parent: str | None,
    kind: SpanKind = SpanKind.INTERNAL,
    attributes: dict[str, str] | None = None,
) -> Iterator[trace.Span]:
    """A span continuing the trace of `parent` (a traceparent), current for logs and outgoing calls."""
    tracer = trace.get_tracer("doable")
    with tracer.start_as_current_span(
        name, context=_context_of(parent), kind=kind, attributes=attributes
    ) as current:
        token = traceparent_var.set(current_traceparent())
        try:
            yield current
        finally:
            traceparent_var.reset(token)


def detached_span(
    name: str, parent: str | None, kind: SpanKind, attributes: dict[str, str] | None = None
) -> trace.Span:
    """A span continuing the trace of `parent`, not made current: for work on many requests' events at
    once (an outbox batch), where each event's span lives beside the others. The caller ends it."""
    return trace.get_tracer("doable").start_span(
        name, context=_context_of(parent), kind=kind, attributes=attributes
    )


def current_traceparent() -> str | None:
    carrier: dict[str, str] = {}
    _propagator.inject(carrier)
    return carrier.get("traceparent")


def traceparent_of(current: trace.Span) -> str | None:
    """The trace context that continues under `current` (None when it records nothing to continue)."""
    carrier: dict[str, str] = {}
    _propagator.inject(carrier, context=trace.set_span_in_context(current))
    return carrier.get("traceparent")


def _context_of(traceparent: str | None) -> Context | None:
    return _propagator.extract({"traceparent": traceparent}) if traceparent else None


class JsonFormatter(logging.Formatter):
    def __init__(self, function: str) -> None:
        super().__init__()
        self.function = function

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "function": self.function,
            "logger": record.name,
            "message": record.getMessage(),
        }
        traceparent = traceparent_var.get()
        if traceparent:
            _, trace_id, span_id, _ = traceparent.split("-")
            entry["trace_id"], entry["span_id"] = trace_id, span_id
        correlation_id = correlation_id_var.get()
        if correlation_id:
            entry["correlation_id"] = correlation_id
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry)


def configure_logging(function: str, level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(function))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(os.environ.get("DOABLE_LOG_LEVEL", level))
    for chatty in ("httpx", "alembic"):  # a line per sidecar call or migration step drowns the rest
        logging.getLogger(chatty).setLevel(logging.WARNING)
