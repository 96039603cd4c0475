"""`doable run`'s HTTP server: threads in one process, its refusals as problems, an access log on request."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from doable.embedded import wsgi_server


def hello(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"hello"]


@pytest.fixture
def server_url() -> Iterator[str]:
    server = wsgi_server(hello, "127.0.0.1", 0)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.effective_port}"
    server.close()
    thread.join(timeout=10)


def raw(url: str, request: bytes) -> bytes:
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as connection:
        connection.sendall(request)
        reply = b""
        while chunk := connection.recv(65536):
            reply += chunk
    return reply


@pytest.mark.parametrize("chunks", [b"\r\n", b"zz\r\nabc\r\n0\r\n\r\n"])
def test_the_servers_own_refusal_is_a_400_problem(server_url: str, chunks: bytes) -> None:
    reply = raw(server_url, b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + chunks)
    head, _, body = reply.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400 "), reply
    assert b"Content-Type: application/problem+json" in head
    assert b"chunk" in body


def test_a_well_formed_request_reaches_the_app(server_url: str) -> None:
    assert httpx.get(f"{server_url}/ping").text == "hello"


def run_doable(data_dir: Path, *flags: str) -> str:
    """`doable run` on a free port: one request, then Ctrl-C; returns what it logged."""
    env = {**os.environ, "DOABLE_DATA_DIR": str(data_dir)}
    process = subprocess.Popen(
        [sys.executable, "-m", "doable.cli", "run", "--port", "0", *flags],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        ready = process.stdout.readline()
        match = re.search(r"ready on (http://\S+) ", ready)
        assert match, ready
        assert httpx.get(f"{match.group(1)}/api/tasks").status_code == 401
        process.send_signal(signal.SIGINT)
        _, logged = process.communicate(timeout=30)
    finally:
        process.kill()
    assert process.returncode == 0, logged
    return logged


def test_doable_run_logs_requests_only_when_asked(tmp_path: Path) -> None:
    quiet = run_doable(tmp_path)
    assert '"doable.access"' not in quiet
    loud = run_doable(tmp_path, "--access-log")
    assert re.search(r'"logger": "doable.access", "message": "GET /api/tasks 401 ', loud), loud
