"""Serves an ASGI app from inside a WSGI function: one private event loop thread, lifespan included.

functions-framework (gunicorn threads) and the embedded mode call a function with a Flask request on
a worker thread, while the MCP SDK's server is an ASGI app whose session manager must be running (a
task group entered through its lifespan) before the first request. The host starts a private event
loop on a daemon thread the first time it is used, which is after gunicorn has forked, enters the
lifespan there once for the process's life, and hands each request to the app through a2wsgi's
ASGI-to-WSGI adapter bound to that same loop. The whole response is buffered: service invocation
through Dapr is plain request/response anyway, so the MCP server answers in JSON, not SSE.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Callable, Iterable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any

from a2wsgi import ASGIMiddleware

Lifespan = Callable[[], AbstractAsyncContextManager[Any]]
Build = Callable[[], tuple[Any, Lifespan]]  # () -> (ASGI app, its lifespan)
STARTUP_TIMEOUT = 30.0
# Headers that describe one hop of the connection, not the response; Flask and the server set their own.
_HOP_BY_HOP = frozenset({"connection", "keep-alive", "transfer-encoding", "content-length"})


@dataclass(frozen=True)
class Reply:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


class AsgiHost:
    def __init__(self, build: Build) -> None:
        self._build = build
        self._lock = threading.Lock()
        self._wsgi: ASGIMiddleware | None = None

    def call(self, environ: dict[str, Any]) -> Reply:
        """Runs one request (a complete WSGI environ) through the ASGI app and returns its response."""
        wsgi = self._started()
        started: dict[str, Any] = {}

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
            started["status"], started["headers"] = status, headers

        chunks: Iterable[bytes] = wsgi(environ, start_response)  # type: ignore[arg-type]
        try:
            body = b"".join(chunks)
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()
        headers = [(name, value) for name, value in started["headers"] if name.lower() not in _HOP_BY_HOP]
        return Reply(int(str(started["status"]).split(" ", 1)[0]), headers, body)

    def _started(self) -> ASGIMiddleware:
        with self._lock:
            if self._wsgi is None:
                app, lifespan = self._build()
                loop = asyncio.new_event_loop()
                threading.Thread(target=loop.run_forever, name="asgi-host", daemon=True).start()
                ready: concurrent.futures.Future[None] = concurrent.futures.Future()
                held = asyncio.run_coroutine_threadsafe(_hold(lifespan, ready), loop)
                # Either the lifespan is entered, or holding it failed and says why.
                concurrent.futures.wait([ready, held], STARTUP_TIMEOUT, concurrent.futures.FIRST_COMPLETED)
                if not ready.done():
                    loop.call_soon_threadsafe(loop.stop)  # the next request tries again on a new loop
                    if held.done():
                        held.result()  # raises what went wrong
                    raise TimeoutError(f"the ASGI app did not start within {STARTUP_TIMEOUT:g}s")
                self._wsgi = ASGIMiddleware(app, loop=loop)
            return self._wsgi


async def _hold(lifespan: Lifespan, ready: concurrent.futures.Future[None]) -> None:
    """Enters the lifespan and stays inside it for as long as the process lives."""
    async with lifespan():
        ready.set_result(None)
        await asyncio.Event().wait()
