"""What the SDK adapter sends a sidecar over gRPC, and what each of its answers becomes, against a
stand-in Dapr API (the same generated gRPC service) that records calls and answers as daprd 1.16 does."""

from __future__ import annotations

import http.server
import json
import socket
import threading
from collections.abc import Iterator
from concurrent import futures
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import grpc
import pytest
from dapr.proto import api_service_v1, api_v1, common_v1
from google.protobuf import empty_pb2, struct_pb2

from doable.adapters.dapr import BULK_MAX, DaprSidecar
from doable.services.ports import Outgoing, PublishFailed, SidecarUnavailable, StateConflict

TOKEN = "sidecar-token"
PROXY_REFUSAL = "failed to proxy request: required metadata dapr-callee-app-id or dapr-app-id not found"


@dataclass
class Call:
    method: str
    request: Any
    metadata: dict[str, str]
    deadline: float | None


@dataclass
class StandIn(api_service_v1.DaprServicer):
    """Records each call; `failures` makes the named method answer with (status, details)."""

    calls: list[Call] = field(default_factory=list)
    failures: dict[str, tuple[grpc.StatusCode, str]] = field(default_factory=dict)
    secrets: dict[str, str] = field(default_factory=dict)
    refused_entries: dict[str, str] = field(default_factory=dict)  # entry id -> the broker's error
    refused_topics: dict[str, tuple[grpc.StatusCode, str]] = field(default_factory=dict)

    def _record(self, method: str, request: Any, context: grpc.ServicerContext) -> None:
        self.calls.append(
            Call(method, request, dict(context.invocation_metadata()), context.time_remaining())
        )
        if method in self.failures:
            context.abort(*self.failures[method])

    def BulkPublishEventAlpha1(self, request: Any, context: grpc.ServicerContext) -> Any:  # noqa: N802
        # daprd 1.16 answers a partial failure, from a component that reports one, with the failed
        # entries and an OK status; a failure of the whole call (Kafka's too) with an error status.
        self._record("BulkPublishEventAlpha1", request, context)
        if request.topic in self.refused_topics:
            context.abort(*self.refused_topics[request.topic])
        failed = [
            api_v1.BulkPublishResponseFailedEntry(
                entry_id=entry.entry_id, error=self.refused_entries[entry.entry_id]
            )
            for entry in request.entries
            if entry.entry_id in self.refused_entries
        ]
        return api_v1.BulkPublishResponse(failedEntries=failed)

    def SaveState(self, request: Any, context: grpc.ServicerContext) -> Any:  # noqa: N802
        self._record("SaveState", request, context)
        return empty_pb2.Empty()

    def GetState(self, request: Any, context: grpc.ServicerContext) -> Any:  # noqa: N802
        self._record("GetState", request, context)
        return api_v1.GetStateResponse(data=b'{"turns": 2}', etag="41")

    def GetSecret(self, request: Any, context: grpc.ServicerContext) -> Any:  # noqa: N802
        self._record("GetSecret", request, context)
        found = {request.key: self.secrets[request.key]} if request.key in self.secrets else {}
        return api_v1.GetSecretResponse(data=found)

    # Dapr 1.16 has only the Alpha1 jobs calls, and takes an unknown method for one to proxy to an app.
    def ScheduleJob(self, request: Any, context: grpc.ServicerContext) -> Any:  # noqa: N802
        context.abort(grpc.StatusCode.UNKNOWN, PROXY_REFUSAL)

    def DeleteJob(self, request: Any, context: grpc.ServicerContext) -> Any:  # noqa: N802
        context.abort(grpc.StatusCode.UNKNOWN, PROXY_REFUSAL)

    def ScheduleJobAlpha1(self, request: Any, context: grpc.ServicerContext) -> Any:  # noqa: N802
        self._record("ScheduleJobAlpha1", request, context)
        return api_v1.ScheduleJobResponse()

    def DeleteJobAlpha1(self, request: Any, context: grpc.ServicerContext) -> Any:  # noqa: N802
        self._record("DeleteJobAlpha1", request, context)
        return api_v1.DeleteJobResponse()

    def last(self, method: str) -> Call:
        return [call for call in self.calls if call.method == method][-1]


