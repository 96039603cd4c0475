"""The composition root: the adapters for the way Doable runs (embedded or behind a Dapr sidecar) in one
container, handed to the functions that serve with it. Nothing looks the container up."""

from __future__ import annotations

import re
import secrets
import threading
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from doable.config import GATEWAY, REPO_ROOT, Settings
from doable.services.ports import EventPublisher, JobScheduler, SecretStore, StateStore

# The adapters are imported where they are first built, not here: SQLAlchemy, the sidecar's HTTP
# client and the token library are most of a function's start-up time, and /healthz, the gateway
# (no database) and the embedded mode (no sidecar) need some of them late or never.
if TYPE_CHECKING:
    from sqlalchemy import Engine

    from doable.adapters.dapr import DaprSidecar
    from doable.adapters.invokers import Handler, Invoker
    from doable.adapters.outbox import OutboxDispatcher
    from doable.adapters.tokens import TokenService
    from doable.adapters.unit_of_work import UnitOfWork

COMPONENTS = REPO_ROOT / "dapr" / "local" / "components"  # the local stack's, read by the embedded mode


class Function(Protocol):
    """What the root needs of a function (doable.http.function.HttpFunction): its handler, and to bind it."""

    @property
    def handler(self) -> Handler: ...

    def bind(self, app: Container) -> None: ...


@dataclass
class Container:
    settings: Settings
    database_url: Callable[[], str]  # read on first use, so a function that needs no database never asks
    publisher: EventPublisher
    secrets: SecretStore
    jobs: JobScheduler
    state: StateStore
    sidecar: DaprSidecar | None = None
    invoker: Invoker | None = None  # the gateway's way to reach the other functions

    needs_database: bool = True  # the gateway only forwards: it reads no database and no secret

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._engine: Engine | None = None
        self._dispatcher: OutboxDispatcher | None = None
        self._tokens: TokenService | None = None

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            with self._lock:
                if self._engine is None:
                    from doable.adapters.db import make_engine

                    self._engine = make_engine(self.database_url())
        return self._engine

    @property
    def dispatcher(self) -> OutboxDispatcher:
        if self._dispatcher is None:
            engine = self.engine
            with self._lock:
                if self._dispatcher is None:
                    from doable.adapters.outbox import OutboxDispatcher

                    self._dispatcher = OutboxDispatcher(engine, self.publisher)
        return self._dispatcher

    def uow(self) -> UnitOfWork:
        from doable.adapters.unit_of_work import UnitOfWork

        return UnitOfWork(self.engine, self.dispatcher)

    @property
    def tokens(self) -> TokenService:
        if self._tokens is None:
            from doable.adapters.tokens import TokenService

            self._tokens = TokenService(
                self.secrets.get("jwt-signing-key"),
                self.settings.token_ttl_seconds,
                oidc_jwks_url=self.settings.oidc_jwks_url,
                oidc_issuer=self.settings.oidc_issuer,
                oidc_audience=self.settings.oidc_audience,
            )
        return self._tokens

    def readiness(self) -> dict[str, bool]:
        checks = {"database": _database_ok(self.engine)} if self.needs_database else {}
        if self.sidecar is not None:
            checks["sidecar"] = self.sidecar.healthy()
        return checks


def _database_ok(engine: Engine) -> bool:
    import sqlalchemy as sa

    try:
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
        return True
    except Exception:
        return False


def build(settings: Settings, functions: Mapping[str, Function], components: Path | None = None) -> Container:
    """The container for the way `settings` say Doable runs, with `functions` bound to it.

    Behind a sidecar the process serves one function and Dapr delivers its events and jobs; embedded,
    every function shares one container, and events, jobs and the gateway's calls go from one
    function's handler to another's in this process.
    """
    if settings.mode == "dapr":
        built = build_dapr(settings)
    else:
        built = build_embedded(settings, functions, components)
    for function in functions.values():
        function.bind(built)
    return built


