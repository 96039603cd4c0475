"""Tasks and users: the rules every way of running Doable shares, free of I/O."""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from doable.domain.errors import DomainError, FieldError, ValidationFailed
from doable.domain.recurrence import Recurrence

TITLE_MAX = 200
DESCRIPTION_MAX = 10_000
TAG_MAX = 40
TAGS_MAX = 20
REMINDER_MAX_MINUTES = 366 * 24 * 60
# Every time a user sends lies in this range, with an offset no real zone exceeds since 1970. It
# keeps date arithmetic (recurrence, reminders, local time zones) centuries away from Python's
# year 1-9999 limits and inside every database's and client's timestamp type.
TIME_MIN = datetime(1970, 1, 1, tzinfo=UTC)
TIME_MAX = datetime(2201, 1, 1, tzinfo=UTC)  # exclusive: the last accepted instant is in 2200
OFFSET_MAX = timedelta(hours=14)
TIME_RANGE = "from 1970-01-01T00:00:00Z to 2200-12-31T23:59:59Z, with a UTC offset within ±14:00"
TAG_PATTERN = re.compile(r"^[\w][\w\-/:.]*$")


class Priority(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"

    @property
    def rank(self) -> int:
        """Sort rank: high first."""
        return _PRIORITY_RANK[self]


_PRIORITY_RANK = {Priority.HIGH: 0, Priority.MEDIUM: 1, Priority.LOW: 2}


class Status(StrEnum):
    OPEN = "open"
    COMPLETED = "completed"


def new_id() -> str:
    return str(uuid.uuid4())


ID_PATTERN = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")  # new_id's shape


def utcnow() -> datetime:
    return datetime.now(UTC)


def format_time(value: datetime | None) -> str | None:
    """RFC 3339 in UTC with a Z, the one way times leave Doable."""
    if value is None:
        return None
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_time(value: str) -> datetime:
    """Parses an RFC 3339 timestamp that carries its offset; naive times are ambiguous and refused."""
    return _in_utc(_with_offset(value))


class TimeOutOfRange(ValueError):
    """A well-formed time outside TIME_RANGE."""


def parse_input_time(value: str) -> datetime:
    """`parse_time` for times users send: also refuses anything outside TIME_RANGE.

    Raises ValueError for malformed text and its subclass TimeOutOfRange for a time out of range.
    """
    local = _with_offset(value)
    offset = local.utcoffset()
    instant = _in_utc(local)
    if offset is None or abs(offset) > OFFSET_MAX or not TIME_MIN <= instant < TIME_MAX:
        raise TimeOutOfRange(f"must lie {TIME_RANGE}")
    return instant


def _with_offset(value: str) -> datetime:
    text = value.strip()
    if text.endswith(("z", "Z")):
        text = text[:-1] + "+00:00"
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        raise ValueError("missing time zone offset")
    return parsed


def _in_utc(value: datetime) -> datetime:
    try:
        return value.astimezone(UTC)
    except OverflowError:  # 0001-01-01 east of UTC, or 9999-12-31 west of it
        raise TimeOutOfRange(f"must lie {TIME_RANGE}") from None


@dataclass
class User:
    id: str
    email: str
    name: str
    timezone: str
    password_hash: str
    created_at: datetime
    webhook_url: str | None = None
    # Which notification kinds the user wants; stored as given, read with every kind defaulting to on.
    notify: dict[str, bool] | None = None

    def wants(self, kind: str) -> bool:
        return notify_preferences(self.notify)[kind]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "email": self.email,
            "name": self.name,
            "timezone": self.timezone,
            "webhook_url": self.webhook_url,
            "notify": notify_preferences(self.notify),
            "created_at": format_time(self.created_at),
        }


class NotificationKind(StrEnum):
    """What can notify a user: things they did not just do themselves (a completion is not news)."""

    REMINDER = "reminder"
    SPAWNED = "spawned"  # the next instance of a recurring series
    WEBHOOK_FAILED = "webhook_failed"


def notify_preferences(stored: Mapping[str, Any] | None) -> dict[str, bool]:
    """Every kind with its setting: on unless the user turned it off (kinds added later start on)."""
    stored = stored or {}
    return {kind.value: stored.get(kind.value) is not False for kind in NotificationKind}


