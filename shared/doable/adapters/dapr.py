"""The Dapr sidecar: its building blocks over gRPC with the `dapr` SDK, service invocation over HTTP.

One SDK client per process, made on the first call that needs it, carries publish, state, secrets and
jobs; the SDK's settings (DAPR_GRPC_PORT, DAPR_HTTP_PORT, DAPR_API_TOKEN, as the local stack and the
Dapr injector set them) say where the sidecar is, and the SDK sends the API token. Importing the SDK
costs ~175 ms of CPU (grpc, the protos, and aiohttp, which `dapr.clients` loads for its HTTP clients),
so it waits for that first call: a probe, and a process that never calls the sidecar, do not pay it.

The SDK is pinned to the runtime's minor version (1.16): from 1.18 it asks for the stable jobs calls
first and falls back to Alpha1 only on UNIMPLEMENTED, but daprd 1.16 takes an unknown method for a
call to proxy and answers UNKNOWN, so no job could be scheduled. Upgrade the two together. SDK 1.16
has no bulk publish in its synchronous client; the outbox's batches go through its client's generated
stub (BulkPublishEventAlpha1), with the same channel, token and per-call options as every other call.

Service invocation (the gateway's calls to the functions) stays on the sidecar's HTTP API with httpx.
The SDK invokes over HTTP too, but through aiohttp with a new session and event loop per call, and it
turns every answer outside 2xx into an exception holding only the status and body, so the gateway
could not pass a function's 404, 412 or 429 through with its ETag, Retry-After or WWW-Authenticate;
its gRPC invocation is deprecated upstream. Health is the sidecar's HTTP /v1.0/healthz, which is what
the SDK itself waits on (the gRPC API has no health call), asked with the standard library.
"""

from __future__ import annotations

import http.client
import json
import threading
import warnings
from collections.abc import Callable, Sequence
from contextvars import ContextVar
from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

from doable.domain.model import format_time
from doable.services.ports import Outgoing, PublishFailed, SidecarUnavailable, StateConflict

if TYPE_CHECKING:
    import httpx
    from dapr.clients.grpc.client import DaprGrpcClient

T = TypeVar("T")
# The gRPC status codes that mean "not now": the sidecar, or the service behind it, is out of reach.
UNREACHABLE = ("UNAVAILABLE", "DEADLINE_EXCEEDED")
# Events per bulk publish call: a few hundred KB, well inside gRPC's 4 MB message limit.
BULK_MAX = 100


class CallOptions(NamedTuple):
    metadata: tuple[tuple[str, str], ...] = ()
    timeout: float | None = None


# What the call this thread is making adds to the client's defaults; the interceptor reads it, since
# the SDK's calls take no per-call gRPC metadata (their `metadata` argument is deprecated).
_call_options: ContextVar[CallOptions | None] = ContextVar("dapr_call_options", default=None)


class Refused(Exception):
    """The sidecar answered a gRPC call with an error status other than 'not reachable now'."""

    def __init__(self, code: str, details: str) -> None:
        super().__init__(f"{code}: {details}")
        self.code = code
        self.details = details


