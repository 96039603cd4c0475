"""Embedded Doable: every function in one process on SQLite, wired exactly as the Dapr components say.

Topic subscriptions and cron ticks are read from `dapr/local/components`, so the embedded mode
delivers the same events to the same handlers as the local stack, with no second wiring to drift.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import re
import threading
import time
from pathlib import Path
from types import ModuleType

import flask
import yaml
from werkzeug.exceptions import HTTPException
from werkzeug.routing import PathConverter, Rule
from werkzeug.serving import make_server
from werkzeug.test import EnvironBuilder

from doable.adapters.inprocess import InProcessBus, InProcessJobs
from doable.adapters.migrate import upgrade
from doable.bootstrap import Container, build_embedded, install
from doable.config import REPO_ROOT, Settings
from doable.http.function import HttpFunction
from doable.http.gateway import InProcessInvoker
from doable.http.problem import from_http_exception
from doable.observability import configure_logging

log = logging.getLogger(__name__)
COMPONENTS = REPO_ROOT / "dapr" / "local" / "components"


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
        self.container: Container = build_embedded(self.settings)
        install(self.container)
        upgrade(self.container.engine)
        self.functions = load_functions(self.settings.functions_dir)
        self.container.invoker = InProcessInvoker(self.functions)
        self.bus: InProcessBus = self.container.extras["bus"]
        self.bus.deliver = self.deliver
        jobs = self.container.jobs
        assert isinstance(jobs, InProcessJobs)
        jobs.deliver = self.deliver
        self.crons: list[tuple[str, float]] = []
        self._wire(components)
        self.app = self._wsgi_app()
        self._stop = threading.Event()

    def _wire(self, components: Path) -> None:
        for path in sorted(components.glob("*.yaml")):
            component = yaml.safe_load(path.read_text())
            spec = component.get("spec", {})
            metadata = {item["name"]: item.get("value") for item in spec.get("metadata", [])}
            apps = [app for app in component.get("scopes", []) if app in self.functions]
            if spec.get("type") == "bindings.kafka" and metadata.get("direction") == "input":
                for topic in str(metadata["topics"]).split(","):
                    for app in apps:
                        self.bus.subscribe(topic.strip(), app)
            elif spec.get("type") == "bindings.cron":
                every = _every_seconds(str(metadata.get("schedule", "")))
                self.crons.extend((app, every) for app in apps)

    def deliver(self, app_id: str, path: str, body: bytes) -> int:
        builder = EnvironBuilder(
            path=path, method="POST", data=body, headers=[("Content-Type", "application/cloudevents+json")]
        )
        try:
            request = flask.Request(builder.get_environ())
        finally:
            builder.close()
        return self.functions[app_id].handler(request).status_code

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


def _every_seconds(schedule: str) -> float:
    match = re.fullmatch(r"@every\s+(\d+)(ms|s|m|h)", schedule.strip())
    if not match:
        raise ValueError(f"embedded mode understands only '@every <n>s' cron schedules, not {schedule!r}")
    value, unit = int(match.group(1)), match.group(2)
    return value * {"ms": 0.001, "s": 1, "m": 60, "h": 3600}[unit]


def serve(host: str, port: int) -> None:
    started = time.monotonic()
    configure_logging("embedded")
    embedded = Embedded()
    embedded.start_background()
    server = make_server(host, port, embedded.app, threaded=True)
    print(
        f"Doable (embedded, SQLite in {embedded.settings.data_dir}) ready on http://{host}:{port} "
        f"in {time.monotonic() - started:.1f}s; Ctrl-C stops it",
        flush=True,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        embedded.stop()