class Healthz(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(204 if self.path.startswith("/v1.0/healthz") else 404)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def point_at(monkeypatch: pytest.MonkeyPatch, http_port: int, grpc_port: int) -> None:
    """Where the SDK's settings (the DAPR_* environment of a function's process) say the sidecar is."""
    from dapr.conf import settings

    for name, value in {
        "DAPR_RUNTIME_HOST": "127.0.0.1",
        "DAPR_HTTP_PORT": http_port,
        "DAPR_GRPC_PORT": grpc_port,
        "DAPR_GRPC_ENDPOINT": None,
        "DAPR_HTTP_ENDPOINT": None,
        "DAPR_API_TOKEN": TOKEN,
    }.items():
        monkeypatch.setattr(settings, name, value)


@pytest.fixture
def stand_in(monkeypatch: pytest.MonkeyPatch) -> Iterator[StandIn]:
    servicer = StandIn()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    api_service_v1.add_DaprServicer_to_server(servicer, server)
    grpc_port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    health = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Healthz)
    threading.Thread(target=health.serve_forever, args=(0.05,), daemon=True).start()
    point_at(monkeypatch, health.server_address[1], grpc_port)
    yield servicer
    health.shutdown()
    server.stop(None)


def message(n: int, topic: str = "task-events", key: str = "task-7") -> Outgoing:
    return Outgoing(
        f"e{n}", topic, key, json.dumps({"id": f"e{n}", "traceparent": f"00-{n:032x}-{n:016x}-01"})
    )


def test_a_batch_is_one_bulk_call_per_topic_keeping_each_events_key_payload_and_order(
    stand_in: StandIn,
) -> None:
    batch = [message(1), message(2, "task-updates"), message(3, key="task-8"), message(4)]
    assert DaprSidecar().publish_batch("pubsub", batch) == {}
    calls = [call for call in stand_in.calls if call.method == "BulkPublishEventAlpha1"]
    assert [(call.request.pubsub_name, call.request.topic) for call in calls] == [
        ("pubsub", "task-events"),
        ("pubsub", "task-updates"),
    ]
    entries = calls[0].request.entries
    assert [(entry.entry_id, dict(entry.metadata)) for entry in entries] == [
        ("e1", {"partitionKey": "task-7"}),
        ("e3", {"partitionKey": "task-8"}),
        ("e4", {"partitionKey": "task-7"}),
    ]
    # Raw: daprd passes each event on as it is, its own trace context included, instead of writing
    # the call's into every one.
    assert dict(calls[0].request.metadata) == {"rawPayload": "true"}
    assert [entry.event for entry in entries] == [m.payload.encode() for m in (batch[0], batch[2], batch[3])]
    assert {entry.content_type for entry in entries} == {"application/cloudevents+json"}
    assert calls[0].metadata["dapr-api-token"] == TOKEN
    assert calls[0].deadline is not None and calls[0].deadline <= 5


def test_a_large_batch_is_split_into_calls_of_at_most_bulk_max(stand_in: StandIn) -> None:
    DaprSidecar().publish_batch("pubsub", [message(n) for n in range(BULK_MAX + 1)])
    calls = [call for call in stand_in.calls if call.method == "BulkPublishEventAlpha1"]
    assert [len(call.request.entries) for call in calls] == [BULK_MAX, 1]
    assert [entry.entry_id for call in calls for entry in call.request.entries] == [
        f"e{n}" for n in range(BULK_MAX + 1)
    ]


def test_entries_the_broker_refused_are_returned_with_its_reason(stand_in: StandIn) -> None:
    stand_in.refused_entries["e2"] = "kafka: message too large"
    failed = DaprSidecar().publish_batch("pubsub", [message(1), message(2), message(3)])
    assert failed == {"e2": "the broker refused it: kafka: message too large"}