def build_dapr(settings: Settings) -> Container:
    from doable.adapters.dapr import (
        DaprJobScheduler,
        DaprPublisher,
        DaprSecretStore,
        DaprSidecar,
        DaprStateStore,
    )
    from doable.adapters.invokers import DaprInvoker

    sidecar = DaprSidecar()
    secret_store = DaprSecretStore(sidecar, settings.secret_store)
    return Container(
        settings=settings,
        database_url=lambda: settings.database_url or secret_store.get("database-url"),
        needs_database=settings.function != GATEWAY,
        publisher=DaprPublisher(sidecar, settings.pubsub),
        secrets=secret_store,
        jobs=DaprJobScheduler(sidecar),
        state=DaprStateStore(sidecar, settings.state_store),
        sidecar=sidecar,
        invoker=DaprInvoker(sidecar, settings.invoke_timeout_seconds),
    )


def build_embedded(
    settings: Settings, functions: Mapping[str, Function], components: Path | None = None
) -> Container:
    """Every function in this process: the bus and the job timer deliver to their handlers directly,
    the bus to the functions that the Dapr `components` subscribe to each topic (none without them:
    `doable serve` without a sidecar serves one function, which has no one to deliver to)."""
    from doable.adapters.inprocess import InProcessBus, InProcessJobs, InProcessState, LocalSecrets
    from doable.adapters.invokers import InProcessDelivery, InProcessInvoker

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    url = settings.database_url or f"sqlite:///{settings.data_dir / 'doable.db'}"
    secret_store = LocalSecrets(
        settings.data_dir / "secrets.json", defaults={"jwt-signing-key": lambda: secrets.token_urlsafe(48)}
    )
    handlers = {name: function.handler for name, function in functions.items()}
    deliver = InProcessDelivery(handlers)
    bus = InProcessBus(deliver)
    subscriptions, _ = local_triggers(components, handlers) if components is not None else ([], [])
    for topic, app_id in subscriptions:
        bus.subscribe(topic, app_id)
    return Container(
        settings=settings,
        database_url=lambda: url,
        publisher=bus,
        secrets=secret_store,
        jobs=InProcessJobs(deliver),
        state=InProcessState(),
        invoker=InProcessInvoker(handlers),
    )


def local_triggers(
    components: Path, apps: Collection[str]
) -> tuple[list[tuple[str, str]], list[tuple[str, float]]]:
    """The (topic, app id) subscriptions and the (app id, seconds) cron ticks the local Dapr resources
    (Subscriptions, or Kafka input bindings, and cron bindings) declare for `apps`: the embedded mode
    delivers what the local stack delivers, with no second wiring."""
    import yaml

    subscriptions: list[tuple[str, str]] = []
    crons: list[tuple[str, float]] = []
    for path in sorted(components.glob("*.yaml")):
        component = yaml.safe_load(path.read_text())
        spec = component.get("spec", {})
        metadata = {item["name"]: item.get("value") for item in spec.get("metadata", [])}
        scoped = [app for app in component.get("scopes", []) if app in apps]
        if component.get("kind") == "Subscription":
            # Routing rules and batching are daprd's; the embedded bus delivers every event of the topic
            # and the function's own `wants` skips what the rule would have held back.
            subscriptions.extend((str(spec["topic"]), app) for app in scoped)
        elif spec.get("type") == "bindings.kafka" and metadata.get("direction") == "input":
            topics = [topic.strip() for topic in str(metadata["topics"]).split(",")]
            subscriptions.extend((topic, app) for topic in topics for app in scoped)
        elif spec.get("type") == "bindings.cron":
            every = _every_seconds(str(metadata.get("schedule", "")))
            crons.extend((app, every) for app in scoped)
    return subscriptions, crons


def _every_seconds(schedule: str) -> float:
    match = re.fullmatch(r"@every\s+(\d+)(ms|s|m|h)", schedule.strip())
    if not match:
        raise ValueError(f"embedded mode understands only '@every <n>s' cron schedules, not {schedule!r}")
    value, unit = int(match.group(1)), match.group(2)
    return value * {"ms": 0.001, "s": 1, "m": 60, "h": 3600}[unit]
