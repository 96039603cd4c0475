"""Repositories over SQLAlchemy Core: tasks, users, outbox, audit log and the consumer ledger."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import ColumnElement, Connection
from sqlalchemy.dialects import postgresql, sqlite

from doable.adapters import db
from doable.domain.events import Event
from doable.domain.model import Priority, Status, Task, User
from doable.domain.query import RELEVANCE, TOTAL_CAP, Page, TaskQuery, encode_cursor
from doable.domain.recurrence import Recurrence

FAR_FUTURE = datetime.fromisoformat("9999-12-31T00:00:00+00:00")


def _insert(connection: Connection, table: sa.Table) -> Any:
    """INSERT with ON CONFLICT support on both dialects; pair it with RETURNING to learn if a row went in."""
    return (postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert)(table)


class UserRepository:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def add(self, user: User) -> bool:
        """Inserts the user; False when the email is already taken."""
        statement = (
            _insert(self.connection, db.users)
            .values(_user_row(user))
            .on_conflict_do_nothing()
            .returning(db.users.c.id)
        )
        return self.connection.execute(statement).first() is not None

    def get(self, user_id: str) -> User | None:
        row = self.connection.execute(sa.select(db.users).where(db.users.c.id == user_id)).mappings().first()
        return User(**row) if row else None

    def by_email(self, email: str) -> User | None:
        row = self.connection.execute(sa.select(db.users).where(db.users.c.email == email)).mappings().first()
        return User(**row) if row else None

    def save(self, user: User) -> None:
        self.connection.execute(db.users.update().where(db.users.c.id == user.id).values(_user_row(user)))


def _user_row(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "email": user.email,
        "name": user.name,
        "timezone": user.timezone,
        "password_hash": user.password_hash,
        "webhook_url": user.webhook_url,
        "created_at": user.created_at,
        "notify": user.notify,
    }


class TaskRepository:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.postgres = connection.dialect.name == "postgresql"

    def add(self, task: Task) -> None:
        self.connection.execute(db.tasks.insert().values(_task_row(task)))
        self._write_tags(task)

    def get(self, user_id: str, task_id: str, *, for_update: bool = False) -> Task | None:
        """The caller's task, or None: another user's task is indistinguishable from a missing one."""
        statement = sa.select(db.tasks).where(db.tasks.c.id == task_id, db.tasks.c.user_id == user_id)
        if for_update and self.postgres:
            statement = statement.with_for_update()
        row = self.connection.execute(statement).mappings().first()
        return _task(row) if row else None

    def save(self, task: Task, read_version: int, changed: Iterable[str] = ()) -> bool:
        """Writes the task only if it is still at `read_version`, and moves it one version on.

        The check is part of the UPDATE, so two writers that read the same version cannot both win on
        either database; False means another writer got there first and nothing was written.
        """
        t = db.tasks.c
        statement = (
            db.tasks.update()
            .where(t.id == task.id, t.user_id == task.user_id, t.version == read_version)
            .values({**_task_row(task), "version": t.version + 1})
        )
        if self.connection.execute(statement).rowcount != 1:
            return False
        if "tags" in changed:
            self.connection.execute(db.task_tags.delete().where(db.task_tags.c.task_id == task.id))
            self._write_tags(task)
        return True

    def delete(self, task: Task) -> bool:
        """Deletes the task only if it is still at the version it was read at; False if it moved on."""
        t = db.tasks.c
        statement = db.tasks.delete().where(
            t.id == task.id, t.user_id == task.user_id, t.version == task.version
        )
        if self.connection.execute(statement).rowcount != 1:
            return False
        self.connection.execute(db.task_tags.delete().where(db.task_tags.c.task_id == task.id))
        return True

    def series_after(self, task: Task) -> list[Task]:
        """The open instances of the task's series due at or after it."""
        t = db.tasks.c
        statement = sa.select(db.tasks).where(
            t.user_id == task.user_id, t.series_id == task.series_id, t.status == Status.OPEN.value
        )
        if task.due_at is not None:
            statement = statement.where(t.due_at >= task.due_at)
        return [_task(row) for row in self.connection.execute(statement).mappings()]

    def _write_tags(self, task: Task) -> None:
        if task.tags:
            self.connection.execute(
                db.task_tags.insert(),
                [{"task_id": task.id, "tag": tag, "user_id": task.user_id} for tag in task.tags],
            )

    def tag_counts(self, user_id: str) -> list[tuple[str, int]]:
        count = sa.func.count().label("count")
        statement = (
            sa.select(db.task_tags.c.tag, count)
            .where(db.task_tags.c.user_id == user_id)
            .group_by(db.task_tags.c.tag)
            .order_by(count.desc(), db.task_tags.c.tag)
        )
        return [(tag, uses) for tag, uses in self.connection.execute(statement)]

    def search(self, user_id: str, query: TaskQuery, now: datetime, *, cap: int = TOTAL_CAP) -> Page:
        """Filters, full-text match, sort and keyset pagination, plus a total counted up to `cap`."""
        t = db.tasks.c
        conditions: list[ColumnElement[bool]] = [t.user_id == user_id]
        if query.status != "all":
            conditions.append(t.status == query.status)
        if query.priorities:
            conditions.append(t.priority.in_([p.value for p in query.priorities]))
        for tag in query.tags:
            conditions.append(
                sa.exists().where(
                    db.task_tags.c.task_id == t.id,
                    db.task_tags.c.tag == tag,
                    db.task_tags.c.user_id == user_id,
                )
            )
        if query.due_after is not None:
            conditions.append(t.due_at >= query.due_after)
        if query.due_before is not None:
            conditions.append(t.due_at < query.due_before)
        if query.overdue:
            conditions.extend([t.status == Status.OPEN.value, t.due_at < now])

        source: sa.FromClause = db.tasks
        rank: ColumnElement[Any] | None = None
        if query.terms:
            source, match, rank = self._text_match(query.terms, ranked=query.effective_sort == RELEVANCE)
            conditions.append(match)

        keys = _sort_keys(query.effective_sort, rank)
        columns: list[Any] = [db.tasks, *[expr.label(f"k{i}") for i, (expr, _) in enumerate(keys)]]
        statement = sa.select(*columns).select_from(source).where(*conditions)
        if query.cursor is not None:
            statement = statement.where(_after(keys, query.cursor))
        statement = statement.order_by(
            *[expr.asc() if ascending else expr.desc() for expr, ascending in keys]
        )
        rows = self.connection.execute(statement.limit(query.limit + 1)).mappings().all()
        # The count stops at one row past the cap, so it costs at most cap + 1 matches, however
        # many there are; a window count in the page query would visit them all.
        capped = sa.select(sa.literal(1).label("one")).select_from(source).where(*conditions)
        counted = self.connection.execute(
            sa.select(sa.func.count()).select_from(capped.limit(cap + 1).subquery())
        ).scalar_one()
        page_rows = rows[: query.limit]
        next_cursor = None
        if len(rows) > query.limit and page_rows:
            last = page_rows[-1]
            next_cursor = encode_cursor(query.effective_sort, [last[f"k{i}"] for i in range(len(keys))])
        return Page(
            items=[_task(row) for row in page_rows],
            total=min(counted, cap),
            next_cursor=next_cursor,
            total_exact=counted <= cap,
        )

    def _text_match(
        self, terms: Sequence[str], *, ranked: bool
    ) -> tuple[sa.FromClause, ColumnElement[bool], ColumnElement[Any] | None]:
        if self.postgres:
            tsquery = sa.func.to_tsquery(
                sa.literal_column("'simple'"), " & ".join(f"{term}:*" for term in terms)
            )
            search: ColumnElement[Any] = sa.literal_column("tasks.search")
            return db.tasks, search.op("@@")(tsquery), sa.func.ts_rank(search, tsquery).cast(sa.Float)
        match = " ".join(f'"{term}"*' for term in terms)
        fts = sa.table("tasks_fts")
        matching = sa.literal_column("tasks_fts").op("MATCH")(match)
        if not ranked:
            # Sorted by a column, a search walks that column's index (migration 0008) and checks each
            # row against the matches, gathered once; it stops after the page, whatever matches.
            matched_ids: sa.Select[Any] = (
                sa.select(sa.literal_column("rowid")).select_from(fts).where(matching)
            )
            return db.tasks, sa.literal_column("tasks.rowid").in_(matched_ids), None
        # Materialised first: joined directly, SQLite would rerun the MATCH once per row of the user's tasks.
        # bm25 is lower for better matches; negated so "higher ranks first" holds on both databases.
        matched = (
            sa.select(
                sa.literal_column("rowid").label("rid"),
                (-sa.func.bm25(sa.literal_column("tasks_fts"))).label("rank"),
            )
            .select_from(fts)
            .where(matching)
            .cte("fts_match")
            .prefix_with("MATERIALIZED")
        )
        joined = db.tasks.join(matched, matched.c.rid == sa.literal_column("tasks.rowid"))
        return joined, sa.true(), matched.c.rank


