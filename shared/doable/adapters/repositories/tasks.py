"""Tasks and their tags: compare-and-set writes, and the search with its filters, ranking and keyset pages."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import ColumnElement, Connection

from doable.adapters import db
from doable.domain.model import Priority, Status, Task
from doable.domain.query import RELEVANCE, TOTAL_CAP, Page, TaskQuery, encode_cursor
from doable.domain.recurrence import Recurrence

FAR_FUTURE = datetime.fromisoformat("9999-12-31T00:00:00+00:00")


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
