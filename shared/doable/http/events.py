"""One CloudEvents handler per event function, whatever delivered the event.

A Dapr Kafka input binding or a pub/sub subscription posts the structured-mode envelope; Knative
Eventing posts binary mode (ce-* headers); the embedded bus posts structured mode too. All arrive
at POST /events and end in the same effect. Dapr jobs arrive at POST /job/<name>.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import flask
from flask import Response
from opentelemetry.trace import SpanKind

from doable.adapters.unit_of_work import UnitOfWork
from doable.domain.events import Event, InvalidEvent
from doable.http.function import HttpFunction, Request
from doable.http.problem import json_response, problem
from doable.observability import DEAD_LETTERS, EVENTS_CONSUMED, span
from doable.services.consumers import FAILURES_MAX, Outcome, consume, dead_letter

if TYPE_CHECKING:
    from doable.bootstrap import Container

log = logging.getLogger(__name__)
EVENTS_PATH = "/events"
JobHandler = Callable[[Request, str, dict[str, Any]], Response]
Sweep = Callable[[Request], Response]
AfterEffect = Callable[[Request, Event], None]
# The function's effect: the container (for ports such as the job scheduler) and the ledger's transaction.
EventEffect = Callable[["Container", UnitOfWork, Event], None]


def parse_delivery(raw: flask.Request) -> Event:
    """The Doable event in a delivery, in either CloudEvents content mode; InvalidEvent otherwise."""
    body = raw.get_data(cache=True)
    if "ce-id" in raw.headers:
        envelope: dict[str, Any] = {
            key[3:].lower(): value for key, value in raw.headers.items() if key.lower().startswith("ce-")
        }
        envelope.setdefault("traceparent", raw.headers.get("traceparent"))
        try:
            envelope["data"] = json.loads(body or b"null")
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise InvalidEvent(f"binary-mode data is not JSON: {error}") from None
        return Event.from_cloudevent(envelope)
    try:
        envelope = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InvalidEvent(f"the delivery is not JSON: {error}") from None
    if not isinstance(envelope, dict):
        raise InvalidEvent("the delivery is not a CloudEvent object")
    return Event.from_cloudevent(envelope)


class EventFunction(HttpFunction):
    """An event consumer: `effect` runs exactly once per event, inside the ledger's transaction."""

    def __init__(
        self,
        name: str,
        effect: EventEffect | None = None,
        *,
        wants: Callable[[Event], bool] | None = None,
        sweep: Sweep | None = None,
        after: AfterEffect | None = None,
    ) -> None:
        super().__init__(name)
        self.effect = effect
        self.wants = wants  # events it can skip without opening a transaction
        self.sweep = sweep
        self.after = after  # runs once the effect committed, for work outside the database
        self.route("POST", EVENTS_PATH, auth=False)(self._deliver)
        # Dapr asks with OPTIONS whether the app listens on a binding's route before it starts consuming.
        self.route("OPTIONS", EVENTS_PATH, auth=False)(lambda _request: Response(status=200))

    def on_job(self, handler: JobHandler) -> JobHandler:
        def run(request: Request) -> Response:
            body = request.raw.get_data(cache=True)
            try:
                data = json.loads(body or b"{}")
            except (UnicodeDecodeError, json.JSONDecodeError):
                data = {}
            if isinstance(data, dict) and isinstance(data.get("data"), dict):
                data = data["data"]  # some runtimes wrap the job's payload
            return handler(request, request.params["job"], data if isinstance(data, dict) else {})

        self.route("POST", "/job/{job}", auth=False)(run)
        return handler

    def _deliver(self, request: Request) -> Response:
        if self.sweep is not None:
            return self.sweep(request)  # a cron binding's tick carries no event
        uow: UnitOfWork = request.app.uow()
        payload = request.raw.get_data(cache=True).decode("utf-8", "replace")
        try:
            event = parse_delivery(request.raw)
        except InvalidEvent as error:
            DEAD_LETTERS.labels(self.name).inc()
            EVENTS_CONSUMED.labels(self.name, "unknown", Outcome.DEAD_LETTER).inc()
            dead_letter(uow, self.name, _event_id(payload), str(error), payload)
            return json_response({"status": "DROP", "reason": str(error)})
        if self.effect is None or (self.wants is not None and not self.wants(event)):
            outcome = Outcome.IGNORED
        else:
            # The consumer's span continues the trace of the request that caused the event.
            with span(
                f"{self.name} consume {event.type}",
                event.traceparent,
                SpanKind.CONSUMER,
                {"doable.event_id": event.id, "doable.correlation_id": event.correlation_id},
            ) as current:
                effect = self.effect
                outcome = consume(uow, self.name, event, lambda work, event: effect(request.app, work, event))
                current.set_attribute("doable.outcome", outcome.value)
                if outcome is Outcome.PROCESSED and self.after is not None:
                    self.after(request, event)
        EVENTS_CONSUMED.labels(self.name, event.type, outcome).inc()
        if outcome is Outcome.FAILED:
            # Not 2xx: the binding or subscription redelivers it after its backoff.
            return problem(
                500,
                f"{self.name} failed on event {event.id}; it is redelivered, and dead-lettered after "
                f"{FAILURES_MAX} failures (see the function's log for the error)",
            )
        if outcome is Outcome.DEAD_LETTER:
            DEAD_LETTERS.labels(self.name).inc()
            return json_response({"status": "DROP", "outcome": outcome})
        return json_response({"status": "SUCCESS", "outcome": outcome})


def _event_id(payload: str) -> str | None:
    try:
        value = json.loads(payload).get("id")
        return str(value)[:64] if value is not None else None
    except (ValueError, AttributeError):
        return None
