"""Embedded Doable: every function in one process on SQLite, wired exactly as the Dapr components say.

Topic subscriptions and cron ticks are read from `dapr/local/components`, so the embedded mode
delivers the same events to the same handlers as the local stack, with no second wiring to drift.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from types import ModuleType
from typing import Any

import flask
from waitress.channel import HTTPChannel
from waitress.parser import HTTPRequestParser
from waitress.receiver import ChunkedReceiver
from waitress.server import BaseWSGIServer, create_server
from waitress.task import ErrorTask
from waitress.utilities import BadRequest
from werkzeug.exceptions import HTTPException
from werkzeug.routing import PathConverter, Rule

from doable.adapters.inprocess import InProcessBus
from doable.adapters.migrate import upgrade
from doable.bootstrap import COMPONENTS, Container, build, local_triggers
from doable.config import Settings
from doable.http.function import HttpFunction
from doable.http.problem import from_http_exception, problem
from doable.observability import configure_logging

log = logging.getLogger(__name__)


def load_functions(functions_dir: Path) -> dict[str, HttpFunction]:
    functions: dict[str, HttpFunction] = {}
    for main in sorted(functions_dir.glob("*/main.py")):
        module = _load(main)
        functions[main.parent.name] = module.function
    return functions


def _load(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        f"doable_function_{path.parent.name.replace('-', '_')}", path
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Embedded:
    """The container, the functions and their in-process wiring; `app` is the WSGI entry point."""

    def __init__(self, settings: Settings | None = None, components: Path = COMPONENTS) -> None:
        self.settings = settings or Settings.from_env({**os.environ, "DOABLE_MODE": "embedded"})
        self.functions = load_functions(self.settings.functions_dir)
        self.container: Container = build(self.settings, self.functions, components)
        bus = self.container.publisher
        assert isinstance(bus, InProcessBus), "embedded Doable needs settings with mode='embedded'"
        upgrade(self.container.engine)
        self.bus = bus
        self.deliver = bus.deliver  # the same delivery the bus and the job timer use
        _, self.crons = local_triggers(components, self.functions)
        self.app = self._wsgi_app()
        self._stop = threading.Event()

    def start_background(self) -> None:
        for app_id, every in self.crons:
            threading.Thread(
                target=self._tick, args=(app_id, every), name=f"cron-{app_id}", daemon=True
            ).start()

    def _tick(self, app_id: str, every: float) -> None:
        while not self._stop.wait(every):
            try:
                self.deliver(app_id, "/events", b"")
            except Exception:
                log.exception("cron tick for %s failed", app_id)

    def stop(self) -> None:
        self._stop.set()
        self.bus.drain()

    def _wsgi_app(self) -> flask.Flask:
        app = flask.Flask("doable")
        # Werkzeug's own path converter stops at a newline, and its HTML 404 would answer instead
        # of the gateway's problem: this one takes every path, whatever it holds.
        app.url_map.converters["everything"] = _Everything
        web = self.functions["web"]

        def entry(path: str) -> flask.Response:
            return web.handler(flask.request)

        # Rules without a method list take every method, as functions-framework's do on the stack:
        # TRACE, PROPFIND and the rest reach the gateway and get its 405, not Flask's HTML page.
        app.url_map.add(Rule("/", defaults={"path": ""}, endpoint="entry"))
        app.url_map.add(Rule("/<everything:path>", endpoint="entry"))
        app.view_functions["entry"] = entry
        # Whatever Flask still refuses before the gateway runs (a Host it cannot parse) is a problem too.
        app.register_error_handler(HTTPException, from_http_exception)
        return app


class _Everything(PathConverter):
    regex = r"[^/](?s:.*?)"  # PathConverter's own, with newlines


WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
THREADS = 8  # requests served at once; SQLite's pool (5 + 10 overflow) has a connection for each


def wsgi_server(app: WSGIApp, host: str, port: int) -> BaseWSGIServer:
    """Waitress, in this process: a fixed pool of worker threads, connections queued in front of it.

    Werkzeug's development server started a thread per connection with no bound, so under load every
    request slowed down together. Waitress reads each request whole before a thread takes it, so a slow
    client holds no thread, and it writes no access log of its own. `run()` serves, `close()` stops.
    """
    server = create_server(
        app,
        host=host,
        port=port,
        threads=THREADS,
        connection_limit=1000,  # the load test's 500 users each keep a connection open
        asyncore_use_poll=True,  # select() fails past 1,024 descriptors
        ident="doable",
    )
    assert isinstance(server, BaseWSGIServer)  # one address, so one listening socket
    server.channel_class = _ProblemChannel
    return server


class _ProblemErrorTask(ErrorTask):
    """Waitress's own refusals (a chunk size that lies, a header too large) as problems, like every error."""

    def execute(self) -> None:
        error = self.request.error
        response = problem(
            error.code, f"{error.body}: the request is not HTTP/1.1 this server can read; fix it and resend"
        )
        body = response.get_data()
        self.status = f"{error.code} {error.reason}"
        self.response_headers.append(("Content-Type", response.content_type))
        self.set_close_on_finish()
        self.content_length = len(body)
        self.write(body)


class _StrictChunks(ChunkedReceiver):
    """Refuses a blank line where the first chunk's size belongs.

    Waitress skips such a line and waits for a size the client never sends, so the request would hang
    until a time-out instead of being the 400 it is (as it is behind gunicorn on the stack).
    """

    completed: bool
    all_chunks_received: bool

    def received(self, s: bytes) -> int:
        expecting_size = not (
            self.completed or self.all_chunks_received or self.chunk_remainder or self.validate_chunk_end
        )
        if expecting_size and (self.control_line + s).startswith(b"\r\n"):
            self.error = BadRequest("Blank line where a chunk size belongs")
            self.all_chunks_received = True
            self.completed = True
            return len(s)
        consumed: int = super().received(s)
        return consumed


class _StrictParser(HTTPRequestParser):
    body_rcv: Any

    def parse_header(self, header_plus: bytes) -> None:
        super().parse_header(header_plus)
        if isinstance(self.body_rcv, ChunkedReceiver):
            self.body_rcv = _StrictChunks(self.body_rcv.buf)


class _ProblemChannel(HTTPChannel):
    error_task_class = _ProblemErrorTask
    parser_class = _StrictParser


def serve(host: str, port: int, *, log_access: bool = False) -> None:
    started = time.monotonic()
    configure_logging("embedded")
    # Every hop through a function writes an access line (http/function.py), two or three per request
    # here: formatted and written on the request's thread, so only when asked for.
    logging.getLogger("doable.access").setLevel(logging.INFO if log_access else logging.WARNING)
    embedded = Embedded()
    embedded.start_background()
    server = wsgi_server(embedded.app, host, port)
    print(
        f"Doable (embedded, SQLite in {embedded.settings.data_dir}) ready on "
        f"http://{host}:{server.effective_port} "
        f"in {time.monotonic() - started:.1f}s; Ctrl-C stops it",
        flush=True,
    )
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
        embedded.stop()
