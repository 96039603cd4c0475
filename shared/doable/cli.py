"""The `doable` command: run the app embedded, bring the local stack up and down, serve one function."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

from doable.config import Settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="doable", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="every function in one process, SQLite, http://localhost:8080")
    run.add_argument("--port", type=int, default=8080)
    run.add_argument("--host", default="127.0.0.1")
    run.add_argument(
        "--access-log",
        action="store_true",
        help="log a line per request and function hop (off: it costs each request)",
    )

    development = _development_commands(commands)

    serve = commands.add_parser("serve", help="serve one function (FUNCTION_TARGET) with functions-framework")
    serve.add_argument("function", nargs="?", help="app id, e.g. create-task; defaults to $FUNCTION_TARGET")
    serve.add_argument("--port", type=int, default=None, help="defaults to $PORT or 8080")
    serve.add_argument("--host", default=None, help="defaults to $HOST or 127.0.0.1")

    commands.add_parser("migrate", help="apply database migrations to the configured database")

    audit = commands.add_parser("audit", help="audit log tools")
    audit_commands = audit.add_subparsers(dest="audit_command", required=True)
    verify = audit_commands.add_parser("verify", help="check every user's hash chain")
    verify.add_argument("--user", default=None)

    # The terminal client has its own parser: everything after `tasks` goes to it unread (listed here
    # for --help; argparse's REMAINDER cannot pass on a leading option such as `-h`).
    commands.add_parser("tasks", help="your tasks on a Doable server (doable tasks -h)", add_help=False)
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["tasks"]:
        from doable.client import main as tasks_main

        return tasks_main(argv[1:])

    args = parser.parse_args(argv)
    handler = {"run": _run, "serve": _serve, "migrate": _migrate, "audit": _audit, **development}
    return handler[args.command](args)


def _run(args: argparse.Namespace) -> int:
    from doable.embedded import serve

    serve(args.host, args.port, log_access=args.access_log)
    return 0


def _development_commands(commands: Any) -> dict[str, Callable[[argparse.Namespace], int]]:
    """`up` and `down` where the development package is (the venv); the image ships without it."""
    try:
        from doable_dev.cli import add_commands
    except ModuleNotFoundError as error:
        if error.name != "doable_dev":
            raise
        return {}
    return add_commands(commands)


def _serve(args: argparse.Namespace) -> int:
    import os

    import flask
    import functions_framework
    from functions_framework._http import create_server
    from werkzeug.exceptions import HTTPException, NotFound

    from doable.bootstrap import build
    from doable.http.problem import from_http_exception
    from doable.observability import configure_logging

    name = args.function or os.environ.get("FUNCTION_TARGET")
    # functions-framework overwrites FUNCTION_TARGET with the handler's name; the container reads this.
    os.environ["DOABLE_FUNCTION"] = str(name)
    settings = Settings.from_env()
    source = settings.functions_dir / str(name) / "main.py"
    if not name or not source.is_file():
        print(f"no function {name!r}; expected {source}", file=sys.stderr)
        return 2
    configure_logging(name, settings.log_level)
    app = functions_framework.create_app(target="handler", source=str(source), signature_type="http")
    # functions-framework ran the source as a module named after its file; the process's container
    # is built here, once, and handed to the function it declares.
    build(settings, {name: sys.modules[source.stem].function})
    run = app.view_functions["run"]
    # Werkzeug's router refuses a path its converter cannot take (a newline) with an HTML 404 of its
    # own; the function decides about every path instead, and answers with a problem.
    app.register_error_handler(NotFound, lambda _: run(flask.request.path))
    # Anything else Flask refuses before the function runs (a Host header it cannot parse) is a problem too.
    app.register_error_handler(HTTPException, from_http_exception)
    host = args.host or os.environ.get("HOST", "127.0.0.1")
    port = args.port or int(os.environ.get("PORT", "8080"))
    create_server(app, debug=False).run(host, port)
    return 0


def _migrate(_: argparse.Namespace) -> int:
    from doable.adapters.migrate import upgrade
    from doable.bootstrap import build

    upgrade(build(Settings.from_env(), {}).engine)
    print("database is at the latest migration")
    return 0


def _audit(args: argparse.Namespace) -> int:
    from doable.bootstrap import build
    from doable.services.audit import verify

    checked, broken = verify(build(Settings.from_env(), {}).uow(), args.user)
    if broken is None:
        print(f"audit log intact: {checked} entries verified")
        return 0
    print(
        f"audit log broken at entry {broken.seq} of user {broken.user_id}: {broken.reason} "
        f"({checked} entries before it verified)\n"
        "The log is append-only, so this entry was changed outside Doable: compare it with a backup "
        "taken before it, and check who could write to the audit_log table."
    )
    return 1


if __name__ == "__main__":
    sys.exit(main())
