"""One CloudEvents handler per event function, whatever delivered the event.

A Dapr pub/sub subscription or Kafka input binding posts the structured-mode envelope; Knative
Eventing posts binary mode (ce-* headers); the embedded bus posts structured mode too. All arrive
at POST /events, are parsed by the CloudEvents SDK (as functions-framework parses a cloud_event
function's deliveries) and end in the same effect. A bulk subscription posts its batches to
POST /events/batch, applied in one transaction, and hears back each entry's status. Dapr jobs
arrive at POST /job/<name>.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager, ExitStack
from typing import TYPE_CHECKING, Any

import flask
from cloudevents.conversion import from_dict, from_http
from cloudevents.exceptions import GenericException
from cloudevents.http import CloudEvent
from cloudevents.sdk.converters import is_binary
from flask import Response
from opentelemetry.trace import Span, SpanKind

from doable.domain.events import Event, InvalidEvent
from doable.http.function import HttpFunction, Request
from doable.http.problem import json_response, problem
from doable.observability import DEAD_LETTERS, EVENTS_CONSUMED, span
from doable.services.consumers import FAILURES_MAX, Outcome, consume, consume_batch, dead_letter
from doable.services.ports import UnitOfWork

if TYPE_CHECKING:
    from doable.bootstrap import Container

log = logging.getLogger(__name__)
EVENTS_PATH = "/events"
BATCH_PATH = "/events/batch"
# What a bulk subscription hears back per entry: done (or skipped), deliver it again, or never again.
ENTRY_STATUS = {
    Outcome.PROCESSED: "SUCCESS",
    Outcome.DUPLICATE: "SUCCESS",
    Outcome.IGNORED: "SUCCESS",
    Outcome.FAILED: "RETRY",
    Outcome.DEAD_LETTER: "DROP",
}
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


def parse_entry(entry: Any) -> tuple[str, Event]:
    """The entry id and the Doable event of one entry of a bulk delivery (daprd's envelope: `entryId`, and
    the CloudEvent as `event`, an object, or JSON text when its content type was not JSON).

    Raises InvalidEvent with the entry id when the id is there, KeyError when even that is missing.
    """
    if not isinstance(entry, dict) or not isinstance(entry.get("entryId"), str):
        raise KeyError("entryId")
    payload = entry.get("event")
    try:
        if isinstance(payload, str | bytes):
            payload = json.loads(payload)
        if not isinstance(payload, dict):
            raise InvalidEvent("the entry's event is not a JSON object")
        delivered = from_dict(_Delivered, payload)
    except (GenericException, ValueError, TypeError) as error:
        raise InvalidEvent(f"the entry is not a CloudEvent: {error}") from None
    return entry["entryId"], Event.from_cloudevent(
        {**delivered.get_attributes(), "data": delivered.get_data()}
    )


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
        self.route("POST", BATCH_PATH, auth=False)(self._deliver_batch)
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
            self._dead_letter_unreadable(uow, _event_id(payload), str(error), payload)
            return json_response({"status": "DROP", "reason": str(error)})
        effect = self.effect
        if effect is None or not self._wants(event):
            outcome = Outcome.IGNORED
        else:
            # The consumer's span continues the trace of the request that caused the event.
            with self._span(event) as current:
                outcome = consume(uow, self.name, event, lambda work, event: effect(request.app, work, event))
                current.set_attribute("doable.outcome", outcome.value)
                if outcome is Outcome.PROCESSED and self.after is not None:
                    self.after(request, event)
        self._count(event, outcome)
        if outcome is Outcome.FAILED:
            # Not 2xx: the binding or subscription redelivers it after its backoff.
            return problem(
                500,
                f"{self.name} failed on event {event.id}; it is redelivered, and dead-lettered after "
                f"{FAILURES_MAX} failures (see the function's log for the error)",
            )
        if outcome is Outcome.DEAD_LETTER:
            return json_response({"status": "DROP", "outcome": outcome})
        return json_response({"status": "SUCCESS", "outcome": outcome})

    def _deliver_batch(self, request: Request) -> Response:
        try:
            entries = json.loads(request.raw.get_data(cache=True))["entries"]
            if not isinstance(entries, list):
                raise TypeError("entries is not a list")
        except (ValueError, KeyError, TypeError) as error:
            # Not daprd's bulk envelope: nothing to answer per entry, and a retry would not change it.
            return problem(400, f"{BATCH_PATH} takes a Dapr bulk delivery with a list of entries ({error})")
        uow: UnitOfWork = request.app.uow()
        statuses: dict[str, str] = {}
        wanted: list[tuple[str, Event]] = []
        for entry in entries:
            try:
                entry_id, event = parse_entry(entry)
            except KeyError:
                continue  # no id to answer to; daprd retries what it hears nothing about
            except InvalidEvent as error:
                raw = json.dumps(entry.get("event"), default=str)
                self._dead_letter_unreadable(uow, _event_id(raw), str(error), raw)
                statuses[entry["entryId"]] = "DROP"
                continue
            if self.effect is None or not self._wants(event):
                self._count(event, Outcome.IGNORED)
                statuses[entry_id] = ENTRY_STATUS[Outcome.IGNORED]
            else:
                wanted.append((entry_id, event))
        effect = self.effect
        if effect is not None and wanted:
            events = [event for _, event in wanted]
            with ExitStack() as spans:
                # Each event's span continues its own request's trace and lasts the batch's transaction.
                traced = [spans.enter_context(self._span(event)) for event in events]
                outcomes = consume_batch(
                    uow, self.name, events, lambda work, event: effect(request.app, work, event)
                )
                for current, outcome in zip(traced, outcomes, strict=True):
                    current.set_attribute("doable.outcome", outcome.value)
            for (entry_id, event), outcome in zip(wanted, outcomes, strict=True):
                self._count(event, outcome)
                if outcome is Outcome.PROCESSED and self.after is not None:
                    self.after(request, event)
                statuses[entry_id] = ENTRY_STATUS[outcome]
        return json_response(
            {"statuses": [{"entryId": key, "status": value} for key, value in statuses.items()]}
        )

    def _wants(self, event: Event) -> bool:
        return self.wants is None or self.wants(event)

    def _count(self, event: Event, outcome: Outcome) -> None:
        EVENTS_CONSUMED.labels(self.name, event.type, outcome).inc()
        if outcome is Outcome.DEAD_LETTER:
            DEAD_LETTERS.labels(self.name).inc()

    def _span(self, event: Event) -> AbstractContextManager[Span]:
        return span(
            f"{self.name} consume {event.type}",
            event.traceparent,
            SpanKind.CONSUMER,
            {"doable.event_id": event.id, "doable.correlation_id": event.correlation_id},
        )

    def _dead_letter_unreadable(
        self, uow: UnitOfWork, event_id: str | None, reason: str, payload: str
    ) -> None:
        DEAD_LETTERS.labels(self.name).inc()
        EVENTS_CONSUMED.labels(self.name, "unknown", Outcome.DEAD_LETTER).inc()
        dead_letter(uow, self.name, event_id, reason, payload)


def _event_id(payload: str) -> str | None:
    try:
        value = json.loads(payload).get("id")
        return str(value)[:64] if value is not None else None
    except (ValueError, AttributeError):
        return None
