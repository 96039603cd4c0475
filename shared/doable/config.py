"""Settings from the environment: the one place that knows Doable's variables and their defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
GATEWAY = "web"  # the public function: it forwards to the others and reads no database or secret
# Every function, in a fixed order: the local stack gives each its ports by its place here.
FUNCTIONS = (
    "web",
    "auth",
    "create-task",
    "update-task",
    "search-tasks",
    "activity",
    "chat",
    "write-audit",
    "spawn-recurrence",
    "fire-reminder",
    "notify",
    "relay-outbox",
)


@dataclass(frozen=True)
class Settings:
    mode: str = "embedded"  # embedded: one process, SQLite; dapr: one function behind its sidecar
    function: str = ""  # the function this process serves (`doable serve NAME`); empty when it serves all
    data_dir: Path = REPO_ROOT / ".doable"
    functions_dir: Path = REPO_ROOT / "functions"
    database_url: str | None = None  # dapr mode reads it from the secret store unless set here
    pubsub: str = "pubsub"
    secret_store: str = "secretstore"
    state_store: str = "statestore"
    app_api_token: str | None = None
    token_ttl_seconds: int = 7 * 24 * 3600
    oidc_jwks_url: str | None = None
    oidc_issuer: str | None = None
    oidc_audience: str | None = None
    max_body_bytes: int = 64 * 1024
    invoke_timeout_seconds: float = 10.0
    # Networks of the proxies in front of the gateway (ingress, activator); their X-Forwarded-For
    # entries are believed. Empty: only the peer's own address counts.
    trusted_proxies: tuple[IPv4Network | IPv6Network, ...] = ()
    metrics_port: int | None = None  # set: /metrics moves off the app port (the public one, for web)
    allow_private_webhooks: bool = False  # only for trying webhooks against a receiver on this machine
    signup: str = "open"  # open: anyone may create an account with a password; closed: nobody may
    signup_domains: tuple[str, ...] = ()  # when set, only emails at these domains may sign up
    signup_per_address_per_hour: int = 20  # accounts one client address may try to create; 0: no limit
    log_level: str = "INFO"

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        data_dir = Path(env.get("DOABLE_DATA_DIR", str(cls.data_dir)))
        mode = env.get("DOABLE_MODE", "embedded")
        if mode not in ("embedded", "dapr"):
            raise ValueError(f"DOABLE_MODE must be 'embedded' or 'dapr', not {mode!r}")
        signup = env.get("DOABLE_SIGNUP", cls.signup).strip().lower()
        if signup not in ("open", "closed"):
            raise ValueError(f"DOABLE_SIGNUP must be 'open' or 'closed', not {signup!r}")
        return cls(
            mode=mode,
            function=env.get("DOABLE_FUNCTION", ""),
            data_dir=data_dir,
            functions_dir=Path(env.get("DOABLE_FUNCTIONS_DIR", str(cls.functions_dir))),
            database_url=env.get("DOABLE_DATABASE_URL") or None,
            pubsub=env.get("DOABLE_PUBSUB", cls.pubsub),
            secret_store=env.get("DOABLE_SECRET_STORE", cls.secret_store),
            state_store=env.get("DOABLE_STATE_STORE", cls.state_store),
            app_api_token=env.get("APP_API_TOKEN") or None,
            token_ttl_seconds=int(env.get("DOABLE_TOKEN_TTL_SECONDS", cls.token_ttl_seconds)),
            oidc_jwks_url=env.get("DOABLE_OIDC_JWKS_URL") or None,
            oidc_issuer=env.get("DOABLE_OIDC_ISSUER") or None,
            oidc_audience=env.get("DOABLE_OIDC_AUDIENCE") or None,
            max_body_bytes=int(env.get("DOABLE_MAX_BODY_BYTES", cls.max_body_bytes)),
            invoke_timeout_seconds=float(
                env.get("DOABLE_INVOKE_TIMEOUT_SECONDS", cls.invoke_timeout_seconds)
            ),
            trusted_proxies=tuple(
                ip_network(part.strip(), strict=False)
                for part in env.get("DOABLE_TRUSTED_PROXIES", "").split(",")
                if part.strip()
            ),
            metrics_port=int(env["DOABLE_METRICS_PORT"]) if env.get("DOABLE_METRICS_PORT") else None,
            log_level=env.get("DOABLE_LOG_LEVEL", cls.log_level),
            allow_private_webhooks=env.get("DOABLE_WEBHOOK_ALLOW_PRIVATE", "false").lower() == "true",
            signup=signup,
            signup_domains=tuple(
                domain.strip().lower().lstrip("@")
                for domain in env.get("DOABLE_SIGNUP_DOMAINS", "").split(",")
                if domain.strip()
            ),
            signup_per_address_per_hour=int(
                env.get("DOABLE_SIGNUP_PER_ADDRESS_PER_HOUR", cls.signup_per_address_per_hour)
            ),
        )
