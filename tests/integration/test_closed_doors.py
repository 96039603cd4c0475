"""Closed doors on the real stack: the public port reaches only the public API, and each sidecar on
its own refuses what the gateway should never ask (mTLS access control and secret scoping)."""

from __future__ import annotations

import socket

import httpx
import pytest

from doable_dev.layout import FunctionPorts
from doable_dev.stack import Stack
from tests.integration.conftest import sidecar

# Each would, if forwarded as written and normalised by a sidecar, leave the target app: the secret
# store, the sidecar's metadata and shutdown, other apps' event and job routes.
TRAVERSALS = [
    "/api/tasks/..%2F..%2F..%2F..%2Fv1.0%2Fsecrets%2Fsecretstore%2Fjwt-signing-key",
    "/api/tasks/..%2f..%2f..%2f..%2fv1.0%2fmetadata",
    "/api/notifications/..%2F..%2F..%2F..%2Fv1.0%2Fsecrets%2Fsecretstore%2Fdatabase-url",
    "/api/tasks/%2E%2E/%2E%2E/%2E%2E/%2E%2E/v1.0/metadata",
    "/api/chat/../../../../v1.0/secrets/secretstore/jwt-signing-key",
    "/api/chat/..%2F..%2F..%2Fwrite-audit%2Fmethod%2Fevents",
    "/api/tasks/x/..%2F..%2F..%2F..%2Fv1.0%2Fshutdown",
    "/api/tasks/a%5C..%5C..%5C..%5Cv1.0%5Cmetadata",
    "/api/tasks/%252e%252e%252f%252e%252e%252fv1.0%252fmetadata",
    "/api/tasks/..;/..;/v1.0/metadata",
]


def raw_request(method: str, target: str, port: int = 8080, body: bytes = b"") -> tuple[int, bytes]:
    """Sends the request line exactly as written: no client library gets to normalise it."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        request = (
            f"{method} {target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        ).encode() + body
        connection.sendall(request)
        reply = b""
        while chunk := connection.recv(65536):
            reply += chunk
    status = int(reply.split(b" ", 2)[1])
    return status, reply


@pytest.mark.parametrize("target", TRAVERSALS)
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_traversals_from_the_public_port_reach_no_sidecar_api(
    local_stack: Stack, method: str, target: str
) -> None:
    secrets = local_stack.secrets()
    status, reply = raw_request(method, target, body=b"{}" if method == "POST" else b"")
    assert status in (400, 404, 405), reply[:500]
    for secret in ("jwt-signing-key", "postgres-password", "dapr-api-token", "app-api-token"):
        assert secrets[secret].encode() not in reply
    assert b"daprRuntimeVersion" not in reply and b'"components"' not in reply  # sidecar metadata
    # The gateway's sidecar is still up: shutdown was never reached.
    assert httpx.get("http://127.0.0.1:8080/readyz", timeout=5).status_code == 200


@pytest.mark.parametrize(
    ("caller", "callee", "method", "path"),
    [
        ("web", "write-audit", "POST", "events"),  # forged events into the audit log
        ("web", "notify", "POST", "events"),
        ("web", "write-audit", "POST", "events/batch"),
        ("web", "fire-reminder", "POST", "job/reminder-x"),  # forged job triggers
        ("web", "auth", "GET", "healthz"),  # a real route of auth, but not a public one
        ("web", "create-task", "POST", "events"),
        ("create-task", "auth", "POST", "auth/login"),  # only the gateway may invoke at all
        ("write-audit", "search-tasks", "GET", "tasks"),
    ],
)
def test_access_control_refuses_invocations_outside_the_policy(
    local_stack: Stack, caller: str, callee: str, method: str, path: str
) -> None:
    with sidecar(local_stack, caller) as client:
        response = client.request(method, f"/v1.0/invoke/{callee}/method/{path}", content=b"{}")
    assert response.status_code == 403, response.text
    assert "access control policy has denied access" in response.text


def test_access_control_lets_the_gateway_reach_declared_routes(local_stack: Stack) -> None:
    with sidecar(local_stack, "web") as client:
        response = client.post(
            "/v1.0/invoke/auth/method/auth/login", json={"email": "nobody@example.com", "password": "x"}
        )
    assert response.status_code == 401, response.text  # reached auth, which refused the login


@pytest.mark.parametrize(
    ("app_id", "secret", "readable"),
    [
        ("web", "jwt-signing-key", False),
        ("web", "database-url", False),
        ("write-audit", "jwt-signing-key", False),
        ("write-audit", "database-url", True),
        ("auth", "jwt-signing-key", True),
        ("auth", "postgres-password", False),
        ("auth", "dapr-api-token", False),
    ],
)
def test_each_function_reads_only_its_own_secrets(
    local_stack: Stack, app_id: str, secret: str, readable: bool
) -> None:
    with sidecar(local_stack, app_id) as client:
        response = client.get(f"/v1.0/secrets/secretstore/{secret}")
    assert (response.status_code == 200) is readable, response.text
    if not readable:
        assert local_stack.secrets()[secret] not in response.text


@pytest.mark.parametrize("app_id", ["auth", "write-audit", "fire-reminder"])
def test_a_function_answers_only_its_own_sidecar(local_stack: Stack, app_id: str) -> None:
    """Its app port is on the machine, but without the sidecar's app token nothing gets through."""
    port = FunctionPorts.of(app_id).app
    path = "/auth/login" if app_id == "auth" else "/events"
    for headers in ({}, {"dapr-api-token": "guessed"}):
        response = httpx.post(f"http://127.0.0.1:{port}{path}", json={}, headers=headers, timeout=10)
        assert response.status_code == 401, response.text
        assert "only answers its own Dapr sidecar" in response.text
    if app_id == "auth":  # with the token it is the function that answers (an event would be consumed)
        token = local_stack.secrets()["app-api-token"]
        reached = httpx.post(f"http://127.0.0.1:{port}{path}", json={}, headers={"dapr-api-token": token})
        assert reached.status_code == 422, reached.text
