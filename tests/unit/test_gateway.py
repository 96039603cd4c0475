"""The gateway forwards only declared routes, rebuilt from their templates; hostile spellings stop at it."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import unquote

import flask
import httpx
import pytest
from flask import Response
from werkzeug.test import EnvironBuilder

from doable.adapters.invokers import sidecar_refusal
from doable.config import REPO_ROOT, Settings
from doable.domain.events import Context
from doable.embedded import load_functions
from doable.http.events import BATCH_PATH, EVENTS_PATH
from doable.http.function import HttpFunction
from doable.http.gateway import forward
from doable.http.routes import PUBLIC_ROUTES

TASK_ID = "6f1c2b7e-8d51-4f43-9a57-0d6c4bd8a0b1"


class RecordingInvoker:
    def __init__(self) -> None:
        self.calls: list[tuple[str, str, str, dict[str, str]]] = []

    def __call__(self, app_id: str, raw: flask.Request, path: str, headers: Mapping[str, str]) -> Response:
        self.calls.append((app_id, raw.method, path, dict(headers)))
        return Response("{}", status=200, mimetype="application/json")


def send(
    method: str,
    raw_path: str,
    *,
    trusted: str = "",
    headers: dict[str, str] | None = None,
    remote: str = "203.0.113.7",
) -> tuple[Response, RecordingInvoker]:
    """A request as a WSGI server would pass it: PATH_INFO decoded, RAW_URI as sent."""
    path, _, query = raw_path.partition("?")
    builder = EnvironBuilder(method=method, path="/", query_string=query, headers=headers or {})
    environ = builder.get_environ()
    builder.close()
    environ["PATH_INFO"] = unquote(path, encoding="latin-1")  # WSGI: the bytes as latin-1
    environ["RAW_URI"] = raw_path
    environ["REMOTE_ADDR"] = remote
    invoker = RecordingInvoker()
    settings = Settings.from_env({"DOABLE_TRUSTED_PROXIES": trusted})
    response = forward(invoker, flask.Request(environ), Context(user_id="", correlation_id="c-1"), settings)
    return response, invoker


def test_each_function_serves_exactly_its_declared_routes() -> None:
    functions = load_functions(REPO_ROOT / "functions")
    internal = {EVENTS_PATH, BATCH_PATH, "/job/{job}"}
    for app_id, function in functions.items():
        if app_id == "web":
            continue
        served = {
            (r.method, r.template, r.auth, r.scoped) for r in function.routes if r.template not in internal
        }
        declared = {(r.method, r.template, r.auth, r.scoped) for r in PUBLIC_ROUTES if r.app_id == app_id}
        assert served == declared, app_id
    assert {r.app_id for r in PUBLIC_ROUTES} <= set(functions)


def test_each_operation_is_declared_once() -> None:
    operations = [route.operation for route in PUBLIC_ROUTES]
    assert len(operations) == len(set(operations))
    assert len({(r.method, r.template) for r in PUBLIC_ROUTES}) == len(PUBLIC_ROUTES)


def test_a_function_cannot_serve_a_route_it_does_not_declare() -> None:
    function = HttpFunction("search-tasks")
    with pytest.raises(LookupError, match=r"declares no route 'createTask'.*listTasks, getTask, tags"):
        function.serve("createTask")


@pytest.mark.parametrize(
    ("method", "path", "app_id", "forwarded"),
    [
        ("GET", f"/api/tasks/{TASK_ID}", "search-tasks", f"/tasks/{TASK_ID}"),
        ("GET", f"/api/tasks/{TASK_ID}/", "search-tasks", f"/tasks/{TASK_ID}"),
        ("PATCH", f"/api/tasks/{TASK_ID}", "update-task", f"/tasks/{TASK_ID}"),
        ("POST", f"/api/tasks/{TASK_ID}/complete", "update-task", f"/tasks/{TASK_ID}/complete"),
        ("GET", f"/api/tasks/{TASK_ID}/history", "activity", f"/tasks/{TASK_ID}/history"),
        ("GET", "/api/tasks?q=a%2Fb&tag=x", "search-tasks", "/tasks"),
        ("POST", "/api/auth/login", "auth", "/auth/login"),
        ("POST", "/api/mcp", "chat", "/mcp"),
    ],
)
def test_a_declared_route_is_forwarded_to_its_function_on_the_rebuilt_path(
    method: str, path: str, app_id: str, forwarded: str
) -> None:
    response, invoker = send(method, path)
    assert response.status_code == 200
    assert [(call[0], call[1], call[2]) for call in invoker.calls] == [(app_id, method, forwarded)]


@pytest.mark.parametrize(
    "path",
    [
        "/api/tasks/..%2F..%2F..%2Fv1.0%2Fsecrets%2Fsecretstore%2Fjwt-signing-key",
        "/api/tasks/..%2f..%2fv1.0%2fmetadata",
        "/api/tasks/%2E%2E/%2E%2E/v1.0/metadata",
        "/api/notifications/../../../v1.0/secrets/secretstore/jwt-signing-key",
        "/api/chat/../../write-audit/method/events",
        "/api/tasks/x/../../../v1.0/shutdown",
        "/api/tasks/.",
        "/api/tasks/./complete",
        "/api/tasks//history",
        "/api/tasks/a%5C..%5C..%5Cv1.0",
        "/api/tasks/a\\..\\v1.0",
        "/api/tasks/%252e%252e%252fv1.0",
        "/api/tasks/a%00b",
    ],
)
def test_paths_that_could_normalise_elsewhere_never_reach_a_sidecar(path: str) -> None:
    response, invoker = send("GET", path)
    assert response.status_code == 400, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    assert invoker.calls == []


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/api/v1.0/metadata", 404),
        ("POST", "/api/events", 404),
        ("POST", "/api/job/reminder-1", 404),
        ("GET", "/api/tasks/not;an;id", 404),
        ("GET", "/api/tasks/a.b", 404),
        ("GET", f"/api/tasks/{'a' * 65}", 404),
        ("GET", "/api/notifications/x", 404),
        ("GET", "/api/mcp", 405),
        ("DELETE", "/api/mcp", 405),
        ("PUT", f"/api/tasks/{TASK_ID}", 405),
        ("POST", "/api/metrics", 404),
    ],
)
def test_anything_not_declared_is_refused_at_the_gateway(method: str, path: str, status: int) -> None:
    response, invoker = send(method, path)
    assert response.status_code == status
    assert invoker.calls == []
    if status == 405:
        assert response.headers["Allow"]


def test_a_query_longer_than_a_sidecar_reads_is_refused_at_the_gateway() -> None:
    fits, _ = send("GET", "/api/tasks?" + "&".join(f"tag=t{i}" for i in range(1500)))
    assert fits.status_code == 200
    response, invoker = send("GET", "/api/tasks?q=" + "x" * 16_385)
    assert response.status_code == 414
    assert "at most 16384" in response.get_data(as_text=True)
    assert invoker.calls == []


@pytest.mark.parametrize(
    ("path", "parameter"),
    [
        ("/api/tasks/a%20b", "task_id"),
        ("/api/tasks/%F0%9F%98%80/complete", "task_id"),
        ("/api/notifications/x.y/read", "notification_id"),
        ("/api/chat/%E2%80%AE", "conversation_id"),
    ],
)
def test_an_id_of_the_wrong_shape_is_a_404_that_names_it(path: str, parameter: str) -> None:
    response, invoker = send("POST" if path.endswith(("complete", "read")) else "GET", path)
    assert response.status_code == 404
    assert parameter in response.get_data(as_text=True)
    assert invoker.calls == []


def test_a_sidecars_own_refusal_becomes_a_problem_without_its_internals() -> None:
    denied = httpx.Response(
        403,
        json={"errorCode": "ERR_DIRECT_INVOKE", "message": "access control policy has denied access"},
    )
    response = sidecar_refusal("activity", denied)
    assert response is not None and response.status_code == 502
    assert response.mimetype == "application/problem+json"
    assert "access control" not in response.get_data(as_text=True)
    too_long = sidecar_refusal("search-tasks", httpx.Response(431, json={"errorCode": "ERR_HEADER"}))
    assert too_long is not None and too_long.status_code == 414
    own = httpx.Response(404, json={"title": "Not found", "detail": "no such task"})
    assert sidecar_refusal("search-tasks", own) is None  # the function's answer passes through


def test_the_client_address_is_the_peer_unless_proxies_in_front_are_trusted() -> None:
    spoofed = {"X-Forwarded-For": "198.51.100.1, 192.0.2.9"}
    _, invoker = send("POST", "/api/auth/login", headers=spoofed)
    assert invoker.calls[0][3]["X-Forwarded-For"] == "203.0.113.7"  # the caller's own claim is ignored


@pytest.mark.parametrize(
    ("chain", "peer", "client"),
    [
        ("192.0.2.9, 10.1.0.5", "10.1.0.7", "192.0.2.9"),  # ingress and activator are ours
        ("192.0.2.9", "10.1.0.7", "192.0.2.9"),  # the activator was not in the path this time
        ("198.51.100.1, 192.0.2.9, 10.1.0.5", "10.1.0.7", "192.0.2.9"),  # a forged entry stays left
        ("garbage, 10.1.0.5", "10.1.0.7", "garbage"),  # never a trusted hop, so the nearest claim
        ("", "10.1.0.7", "10.1.0.7"),  # nothing but our own proxy: the best we know
    ],
)
def test_behind_trusted_proxies_the_nearest_untrusted_hop_is_the_client(
    chain: str, peer: str, client: str
) -> None:
    headers = {"X-Forwarded-For": chain} if chain else {}
    _, invoker = send("POST", "/api/auth/login", headers=headers, remote=peer, trusted="10.0.0.0/8")
    assert invoker.calls[0][3]["X-Forwarded-For"] == client


@pytest.mark.parametrize(
    ("name", "value"),
    [("Authorization", "Bearer \u00e9t\u00e9"), ("If-Match", '"1"\u00e9'), ("Mcp-Session-Id", "a\x7fb")],
)
def test_a_header_no_http_client_can_send_on_is_a_400_at_the_gateway(name: str, value: str) -> None:
    # httpx encodes header values as ASCII: forwarding these was a UnicodeEncodeError, a 500.
    response, invoker = send("POST", "/api/mcp", headers={name: value})
    assert response.status_code == 400
    assert name in response.get_data(as_text=True)
    assert invoker.calls == []


@pytest.mark.parametrize("accept", ["text/event-stream", "text/html", "application/json;q=0, text/*"])
def test_a_request_that_accepts_no_json_is_a_406_at_the_gateway(accept: str) -> None:
    # daprd dropped the reply to a request accepting only text/event-stream (a 503 on the stack).
    response, invoker = send("POST", "/api/mcp", headers={"Accept": accept})
    assert response.status_code == 406
    assert response.mimetype == "application/problem+json"
    assert invoker.calls == []


@pytest.mark.parametrize("accept", ["application/json, text/event-stream", "*/*", "application/*", None])
def test_functions_are_always_asked_for_json(accept: str | None) -> None:
    _, invoker = send("POST", "/api/mcp", headers={"Accept": accept} if accept else {})
    assert invoker.calls[0][3]["Accept"] == "application/json"