def _sort_keys(sort: str, rank: ColumnElement[Any] | None) -> list[tuple[ColumnElement[Any], bool]]:
    """The ordering as (expression, ascending) pairs, ending in unique keys so pages never overlap."""
    t = db.tasks.c
    newest_first = [(t.created_at, False), (t.id, False)]
    if sort == RELEVANCE and rank is not None:
        return [(rank, False), *newest_first]
    if sort in ("created_at", "-created_at"):
        ascending = sort == "created_at"
        return [(t.created_at, ascending), (t.id, ascending)]
    if sort in ("priority", "-priority"):
        return [(t.priority_rank, sort == "priority"), *newest_first]
    # Tasks without a due date come last in both directions: nobody wants them first.
    # Constants inline, not bound: SQLite uses an index on these expressions (migration 0008) only
    # when the query holds the very same constants.
    undated = sa.case(
        (t.due_at.is_(None), sa.literal(1, literal_execute=True)), else_=sa.literal(0, literal_execute=True)
    )
    due = sa.func.coalesce(t.due_at, sa.literal(FAR_FUTURE, db.UtcDateTime, literal_execute=True))
    return [(undated, True), (due, sort == "due_at"), *newest_first]


def _after(keys: list[tuple[ColumnElement[Any], bool]], cursor: Sequence[Any]) -> ColumnElement[bool]:
    """Rows strictly after the cursor in the (mixed-direction) ordering."""
    if len(cursor) != len(keys):
        return sa.false()
    clauses = []
    for i, (expr, ascending) in enumerate(keys):
        equal_before = [keys[j][0] == cursor[j] for j in range(i)]
        beyond = expr > cursor[i] if ascending else expr < cursor[i]
        clauses.append(sa.and_(*equal_before, beyond))
    return sa.or_(*clauses)


