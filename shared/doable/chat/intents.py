"""What a chat message can ask for: the Intents the parser and the optional model both produce."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TypeAlias

from doable.domain.model import TITLE_MAX


@dataclass(frozen=True)
class TaskRef:
    """A task named by (part of) its title; None means the task the conversation last touched."""

    title: str | None = None


@dataclass(frozen=True)
class AddTask:
    title: str
    priority: str | None = None
    tags: tuple[str, ...] = ()
    due_at: datetime | None = None
    recurrence: str = "none"
    reminder_minutes_before: int | None = None
    description: str | None = None


@dataclass(frozen=True)
class ListTasks:
    """A list or a search. A due window never starts before now: overdue work has its own flag."""

    q: str | None = None
    status: str = "open"
    priorities: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    due_after: datetime | None = None
    due_before: datetime | None = None
    overdue: bool = False
    sort: str | None = None


@dataclass(frozen=True)
class CompleteTask:
    ref: TaskRef


@dataclass(frozen=True)
class ReopenTask:
    ref: TaskRef


@dataclass(frozen=True)
class DeleteTask:
    ref: TaskRef


@dataclass(frozen=True)
class RescheduleTask:
    """A new due time. `keep_time`: only a day was named, so the task keeps its time of day."""

    ref: TaskRef
    due_at: datetime
    keep_time: bool = False


@dataclass(frozen=True)
class SnoozeTask:
    """Pushes the due time later by `minutes` (from now when the task has no due time or is late)."""

    ref: TaskRef
    minutes: int


@dataclass(frozen=True)
class RenameTask:
    ref: TaskRef
    title: str


@dataclass(frozen=True)
class SetPriority:
    ref: TaskRef
    priority: str


@dataclass(frozen=True)
class RetagTask:
    """Tags to add to a task and tags to take off it; at least one of the two is non-empty."""

    ref: TaskRef
    add: tuple[str, ...] = ()
    remove: tuple[str, ...] = ()


@dataclass(frozen=True)
class BulkAction:
    """ "complete everything tagged errands": one action on every task a list would show, once confirmed."""

    action: str  # one of BULK_ACTIONS
    tasks: ListTasks


@dataclass(frozen=True)
class Help:
    pass


@dataclass(frozen=True)
class Unknown:
    """The message as read, and when the parser knows what went wrong, a hint to show the user."""

    message: str
    hint: str | None = None


Intent: TypeAlias = (
    AddTask
    | ListTasks
    | CompleteTask
    | ReopenTask
    | DeleteTask
    | RescheduleTask
    | SnoozeTask
    | RenameTask
    | SetPriority
    | RetagTask
    | BulkAction
    | Help
    | Unknown
)

BULK_ACTIONS = ("complete", "reopen", "delete")
# A bulk request acts on at most this many tasks; more must be narrowed down first.
BULK_MAX = 50

MAX_MESSAGE = 1000
HINT_EMPTY = "Tell me what to do, e.g. 'add buy milk tomorrow at 9am' or 'what's due this week?'."
HINT_TOO_LONG = f"That message is too long for me; keep it under {MAX_MESSAGE} characters."
HINT_NO_TITLE = "What should the task be called? e.g. 'add buy milk tomorrow'."
HINT_TITLE_TOO_LONG = f"A task title can be at most {TITLE_MAX} characters."
HINT_RECURRENCE = (
    "I can repeat a task daily, weekly (e.g. 'every monday') or monthly (e.g. 'every month on the 1st')."
)
HINT_REMINDER = (
    "A reminder needs a due date, e.g. 'add call mom tomorrow at 5pm remind me 10 minutes before'."
)
HINT_RESCHEDULE = "Tell me the new date, e.g. 'move it to friday 3pm' or 'postpone it to tomorrow'."
HINT_RENAME = "Tell me the new title, e.g. 'rename groceries to weekly shop'."
HINT_PRIORITY = "Tell me the priority: high, medium or low, e.g. 'make groceries high priority'."
HINT_SNOOZE = "Tell me how long, e.g. 'snooze groceries 2 hours' or 'postpone report by 3 days'."
HINT_GENERAL = "Try 'add pay rent on the 1st', 'what's due this week?', 'complete pay rent' or 'help'."
