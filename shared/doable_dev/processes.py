"""The stack's child processes: started with a log each, their pids kept so any later `down` stops them."""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import httpx

Progress = Callable[[str], None]


class StackError(RuntimeError):
    """The stack could not start; the message says which part and where its log is."""


class StackBusy(StackError):
    """Another stack holds the state directory or the ports; nothing was started, nothing to stop."""


class Processes:
    """What `up` started, recorded in `stack.json` in the state directory (with facts such as whether
    `up` started PostgreSQL), so `down` from another process stops exactly that."""

    def __init__(self, state_dir: Path) -> None:
        self.state_dir = state_dir
        self.logs = state_dir / "logs"
        self.state_file = state_dir / "stack.json"
        self.children: dict[str, subprocess.Popen[bytes]] = {}

    def spawn(self, name: str, command: list[str], env: dict[str, str] | None = None) -> None:
        log = open(self.logs / f"{name}.log", "ab")  # noqa: SIM115 - the child owns it from here
        process = subprocess.Popen(
            command,
            cwd=self.state_dir,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            start_new_session=True,
        )
        log.close()
        self.children[name] = process
        state = self.state()
        state.setdefault("pids", {})[name] = process.pid
        self._write(state)

    def note(self, **facts: Any) -> None:
        """Records facts beside the pids (kept until `clear`)."""
        self._write({**self.state(), **facts})

    def stop(self, names: Iterable[str], *, grace: float = 15) -> None:
        """Stops the named processes that still run (see `stop_all`) and forgets them."""
        names = list(names)
        running = self.running()
        stop_all([running[name] for name in names if name in running], grace)
        for name in names:
            self.children.pop(name, None)
        state = self.state()
        if state:  # else nothing was recorded, nor is there a state directory to record in
            for name in names:
                state.get("pids", {}).pop(name, None)
            self._write(state)

    def state(self) -> dict[str, Any]:
        if not self.state_file.exists():
            return {}
        return dict(json.loads(self.state_file.read_text()))

    def running(self) -> dict[str, int]:
        pids = self.state().get("pids", {})
        assert isinstance(pids, dict)
        return {name: pid for name, pid in pids.items() if alive(pid)}

    def clear(self) -> None:
        self.state_file.unlink(missing_ok=True)
        self.children.clear()

    def _write(self, state: dict[str, Any]) -> None:
        self.state_file.write_text(json.dumps(state, indent=2))


def run(command: list[str]) -> str:
    """Runs a tool to completion; its output, or a StackError with the command and what it said."""
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise StackError(f"{shlex.join(command)} failed: {result.stderr.strip() or result.stdout.strip()}")
    return result.stdout


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.2)
        return probe.connect_ex((host, port)) == 0


def http_ok(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1.0).status_code in (200, 204)
    except httpx.HTTPError:
        return False


def wait_until(check: Callable[[], bool], timeout: float, what: str, log: Path | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    hint = f"; see {log}" if log else ""
    raise StackError(f"{what} was not ready within {timeout:.0f}s{hint}")


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie child of this process counts as gone
        finished, _ = os.waitpid(pid, os.WNOHANG)
        return finished == 0
    except ChildProcessError:
        return True


def stop_all(pids: list[int], grace: float = 15) -> None:
    """SIGTERM, then SIGKILL for whatever is still alive after `grace` seconds (0: SIGKILL only)."""
    for pid in pids:
        _signal(pid, signal.SIGTERM if grace > 0 else signal.SIGKILL)
    deadline = time.monotonic() + grace
    for pid in pids:
        while alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        if alive(pid):
            _signal(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    for pid in pids:  # gone, ports and all, before anyone starts a successor
        while alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)


def _signal(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)
