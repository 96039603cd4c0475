"""An in-memory unit of work for fast service tests: the port of services/ports.py, no database.

The SQL unit of work needs a database file per test; this needs a dictionary copy per transaction.
It keeps the promises the services rely on (writes and events land together on commit or not at all,
a task write is a compare-and-set on its version, one notification, webhook and ledger entry per
event) and leaves what the SQL decides to the SQL: search serves one page, without cursors or
ranking (the property tests compare the SQL with tests/search_oracle.py), and sign-in attempts and
access tokens are not kept. Transactions take turns: it is not the one for races.
"""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from types import TracebackType
from typing import Any

from doable.adapters.repositories.audit import GENESIS, entry_hash
from doable.domain.events import Event
from doable.domain.model import Status, Task, User
from doable.domain.query import RELEVANCE, TOTAL_CAP, Page, TaskQuery
from tests.search_oracle import expected

AfterCommit = Callable[[Sequence[Event]], None]


@dataclass
class MemoryData:
    """Everything one in-memory database holds; a transaction works on a copy of it."""

    tasks: dict[str, Task] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    notifications: dict[str, dict[str, Any]] = field(default_factory=dict)
    webhooks: dict[str, dict[str, Any]] = field(default_factory=dict)  # by event id
    audit: list[dict[str, Any]] = field(default_factory=list)
    processed: set[tuple[str, str]] = field(default_factory=set)  # (consumer, event id)
    failures: Counter[tuple[str, str]] = field(default_factory=Counter)
    dead_letters: list[dict[str, Any]] = field(default_factory=list)
    schedules: dict[str, dict[str, Any]] = field(default_factory=dict)
    occurrences: set[tuple[str, datetime]] = field(default_factory=set)
    outbox: list[Event] = field(default_factory=list)  # every committed event, in order


class MemoryTasks:
    def __init__(self, data: MemoryData) -> None:
        self.data = data

    def add(self, task: Task) -> None:
        self.data.tasks[task.id] = copy.deepcopy(task)

    def get(self, user_id: str, task_id: str, *, for_update: bool = False) -> Task | None:
        task = self.data.tasks.get(task_id)
        return copy.deepcopy(task) if task is not None and task.user_id == user_id else None

    def save(self, task: Task, read_version: int, changed: Iterable[str] = ()) -> bool:
        stored = self.data.tasks.get(task.id)
        if stored is None or stored.user_id != task.user_id or stored.version != read_version:
            return False
        saved = copy.deepcopy(task)
        saved.version = read_version + 1
        self.data.tasks[task.id] = saved
        return True

    def delete(self, task: Task) -> bool:
        stored = self.data.tasks.get(task.id)
        if stored is None or stored.user_id != task.user_id or stored.version != task.version:
            return False
        del self.data.tasks[task.id]
        return True

    def series_after(self, task: Task) -> list[Task]:
        return [
            copy.deepcopy(t)
            for t in self.data.tasks.values()
            if t.user_id == task.user_id
            and t.series_id == task.series_id
            and t.status is Status.OPEN
            and (task.due_at is None or (t.due_at is not None and t.due_at >= task.due_at))
        ]

    def tag_counts(self, user_id: str) -> list[tuple[str, int]]:
        counts = Counter(tag for t in self.data.tasks.values() if t.user_id == user_id for tag in t.tags)
        return sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))

    def search(self, user_id: str, query: TaskQuery, now: datetime, *, cap: int = TOTAL_CAP) -> Page:
        if query.cursor is not None:
            raise NotImplementedError("the in-memory unit of work serves first pages; page on the SQL one")
        if query.effective_sort == RELEVANCE:
            raise NotImplementedError("ranking is the database's: give the in-memory search a sort")
        found = expected([t for t in self.data.tasks.values() if t.user_id == user_id], query, now)
        if len(found) > query.limit:
            raise NotImplementedError(
                f"{len(found)} tasks match, more than a page of {query.limit}: the in-memory unit of work "
                "makes no cursors; page on the SQL one"
            )
        return Page(items=copy.deepcopy(found), total=min(len(found), cap), total_exact=len(found) <= cap)


class MemoryUsers:
    def __init__(self, data: MemoryData) -> None:
        self.data = data

    def add(self, user: User) -> bool:
        if user.id in self.data.users or self.by_email(user.email) is not None:
            return False
        self.data.users[user.id] = copy.deepcopy(user)
        return True

    def get(self, user_id: str) -> User | None:
        return copy.deepcopy(self.data.users.get(user_id))

    def by_email(self, email: str) -> User | None:
        return next((copy.deepcopy(u) for u in self.data.users.values() if u.email == email), None)

    def save(self, user: User) -> None:
        if user.id in self.data.users:
            self.data.users[user.id] = copy.deepcopy(user)


class MemoryNotifications:
    def __init__(self, data: MemoryData) -> None:
        self.data = data

    def add(self, row: dict[str, Any]) -> bool:
        if any(n["event_id"] == row["event_id"] for n in self.data.notifications.values()):
            return False
        self.data.notifications[row["id"]] = dict(row)
        return True

    def for_user(self, user_id: str, unread_only: bool, limit: int = 100) -> list[dict[str, Any]]:
        rows = [
            dict(n)
            for n in self.data.notifications.values()
            if n["user_id"] == user_id and not (unread_only and n["read_at"] is not None)
        ]
        return sorted(rows, key=lambda n: (n["created_at"], n["id"]), reverse=True)[:limit]

    def unread_count(self, user_id: str) -> int:
        return len(self.for_user(user_id, unread_only=True, limit=len(self.data.notifications)))

    def mark_read(self, user_id: str, notification_id: str, when: datetime) -> dict[str, Any] | None:
        row = self.data.notifications.get(notification_id)
        if row is None or row["user_id"] != user_id:
            return None
        if row["read_at"] is None:
            row["read_at"] = when
        return dict(row)

    def mark_all_read(self, user_id: str, when: datetime) -> int:
        mine = [n for n in self.data.notifications.values() if n["user_id"] == user_id]
        unread = [n for n in mine if n["read_at"] is None]
        for row in unread:
            row["read_at"] = when
        return len(unread)


