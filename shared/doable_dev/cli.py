"""`doable up` and `doable down`: the local stack's commands, offered by `doable` where this package is."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from doable.config import REPO_ROOT

Command = Callable[[argparse.Namespace], int]


def add_commands(commands: Any) -> dict[str, Command]:
    """Adds `up` and `down` to the `doable` parser's subcommands; returns each one's handler."""
    up = commands.add_parser("up", help="start PostgreSQL, Kafka, the Dapr scheduler and every function")
    up.add_argument("--detach", action="store_true", help="return once ready instead of waiting for Ctrl-C")
    up.add_argument("--fresh", action="store_true", help="start from an empty database")
    up.add_argument("--state-dir", type=Path, default=REPO_ROOT / ".doable")
    up.add_argument("--database", default="doable")

    down = commands.add_parser("down", help="stop what `up` started")
    down.add_argument("--state-dir", type=Path, default=REPO_ROOT / ".doable")
    return {"up": _up, "down": _down}


def _up(args: argparse.Namespace) -> int:
    from doable_dev.processes import StackBusy, StackError
    from doable_dev.stack import Stack

    stack = Stack(args.state_dir, args.database, fresh=args.fresh)
    try:
        stack.start()
    except StackBusy as error:
        print(f"up refused: {error}", file=sys.stderr)  # the running stack is left alone
        return 1
    except (StackError, KeyboardInterrupt) as error:
        print(f"up failed: {error}", file=sys.stderr)
        stack.stop()
        return 1
    print(stack.table())
    if args.detach:
        print("running in the background; stop with `make down`")
        return 0
    print("press Ctrl-C to stop")
    stopped = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):  # also when started where SIGINT was ignored
        signal.signal(signum, lambda *_: stopped.set())
    while not stopped.wait(1):
        pass
    print("stopping…")
    stack.stop()
    return 0


def _down(args: argparse.Namespace) -> int:
    from doable_dev.stack import Stack

    stack = Stack(args.state_dir)
    running = stack.running_pids()
    stack.stop()
    print(f"stopped {len(running)} processes" if running else "nothing was running")
    return 0
