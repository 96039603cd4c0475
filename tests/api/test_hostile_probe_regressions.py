"""What the second hostile probe of issue 9 found: 500s and HTML pages, now problems or the app shell."""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

import pytest

from tests.conftest import Api


def raw_request(base_url: str, head: str, body: bytes = b"") -> tuple[int, dict[str, str], bytes]:
    """Sends `head` (request line and headers, without the blank line) exactly as written."""
    url = urlsplit(base_url)
    with socket.create_connection((url.hostname, url.port), timeout=30) as connection:
        connection.sendall(head.encode("latin-1") + b"\r\nConnection: close\r\n\r\n" + body)
        reply = b""
        while chunk := connection.recv(65536):
            reply += chunk
    top, _, content = reply.partition(b"\r\n\r\n")
    lines = top.decode("latin-1").split("\r\n")
    headers = {
        name.strip().lower(): value.strip() for name, _, value in (line.partition(":") for line in lines[1:])
    }
    return int(lines[0].split(" ", 2)[1]), headers, content


@pytest.mark.parametrize(
    "path",
    [
        "/" + "a" * 300,  # longer than a file name may be: stat() raised ENAMETOOLONG
        "/../main.py",  # outside the static folder: send_from_directory raised NotFound
        "/..%2fmain.py",
        "/js/../../main.py",
    ],
)
def test_any_path_outside_the_api_is_the_app_shell(base_url: str, path: str) -> None:
    host = urlsplit(base_url).netloc
    status, headers, body = raw_request(base_url, f"GET {path} HTTP/1.1\r\nHost: {host}")
    assert status == 200, body[:300]
    assert headers["content-type"].startswith("text/html")
    assert b"<title>Doable</title>" in body
    assert b"import" not in body  # never the function's own source


@pytest.mark.parametrize("chunks", [b"zz\r\nabc\r\n0\r\n\r\n", b'5\r\n{"tit0\r\n\r\n', b"\r\n"])
def test_a_chunked_body_that_lies_about_its_sizes_is_a_400(api: Api, chunks: bytes) -> None:
    host = urlsplit(str(api.base_url)).netloc
    status, headers, body = raw_request(
        str(api.base_url),
        f"POST /api/tasks HTTP/1.1\r\nHost: {host}\r\nAuthorization: {api.headers['Authorization']}\r\n"
        "Content-Type: application/json\r\nTransfer-Encoding: chunked",
        chunks,
    )
    assert status == 400, body[:300]
    assert headers["content-type"] == "application/problem+json", body[:300]
    assert api.get("/api/tasks").json()["total"] == 0


def test_mcp_refuses_deep_nesting_before_decoding_it(api: Api) -> None:
    deep = (
        b'{"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": ' + b"[" * 5000 + b"]" * 5000 + b"}"
    )
    response = api.post(
        "/api/mcp",
        content=deep,
        headers={"Content-Type": "application/json", "Accept": "application/json, text/event-stream"},
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert [error["field"] for error in response.json()["errors"]] == ["params"]


@pytest.mark.parametrize("method", ["TRACE", "PROPFIND", "CONNECT", "SEARCH"])
def test_methods_no_route_knows_are_a_405_problem(base_url: str, method: str) -> None:
    host = urlsplit(base_url).netloc
    status, headers, body = raw_request(base_url, f"{method} /api/tasks HTTP/1.1\r\nHost: {host}")
    assert status == 405, body[:300]
    assert headers["content-type"] == "application/problem+json"
    assert headers["allow"] == "GET, POST"


def test_a_host_header_flask_cannot_parse_is_a_problem(api: Api) -> None:
    status, headers, body = raw_request(
        str(api.base_url),
        f"GET /api/me HTTP/1.1\r\nHost: {'a' * 5000}\r\nAuthorization: {api.headers['Authorization']}",
    )
    assert status == 400, body[:300]
    assert headers["content-type"] == "application/problem+json", body[:300]


@pytest.mark.parametrize("name", ["Authorization", "If-Match", "Mcp-Session-Id"])
def test_a_header_outside_ascii_is_a_400_problem_not_a_500(api: Api, name: str) -> None:
    task = api.new_task()
    host = urlsplit(str(api.base_url)).netloc
    auth = "" if name == "Authorization" else f"\r\nAuthorization: {api.headers['Authorization']}"
    status, headers, body = raw_request(
        str(api.base_url),
        f"PATCH /api/tasks/{task['id']} HTTP/1.1\r\nHost: {host}{auth}\r\n{name}: \u00e9t\u00e9\r\n"
        "Content-Type: application/json\r\nContent-Length: 17",
        b'{"title": "new!"}',
    )
    assert status == 400, body[:300]
    assert headers["content-type"] == "application/problem+json"
    assert name.encode() in body
    assert api.get(f"/api/tasks/{task['id']}").json()["title"] == "a task"


def test_mcp_with_an_accept_of_only_an_event_stream_is_a_406_problem(api: Api) -> None:
    response = api.post(
        "/api/mcp",
        json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
        headers={"Accept": "text/event-stream"},
    )
    assert response.status_code == 406, response.text
    assert response.headers["content-type"] == "application/problem+json"