@dataclass
class Task:
    id: str
    user_id: str
    title: str
    description: str = ""
    priority: Priority = Priority.MEDIUM
    tags: tuple[str, ...] = ()
    status: Status = Status.OPEN
    due_at: datetime | None = None
    recurrence: Recurrence = Recurrence.NONE
    reminder_minutes_before: int | None = None
    series_id: str | None = None
    created_at: datetime = field(default_factory=utcnow)
    updated_at: datetime = field(default_factory=utcnow)
    completed_at: datetime | None = None
    version: int = 1

    @property
    def reminder_at(self) -> datetime | None:
        if self.due_at is None or self.reminder_minutes_before is None:
            return None
        return self.due_at - timedelta(minutes=self.reminder_minutes_before)

    def to_dict(self) -> dict[str, Any]:
        """The public Task representation of the API and of event snapshots."""
        return {
            "id": self.id,
            "title": self.title,
            "description": self.description,
            "priority": self.priority.value,
            "tags": list(self.tags),
            "status": self.status.value,
            "due_at": format_time(self.due_at),
            "recurrence": self.recurrence.value,
            "reminder_minutes_before": self.reminder_minutes_before,
            "reminder_at": format_time(self.reminder_at),
            "series_id": self.series_id,
            "created_at": format_time(self.created_at),
            "updated_at": format_time(self.updated_at),
            "completed_at": format_time(self.completed_at),
            "version": self.version,
        }

    def apply(self, changes: Mapping[str, Any], now: datetime) -> dict[str, Any]:
        """Applies validated field changes; returns {field: new value} for what really changed."""
        changed = {name: value for name, value in changes.items() if getattr(self, name) != value}
        if not changed:
            return {}
        candidate = replace(self, **changed)
        try:
            check_schedule(candidate.due_at, candidate.recurrence, candidate.reminder_minutes_before)
        except ValidationFailed as failed:
            # The edit is valid on its own (validate_task_fields checked that); it is this task's
            # state it cannot go with, which HTTP calls a conflict.
            raise DomainError(
                f"{failed.detail}; as this task stands, change due_at, recurrence and "
                "reminder_minutes_before together",
                409,
                "Conflict",
                failed.extra,
            ) from None
        for name, value in changed.items():
            setattr(self, name, value)
        if self.recurrence is not Recurrence.NONE and self.series_id is None:
            self.series_id = self.id
        self._touch(now)
        return changed

    def complete(self, now: datetime) -> bool:
        if self.status is Status.COMPLETED:
            return False
        self.status = Status.COMPLETED
        self.completed_at = now
        self._touch(now)
        return True

    def reopen(self, now: datetime) -> bool:
        if self.status is Status.OPEN:
            return False
        self.status = Status.OPEN
        self.completed_at = None
        self._touch(now)
        return True

    def _touch(self, now: datetime) -> None:
        self.updated_at = now
        self.version += 1


EDITABLE_FIELDS = (
    "title",
    "description",
    "priority",
    "tags",
    "due_at",
    "recurrence",
    "reminder_minutes_before",
)


def new_task(user_id: str, fields_: Mapping[str, Any], now: datetime, task_id: str | None = None) -> Task:
    """A new open task from fields that `validate_task_fields` accepted."""
    task_id = task_id or new_id()
    task = Task(id=task_id, user_id=user_id, created_at=now, updated_at=now, **fields_)
    check_schedule(task.due_at, task.recurrence, task.reminder_minutes_before)
    if task.recurrence is not Recurrence.NONE and task.series_id is None:
        task.series_id = task.id
    return task


def check_schedule(due_at: datetime | None, recurrence: Recurrence, reminder: int | None) -> None:
    errors: list[FieldError] = []
    if due_at is None and recurrence is not Recurrence.NONE:
        errors.append(FieldError("recurrence", "requires_due_at", "a recurring task needs a due_at"))
    if due_at is None and reminder is not None:
        errors.append(
            FieldError(
                "reminder_minutes_before", "requires_due_at", "a reminder needs a due_at to count from"
            )
        )
    if errors:
        raise ValidationFailed(errors)


