"""One database transaction with its repositories; events committed with it are handed on after commit."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from types import TracebackType

from sqlalchemy import Connection, Engine

from doable.adapters.access_tokens import AccessTokens
from doable.adapters.repositories.audit import AuditLog
from doable.adapters.repositories.ledger import ConsumerLedger
from doable.adapters.repositories.notifications import Notifications
from doable.adapters.repositories.outbox import Outbox
from doable.adapters.repositories.schedules import Schedules
from doable.adapters.repositories.tasks import TaskRepository
from doable.adapters.repositories.users import UserRepository
from doable.adapters.throttle import SignInAttempts
from doable.adapters.webhook_outbox import WebhookDeliveries
from doable.domain.events import Event

AfterCommit = Callable[[Sequence[Event]], None]


class UnitOfWork:
    tasks: TaskRepository
    users: UserRepository
    outbox: Outbox
    audit: AuditLog
    ledger: ConsumerLedger
    notifications: Notifications
    schedules: Schedules
    webhooks: WebhookDeliveries
    attempts: SignInAttempts
    access_tokens: AccessTokens

    def __init__(self, engine: Engine, after_commit: AfterCommit | None = None) -> None:
        self.engine = engine
        self.after_commit = after_commit
        self._connection: Connection | None = None
        self._events: list[Event] = []

    def __enter__(self) -> UnitOfWork:
        self._connection = self.engine.connect()
        self._transaction = self._connection.begin()
        self._events = []
        self.tasks = TaskRepository(self._connection)
        self.users = UserRepository(self._connection)
        self.outbox = Outbox(self._connection)
        self.audit = AuditLog(self._connection)
        self.ledger = ConsumerLedger(self._connection)
        self.notifications = Notifications(self._connection)
        self.schedules = Schedules(self._connection)
        self.webhooks = WebhookDeliveries(self._connection)
        self.attempts = SignInAttempts(self._connection)
        self.access_tokens = AccessTokens(self._connection)
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._transaction.is_active:
            self._transaction.rollback()
        assert self._connection is not None
        self._connection.close()

    def emit(self, events: Sequence[Event]) -> None:
        """Writes events to the outbox inside this transaction: they commit or vanish with the change."""
        self.outbox.add(events)
        self._events.extend(events)

    def commit(self) -> None:
        self._transaction.commit()
        events, self._events = self._events, []
        if events and self.after_commit is not None:
            self.after_commit(events)

    def rollback(self) -> None:
        self._transaction.rollback()
        self._events = []
