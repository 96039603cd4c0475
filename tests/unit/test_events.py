"""The CloudEvents envelope: what producers write, what consumers accept, and what they refuse."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import flask
import pytest
from werkzeug.test import EnvironBuilder

from doable.domain.events import (
    Context,
    Event,
    EventType,
    InvalidEvent,
    ReminderJob,
    SeriesDue,
    Topic,
    task_events,
)
from doable.domain.model import Status, new_task
from doable.domain.recurrence import Recurrence
from doable.http.events import parse_delivery

NOW = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)


def created() -> tuple[Event, Event]:
    task = new_task("user-1", {"title": "Pay rent", "tags": ("home",)}, NOW)
    full, compact = task_events(
        EventType.TASK_CREATED,
        task,
        Context("user-1", "corr-1", "00-" + "a" * 32 + "-" + "b" * 16 + "-01"),
        NOW,
    )
    return full, compact


def test_a_change_yields_a_full_event_and_a_compact_twin_keyed_by_task() -> None:
    full, compact = created()
    assert (full.topic, compact.topic) == (Topic.TASK_EVENTS, Topic.TASK_UPDATES)
    assert full.partition_key == compact.partition_key == full.subject
    assert full.data["task"]["title"] == "Pay rent"
    assert set(compact.data["task"]) == {"id", "title", "status", "due_at", "version", "series_id"}
    assert full.id != compact.id


def test_envelope_carries_every_required_attribute_and_round_trips() -> None:
    full, _ = created()
    envelope = json.loads(full.to_json())
    assert envelope["specversion"] == "1.0"
    for attribute in (
        "id",
        "type",
        "source",
        "subject",
        "time",
        "userid",
        "correlationid",
        "schemaversion",
        "traceparent",
    ):
        assert envelope[attribute], attribute
    assert envelope["time"].endswith("Z")
    assert Event.from_cloudevent(envelope) == full


def test_previous_schema_version_is_upgraded() -> None:
    full, _ = created()
    envelope = full.to_cloudevent()
    envelope["schemaversion"] = "1"
    envelope["data"] = full.data["task"]  # version 1 carried the snapshot flat
    upgraded = Event.from_cloudevent(envelope)
    assert upgraded.data == {"task": full.data["task"], "changes": {}}


@pytest.mark.parametrize(
    "spoil",
    [
        lambda e: e.update(schemaversion="99"),
        lambda e: e.update(type="task.exploded"),
        lambda e: e.update(specversion="0.3"),
        lambda e: e.pop("subject"),
        lambda e: e.update(time="yesterday"),
        lambda e: e.update(data=[1, 2]),
    ],
)
def test_events_a_consumer_cannot_understand_are_invalid(spoil: object) -> None:
    envelope = created()[0].to_cloudevent()
    spoil(envelope)  # type: ignore[operator]
    with pytest.raises(InvalidEvent):
        Event.from_cloudevent(envelope)


def request(body: bytes, headers: dict[str, str]) -> flask.Request:
    builder = EnvironBuilder(method="POST", path="/events", data=body, headers=headers)
    try:
        return flask.Request(builder.get_environ())
    finally:
        builder.close()


def test_structured_and_binary_deliveries_parse_to_the_same_event() -> None:
    full, _ = created()
    body = full.to_json().encode()
    # A pub/sub subscription and the embedded bus send the envelope as what it is; daprd's Kafka
    # input binding sends every delivery as application/json.
    subscribed = parse_delivery(request(body, {"Content-Type": "application/cloudevents+json"}))
    bound = parse_delivery(request(body, {"Content-Type": "application/json"}))
    envelope = full.to_cloudevent()
    headers = {
        f"ce-{key}": str(value) for key, value in envelope.items() if key not in ("data", "traceparent")
    }
    headers["traceparent"] = envelope["traceparent"]
    headers["Content-Type"] = "application/json"
    binary = parse_delivery(request(json.dumps(envelope["data"]).encode(), headers))
    assert subscribed == bound == binary == full


@pytest.mark.parametrize("attribute", ["id", "time"])
def test_a_delivery_without_an_id_or_a_time_is_invalid_not_given_fresh_ones(attribute: str) -> None:
    # The SDK fills both in for producers; a redelivery would then pass the ledger under a new id.
    envelope = created()[0].to_cloudevent()
    del envelope[attribute]
    structured = request(json.dumps(envelope).encode(), {"Content-Type": "application/cloudevents+json"})
    with pytest.raises(InvalidEvent, match=attribute):
        parse_delivery(structured)
    headers = {f"ce-{key}": str(value) for key, value in envelope.items() if key != "data"}
    with pytest.raises(InvalidEvent):
        parse_delivery(request(json.dumps(envelope["data"]).encode(), headers))


def test_garbage_is_invalid_not_an_exception() -> None:
    with pytest.raises(InvalidEvent):
        parse_delivery(request(b"\xff\xfe not json", {}))
    with pytest.raises(InvalidEvent):
        parse_delivery(request(b"[]", {}))
    with pytest.raises(InvalidEvent):
        parse_delivery(request(b"", {"Content-Type": "application/cloudevents+json"}))
    binary = {"ce-specversion": "1.0", "ce-id": "1", "ce-source": "urn:doable", "ce-type": "task.created"}
    with pytest.raises(InvalidEvent):
        parse_delivery(request(b"\xff\xfe not json", binary))


def test_an_event_is_decoded_once_into_typed_values_whichever_side_made_it() -> None:
    full, compact = created()
    assert full.task.title == "Pay rent" and full.task.status is Status.OPEN
    assert full.task.recurrence is Recurrence.NONE and full.task.due_at is None
    assert full.changes == {} and full.changed == frozenset()
    assert compact.task.id == full.task.id and compact.task.recurrence is None, "a twin has five fields"
    due = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    task = new_task("user-1", {"title": "Pay rent", "due_at": due, "reminder_minutes_before": 30}, NOW)
    moved, twin = task_events(EventType.TASK_UPDATED, task, Context("user-1"), NOW, {"due_at": due})
    delivered = parse_delivery(request(moved.to_json().encode(), {"Content-Type": "application/json"}))
    assert delivered.task.due_at == due and delivered.task.reminder_at == due - timedelta(minutes=30)
    assert delivered.changes == {"due_at": "2026-12-01T09:00:00.000Z"}
    assert delivered.changed == twin.changed == {"due_at"}


@pytest.mark.parametrize(
    "spoil",
    [
        lambda data: data.update(task=["not", "a", "task"]),
        lambda data: data["task"].update(due_at="tomorrow"),
        lambda data: data["task"].update(status="half-done"),
        lambda data: data["task"].update(title=7),
        lambda data: data.update(changes=3),
    ],
)
def test_a_payload_a_consumer_cannot_read_is_invalid_where_it_arrives(spoil: Any) -> None:
    envelope = created()[0].to_cloudevent()
    spoil(envelope["data"])
    with pytest.raises(InvalidEvent):
        parse_delivery(request(json.dumps(envelope).encode(), {"Content-Type": "application/json"}))


def test_job_payloads_read_back_as_they_were_scheduled_and_a_broken_one_is_invalid() -> None:
    reminder = ReminderJob("task-1", "user-1", NOW, "corr-1")
    due = SeriesDue("series-1", "task-1", NOW)
    assert ReminderJob.decode(reminder.to_dict()) == reminder
    assert SeriesDue.decode(due.to_dict()) == due
    assert ReminderJob.decode({**reminder.to_dict(), "correlation_id": None}).correlation_id is None
    no_task = {"user_id": "user-1", "reminder_at": "2026-11-28T10:00:00.000Z"}
    for broken in (no_task, {**reminder.to_dict(), "reminder_at": "soon"}):
        with pytest.raises(InvalidEvent, match="reminder job"):
            ReminderJob.decode(broken)
    with pytest.raises(InvalidEvent, match="due_at"):
        SeriesDue.decode({"series_id": "series-1", "task_id": "task-1"})
