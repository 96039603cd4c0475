"""The edges the services talk to, as protocols: a Dapr adapter and an in-process adapter implement each."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol


class PublishFailed(Exception):
    """The event could not be handed to the broker; it stays in the outbox for the relay."""


class SidecarUnavailable(Exception):
    """The sidecar, or the Dapr service behind it, cannot be reached now; the same call later may work."""


class EventPublisher(Protocol):
    def publish(self, topic: str, partition_key: str, payload: str, traceparent: str | None = None) -> None:
        """Publishes one structured-mode CloudEvent (JSON text); raises PublishFailed."""


class JobScheduler(Protocol):
    def schedule(self, name: str, due_at: datetime, data: dict[str, Any]) -> None:
        """Creates or moves the one-shot job `name` to fire at `due_at` (at once if that has passed).

        Raises SidecarUnavailable when the scheduler cannot be reached, anything else when it refuses.
        """

    def cancel(self, name: str) -> None:
        """Removes the job if it exists."""


class StateConflict(Exception):
    """Someone else saved the key since it was read (ETag mismatch)."""


class StateStore(Protocol):
    def get(self, key: str) -> tuple[Any, str | None]:
        """The value and its ETag, or (None, None)."""

    def save(self, key: str, value: Any, etag: str | None) -> None:
        """Saves with first-write-wins concurrency; raises StateConflict on a stale ETag."""


class SecretStore(Protocol):
    def get(self, key: str) -> str:
        """The secret's value; raises KeyError with a useful message when it is missing."""
