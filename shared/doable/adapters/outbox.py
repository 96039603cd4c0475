"""Moves committed outbox rows to the broker: right after commit in the background, and as a relay sweep."""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Sequence
from datetime import timedelta

from opentelemetry.trace import SpanKind, Status, StatusCode
from sqlalchemy import Engine

from doable.adapters.repositories.outbox import Outbox
from doable.domain.events import Event
from doable.domain.model import utcnow
from doable.observability import detached_span, traceparent_of
from doable.services.ports import EventPublisher, Outgoing, PublishFailed

log = logging.getLogger(__name__)


class OutboxDispatcher:
    """Publishes each commit's events from a background thread so a request never waits on Kafka.

    What queued up meanwhile (up to 500 events) goes in one bulk publish. Anything that fails here
    stays unpublished in the outbox, where `relay` finds it later.
    """

    def __init__(self, engine: Engine, publisher: EventPublisher) -> None:
        self.engine = engine
        self.publisher = publisher
        self._queue: queue.SimpleQueue[Sequence[Event]] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="outbox-dispatcher", daemon=True)
        self._thread.start()

    def __call__(self, events: Sequence[Event]) -> None:
        self._queue.put(events)

    def _run(self) -> None:
        while True:
            batch = list(self._queue.get())
            while not self._queue.empty() and len(batch) < 500:
                batch.extend(self._queue.get_nowait())
            published = self._publish(batch)
            try:
                with self.engine.begin() as connection:
                    Outbox(connection).mark_published(published, utcnow())
            except Exception:
                # Unmarked rows are published again by the relay; consumers drop the duplicates.
                log.exception("could not mark %d outbox rows as published", len(published))

    def _publish(self, batch: list[Event]) -> list[str]:
        """Publishes the batch in one call; returns the ids the broker took.

        Each event gets its own PRODUCER span in the trace of the request that caused it, and carries
        that span's context to its consumers: the events of one batch come from many requests.
        """
        spans = [
            detached_span(
                f"publish {event.topic}",
                event.traceparent,
                SpanKind.PRODUCER,
                {"doable.event_id": event.id, "doable.event_type": event.type},
            )
            for event in batch
        ]
        messages = [
            Outgoing(
                event.id, event.topic.value, event.partition_key, event.to_json(traceparent_of(producer))
            )
            for event, producer in zip(batch, spans, strict=True)
        ]
        failed: dict[str, str]
        try:
            failed = self.publisher.publish_batch(messages)
        except PublishFailed as error:
            failed = dict.fromkeys((event.id for event in batch), str(error))
        except Exception as error:
            log.exception("%d events left for the outbox relay", len(batch))
            failed = dict.fromkeys((event.id for event in batch), repr(error))
        published: list[str] = []
        for event, producer in zip(batch, spans, strict=True):
            reason = failed.get(event.id)
            if reason is None:
                published.append(event.id)
            else:
                producer.set_status(Status(StatusCode.ERROR, reason))
                log.warning("event %s left for the outbox relay: %s", event.id, reason)
            producer.end()
        return published


def relay(
    engine: Engine, publisher: EventPublisher, min_age: timedelta = timedelta(seconds=5), limit: int = 500
) -> tuple[int, int]:
    """Publishes outbox rows older than `min_age` that are still unpublished, in one bulk publish;
    returns (published, failed). A broker that takes none of them leaves them all to the next sweep.

    `min_age` leaves fresh rows to the dispatcher so the two rarely publish the same event twice.
    """
    with engine.begin() as connection:
        outbox = Outbox(connection)
        rows = outbox.claim_pending(utcnow() - min_age, limit)
        if not rows:
            return 0, 0
        messages = [Outgoing(*row) for row in rows]
        try:
            failed = publisher.publish_batch(messages)
        except PublishFailed as error:
            log.warning("relay could not publish %d events: %s", len(rows), error)
            return 0, len(rows)
        for event_id, reason in failed.items():
            log.warning("relay could not publish %s: %s", event_id, reason)
        done = [message.id for message in messages if message.id not in failed]
        outbox.mark_published(done, utcnow())
    return len(done), len(failed)
