"""One CloudEvents handler per event function, whatever delivered the event.

A Dapr Kafka input binding or a pub/sub subscription posts the structured-mode envelope; Knative
Eventing posts binary mode (ce-* headers); the embedded bus posts structured mode too. All arrive
at POST /events, are parsed by the CloudEvents SDK (as functions-framework parses a cloud_event
function's deliveries) and end in the same effect. Dapr jobs arrive at POST /job/<name>.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import flask
from cloudevents.conversion import from_http
from cloudevents.exceptions import GenericException
from cloudevents.http import CloudEvent
from cloudevents.sdk.converters import is_binary
from flask import Response
from opentelemetry.trace import SpanKind

from doable.domain.events import Event, InvalidEvent
from doable.http.function import HttpFunction, Request
from doable.http.problem import json_response, problem
from doable.observability import DEAD_LETTERS, EVENTS_CONSUMED, span
from doable.services.consumers import FAILURES_MAX, Outcome, consume, dead_letter
from doable.services.ports import UnitOfWork

if TYPE_CHECKING:
    from doable.bootstrap import Container

log = logging.getLogger(__name__)
EVENTS_PATH = "/events"
JobHandler = Callable[[Request, str, dict[str, Any]], Response]
Sweep = Callable[[Request], Response]
AfterEffect = Callable[[Request, Event], None]
# The function's effect: the container (for ports such as the job scheduler) and the ledger's transaction.
EventEffect = Callable[["Container", UnitOfWork, Event], None]


class _Delivered(CloudEvent):
    """A CloudEvent as a consumer receives it. The SDK's own class gives an event without an id or a time
    fresh ones, as a producer wants; a consumer must refuse it instead: a redelivery would get another id
    and pass the ledger a second time."""

    @classmethod
    def create(cls, attributes: Mapping[str, Any], data: Any | None) -> _Delivered:
        missing = [name for name in ("id", "time") if name not in attributes]
        if missing:
            raise InvalidEvent(f"the CloudEvent has no {' and no '.join(missing)}")
        return cls(attributes, data)


def parse_delivery(raw: flask.Request) -> Event:
    """The Doable event in a delivery, parsed by the CloudEvents SDK in either content mode.

    Structured mode is the envelope as the body: a pub/sub subscription and the embedded bus send it
    as application/cloudevents+json, the Dapr Kafka input binding as application/json (daprd sets that
    type on every binding delivery, whatever the component says; the SDK reads the envelope either
    way). Binary mode (Knative Eventing) carries the attributes as ce-* headers and the data as the
    body, and W3C trace context in its own traceparent header. Anything else is an InvalidEvent.
    """
    try:
        delivered = from_http(_Delivered, raw.headers, raw.get_data(cache=True))
    except (GenericException, ValueError, TypeError) as error:
        raise InvalidEvent(f"the delivery is not a CloudEvent: {error}") from None
    envelope: dict[str, Any] = {**delivered.get_attributes(), "data": delivered.get_data()}
    if is_binary(dict(raw.headers)):
        envelope.setdefault("traceparent", raw.headers.get("traceparent"))
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
