"""The stack's PostgreSQL: a Debian cluster that runs as the postgres user (the server refuses root)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from doable_dev.layout import POSTGRES_CLUSTER, POSTGRES_PORT
from doable_dev.processes import port_open, run, wait_until


class Postgres:
    """The `doable` cluster on a known port, with the `doable` role owning the stack's database."""

    def __init__(self, database: str, password: str) -> None:
        self.database = database
        self.password = password
        self.version = max(
            p.name for p in Path("/usr/lib/postgresql").iterdir() if (p / "bin/postgres").exists()
        )

    @property
    def url(self) -> str:
        return f"postgresql://doable:{self.password}@127.0.0.1:{POSTGRES_PORT}/{self.database}"

    def start(self, fresh: bool) -> bool:
        """Starts the cluster if it is down; returns whether this call started it."""
        clusters = subprocess.run(["pg_lsclusters", "-h"], capture_output=True, text=True, check=True).stdout
        mine = [line.split() for line in clusters.splitlines() if line.split()[1:2] == [POSTGRES_CLUSTER]]
        if not mine:
            run(
                [
                    "pg_createcluster",
                    self.version,
                    POSTGRES_CLUSTER,
                    "-p",
                    str(POSTGRES_PORT),
                    "-o",
                    "max_connections=400",
                    "-o",
                    "shared_buffers=256MB",
                    "--",
                    "--auth-local=peer",
                    "--auth-host=scram-sha-256",
                ]
            )
            mine = [[self.version, POSTGRES_CLUSTER, str(POSTGRES_PORT), "down"]]
        started = False
        if mine[0][2] != str(POSTGRES_PORT):  # a cluster from an older Doable: move it to today's port
            run(["pg_ctlcluster", mine[0][0], POSTGRES_CLUSTER, "stop"]) if mine[0][3] == "online" else None
            run(["pg_conftool", mine[0][0], POSTGRES_CLUSTER, "set", "port", str(POSTGRES_PORT)])
            mine[0][3] = "down"
        if mine[0][3] != "online":
            run(["pg_ctlcluster", mine[0][0], POSTGRES_CLUSTER, "start"])
            started = True
        wait_until(lambda: port_open(POSTGRES_PORT), 30, "PostgreSQL")
        self._prepare(fresh)
        return started

    def _prepare(self, fresh: bool) -> None:
        password = self.password.replace("'", "''")
        self.psql(
            "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'doable') THEN "
            "CREATE ROLE doable LOGIN; END IF; END $$;"
            f"ALTER ROLE doable PASSWORD '{password}';"
        )
        exists = self.psql(f"SELECT 1 FROM pg_database WHERE datname = '{self.database}'").strip() == "1"
        if exists and fresh:
            self.psql(f'DROP DATABASE "{self.database}" WITH (FORCE)')
            exists = False
        if not exists:
            self.psql(f'CREATE DATABASE "{self.database}" OWNER doable')

    def migrate(self) -> None:
        """Brings the stack's database to the latest migration, as `doable migrate` would."""
        from doable.adapters.db import make_engine
        from doable.adapters.migrate import upgrade

        engine = make_engine(self.url)
        try:
            upgrade(engine)
        finally:
            engine.dispose()

    def psql(self, sql: str, database: str = "postgres") -> str:
        return run(
            [
                "runuser",
                "-u",
                "postgres",
                "--",
                "psql",
                "-p",
                str(POSTGRES_PORT),
                "-d",
                database,
                "-X",
                "-q",
                "-t",
                "-A",
                "-v",
                "ON_ERROR_STOP=1",
                "-c",
                sql,
            ]
        )

    def stop(self) -> None:
        subprocess.run(
            ["pg_ctlcluster", self.version, POSTGRES_CLUSTER, "stop", "-m", "fast"],
            capture_output=True,
            check=False,
        )
