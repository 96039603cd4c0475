"""In-process stand-ins for the sidecar's building blocks, for the embedded mode and domain unit tests.

They deliver the same CloudEvents to the same handlers as Kafka and the Dapr scheduler would, on
background threads, so embedded Doable behaves like the distributed one, minus the network.
"""

from __future__ import annotations

import heapq
import itertools
import json
import logging
import queue
import secrets as token_source
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from doable.domain.model import utcnow
from doable.services.ports import Outgoing, StateConflict

log = logging.getLogger(__name__)

Deliver = Callable[[str, str, bytes], int]  # (app id, path, body) -> HTTP status


class InProcessBus:
    """Topic → subscribed functions, delivered by one thread in publish order per key.

    A delivery that fails is retried with backoff without holding anything else up: the events
    behind it with the same key wait for it, in order, as they would behind it on a Kafka
    partition, while other keys and other functions carry on. The functions bound the retries of
    an event that fails every time (they dead-letter it and answer 2xx), so the limit here only
    stops an outage of over a minute from piling events up in memory.
    """

    RETRY_FIRST = 0.05
    RETRY_MAX = 2.0
    ATTEMPTS_MAX = 40

    def __init__(self, deliver: Deliver) -> None:
        self.subscriptions: dict[str, list[str]] = {}
        self.deliver = deliver
        self._queue: queue.Queue[tuple[str, str, str]] = queue.Queue()
        self._waiting: dict[tuple[str, str], _Lane] = {}  # (app id, key) → events behind a failed one
        self._retries: list[tuple[float, int, tuple[str, str]]] = []  # (due, tie-break, lane)
        self._tickets = itertools.count()
        self._thread = threading.Thread(target=self._run, name="inprocess-bus", daemon=True)
        self._thread.start()

    def subscribe(self, topic: str, app_id: str) -> None:
        self.subscriptions.setdefault(topic, []).append(app_id)

    def publish(self, topic: str, partition_key: str, payload: str) -> None:
        self._queue.put((topic, partition_key, payload))

    def publish_batch(self, messages: Sequence[Outgoing]) -> dict[str, str]:
        for message in messages:
            self.publish(message.topic, message.partition_key, message.payload)
        return {}

    def drain(self, timeout: float = 10.0) -> None:
        """Blocks until every published event has been delivered (tests and shutdown)."""
        deadline = time.monotonic() + timeout
        while (self._queue.unfinished_tasks or self._waiting) and time.monotonic() < deadline:
            time.sleep(0.01)

    def _run(self) -> None:
        while True:
            wait = max(0.0, self._retries[0][0] - time.monotonic()) if self._retries else None
            try:
                topic, key, payload = self._queue.get(timeout=wait)
            except queue.Empty:
                pass
            else:
                try:
                    for app_id in self.subscriptions.get(topic, []):
                        self._offer((app_id, key), payload.encode())
                finally:
                    self._queue.task_done()
            self._retry_due()

    def _offer(self, lane: tuple[str, str], body: bytes) -> None:
        waiting = self._waiting.get(lane)
        if waiting is not None:
            waiting.bodies.append(body)
        elif not self._delivered(lane[0], body):
            self._waiting[lane] = _Lane(deque([body]), delay=self.RETRY_FIRST)
            self._schedule(lane, self.RETRY_FIRST)

    def _retry_due(self) -> None:
        while self._retries and self._retries[0][0] <= time.monotonic():
            _, _, lane = heapq.heappop(self._retries)
            waiting = self._waiting[lane]
            if not self._delivered(lane[0], waiting.bodies[0]):
                waiting.attempts += 1
                if waiting.attempts < self.ATTEMPTS_MAX:
                    waiting.delay = min(waiting.delay * 2, self.RETRY_MAX)
                    self._schedule(lane, waiting.delay)
                    continue
                log.error(
                    "gave up on an event for %s after %d attempts; it is lost", lane[0], waiting.attempts
                )
            waiting.bodies.popleft()
            # The head is gone: the events behind it go now, until one fails and starts its own backoff.
            while waiting.bodies and self._delivered(lane[0], waiting.bodies[0]):
                waiting.bodies.popleft()
            if waiting.bodies:
                waiting.attempts, waiting.delay = 1, self.RETRY_FIRST
                self._schedule(lane, waiting.delay)
            else:
                del self._waiting[lane]

    def _schedule(self, lane: tuple[str, str], delay: float) -> None:
        heapq.heappush(self._retries, (time.monotonic() + delay, next(self._tickets), lane))

    def _delivered(self, app_id: str, body: bytes) -> bool:
        try:
            return self.deliver(app_id, "/events", body) < 300
        except Exception:
            log.exception("delivery to %s failed", app_id)
            return False


