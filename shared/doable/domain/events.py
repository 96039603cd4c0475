"""Doable's events as CloudEvents 1.0: the one place that knows their types, topics and envelope."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from doable.domain.model import Status, Task, format_time, new_id, parse_time
from doable.domain.recurrence import Recurrence

SCHEMA_VERSION = 2
ACCEPTED_SCHEMA_VERSIONS = frozenset({1, 2})
SOURCE = "urn:doable"


class Topic(StrEnum):
    TASK_EVENTS = "task-events"
    TASK_UPDATES = "task-updates"
    REMINDERS = "reminders"


class EventType(StrEnum):
    TASK_CREATED = "task.created"
    TASK_UPDATED = "task.updated"
    TASK_COMPLETED = "task.completed"
    TASK_REOPENED = "task.reopened"
    TASK_DELETED = "task.deleted"
    REMINDER_DUE = "reminder.due"


class InvalidEvent(ValueError):
    """A delivery that is not a Doable event this version understands; it goes to dead letters."""


@dataclass(frozen=True)
class Context:
    """Who asked and under which correlation: travels from the request into every event it causes."""

    user_id: str
    correlation_id: str = field(default_factory=new_id)
    traceparent: str | None = None


@dataclass(frozen=True)
class TaskSnapshot:
    """The task an event carries, decoded once where the event enters: typed where consumers decide on
    it; `fields` keeps the snapshot as it was sent (the audit log and webhooks pass it on unchanged).

    Task events carry the whole task, their compact twins on task-updates six fields: what a
    snapshot lacks is None here.
    """

    fields: Mapping[str, Any]
    id: str | None = None
    title: str | None = None
    status: Status | None = None
    due_at: datetime | None = None
    reminder_at: datetime | None = None
    recurrence: Recurrence | None = None
    series_id: str | None = None

    @classmethod
    def decode(cls, value: Any) -> TaskSnapshot:
        if value is None:
            return cls(fields={})
        if not isinstance(value, dict):
            raise InvalidEvent("data.task must be a JSON object")
        try:
            return cls(
                fields=value,
                id=_text(value.get("id")),
                title=_text(value.get("title")),
                status=Status(value["status"]) if value.get("status") is not None else None,
                due_at=_time(value.get("due_at")),
                reminder_at=_time(value.get("reminder_at")),
                recurrence=Recurrence(value["recurrence"]) if value.get("recurrence") is not None else None,
                series_id=_text(value.get("series_id")),
            )
        except (TypeError, ValueError) as error:
            raise InvalidEvent(f"data.task is not a task snapshot: {error}") from None


def _text(value: Any) -> str | None:
    if value is not None and not isinstance(value, str):
        raise TypeError(f"{value!r} is not a string")
    return value


def _time(value: Any) -> datetime | None:
    return parse_time(value) if _text(value) else None


@dataclass(frozen=True)
class Event:
    """One Doable event: the CloudEvent's attributes and `data` as sent, and that data decoded once.

    `task`, `changes`, `changed` and `reminder_at` are read from `data` when the event is made (by
    the producer, or from a delivery at the consumer's edge), so consumers decide on typed values
    and a payload they could not read is an InvalidEvent, dead-lettered where it arrived.
    """

    id: str
    type: str
    topic: Topic
    subject: str
    user_id: str
    time: datetime
    correlation_id: str
    data: dict[str, Any]
    traceparent: str | None = None
    schema_version: int = SCHEMA_VERSION
    source: str = SOURCE
    task: TaskSnapshot = field(init=False, repr=False, compare=False)
    changes: Mapping[str, Any] = field(init=False, repr=False, compare=False)  # what changed, and to what
    # The names of what changed: all a compact twin carries.
    changed: frozenset[str] = field(init=False, repr=False, compare=False)
    reminder_at: datetime | None = field(init=False, repr=False, compare=False)  # reminder.due's time

    def __post_init__(self) -> None:
        changes = self.data.get("changes") or {}
        if not isinstance(changes, dict | list) or not all(isinstance(name, str) for name in changes):
            raise InvalidEvent("data.changes must be an object, or a list of field names")
        try:
            reminder_at = _time(self.data.get("reminder_at"))
        except (TypeError, ValueError) as error:
            raise InvalidEvent(f"data.reminder_at is not a time: {error}") from None
        # A frozen dataclass: the decoded values are set once, here, and never again.
        object.__setattr__(self, "task", TaskSnapshot.decode(self.data.get("task")))
        object.__setattr__(self, "changes", changes if isinstance(changes, dict) else {})
        object.__setattr__(self, "changed", frozenset(changes))
        object.__setattr__(self, "reminder_at", reminder_at)

    @property
    def partition_key(self) -> str:
        """The task id: one task's events land on one partition and stay in order."""
        return self.subject

    def to_cloudevent(self) -> dict[str, Any]:
        envelope: dict[str, Any] = {
            "specversion": "1.0",
            "id": self.id,
            "source": self.source,
            "type": self.type,
            "subject": self.subject,
            "time": format_time(self.time),
            "datacontenttype": "application/json",
            "userid": self.user_id,
            "correlationid": self.correlation_id,
            "schemaversion": str(self.schema_version),
            "partitionkey": self.partition_key,
            "data": self.data,
        }
        if self.traceparent:
            envelope["traceparent"] = self.traceparent
        # Routing attributes: what a subscription's rule matches on before the function runs. Dapr's
        # routing rules and Knative's trigger filters read attributes; in a rule, an attribute that is
        # absent is `has(event.seriesid) == false`, never an error that would stall the partition.
        if self.task.series_id:
            envelope["seriesid"] = self.task.series_id
        if self.task.reminder_at is not None:
            envelope["reminderat"] = format_time(self.task.reminder_at)
        return envelope

    def to_json(self, traceparent: str | None = None) -> str:
        """The structured-mode CloudEvent; `traceparent`, when given, is carried instead of the event's own
        (the producer span's, so that consumers continue under it)."""
        envelope = self.to_cloudevent()
        if traceparent:
            envelope["traceparent"] = traceparent
        return json.dumps(envelope, separators=(",", ":"))

    @classmethod
    def from_cloudevent(cls, envelope: dict[str, Any], topic: Topic | None = None) -> Event:
        """Reads an envelope written by this or the previous schema version; anything else is invalid."""
        try:
            if envelope.get("specversion") != "1.0":
                raise InvalidEvent(f"specversion {envelope.get('specversion')!r} is not 1.0")
            version = int(envelope.get("schemaversion", 1))
            if version not in ACCEPTED_SCHEMA_VERSIONS:
                raise InvalidEvent(
                    f"schema version {version} is not one of {sorted(ACCEPTED_SCHEMA_VERSIONS)}"
                )
            event_type = str(envelope["type"])
            if event_type not in EventType.__members__.values():
                raise InvalidEvent(f"unknown event type {event_type!r}")
            data = envelope.get("data")
            if isinstance(data, str):
                data = json.loads(data)
            if not isinstance(data, dict):
                raise InvalidEvent("data must be a JSON object")
            return cls(
                id=str(envelope["id"]),
                type=event_type,
                topic=topic or _topic_of(event_type, data),
                subject=str(envelope["subject"]),
                user_id=str(envelope["userid"]),
                time=parse_time(str(envelope["time"])),
                correlation_id=str(envelope.get("correlationid") or envelope["id"]),
                data=_upgrade(version, data),
                traceparent=envelope.get("traceparent"),
                schema_version=version,
                source=str(envelope.get("source", SOURCE)),
            )
        except InvalidEvent:
            raise
        except (KeyError, TypeError, ValueError) as error:
            raise InvalidEvent(f"malformed CloudEvent: {error!r}") from error


def _topic_of(event_type: str, data: dict[str, Any]) -> Topic:
    if event_type == EventType.REMINDER_DUE:
        return Topic.REMINDERS
    return Topic.TASK_UPDATES if data.get("compact") else Topic.TASK_EVENTS


def _upgrade(version: int, data: dict[str, Any]) -> dict[str, Any]:
    """Version 1 carried the snapshot flat; version 2 nests it under "task" beside "changes"."""
    if version == 1 and "task" not in data:
        return {"task": data, "changes": {}}
    return data


@dataclass(frozen=True)
class ReminderJob:
    """What a reminder's Dapr job carries: scheduled by fire-reminder, read back when the job fires."""

    task_id: str
    user_id: str
    reminder_at: datetime
    correlation_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "task_id": self.task_id,
            "user_id": self.user_id,
            "reminder_at": format_time(self.reminder_at),
            "correlation_id": self.correlation_id,
        }

    @classmethod
    def decode(cls, data: Mapping[str, Any]) -> ReminderJob:
        try:
            return cls(
                task_id=_required(data, "task_id"),
                user_id=_required(data, "user_id"),
                reminder_at=parse_time(_required(data, "reminder_at")),
                correlation_id=_text(data.get("correlation_id")) or None,
            )
        except (TypeError, ValueError) as error:
            raise InvalidEvent(f"the reminder job's payload is not one: {error}") from None