class MemoryWebhooks:
    def __init__(self, data: MemoryData) -> None:
        self.data = data

    def add(self, row: dict[str, Any]) -> bool:
        if row["event_id"] in self.data.webhooks:
            return False
        self.data.webhooks[row["event_id"]] = {"status": "pending", "attempts": 0, **row}
        return True


class MemoryAudit:
    def __init__(self, data: MemoryData) -> None:
        self.data = data

    def append(self, entry: dict[str, Any]) -> bool:
        if any(e["event_id"] == entry["event_id"] for e in self.data.audit):
            return False
        previous = [e for e in self.data.audit if e["user_id"] == entry["user_id"]]
        prev_hash = previous[-1]["hash"] if previous else GENESIS
        seq = len(self.data.audit) + 1
        self.data.audit.append(
            {**entry, "seq": seq, "prev_hash": prev_hash, "hash": entry_hash(prev_hash, entry)}
        )
        return True

    def for_resource(self, user_id: str, resource_id: str) -> list[dict[str, Any]]:
        mine = [e for e in self.data.audit if e["user_id"] == user_id]
        return [dict(e) for e in mine if e["resource_id"] == resource_id]

    def chain(self, user_id: str | None = None) -> Iterable[dict[str, Any]]:
        entries = [dict(e) for e in self.data.audit if user_id is None or e["user_id"] == user_id]
        return sorted(entries, key=lambda e: (e["user_id"], e["seq"]))


class MemoryLedger:
    def __init__(self, data: MemoryData) -> None:
        self.data = data

    def first_delivery(self, consumer: str, event_id: str, now: datetime) -> bool:
        if (consumer, event_id) in self.data.processed:
            return False
        self.data.processed.add((consumer, event_id))
        return True

    def count_failure(self, consumer: str, event_id: str, reason: str, now: datetime) -> int:
        self.data.failures[(consumer, event_id)] += 1
        return self.data.failures[(consumer, event_id)]

    def dead_letter(
        self, consumer: str, event_id: str | None, reason: str, payload: str, now: datetime
    ) -> None:
        self.data.dead_letters.append(
            {"consumer": consumer, "event_id": event_id, "reason": reason, "payload": payload}
        )


class MemorySchedules:
    def __init__(self, data: MemoryData) -> None:
        self.data = data

    def get(self, series_id: str, *, for_update: bool = False) -> dict[str, Any] | None:
        row = self.data.schedules.get(series_id)
        return dict(row) if row is not None else None

    def add(self, row: dict[str, Any]) -> None:
        self.data.schedules.setdefault(row["series_id"], dict(row))

    def update(self, series_id: str, **values: Any) -> None:
        if series_id in self.data.schedules:
            self.data.schedules[series_id].update(values)

    def claim_occurrence(self, series_id: str, due_at: datetime, task_id: str, now: datetime) -> bool:
        if (series_id, due_at) in self.data.occurrences:
            return False
        self.data.occurrences.add((series_id, due_at))
        return True


class _KeptBySql:
    """A store the in-memory unit of work does not keep: using it says which unit of work to use."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, instance: object, owner: type) -> Any:
        raise AssertionError(
            f"the in-memory unit of work keeps no {self.name}; use the SQL one (the `uow` fixture)"
        )


class MemoryUnitOfWork:
    """The in-memory unit of work over one `MemoryData`; `after_commit` gets the committed events."""

    attempts = _KeptBySql()
    access_tokens = _KeptBySql()

    def __init__(self, data: MemoryData, after_commit: AfterCommit | None = None) -> None:
        self.data = data
        self.after_commit = after_commit
        self._working: MemoryData | None = None
        self._events: list[Event] = []

    def __enter__(self) -> MemoryUnitOfWork:
        self._working = copy.deepcopy(self.data)
        self._events = []
        working = self._working
        self.tasks = MemoryTasks(working)
        self.users = MemoryUsers(working)
        self.notifications = MemoryNotifications(working)
        self.webhooks = MemoryWebhooks(working)
        self.audit = MemoryAudit(working)
        self.ledger = MemoryLedger(working)
        self.schedules = MemorySchedules(working)
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._working = None
        self._events = []

    def emit(self, events: Sequence[Event]) -> None:
        self._events.extend(events)

    def commit(self) -> None:
        assert self._working is not None, "commit outside `with uow:`"
        self._working.outbox.extend(self._events)
        # The committed state becomes the database's; the transaction carries on with a copy of it.
        for name, value in vars(copy.deepcopy(self._working)).items():
            setattr(self.data, name, value)
        events, self._events = self._events, []
        if events and self.after_commit is not None:
            self.after_commit(events)

    def rollback(self) -> None:
        assert self._working is not None, "rollback outside `with uow:`"
        for name, value in vars(copy.deepcopy(self.data)).items():
            setattr(self._working, name, value)
        self._events = []