@dataclass
class _Lane:
    """Events for one function and key, in order; the first one's delivery has failed so far."""

    bodies: deque[bytes]
    delay: float
    attempts: int = 1


class InProcessJobs:
    """One-shot jobs on a timer thread. A job's name starts with the app id that owns it."""

    def __init__(self, deliver: Deliver) -> None:
        self.deliver = deliver
        self._heap: list[tuple[datetime, int, str]] = []
        self._jobs: dict[str, tuple[int, dict[str, Any]]] = {}
        self._counter = itertools.count()
        self._wake = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="inprocess-jobs", daemon=True)
        self._thread.start()

    def schedule(self, name: str, due_at: datetime, data: dict[str, Any]) -> None:
        with self._wake:
            ticket = next(self._counter)
            self._jobs[name] = (ticket, data)
            heapq.heappush(self._heap, (due_at, ticket, name))
            self._wake.notify()

    def cancel(self, name: str) -> None:
        with self._wake:
            self._jobs.pop(name, None)

    def _run(self) -> None:
        while True:
            with self._wake:
                while not self._heap or self._heap[0][0] > utcnow():
                    timeout = (self._heap[0][0] - utcnow()).total_seconds() if self._heap else None
                    self._wake.wait(timeout)
                _, ticket, name = heapq.heappop(self._heap)
                current = self._jobs.get(name)
                if current is None or current[0] != ticket:
                    continue  # cancelled or moved since this entry was pushed
                del self._jobs[name]
            self._fire(name, current[1])

    def _fire(self, name: str, data: dict[str, Any]) -> None:
        app_id = name.split("--", 1)[0]
        body = json.dumps(data).encode()
        for attempt in range(5):
            try:
                if self.deliver(app_id, f"/job/{name}", body) < 300:
                    return
            except Exception:
                log.exception("job %s failed", name)
            time.sleep(0.1 * 2**attempt)
        log.error("job %s failed five times and was dropped", name)


class InProcessState:
    def __init__(self) -> None:
        self._items: dict[str, tuple[Any, str]] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> tuple[Any, str | None]:
        with self._lock:
            value, etag = self._items.get(key, (None, None))
            return json.loads(json.dumps(value)), etag

    def save(self, key: str, value: Any, etag: str | None) -> None:
        with self._lock:
            current = self._items.get(key)
            if current is not None and etag != current[1]:
                raise StateConflict(f"state key {key} changed since it was read")
            if current is None and etag is not None:
                raise StateConflict(f"state key {key} was deleted since it was read")
            self._items[key] = (json.loads(json.dumps(value)), token_source.token_hex(8))


class LocalSecrets:
    """Secrets from a JSON file (mode 600); missing ones with a default are generated once and kept."""

    def __init__(self, path: Path, defaults: dict[str, Callable[[], str]] | None = None) -> None:
        self.path = path
        self.defaults = defaults or {}
        self._lock = threading.Lock()

    def get(self, key: str) -> str:
        with self._lock:
            values = json.loads(self.path.read_text()) if self.path.exists() else {}
            if key not in values and key in self.defaults:
                values[key] = self.defaults[key]()
                self.path.write_text(json.dumps(values, indent=2))
                self.path.chmod(0o600)
            if key not in values:
                raise KeyError(f"secret '{key}' is not in {self.path}; add it there")
            return str(values[key])