def test_a_batch_the_broker_refused_whole_is_publish_failed(stand_in: StandIn) -> None:
    stand_in.refused_entries.update({"e1": "down", "e2": "down"})
    with pytest.raises(PublishFailed, match=r"none of 2 events.*down"):
        DaprSidecar().publish_batch("pubsub", [message(1), message(2)])


def test_a_refused_call_is_publish_failed_naming_the_topic(stand_in: StandIn) -> None:
    stand_in.failures["BulkPublishEventAlpha1"] = (
        grpc.StatusCode.INTERNAL,
        "error when publishing to topic task-events in pubsub pubsub: kafka: client has run out of brokers",
    )
    with pytest.raises(
        PublishFailed, match=r"task-events failed \(INTERNAL: .*out of brokers.*check the pubsub"
    ):
        DaprSidecar().publish_batch("pubsub", [message(1)])


def test_after_a_failed_call_the_later_topics_are_not_tried_and_fail_with_its_reason(
    stand_in: StandIn,
) -> None:
    stand_in.refused_topics["task-updates"] = (grpc.StatusCode.UNAVAILABLE, "broker down")
    batch = [message(1), message(2, "task-updates"), message(3, "reminders")]
    failed = DaprSidecar().publish_batch("pubsub", batch)
    assert set(failed) == {"e2", "e3"}
    assert "UNAVAILABLE: broker down" in failed["e3"]
    topics = [call.request.topic for call in stand_in.calls if call.method == "BulkPublishEventAlpha1"]
    assert topics == ["task-events", "task-updates"]


def test_state_is_saved_as_json_with_first_write_and_the_etag(stand_in: StandIn) -> None:
    DaprSidecar().save_state("statestore", "conversation-u1-c1", {"turns": 3}, "41")
    item = stand_in.last("SaveState").request.states[0]
    assert (item.key, json.loads(item.value), item.etag.value) == ("conversation-u1-c1", {"turns": 3}, "41")
    assert item.options.concurrency == common_v1.StateOptions.StateConcurrency.CONCURRENCY_FIRST_WRITE
    assert dict(item.metadata) == {"contentType": "application/json"}


def test_a_new_key_is_saved_without_an_etag(stand_in: StandIn) -> None:
    DaprSidecar().save_state("statestore", "k", {"turns": 1}, None)
    assert not stand_in.last("SaveState").request.states[0].HasField("etag")


@pytest.mark.parametrize(
    "status, details",
    [
        (grpc.StatusCode.ABORTED, "failed saving state in state store statestore: possible etag mismatch"),
        (grpc.StatusCode.INVALID_ARGUMENT, "failed saving state: invalid etag value: strconv.ParseUint"),
        (grpc.StatusCode.INTERNAL, "failed saving state in state store statestore: no item was updated"),
    ],
)
def test_a_stale_or_malformed_etag_is_a_state_conflict(
    stand_in: StandIn, status: grpc.StatusCode, details: str
) -> None:
    stand_in.failures["SaveState"] = (status, details)
    with pytest.raises(StateConflict, match="chat-key"):
        DaprSidecar().save_state("statestore", "chat-key", {}, "7")


def test_any_other_state_failure_says_which_store_and_key(stand_in: StandIn) -> None:
    stand_in.failures["SaveState"] = (grpc.StatusCode.INTERNAL, "connection refused")
    with pytest.raises(RuntimeError, match=r"state key k to Dapr state store 'statestore'.*INTERNAL"):
        DaprSidecar().save_state("statestore", "k", {}, None)


def test_state_reads_back_its_value_and_etag(stand_in: StandIn) -> None:
    assert DaprSidecar().get_state("statestore", "k") == ({"turns": 2}, "41")


