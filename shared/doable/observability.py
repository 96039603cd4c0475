"""Logs, metrics and trace context shared by every function: JSON logs, Prometheus series, traceparent."""

from __future__ import annotations

import json
import logging
import os
import secrets
import sys
from contextvars import ContextVar

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

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


def new_traceparent(parent: str | None = None) -> str:
    """A W3C traceparent continuing `parent`'s trace with a new span id, or starting a new trace."""
    trace_id = None
    if parent:
        parts = parent.split("-")
        if len(parts) == 4 and len(parts[1]) == 32:
            trace_id = parts[1]
    return f"00-{trace_id or secrets.token_hex(16)}-{secrets.token_hex(8)}-01"


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
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per sidecar call drowns the rest