@dataclass(frozen=True)
class SeriesDue:
    """What a series' due-time Dapr job carries: the instance that falls due, and when."""

    series_id: str
    task_id: str
    due_at: datetime

    def to_dict(self) -> dict[str, Any]:
        return {"series_id": self.series_id, "task_id": self.task_id, "due_at": format_time(self.due_at)}

    @classmethod
    def decode(cls, data: Mapping[str, Any]) -> SeriesDue:
        try:
            return cls(
                series_id=_required(data, "series_id"),
                task_id=_required(data, "task_id"),
                due_at=parse_time(_required(data, "due_at")),
            )
        except (TypeError, ValueError) as error:
            raise InvalidEvent(f"the series job's payload is not one: {error}") from None


def _required(data: Mapping[str, Any], name: str) -> str:
    value = _text(data.get(name))
    if not value:
        raise ValueError(f"{name} is missing")
    return value


def task_events(
    event_type: EventType, task: Task, ctx: Context, now: datetime, changes: dict[str, Any] | None = None
) -> list[Event]:
    """One lifecycle event with the full snapshot for `task-events`, and its compact twin for live clients."""
    snapshot = task.to_dict()
    changed = _jsonable(changes or {})
    full = Event(
        id=new_id(),
        type=event_type,
        topic=Topic.TASK_EVENTS,
        subject=task.id,
        user_id=task.user_id,
        time=now,
        correlation_id=ctx.correlation_id,
        traceparent=ctx.traceparent,
        data={"task": snapshot, "changes": changed},
    )
    compact = Event(
        id=new_id(),
        type=event_type,
        topic=Topic.TASK_UPDATES,
        subject=task.id,
        user_id=task.user_id,
        time=now,
        correlation_id=ctx.correlation_id,
        traceparent=ctx.traceparent,
        data={
            "compact": True,
            "task": {
                key: snapshot[key] for key in ("id", "title", "status", "due_at", "version", "series_id")
            },
            "changes": sorted(changed),
        },
    )
    return [full, compact]


def _jsonable(changes: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in changes.items():
        if isinstance(value, datetime):
            out[name] = format_time(value)
        elif isinstance(value, tuple):
            out[name] = list(value)
        elif isinstance(value, StrEnum):
            out[name] = value.value
        else:
            out[name] = value
    return out