def test_a_secret_is_read_and_a_refused_one_is_a_key_error_naming_it(stand_in: StandIn) -> None:
    stand_in.secrets["database-url"] = "postgresql://x"
    sidecar = DaprSidecar()
    assert sidecar.secret("secretstore", "database-url") == "postgresql://x"
    stand_in.failures["GetSecret"] = (grpc.StatusCode.PERMISSION_DENIED, "access denied by policy")
    with pytest.raises(KeyError, match=r"'jwt-signing-key'.*'secretstore'.*PERMISSION_DENIED"):
        sidecar.secret("secretstore", "jwt-signing-key")


def test_a_job_carries_its_due_time_and_its_data_as_json(stand_in: StandIn) -> None:
    due = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
    DaprSidecar().schedule_job("fire-reminder--t1", due, {"task_id": "t1", "minutes": 30})
    request = stand_in.last("ScheduleJobAlpha1").request
    assert (request.job.name, request.job.due_time, request.overwrite) == (
        "fire-reminder--t1",
        "2026-12-01T09:30:00.000Z",
        True,
    )
    value = struct_pb2.Value()
    assert request.job.data.Unpack(value)  # the type daprd hands to the app as JSON
    assert dict(value.struct_value) == {"task_id": "t1", "minutes": 30}


@pytest.mark.parametrize("status", [grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED])
def test_an_unreachable_scheduler_is_sidecar_unavailable(stand_in: StandIn, status: grpc.StatusCode) -> None:
    stand_in.failures["ScheduleJobAlpha1"] = (status, "scheduler not ready")
    with pytest.raises(SidecarUnavailable, match="job j1"):
        DaprSidecar().schedule_job("j1", datetime.now(UTC), {})


def test_a_refused_job_is_an_error_naming_it(stand_in: StandIn) -> None:
    stand_in.failures["ScheduleJobAlpha1"] = (grpc.StatusCode.INVALID_ARGUMENT, "job name cannot contain '|'")
    with pytest.raises(RuntimeError, match=r"scheduling job j1 failed.*INVALID_ARGUMENT"):
        DaprSidecar().schedule_job("j1", datetime.now(UTC), {})


def test_deleting_a_job_that_is_gone_is_nothing_and_other_failures_say_so(stand_in: StandIn) -> None:
    sidecar = DaprSidecar()
    stand_in.failures["DeleteJobAlpha1"] = (
        grpc.StatusCode.INTERNAL,
        "failed to delete job: job not found: j1",
    )
    sidecar.delete_job("j1")
    assert stand_in.last("DeleteJobAlpha1").request.name == "j1"
    stand_in.failures["DeleteJobAlpha1"] = (grpc.StatusCode.INTERNAL, "etcd: leader changed")
    with pytest.raises(RuntimeError, match=r"deleting job j1 failed.*leader changed"):
        sidecar.delete_job("j1")


def test_the_client_is_made_once_per_sidecar(stand_in: StandIn) -> None:
    sidecar = DaprSidecar()
    sidecar.publish_batch("pubsub", [message(1)])
    first = sidecar._client()
    sidecar.delete_job("j")
    assert sidecar._client() is first


def test_without_a_sidecar_calls_fail_at_once_as_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    point_at(monkeypatch, closed_port(), closed_port())
    sidecar = DaprSidecar()
    assert not sidecar.healthy()
    with pytest.raises(SidecarUnavailable, match="not ready"):
        sidecar.schedule_job("j1", datetime.now(UTC), {})
    with pytest.raises(PublishFailed, match="not ready"):
        sidecar.publish_batch("pubsub", [message(1)])


def test_a_sidecar_whose_grpc_port_is_closed_is_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    health = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Healthz)
    threading.Thread(target=health.serve_forever, args=(0.05,), daemon=True).start()
    try:
        point_at(monkeypatch, health.server_address[1], closed_port())
        with pytest.raises(SidecarUnavailable, match="UNAVAILABLE"):
            DaprSidecar().delete_job("j1")
    finally:
        health.shutdown()
