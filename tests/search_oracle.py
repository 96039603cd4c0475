"""A plain-Python oracle for task search, and hypothesis strategies to compare the databases against it."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from hypothesis import strategies as st

from doable.adapters.repositories.tasks import TaskRepository
from doable.adapters.repositories.users import UserRepository
from doable.domain.model import Priority, Status, Task, User, new_id
from doable.domain.query import SORTS, TaskQuery
from doable.domain.recurrence import Recurrence

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
WORDS = ["alpha", "alpine", "beta", "bet", "gamma", "milk", "mild", "report", "rep"]
TAGS = ["home", "work", "urgent", "later"]
DUES = [
    None,
    NOW - timedelta(days=3),
    NOW - timedelta(hours=1),
    NOW + timedelta(hours=5),
    NOW + timedelta(days=40),
]
BOUNDS = [None, NOW - timedelta(days=1), NOW, NOW + timedelta(days=1)]


@st.composite
def task_sets(draw: st.DrawFn) -> list[dict[str, object]]:
    count = draw(st.integers(min_value=0, max_value=14))
    specs = []
    for index in range(count):
        specs.append(
            {
                "title": " ".join(draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=3))),
                "description": " ".join(draw(st.lists(st.sampled_from(WORDS), max_size=2))),
                "tags": tuple(draw(st.lists(st.sampled_from(TAGS), max_size=2, unique=True))),
                "priority": draw(st.sampled_from(list(Priority))),
                "status": draw(st.sampled_from(list(Status))),
                "due_at": draw(st.sampled_from(DUES)),
                "created_at": NOW
                - timedelta(minutes=100 - index * draw(st.integers(min_value=0, max_value=1))),
            }
        )
    return specs


queries = st.builds(
    TaskQuery,
    q=st.sampled_from([None, "alp", "be", "milk", "mi rep", "zzz"]),
    status=st.sampled_from(["all", "open", "completed"]),
    priorities=st.lists(st.sampled_from(list(Priority)), max_size=2, unique=True).map(tuple),
    tags=st.lists(st.sampled_from(TAGS), max_size=2, unique=True).map(tuple),
    due_after=st.sampled_from(BOUNDS),
    due_before=st.sampled_from(BOUNDS),
    overdue=st.booleans(),
    sort=st.sampled_from([None, *SORTS]),
    limit=st.integers(min_value=1, max_value=5),
)


def store(repository: TaskRepository, user_id: str, specs: list[dict[str, object]]) -> list[Task]:
    UserRepository(repository.connection).add(
        User(
            id=user_id,
            email=f"{user_id}@example.com",
            name="o",
            timezone="UTC",
            password_hash="!",
            created_at=NOW,
        )
    )
    stored = []
    for spec in specs:
        task = Task(id=new_id(), user_id=user_id, recurrence=Recurrence.NONE, updated_at=NOW, **spec)  # type: ignore[arg-type]
        repository.add(task)
        stored.append(task)
    return stored


def matches(task: Task, query: TaskQuery, now: datetime = NOW) -> bool:
    words = re.findall(r"\w+", f"{task.title} {task.description} {' '.join(task.tags)}".lower())
    if any(not any(word.startswith(term) for word in words) for term in query.terms):
        return False
    if query.status != "all" and task.status != query.status:
        return False
    if query.priorities and task.priority not in query.priorities:
        return False
    if not set(query.tags) <= set(task.tags):
        return False
    if query.due_after and (task.due_at is None or task.due_at < query.due_after):
        return False
    if query.due_before and (task.due_at is None or task.due_at >= query.due_before):
        return False
    return not (query.overdue and (task.status != Status.OPEN or task.due_at is None or task.due_at >= now))


def expected(tasks: list[Task], query: TaskQuery, now: datetime = NOW) -> list[Task]:
    """The matching tasks in the documented order (ties: newest first, then id descending)."""
    found = [t for t in tasks if matches(t, query, now)]
    found.sort(key=lambda t: t.id, reverse=True)
    found.sort(key=lambda t: t.created_at, reverse=True)
    sort = query.effective_sort
    if sort in ("created_at", "-created_at"):
        found.sort(key=lambda t: (t.created_at, t.id), reverse=sort == "-created_at")
    elif sort in ("priority", "-priority"):
        found.sort(key=lambda t: t.priority.rank, reverse=sort == "-priority")
    elif sort in ("due_at", "-due_at"):
        dated = sorted((t for t in found if t.due_at), key=lambda t: t.due_at, reverse=sort == "-due_at")  # type: ignore[arg-type, return-value]
        found = dated + [t for t in found if t.due_at is None]
    return found


def expected_total(found: list[Task], cap: int) -> tuple[int, bool]:
    """The total a page reports and whether it is exact: the count, or the cap once the count passes it."""
    return min(len(found), cap), len(found) <= cap


def all_pages(
    search: Callable[[TaskQuery], tuple[list[Task], tuple[int, bool], TaskQuery | None]], query: TaskQuery
) -> tuple[list[str], set[tuple[int, bool]]]:
    """Follows next cursors to the end; returns the ids in order and every (total, exact) reported."""
    ids: list[str] = []
    totals: set[tuple[int, bool]] = set()
    current: TaskQuery | None = query
    while current is not None:
        items, total, current = search(current)
        ids += [t.id for t in items]
        totals.add(total)
        assert len(ids) <= 100, "pagination does not terminate"
    return ids, totals
