"""The edges the services talk to, as protocols: the sidecar's building blocks and the unit of work."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from types import TracebackType
from typing import Any, NamedTuple, Protocol

from doable.domain.events import Event
from doable.domain.model import Task, User
from doable.domain.query import TOTAL_CAP, Page, TaskQuery


class PublishFailed(Exception):
    """No event of a batch could be handed to the broker; they stay in the outbox for the relay."""


class SidecarUnavailable(Exception):
    """The sidecar, or the Dapr service behind it, cannot be reached now; the same call later may work."""


class Outgoing(NamedTuple):
    """An event on its way to the broker: the payload is its structured-mode CloudEvent (JSON text), with
    the trace context its consumers continue inside; the key keeps one task's events in order."""

    id: str
    topic: str
    partition_key: str
    payload: str


class EventPublisher(Protocol):
    def publish_batch(self, messages: Sequence[Outgoing]) -> dict[str, str]:
        """Hands the events to the broker, in their order within each topic, and returns the ids of
        those it did not take, each with the reason; raises PublishFailed when it took none."""


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


# --- the unit of work: one transaction and the stores the services read and write in it -------------
# adapters/unit_of_work.py is the SQL one; tests/fakes.py keeps everything in memory for fast tests.


class TaskStore(Protocol):
    def add(self, task: Task) -> None: ...

    def get(self, user_id: str, task_id: str, *, for_update: bool = False) -> Task | None:
        """The caller's task, or None: another user's task is indistinguishable from a missing one."""

    def save(self, task: Task, read_version: int, changed: Iterable[str] = ()) -> bool:
        """Writes the task only if it is still at `read_version`; False when another writer was first."""

    def delete(self, task: Task) -> bool:
        """Deletes the task only if it is still at the version it was read at; False if it moved on."""

    def series_after(self, task: Task) -> list[Task]:
        """The open instances of the task's series due at or after it."""

    def tag_counts(self, user_id: str) -> list[tuple[str, int]]: ...

    def search(self, user_id: str, query: TaskQuery, now: datetime, *, cap: int = TOTAL_CAP) -> Page: ...


class UserStore(Protocol):
    def add(self, user: User) -> bool:
        """Inserts the user; False when the email is already taken."""

    def get(self, user_id: str) -> User | None: ...

    def by_email(self, email: str) -> User | None: ...

    def save(self, user: User) -> None: ...


class NotificationStore(Protocol):
    def add(self, row: dict[str, Any]) -> bool:
        """Adds the notification unless one exists for its event; returns whether it was added."""

    def for_user(self, user_id: str, unread_only: bool, limit: int = 100) -> list[dict[str, Any]]:
        """Newest first."""

    def unread_count(self, user_id: str) -> int: ...

    def mark_read(self, user_id: str, notification_id: str, when: datetime) -> dict[str, Any] | None:
        """The notification after marking it (read_at kept if it was read before), None if not the user's."""

    def mark_all_read(self, user_id: str, when: datetime) -> int:
        """How many were unread."""


class AuditStore(Protocol):
    def append(self, entry: dict[str, Any]) -> bool:
        """Adds one entry, chained to the user's previous one, unless its event is already recorded."""

    def for_resource(self, user_id: str, resource_id: str) -> list[dict[str, Any]]: ...

    def chain(self, user_id: str | None = None) -> Iterable[dict[str, Any]]:
        """Every entry (of one user, or of all), per user in the order they were appended."""


class ConsumerLedgerStore(Protocol):
    def first_delivery(self, consumer: str, event_id: str, now: datetime) -> bool:
        """Records the event as processed; False when this consumer has seen it before."""

    def count_failure(self, consumer: str, event_id: str, reason: str, now: datetime) -> int:
        """Adds one failed delivery of the event to the consumer's count; returns the count so far."""

    def dead_letter(
        self, consumer: str, event_id: str | None, reason: str, payload: str, now: datetime
    ) -> None: ...


class ScheduleStore(Protocol):
    def get(self, series_id: str, *, for_update: bool = False) -> dict[str, Any] | None: ...

    def add(self, row: dict[str, Any]) -> None: ...

    def update(self, series_id: str, **values: Any) -> None: ...

    def claim_occurrence(self, series_id: str, due_at: datetime, task_id: str, now: datetime) -> bool:
        """True for the first claim of this occurrence; every later claim is False."""


class WebhookQueue(Protocol):
    def add(self, row: dict[str, Any]) -> bool:
        """Queues a delivery (one per event id); False when the event already has one."""


class AttemptStore(Protocol):
    def add(self, scope: str, key: str, at: datetime) -> int: ...

    def since(self, scope: str, key: str, since: datetime) -> list[datetime]:
        """When this key's attempts in the window happened, oldest first."""

    def remove(self, ids: Sequence[int]) -> None: ...

    def clear(self, scope: str, key: str) -> None: ...

    def prune(self, before: datetime) -> None: ...


class AccessTokenStore(Protocol):
    def add(self, row: dict[str, Any]) -> None: ...

    def by_digest(self, token_digest: str) -> dict[str, Any] | None: ...

    def for_user(self, user_id: str) -> list[dict[str, Any]]: ...

    def active_count(self, user_id: str, now: datetime) -> int: ...

    def get(self, user_id: str, token_id: str) -> dict[str, Any] | None: ...

    def revoke(self, user_id: str, token_id: str, when: datetime) -> None: ...

    def used(self, token_id: str, when: datetime) -> None: ...


class UnitOfWork(Protocol):
    """One transaction: `with uow:` opens it, `commit()` keeps its writes and hands its events on (after
    the commit, never before), leaving the block without a commit drops both. Reusable, one block at a time.
    """

    @property
    def tasks(self) -> TaskStore: ...
    @property
    def users(self) -> UserStore: ...
    @property
    def notifications(self) -> NotificationStore: ...
    @property
    def audit(self) -> AuditStore: ...
    @property
    def ledger(self) -> ConsumerLedgerStore: ...
    @property
    def schedules(self) -> ScheduleStore: ...
    @property
    def webhooks(self) -> WebhookQueue: ...
    @property
    def attempts(self) -> AttemptStore: ...
    @property
    def access_tokens(self) -> AccessTokenStore: ...

    def __enter__(self) -> UnitOfWork: ...

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...

    def emit(self, events: Sequence[Event]) -> None:
        """Events to hand on if this transaction commits (the SQL one writes them to its outbox)."""

    def commit(self) -> None: ...

    def rollback(self) -> None: ...
