"""The CloudEvent envelope to the letter, how a delivery is read back, and what each refusal says.

Consumers in other processes (and other versions) read exactly these attribute names and values,
and a dead letter's reason is the refusal's message.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from doable.domain.events import (
    Context,
    Event,
    EventType,
    InvalidEvent,
    Topic,
    task_events,
)
from doable.domain.model import Priority, new_task
from doable.domain.recurrence import Recurrence

NOW = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


def created(traceparent: str | None = None, changes: dict[str, object] | None = None) -> list[Event]:
    task = new_task("u1", {"title": "Pay rent"}, NOW, task_id="t1")
    return task_events(EventType.TASK_UPDATED, task, Context("u1", "c1", traceparent), NOW, changes)


def test_the_envelope_holds_exactly_these_attributes() -> None:
    full = created(TRACEPARENT)[0]
    assert full.to_cloudevent() == {
        "specversion": "1.0",
        "id": full.id,
        "source": "urn:doable",
        "type": "task.updated",
        "subject": "t1",
        "time": "2026-11-28T10:00:00.000Z",
        "datacontenttype": "application/json",
        "userid": "u1",
        "correlationid": "c1",
        "schemaversion": "2",
        "partitionkey": "t1",
        "traceparent": TRACEPARENT,
        "data": full.data,
    }
    assert "traceparent" not in created()[0].to_cloudevent()


def test_routing_attributes_name_the_series_and_the_reminder_on_both_twins_only_when_set() -> None:
    """Subscriptions route on these before a function runs: a wrong or missing one loses a reminder or a
    series' next instance; one set when it should not be costs a wasted delivery."""
    task = new_task(
        "u1",
        {
            "title": "Standup",
            "due_at": datetime(2026, 12, 1, 9, 0, tzinfo=UTC),
            "reminder_minutes_before": 15,
            "recurrence": Recurrence.DAILY,
        },
        NOW,
        task_id="t1",
    )
    full, compact = task_events(EventType.TASK_CREATED, task, Context("u1", "c1"), NOW)
    assert full.to_cloudevent()["seriesid"] == "t1"
    assert full.to_cloudevent()["reminderat"] == "2026-12-01T08:45:00.000Z"
    assert compact.to_cloudevent()["seriesid"] == "t1"
    plain = created()[0].to_cloudevent()
    assert "seriesid" not in plain and "reminderat" not in plain
    assert full.to_json().startswith('{"specversion":"1.0","id":'), "compact JSON, no spaces"


def test_changes_are_written_as_json_values_and_the_compact_twin_lists_their_names() -> None:
    when = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    changes = {
        "due_at": when,
        "tags": ("a", "b"),
        "priority": Priority.HIGH,
        "recurrence": Recurrence.DAILY,
        "title": "x",
    }
    full, compact = created(changes=changes)
    assert full.data["changes"] == {
        "due_at": "2026-12-01T09:00:00.000Z",
        "tags": ["a", "b"],
        "priority": "high",
        "recurrence": "daily",
        "title": "x",
    }
    assert compact.data == {
        "compact": True,
        "task": {
            "id": "t1",
            "title": "Pay rent",
            "status": "open",
            "due_at": None,
            "version": 1,
            "series_id": None,
        },
        "changes": ["due_at", "priority", "recurrence", "tags", "title"],
    }
    assert (full.user_id, full.correlation_id, compact.correlation_id) == ("u1", "c1", "c1")
    assert (full.type, compact.type, compact.subject, compact.time) == (
        "task.updated",
        "task.updated",
        "t1",
        NOW,
    )
    assert created()[0].data["changes"] == {}


def envelope(**overrides: object) -> dict[str, object]:
    base = created()[0].to_cloudevent()
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def test_the_topic_follows_the_type_and_the_compact_flag_unless_given() -> None:
    assert Event.from_cloudevent(envelope()).topic is Topic.TASK_EVENTS
    assert Event.from_cloudevent(envelope(data={"compact": True, "task": {}})).topic is Topic.TASK_UPDATES
    assert Event.from_cloudevent(envelope(type="reminder.due")).topic is Topic.REMINDERS
    assert Event.from_cloudevent(envelope(), Topic.REMINDERS).topic is Topic.REMINDERS


def test_missing_optional_attributes_take_their_defaults() -> None:
    read = Event.from_cloudevent(
        envelope(correlationid=None, source=None, schemaversion=None, data='{"task": {}}')
    )
    assert read.correlation_id == read.id, "the event's own id when nothing correlates it"
    assert (read.source, read.schema_version, read.traceparent) == ("urn:doable", 1, None)
    assert read.data == {"task": {}}, "data sent as a JSON string, version 1 but already nested"
    flat = Event.from_cloudevent(envelope(schemaversion="1", data={"title": "old"}))
    assert flat.data == {"task": {"title": "old"}, "changes": {}}
    kept = Event.from_cloudevent(envelope(source="urn:elsewhere", traceparent=TRACEPARENT))
    assert (kept.source, kept.traceparent) == ("urn:elsewhere", TRACEPARENT)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"specversion": "0.3"}, "specversion '0.3' is not 1.0"),
        ({"schemaversion": "3"}, "schema version 3 is not one of [1, 2]"),
        ({"type": "task.exploded"}, "unknown event type 'task.exploded'"),
        ({"data": [1]}, "data must be a JSON object"),
        ({"data": "[1]"}, "data must be a JSON object"),
        ({"subject": None}, "malformed CloudEvent: KeyError('subject')"),
    ],
)
def test_each_refusal_says_what_is_wrong(overrides: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidEvent) as refused:
        Event.from_cloudevent(envelope(**overrides))
    assert str(refused.value) == message
