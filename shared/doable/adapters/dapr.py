"""The Dapr sidecar over its HTTP API: pub/sub, secrets, state, jobs and service invocation.

One pooled HTTP client per process talks to the local sidecar; every call carries the Dapr API token.
"""

from __future__ import annotations

import json
import os
from datetime import datetime
from typing import Any

import httpx

from doable.domain.model import format_time
from doable.services.ports import PublishFailed, SidecarUnavailable, StateConflict


class DaprSidecar:
    def __init__(
        self, http_port: int | None = None, api_token: str | None = None, timeout: float = 5.0
    ) -> None:
        port = http_port or int(os.environ.get("DAPR_HTTP_PORT", "3500"))
        token = api_token if api_token is not None else os.environ.get("DAPR_API_TOKEN", "")
        headers = {"dapr-api-token": token} if token else {}
        self.base_url = f"http://127.0.0.1:{port}"
        self.client = httpx.Client(
            base_url=self.base_url,
            headers=headers,
            timeout=timeout,
            limits=httpx.Limits(max_connections=64, max_keepalive_connections=32),
        )

    def healthy(self) -> bool:
        try:
            return self.client.get("/v1.0/healthz", timeout=1.0).status_code == 204
        except httpx.HTTPError:
            return False

    def publish(
        self, pubsub: str, topic: str, partition_key: str, payload: str, traceparent: str | None
    ) -> None:
        headers = {"content-type": "application/cloudevents+json"}
        if traceparent:
            headers["traceparent"] = traceparent  # the sidecar's spans join the request's trace
        try:
            response = self.client.post(
                f"/v1.0/publish/{pubsub}/{topic}",
                params={"metadata.partitionKey": partition_key},
                content=payload,
                headers=headers,
            )
        except httpx.HTTPError as error:
            raise PublishFailed(f"sidecar unreachable while publishing to {topic}: {error!r}") from error
        if response.status_code >= 300:
            raise PublishFailed(
                f"publish to {topic} failed with {response.status_code}: {response.text[:300]}"
            )

    def secret(self, store: str, key: str) -> str:
        response = self.client.get(f"/v1.0/secrets/{store}/{key}")
        if response.status_code != 200:
            raise KeyError(
                f"secret '{key}' not readable from Dapr secret store '{store}' ({response.status_code}: "
                f"{response.text[:200]}); check the component and that the key exists"
            )
        return str(response.json()[key])

    def get_state(self, store: str, key: str) -> tuple[Any, str | None]:
        response = self.client.get(f"/v1.0/state/{store}/{key}")
        if response.status_code == 204 or not response.content:
            return None, None
        response.raise_for_status()
        return response.json(), response.headers.get("etag")

    def save_state(self, store: str, key: str, value: Any, etag: str | None) -> None:
        item: dict[str, Any] = {"key": key, "value": value, "options": {"concurrency": "first-write"}}
        if etag is not None:
            item["etag"] = etag
        response = self.client.post(f"/v1.0/state/{store}", json=[item])
        if response.status_code == 409 or (response.status_code >= 400 and "etag" in response.text.lower()):
            raise StateConflict(f"state key {key} changed since it was read")
        response.raise_for_status()

    def schedule_job(self, name: str, due_at: datetime, data: dict[str, Any]) -> None:
        body = {"dueTime": format_time(due_at), "data": data, "overwrite": True}
        response = self._jobs_call("POST", name, json.dumps(body).encode())
        if response.status_code >= 300:
            raise RuntimeError(
                f"scheduling job {name} failed with {response.status_code}: {response.text[:300]}"
            )

    def delete_job(self, name: str) -> None:
        response = self._jobs_call("DELETE", name)
        if (
            response.status_code >= 300
            and response.status_code != 404
            and "not found" not in response.text.lower()
        ):
            raise RuntimeError(
                f"deleting job {name} failed with {response.status_code}: {response.text[:300]}"
            )

    def _jobs_call(self, method: str, name: str, content: bytes | None = None) -> httpx.Response:
        """A jobs API call; SidecarUnavailable when the sidecar or its scheduler is out of reach."""
        try:
            response = self.client.request(method, f"/v1.0-alpha1/jobs/{name}", content=content)
        except httpx.TransportError as error:
            raise SidecarUnavailable(f"sidecar unreachable for job {name}: {error!r}") from error
        # The sidecar maps the scheduler's gRPC Unavailable and DeadlineExceeded to these.
        if response.status_code in (502, 503, 504):
            raise SidecarUnavailable(
                f"scheduler unreachable for job {name} ({response.status_code}): {response.text[:300]}"
            )
        return response

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
        return self.client.request(
            method,
            f"/v1.0/invoke/{app_id}/method/{path.lstrip('/')}",
            params=params,
            headers=headers,
            content=content,
            timeout=timeout,
        )


class DaprPublisher:
    def __init__(self, sidecar: DaprSidecar, pubsub: str) -> None:
        self.sidecar = sidecar
        self.pubsub = pubsub

    def publish(self, topic: str, partition_key: str, payload: str, traceparent: str | None = None) -> None:
        self.sidecar.publish(self.pubsub, topic, partition_key, payload, traceparent)


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