class DaprSidecar:
    def __init__(self, timeout: float = 5.0) -> None:
        # The SDK's settings (the DAPR_* environment, read when `dapr.conf` is first imported, which
        # costs nothing) are the one source for where the sidecar is, for the SDK and for us alike.
        from dapr.conf import settings

        self.timeout = timeout
        self.host = str(settings.DAPR_RUNTIME_HOST)
        self.http_port = int(settings.DAPR_HTTP_PORT)
        token = settings.DAPR_API_TOKEN
        self._token_header = {"dapr-api-token": str(token)} if token else {}
        self._sdk: DaprGrpcClient | None = None
        self._http: httpx.Client | None = None
        self._lock = threading.Lock()

    # --- health -------------------------------------------------------------------------------------

    def healthy(self) -> bool:
        return self._probe("/v1.0/healthz")

    def _probe(self, path: str) -> bool:
        connection = http.client.HTTPConnection(self.host, self.http_port, timeout=1.0)
        try:
            connection.request("GET", path, headers=self._token_header)
            return 200 <= connection.getresponse().status < 300  # the sidecar answers 204
        except (OSError, http.client.HTTPException):
            return False
        finally:
            connection.close()

    # --- the building blocks, over gRPC -------------------------------------------------------------

    def publish_batch(self, pubsub: str, messages: Sequence[Outgoing]) -> dict[str, str]:
        """Publishes with the bulk publish call, one per topic and BULK_MAX events, in order; returns
        the ids the sidecar did not take with its reason, and raises PublishFailed when it took none.

        The events go as raw payloads: daprd wraps nothing and rewrites no attribute, so each event
        reaches its consumers with its own trace context. Without it daprd would write one context into
        every event of a call, its span under the call's traceparent. A failed call fails the calls
        after it too: the sidecar or the broker is down, and each try would wait out the deadline.
        """
        by_topic: dict[str, list[Outgoing]] = {}
        for message in messages:
            by_topic.setdefault(message.topic, []).append(message)
        calls = [
            (topic, group[start : start + BULK_MAX])
            for topic, group in by_topic.items()
            for start in range(0, len(group), BULK_MAX)
        ]
        failed: dict[str, str] = {}
        for done, (topic, chunk) in enumerate(calls):
            try:
                failed.update(self._bulk_publish(pubsub, topic, chunk))
            except (SidecarUnavailable, Refused) as error:
                reason = (
                    str(error)
                    if isinstance(error, SidecarUnavailable)
                    else f"publish to {topic} failed ({error}); check the pubsub component and its broker"
                )
                if done == 0:
                    raise PublishFailed(reason) from error
                for _, rest in calls[done:]:
                    failed.update(dict.fromkeys((message.id for message in rest), reason))
                return failed
        if failed and len(failed) == len(messages):
            reason = next(iter(failed.values()))
            raise PublishFailed(f"the broker took none of {len(messages)} events: {reason}")
        return failed

    def _bulk_publish(self, pubsub: str, topic: str, messages: Sequence[Outgoing]) -> dict[str, str]:
        """One BulkPublishEventAlpha1 call (the SDK's synchronous client has no method for it, its stub
        does); the entries the sidecar reports as failed, with their reasons."""
        from dapr.proto import api_v1

        request = api_v1.BulkPublishRequest(
            pubsub_name=pubsub,
            topic=topic,
            metadata={"rawPayload": "true"},
            entries=[
                api_v1.BulkPublishRequestEntry(
                    entry_id=message.id,
                    event=message.payload.encode(),
                    content_type="application/cloudevents+json",
                    metadata={"partitionKey": message.partition_key},
                )
                for message in messages
            ],
        )
        response = self._call(f"publishing to {topic}", lambda sdk: sdk._stub.BulkPublishEventAlpha1(request))
        return {
            entry.entry_id: f"the broker refused it: {entry.error or 'no reason given'}"
            for entry in response.failedEntries
        }

    def secret(self, store: str, key: str) -> str:
        try:
            values = self._call(f"secret '{key}'", lambda sdk: sdk.get_secret(store, key).secret)
        except Refused as error:
            raise KeyError(
                f"secret '{key}' not readable from Dapr secret store '{store}' ({error}); "
                "check the component and that the key exists"
            ) from error
        if key not in values:
            raise KeyError(f"Dapr secret store '{store}' answered without '{key}'; check the component")
        return str(values[key])

    def get_state(self, store: str, key: str) -> tuple[Any, str | None]:
        try:
            response = self._call(f"state key {key}", lambda sdk: sdk.get_state(store, key))
        except Refused as error:
            raise RuntimeError(
                f"reading state key {key} from Dapr state store '{store}' failed ({error}); "
                "check the component and the database behind it"
            ) from error
        if not response.data:
            return None, None
        return json.loads(response.data), response.etag or None

    def save_state(self, store: str, key: str, value: Any, etag: str | None) -> None:
        from dapr.clients.grpc._state import Concurrency, StateOptions

        # First-write-wins: with an ETag the save needs it to be current, without one the key must be new.
        options = StateOptions(concurrency=Concurrency.first_write)
        try:
            self._call(
                f"state key {key}",
                lambda sdk: sdk.save_state(
                    store,
                    key,
                    json.dumps(value),
                    etag=etag,
                    options=options,
                    # Stored as JSON, as the HTTP API stored it; bytes without it become base64.
                    state_metadata={"contentType": "application/json"},
                ),
            )
        except Refused as error:
            # daprd answers a stale ETag with ABORTED and a malformed one with INVALID_ARGUMENT naming
            # it; PostgreSQL's store reports a key that exists, saved without an ETag, as INTERNAL
            # "no item was updated".
            if (
                error.code == "ABORTED"
                or "etag" in error.details.lower()
                or "no item was updated" in error.details
            ):
                raise StateConflict(f"state key {key} changed since it was read") from error
            raise RuntimeError(
                f"saving state key {key} to Dapr state store '{store}' failed ({error}); "
                "check the component and the database behind it"
            ) from error

    def schedule_job(self, name: str, due_at: datetime, data: dict[str, Any]) -> None:
        from dapr.clients import Job
        from google.protobuf import any_pb2, struct_pb2

        # The data as the HTTP jobs API stores it, a google.protobuf.Value: daprd hands that to the
        # app's /job/<name> as JSON, and any other type as raw bytes.
        value = struct_pb2.Value()
        value.struct_value.update(data)
        packed = any_pb2.Any()
        packed.Pack(value)
        job = Job(name=name, due_time=format_time(due_at), data=packed)
        try:
            self._call(f"job {name}", lambda sdk: sdk.schedule_job_alpha1(job, overwrite=True))
        except Refused as error:
            raise RuntimeError(f"scheduling job {name} failed ({error})") from error

    def delete_job(self, name: str) -> None:
        try:
            self._call(f"job {name}", lambda sdk: sdk.delete_job_alpha1(name))
        except Refused as error:
            # Dapr 1.16 reports a job that is already gone as INTERNAL, "...job not found...".
            if error.code != "NOT_FOUND" and "not found" not in error.details.lower():
                raise RuntimeError(f"deleting job {name} failed ({error})") from error

    def _call(
        self,
        what: str,
        call: Callable[[DaprGrpcClient], T],
        *,
        metadata: tuple[tuple[str, str], ...] = (),
    ) -> T:
        """One SDK call; SidecarUnavailable when the sidecar or the service behind it cannot be reached
        now, Refused for any other error status."""
        import grpc

        sdk = self._client()
        reset = _call_options.set(CallOptions(metadata, self.timeout))
        try:
            return call(sdk)
        except grpc.RpcError as error:
            code = error.code()
            name = code.name if code is not None else "UNKNOWN"
            details = str(error.details() or "")[:300]
            if name in UNREACHABLE:
                raise SidecarUnavailable(
                    f"the Dapr sidecar or the service behind it did not answer for {what} "
                    f"({name}: {details}); the same call later may work"
                ) from error
            raise Refused(name, details) from error
        finally:
            _call_options.reset(reset)

    def _client(self) -> DaprGrpcClient:
        sdk = self._sdk
        if sdk is not None:
            return sdk
        with self._lock:
            if self._sdk is None:
                # The SDK's client waits for the sidecar before it exists, up to DAPR_HEALTH_TIMEOUT
                # (60 s): a call fails at once instead, and the next one connects.
                if not self._probe("/v1.0/healthz/outbound"):
                    raise SidecarUnavailable(
                        f"the Dapr sidecar on port {self.http_port} is not ready; "
                        "the same call later may work, check `daprd` if it keeps failing"
                    )
                self._sdk = connect()
            return self._sdk

    # --- service invocation, over HTTP (see the module's docstring) ---------------------------------

    def invoke(
        self,
        app_id: str,
        method: str,
        path: str,
        *,
        params: Any,
        headers: dict[str, str],
        content: bytes,
        timeout: float,
    ) -> httpx.Response:
        return self._http_client().request(
            method,
            f"/v1.0/invoke/{app_id}/method/{path.lstrip('/')}",
            params=params,
            headers=headers,
            content=content,
            timeout=timeout,
        )

    def _http_client(self) -> httpx.Client:
        client = self._http
        if client is None:
            import httpx

            with self._lock:
                if self._http is None:
                    self._http = httpx.Client(
                        base_url=f"http://{self.host}:{self.http_port}",
                        headers=self._token_header,
                        timeout=self.timeout,
                        limits=httpx.Limits(max_connections=64, max_keepalive_connections=32),
                    )
                client = self._http
        return client


