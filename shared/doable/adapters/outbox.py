"""Moves committed outbox rows to the broker: right after commit in the background, and as a relay sweep."""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Sequence
from datetime import timedelta

from opentelemetry.trace import SpanKind
from sqlalchemy import Engine

from doable.adapters.repositories.outbox import Outbox
from doable.domain.events import Event
from doable.domain.model import utcnow
from doable.observability import current_traceparent, span
from doable.services.ports import EventPublisher, PublishFailed

log = logging.getLogger(__name__)


class OutboxDispatcher:
    """Publishes each commit's events from a background thread so a request never waits on Kafka.

    Anything that fails here stays unpublished in the outbox, where `relay` finds it later.
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
            published: list[str] = []
            for event in batch:
                try:
                    with span(
                        f"publish {event.topic}",
                        event.traceparent,
                        SpanKind.PRODUCER,
                        {"doable.event_id": event.id, "doable.event_type": event.type},
                    ):
                        self.publisher.publish(
                            event.topic.value, event.partition_key, event.to_json(), current_traceparent()
                        )
                    published.append(event.id)
                except PublishFailed as error:
                    log.warning("event %s left for the outbox relay: %s", event.id, error)
                except Exception:
                    log.exception("event %s left for the outbox relay", event.id)
            try:
                with self.engine.begin() as connection:
                    Outbox(connection).mark_published(published, utcnow())
            except Exception:
                # Unmarked rows are published again by the relay; consumers drop the duplicates.
                log.exception("could not mark %d outbox rows as published", len(published))


def relay(
    engine: Engine, publisher: EventPublisher, min_age: timedelta = timedelta(seconds=5), limit: int = 500
) -> tuple[int, int]:
    """Publishes outbox rows older than `min_age` that are still unpublished; returns (published, failed).

    `min_age` leaves fresh rows to the dispatcher so the two rarely publish the same event twice.
    """
    published = failed = 0
    with engine.begin() as connection:
        outbox = Outbox(connection)
        rows = outbox.claim_pending(utcnow() - min_age, limit)
        done: list[str] = []
        for event_id, topic, partition_key, payload in rows:
            try:
                publisher.publish(topic, partition_key, payload)
                done.append(event_id)
            except PublishFailed as error:
                failed += 1
                log.warning("relay could not publish %s: %s", event_id, error)
                break  # the broker is down: stop early, the next sweep tries again
        outbox.mark_published(done, utcnow())
        published = len(done)
    return published, failed
