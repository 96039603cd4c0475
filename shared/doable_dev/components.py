"""The files the stack's sidecars read: the generated secrets, each sidecar's Configuration, and what
the Dapr components in dapr/local say about consumer groups."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable
from pathlib import Path

from doable.config import FUNCTIONS
from doable_dev.layout import DAPR_LOCAL, NAMESPACE, POSTGRES_PORT


def ensure_secrets(state_dir: Path, database: str) -> dict[str, str]:
    """Generated once per state directory and read by daprd's local file secret store."""
    path = state_dir / "secrets.json"
    values = json.loads(path.read_text()) if path.exists() else {}
    values.setdefault("postgres-password", secrets.token_urlsafe(24))
    values.setdefault("jwt-signing-key", secrets.token_urlsafe(48))
    # The sidecars' API tokens: a function only answers its own sidecar, a sidecar only its own app.
    values.setdefault("app-api-token", secrets.token_urlsafe(24))
    values.setdefault("dapr-api-token", secrets.token_urlsafe(24))
    values["database-url"] = (
        f"postgresql://doable:{values['postgres-password']}@127.0.0.1:{POSTGRES_PORT}/{database}"
    )
    # The Dapr PostgreSQL state store takes a libpq connection string.
    values["state-connection-string"] = (
        f"host=127.0.0.1 port={POSTGRES_PORT} user=doable password={values['postgres-password']} "
        f"dbname={database} sslmode=disable"
    )
    state_dir.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(values, indent=2))
    path.chmod(0o600)
    return dict(values)


def read_secrets(state_dir: Path) -> dict[str, str]:
    return dict(json.loads((state_dir / "secrets.json").read_text()))


def write_configurations(folder: Path) -> None:
    """Each sidecar's Configuration: the shared base plus its own access control and secret scopes."""
    import yaml

    from doable.access import access_control, secret_scopes

    base = yaml.safe_load((DAPR_LOCAL / "config.yaml").read_text())
    folder.mkdir(parents=True, exist_ok=True)
    for name in FUNCTIONS:
        config = {**base, "metadata": {"name": name}, "spec": dict(base["spec"])}
        config["spec"]["accessControl"] = access_control(name, NAMESPACE)
        config["spec"]["secrets"] = {"scopes": secret_scopes(name)}
        (folder / f"{name}.yaml").write_text(yaml.safe_dump(config, sort_keys=False))


def consumer_groups(functions: Iterable[str]) -> dict[str, str]:
    """The Kafka consumer group of each of these functions' subscriptions (group → app id): the pub/sub
    component names it, per app ("{appID}")."""
    import yaml

    running = set(functions)
    resources = [yaml.safe_load(p.read_text()) for p in sorted((DAPR_LOCAL / "components").glob("*.yaml"))]
    group_of = {
        r["metadata"]["name"]: str(
            {m["name"]: m.get("value") for m in r["spec"]["metadata"]}.get("consumerGroup")
        )
        for r in resources
        if r["kind"] == "Component" and r["spec"]["type"].startswith("pubsub.")
    }
    return {
        group_of[r["spec"]["pubsubname"]].replace("{appID}", app): app
        for r in resources
        if r["kind"] == "Subscription"
        for app in r.get("scopes", [])
        if app in running
    }