def connect() -> DaprGrpcClient:
    """The SDK's gRPC client, with the per-call trace context and a deadline on every call.

    `DaprClient` is this client plus an HTTP invocation client, which Doable does not use and whose
    constructor would wait for the sidecar once more.
    """
    import grpc
    from dapr.clients.grpc.client import DaprGrpcClient

    # Dapr 1.16's jobs API is Alpha1, known; the SDK says so on every scheduling call otherwise.
    warnings.filterwarnings("ignore", "The Jobs API is an Alpha version", UserWarning, "doable.adapters.dapr")

    class CallDetails(NamedTuple):
        method: str
        timeout: float | None
        metadata: Any
        credentials: Any
        wait_for_ready: bool | None
        compression: Any

    class PerCall(grpc.UnaryUnaryClientInterceptor):
        def intercept_unary_unary(self, continuation: Any, details: Any, request: Any) -> Any:
            options = _call_options.get() or CallOptions()
            metadata = [*(details.metadata or ()), *options.metadata]
            timeout = details.timeout if details.timeout is not None else options.timeout
            return continuation(
                CallDetails(
                    details.method,
                    timeout,
                    metadata,
                    details.credentials,
                    details.wait_for_ready,
                    details.compression,
                ),
                request,
            )

    return DaprGrpcClient(interceptors=[PerCall()])


class DaprPublisher:
    def __init__(self, sidecar: DaprSidecar, pubsub: str) -> None:
        self.sidecar = sidecar
        self.pubsub = pubsub

    def publish_batch(self, messages: Sequence[Outgoing]) -> dict[str, str]:
        return self.sidecar.publish_batch(self.pubsub, messages)


class DaprSecretStore:
    def __init__(self, sidecar: DaprSidecar, store: str) -> None:
        self.sidecar = sidecar
        self.store = store

    def get(self, key: str) -> str:
        return self.sidecar.secret(self.store, key)


class DaprStateStore:
    def __init__(self, sidecar: DaprSidecar, store: str) -> None:
        self.sidecar = sidecar
        self.store = store

    def get(self, key: str) -> tuple[Any, str | None]:
        return self.sidecar.get_state(self.store, key)

    def save(self, key: str, value: Any, etag: str | None) -> None:
        self.sidecar.save_state(self.store, key, value, etag)


class DaprJobScheduler:
    def __init__(self, sidecar: DaprSidecar) -> None:
        self.sidecar = sidecar

    def schedule(self, name: str, due_at: datetime, data: dict[str, Any]) -> None:
        self.sidecar.schedule_job(name, due_at, data)

    def cancel(self, name: str) -> None:
        self.sidecar.delete_job(name)