def validate_task_fields(data: Mapping[str, Any], *, partial: bool) -> dict[str, Any]:
    """Checks raw input against the task rules; returns clean field values or raises ValidationFailed.

    Every problem is reported at once so a client can fix them all in one round trip.
    """
    errors: list[FieldError] = []
    unknown = sorted(set(data) - set(EDITABLE_FIELDS))
    for name in unknown:
        errors.append(
            FieldError(
                name, "unknown_field", f"unknown field; allowed fields are {', '.join(EDITABLE_FIELDS)}"
            )
        )
    if not partial and "title" not in data:
        errors.append(FieldError("title", "required", "title is required"))

    clean: dict[str, Any] = {}
    for name in EDITABLE_FIELDS:
        if name not in data:
            continue
        try:
            clean[name] = _FIELD_RULES[name](data[name])
        except _RuleBroken as broken:
            errors.append(FieldError(name, broken.rule, broken.message))
    if errors:
        raise ValidationFailed(errors)
    if partial and "due_at" in clean:
        # An edit that itself sets due_at to null cannot also set a recurrence or a reminder.
        recurrence = clean.get("recurrence", Recurrence.NONE)
        check_schedule(clean["due_at"], recurrence, clean.get("reminder_minutes_before"))
    return clean


class _RuleBroken(Exception):
    def __init__(self, rule: str, message: str) -> None:
        super().__init__(message)
        self.rule = rule
        self.message = message


def _title(value: Any) -> str:
    if not isinstance(value, str):
        raise _RuleBroken("type", "must be a string")
    title = value.strip()
    if not title or len(value) > TITLE_MAX:
        raise _RuleBroken("length", f"must be 1 to {TITLE_MAX} characters, not only spaces")
    return title


def _description(value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise _RuleBroken("type", "must be a string or null")
    if len(value) > DESCRIPTION_MAX:
        raise _RuleBroken("length", f"must be at most {DESCRIPTION_MAX} characters")
    return value


def _priority(value: Any) -> Priority:
    try:
        return Priority(value)
    except ValueError:
        raise _RuleBroken("enum", "must be one of high, medium, low") from None


def _tags(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(tag, str) for tag in value):
        raise _RuleBroken("type", "must be a list of strings")
    if len(value) > TAGS_MAX:
        raise _RuleBroken("count", f"at most {TAGS_MAX} tags")
    tags: list[str] = []
    for raw in value:
        tag = normalise_tag(raw)
        if not tag:
            raise _RuleBroken("tag", "tags cannot be empty")
        if len(raw) > TAG_MAX or len(tag) > TAG_MAX or not TAG_PATTERN.match(tag):
            raise _RuleBroken(
                "tag",
                f"'{raw}' is not a valid tag: up to {TAG_MAX} letters, digits, '-', '_', '/', ':' or '.'",
            )
        if tag not in tags:
            tags.append(tag)
    if len(tags) > TAGS_MAX:
        raise _RuleBroken("count", f"at most {TAGS_MAX} tags")
    return tuple(tags)


def normalise_tag(raw: str) -> str:
    return raw.strip().lstrip("#").lower()


def _due_at(value: Any) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise _RuleBroken("type", "must be an RFC 3339 string such as 2026-12-01T09:00:00+01:00, or null")
    try:
        return parse_input_time(value)
    except TimeOutOfRange as error:
        raise _RuleBroken("range", str(error)) from None
    except ValueError:
        raise _RuleBroken(
            "format", "must be RFC 3339 with a time zone offset, such as 2026-12-01T09:00:00+01:00"
        ) from None


def _recurrence(value: Any) -> Recurrence:
    try:
        return Recurrence(value if value is not None else "none")
    except ValueError:
        raise _RuleBroken("enum", "must be one of none, daily, weekly, monthly") from None


def _reminder(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise _RuleBroken("type", "must be a whole number of minutes, or null")
    if not 0 <= value <= REMINDER_MAX_MINUTES:
        raise _RuleBroken("range", f"must be between 0 and {REMINDER_MAX_MINUTES} minutes")
    return value


_FIELD_RULES = {
    "title": _title,
    "description": _description,
    "priority": _priority,
    "tags": _tags,
    "due_at": _due_at,
    "recurrence": _recurrence,
    "reminder_minutes_before": _reminder,
}

TASK_FIELDS = tuple(f.name for f in fields(Task))