def _task_row(task: Task) -> dict[str, Any]:
    return {
        "id": task.id,
        "user_id": task.user_id,
        "title": task.title,
        "description": task.description,
        "priority": task.priority.value,
        "priority_rank": task.priority.rank,
        "tags": list(task.tags),
        "status": task.status.value,
        "due_at": task.due_at,
        "recurrence": task.recurrence.value,
        "reminder_minutes_before": task.reminder_minutes_before,
        "reminder_at": task.reminder_at,
        "series_id": task.series_id,
        "created_at": task.created_at,
        "updated_at": task.updated_at,
        "completed_at": task.completed_at,
        "version": task.version,
    }


def _task(row: Any) -> Task:
    return Task(
        id=row["id"],
        user_id=row["user_id"],
        title=row["title"],
        description=row["description"],
        priority=Priority(row["priority"]),
        tags=tuple(row["tags"]),
        status=Status(row["status"]),
        due_at=row["due_at"],
        recurrence=Recurrence(row["recurrence"]),
        reminder_minutes_before=row["reminder_minutes_before"],
        series_id=row["series_id"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        completed_at=row["completed_at"],
        version=row["version"],
    )


class Outbox:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def add(self, events: Sequence[Event]) -> None:
        if events:
            self.connection.execute(
                db.outbox.insert(),
                [
                    {
                        "id": event.id,
                        "topic": event.topic.value,
                        "partition_key": event.partition_key,
                        "payload": event.to_json(),
                        "created_at": event.time,
                    }
                    for event in events
                ],
            )

    def claim_pending(self, created_before: datetime, limit: int) -> list[tuple[str, str, str, str]]:
        """Unpublished rows as (id, topic, partition key, payload); locked so two relays never race."""
        o = db.outbox.c
        statement = (
            sa.select(o.id, o.topic, o.partition_key, o.payload)
            .where(o.published_at.is_(None), o.created_at < created_before)
            .order_by(o.created_at)
            .limit(limit)
        )
        if self.connection.dialect.name == "postgresql":
            statement = statement.with_for_update(skip_locked=True)
        return [tuple(row) for row in self.connection.execute(statement)]

    def mark_published(self, ids: Sequence[str], when: datetime) -> None:
        if ids:
            self.connection.execute(
                db.outbox.update()
                .where(db.outbox.c.id.in_(ids), db.outbox.c.published_at.is_(None))
                .values(published_at=when)
            )

    def backlog(self) -> int:
        return self.connection.execute(
            sa.select(sa.func.count()).select_from(db.outbox).where(db.outbox.c.published_at.is_(None))
        ).scalar_one()


GENESIS = "0" * 64


class AuditLog:
    """Append-only, hash-chained per user: each entry's hash covers its content and the previous hash."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def append(self, entry: dict[str, Any]) -> bool:
        """Adds one entry unless its event is already recorded; returns whether it was added."""
        if self.connection.dialect.name == "postgresql":
            # Serialises appends per user so concurrent consumers cannot fork the chain.
            self.connection.execute(
                sa.select(sa.func.pg_advisory_xact_lock(sa.func.hashtext(entry["user_id"])))
            )
        a = db.audit_log.c
        if self.connection.execute(sa.select(a.seq).where(a.event_id == entry["event_id"])).first():
            return False
        previous = self.connection.execute(
            sa.select(a.hash).where(a.user_id == entry["user_id"]).order_by(a.seq.desc()).limit(1)
        ).scalar()
        prev_hash = previous or GENESIS
        row = {**entry, "prev_hash": prev_hash, "hash": entry_hash(prev_hash, entry)}
        self.connection.execute(db.audit_log.insert().values(row))
        return True

    def for_resource(self, user_id: str, resource_id: str) -> list[dict[str, Any]]:
        a = db.audit_log.c
        statement = (
            sa.select(db.audit_log).where(a.user_id == user_id, a.resource_id == resource_id).order_by(a.seq)
        )
        return [dict(row) for row in self.connection.execute(statement).mappings()]

    def chain(self, user_id: str | None = None) -> Iterable[dict[str, Any]]:
        statement = sa.select(db.audit_log).order_by(db.audit_log.c.user_id, db.audit_log.c.seq)
        if user_id is not None:
            statement = statement.where(db.audit_log.c.user_id == user_id)
        return (dict(row) for row in self.connection.execute(statement).mappings())


HASHED_FIELDS = (
    "event_id",
    "user_id",
    "action",
    "resource_type",
    "resource_id",
    "occurred_at",
    "correlation_id",
    "data",
)


def entry_hash(prev_hash: str, entry: dict[str, Any]) -> str:
    content = {name: entry[name] for name in HASHED_FIELDS}
    content["occurred_at"] = content["occurred_at"].isoformat()
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256((prev_hash + canonical).encode()).hexdigest()


class ConsumerLedger:
    """What each consumer has already processed, and what it could not understand."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def first_delivery(self, consumer: str, event_id: str, now: datetime) -> bool:
        """Records the event as processed; False when this consumer has seen it before."""
        statement = (
            _insert(self.connection, db.processed_events)
            .values(consumer=consumer, event_id=event_id, processed_at=now)
            .on_conflict_do_nothing()
            .returning(db.processed_events.c.event_id)
        )
        # rowcount is unreliable for ON CONFLICT on psycopg; RETURNING says for sure whether a row went in.
        return self.connection.execute(statement).first() is not None

    def count_failure(self, consumer: str, event_id: str, reason: str, now: datetime) -> int:
        """Adds one failed delivery of the event to the consumer's count; returns the count so far."""
        f = db.consumer_failures.c
        statement = (
            _insert(self.connection, db.consumer_failures)
            .values(
                consumer=consumer,
                event_id=event_id,
                failures=1,
                last_error=reason,
                first_failed_at=now,
                last_failed_at=now,
            )
            .on_conflict_do_update(
                index_elements=[f.consumer, f.event_id],
                set_={"failures": f.failures + 1, "last_error": reason, "last_failed_at": now},
            )
            .returning(f.failures)
        )
        return int(self.connection.execute(statement).scalar_one())

    def dead_letter(
        self, consumer: str, event_id: str | None, reason: str, payload: str, now: datetime
    ) -> None:
        self.connection.execute(
            db.dead_letters.insert().values(
                consumer=consumer, event_id=event_id, reason=reason, payload=payload, received_at=now
            )
        )


class Notifications:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def add(self, row: dict[str, Any]) -> bool:
        """Adds the notification unless one exists for its event; returns whether it was added."""
        statement = (
            _insert(self.connection, db.notifications)
            .values(row)
            .on_conflict_do_nothing()
            .returning(db.notifications.c.id)
        )
        return self.connection.execute(statement).first() is not None

    def for_user(self, user_id: str, unread_only: bool, limit: int = 100) -> list[dict[str, Any]]:
        n = db.notifications.c
        statement = sa.select(db.notifications).where(n.user_id == user_id)
        if unread_only:
            statement = statement.where(n.read_at.is_(None))
        statement = statement.order_by(n.created_at.desc(), n.id.desc()).limit(limit)
        return [dict(row) for row in self.connection.execute(statement).mappings()]

    def unread_count(self, user_id: str) -> int:
        n = db.notifications.c
        statement = sa.select(sa.func.count()).where(n.user_id == user_id, n.read_at.is_(None))
        return self.connection.execute(statement).scalar_one()

    def mark_read(self, user_id: str, notification_id: str, when: datetime) -> dict[str, Any] | None:
        n = db.notifications.c
        self.connection.execute(
            db.notifications.update()
            .where(n.id == notification_id, n.user_id == user_id, n.read_at.is_(None))
            .values(read_at=when)
        )
        row = (
            self.connection.execute(
                sa.select(db.notifications).where(n.id == notification_id, n.user_id == user_id)
            )
            .mappings()
            .first()
        )
        return dict(row) if row else None

    def mark_all_read(self, user_id: str, when: datetime) -> int:
        n = db.notifications.c
        result = self.connection.execute(
            db.notifications.update().where(n.user_id == user_id, n.read_at.is_(None)).values(read_at=when)
        )
        return result.rowcount


class Schedules:
    """Recurring schedules, one per series, and the occurrences that already got their instance."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def get(self, series_id: str, *, for_update: bool = False) -> dict[str, Any] | None:
        statement = sa.select(db.recurring_schedules).where(db.recurring_schedules.c.series_id == series_id)
        if for_update and self.connection.dialect.name == "postgresql":
            statement = statement.with_for_update()
        row = self.connection.execute(statement).mappings().first()
        return dict(row) if row else None

    def add(self, row: dict[str, Any]) -> None:
        statement = _insert(self.connection, db.recurring_schedules).values(row).on_conflict_do_nothing()
        self.connection.execute(statement)

    def update(self, series_id: str, **values: Any) -> None:
        self.connection.execute(
            db.recurring_schedules.update()
            .where(db.recurring_schedules.c.series_id == series_id)
            .values(values)
        )

    def claim_occurrence(self, series_id: str, due_at: datetime, task_id: str, now: datetime) -> bool:
        """True for the first claim of this occurrence; every later claim (a redelivery, a race) is False."""
        statement = (
            _insert(self.connection, db.series_occurrences)
            .values(series_id=series_id, due_at=due_at, task_id=task_id, created_at=now)
            .on_conflict_do_nothing()
            .returning(db.series_occurrences.c.task_id)
        )
        return self.connection.execute(statement).first() is not None
