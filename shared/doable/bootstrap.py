"""Wires the adapters for the way Doable runs (embedded or behind a Dapr sidecar) into one container."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from doable.config import GATEWAY, Settings
from doable.services.ports import EventPublisher, JobScheduler, SecretStore, StateStore

# The adapters are imported where they are first built, not here: SQLAlchemy, the sidecar's HTTP
# client and the token library are most of a function's start-up time, and /healthz, the gateway
# (no database) and the embedded mode (no sidecar) need some of them late or never.
if TYPE_CHECKING:
    from sqlalchemy import Engine

    from doable.adapters.dapr import DaprSidecar
    from doable.adapters.outbox import OutboxDispatcher
    from doable.adapters.tokens import TokenService
    from doable.adapters.unit_of_work import UnitOfWork
    from doable.http.gateway import Invoker


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
    extras: dict[str, Any] = field(default_factory=dict)

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


_lock = threading.Lock()
_container: Container | None = None


def container(settings: Settings | None = None) -> Container:
    """The process's container, built on first use so a function starts before its sidecar is ready."""
    global _container
    if _container is not None:  # the hot path: every request asks
        return _container
    with _lock:
        if _container is None:
            settings = settings or Settings.from_env()
            _container = build_dapr(settings) if settings.mode == "dapr" else build_embedded(settings)
        return _container


def install(built: Container) -> None:
    """Makes `built` the process's container (embedded mode and tests wire their own)."""
    global _container
    with _lock:
        _container = built


def build_dapr(settings: Settings) -> Container:
    from doable.adapters.dapr import (
        DaprJobScheduler,
        DaprPublisher,
        DaprSecretStore,
        DaprSidecar,
        DaprStateStore,
    )
    from doable.http.gateway import DaprInvoker

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


def build_embedded(settings: Settings) -> Container:
    from doable.adapters.inprocess import InProcessBus, InProcessJobs, InProcessState, LocalSecrets

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    url = settings.database_url or f"sqlite:///{settings.data_dir / 'doable.db'}"
    secret_store = LocalSecrets(
        settings.data_dir / "secrets.json", defaults={"jwt-signing-key": lambda: secrets.token_urlsafe(48)}
    )
    bus = InProcessBus()
    return Container(
        settings=settings,
        database_url=lambda: url,
        publisher=bus,
        secrets=secret_store,
        jobs=InProcessJobs(),
        state=InProcessState(),
        extras={"bus": bus},
    )
