"""`doable tasks …`: the terminal client for a Doable server, with a stored token and readable tables.

`login` signs in (or, with --register, signs up) against a chosen server and keeps the server and the
token in ~/.config/doable/credentials.json, readable by the owner only; `login --token dpat_…` keeps a
personal access token instead, and $DOABLE_TOKEN (with $DOABLE_SERVER) overrides the stored one for
one command, for scripts. `token create|list|revoke` manage those tokens. Every other command talks to
the public HTTP API with that token, so the terminal has the same filters, sorts and rules as the
web app. Times are typed and shown on the user's own clock (their profile's time zone, which sign-up
sets to this machine's zone unless --timezone says otherwise); --due reads the one date vocabulary
of docs/dates.md ("tomorrow 9am", "next friday", "in 2 hours", 2026-12-01 09:00). A failed request prints the
server's problem detail, one line per invalid field, and exits 1.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TextIO

from doable.client_api import (
    ClientError,
    Credentials,
    Server,
    credentials_path,
    current_server,
    resolve_task_id,
)
from doable.client_view import (
    SHORT_ID,
    footer,
    local_zone_name,
    read_time,
    show_time,
    table,
    token_table,
)
from doable.domain.query import LIMIT_MAX, SORTS

PRIORITIES = ("high", "medium", "low")
RECURRENCES = ("none", "daily", "weekly", "monthly")


# --- commands -----------------------------------------------------------------------------------


@dataclass
class Io:
    out: TextIO
    err: TextIO
    password: Callable[[str], str]


def _login(args: argparse.Namespace, io: Io) -> int:
    if args.token:
        return _login_with_token(args, io)
    server = Server(args.server)
    email = args.email or input("email: ").strip()
    password = args.password or os.environ.get("DOABLE_PASSWORD") or io.password("password: ")
    if args.register:
        body: dict[str, Any] = {"email": email, "password": password}
        body |= {key: value for key in ("name", "timezone") if (value := getattr(args, key))}
        # Without --timezone the account takes this machine's zone, so "tomorrow 9am" is 9 AM here.
        if "timezone" not in body and (local := local_zone_name()):
            body["timezone"] = local
        answer = server.request("POST", "/auth/register", json=body)
    else:
        answer = server.request("POST", "/auth/login", json={"email": email, "password": password})
    path = Credentials(server.base_url, answer["token"], answer["user"]["email"]).save()
    user = answer["user"]
    verb = "Signed up" if args.register else "Signed in"
    print(
        f"{verb} to {server.base_url} as {user['email']} (times in {user['timezone']}); token in {path}",
        file=io.out,
    )
    local = local_zone_name()
    if local is not None and local != user["timezone"]:
        print(
            f"note: this machine's time zone is {local}, but your account reads and shows times in "
            f"{user['timezone']}; change the account's time zone in the web app's settings if that is wrong",
            file=io.out,
        )
    return 0


def _login_with_token(args: argparse.Namespace, io: Io) -> int:
    """Keeps a personal access token after checking, with GET /me, that the server accepts it."""
    if args.register or args.password or args.email:
        raise ClientError("--token signs in by itself; leave out --register, --email and --password")
    server = Server(args.server, args.token)
    user = server.request("GET", "/me")
    path = Credentials(server.base_url, args.token, user["email"]).save()
    print(
        f"Using an access token on {server.base_url} as {user['email']} (times in {user['timezone']}); "
        f"token in {path}",
        file=io.out,
    )
    return 0


def _logout(_: argparse.Namespace, io: Io) -> int:
    path = credentials_path()
    path.unlink(missing_ok=True)
    print(f"Signed out; removed {path}", file=io.out)
    return 0


def _add(args: argparse.Namespace, io: Io) -> int:
    server = current_server()
    body: dict[str, Any] = {"title": " ".join(args.title)}
    if args.description is not None:
        body["description"] = args.description
    if args.priority:
        body["priority"] = args.priority
    if args.tag:
        body["tags"] = args.tag
    if args.due:
        body["due_at"] = read_time(args.due, server.zone)
    if args.repeat:
        body["recurrence"] = args.repeat
    if args.remind is not None:
        body["reminder_minutes_before"] = args.remind
    task = server.request("POST", "/tasks", json=body)
    return _show(io, server, "Added", task)


def _list(args: argparse.Namespace, io: Io) -> int:
    server = current_server()
    params: list[tuple[str, str]] = []
    for name in ("q", "status", "sort", "cursor"):
        if getattr(args, name) is not None:
            params.append((name, getattr(args, name)))
    params += [("priority", value) for value in args.priority or []]
    params += [("tag", value) for value in args.tag or []]
    for name in ("due_after", "due_before"):
        if getattr(args, name):
            params.append((name, read_time(getattr(args, name), server.zone)))
    if args.overdue:
        params.append(("overdue", "true"))
    params.append(("limit", str(args.limit)))
    page = server.request("GET", "/tasks", params=params)
    if args.json:
        print(json.dumps(page, indent=2), file=io.out)
        return 0
    if not page["items"]:
        print("No tasks match.", file=io.out)
        return 0
    print(table(page["items"], server.zone, datetime.now(server.zone)), file=io.out)
    print(footer(page), file=io.out)
    return 0


def _done(args: argparse.Namespace, io: Io) -> int:
    server = current_server()
    task = server.request("POST", f"/tasks/{resolve_task_id(server, args.id)}/complete")
    return _show(io, server, "Completed", task)


def _reopen(args: argparse.Namespace, io: Io) -> int:
    server = current_server()
    task = server.request("POST", f"/tasks/{resolve_task_id(server, args.id)}/reopen")
    return _show(io, server, "Reopened", task)


def _rm(args: argparse.Namespace, io: Io) -> int:
    server = current_server()
    task_id = resolve_task_id(server, args.id)
    task = server.request("GET", f"/tasks/{task_id}")
    server.request("DELETE", f"/tasks/{task_id}", params={"scope": "series" if args.series else "one"})
    scope = " and the rest of its series" if args.series else ""
    print(f"Deleted {task_id[:SHORT_ID]} \u201c{task['title']}\u201d{scope}", file=io.out)
    return 0


def _edit(args: argparse.Namespace, io: Io) -> int:
    server = current_server()
    body: dict[str, Any] = {}
    if args.title is not None:
        body["title"] = args.title
    if args.description is not None:
        body["description"] = args.description
    if args.priority:
        body["priority"] = args.priority
    if args.no_tags:
        body["tags"] = []
    elif args.tag:
        body["tags"] = args.tag
    if args.no_due:
        body["due_at"] = None
    elif args.due:
        body["due_at"] = read_time(args.due, server.zone)
    if args.repeat:
        body["recurrence"] = args.repeat
    if args.no_remind:
        body["reminder_minutes_before"] = None
    elif args.remind is not None:
        body["reminder_minutes_before"] = args.remind
    if not body:
        raise ClientError("nothing to change; give at least one of --title, --priority, --tag, --due, …")
    headers = {"If-Match": str(args.if_version)} if args.if_version is not None else {}
    task = server.request("PATCH", f"/tasks/{resolve_task_id(server, args.id)}", json=body, headers=headers)
    return _show(io, server, "Updated", task)


def _show(io: Io, server: Server, verb: str, task: dict[str, Any]) -> int:
    print(f"{verb} {task['id'][:SHORT_ID]} \u201c{task['title']}\u201d", file=io.out)
    print(table([task], server.zone, datetime.now(server.zone)), file=io.out)
    return 0


# --- personal access tokens -----------------------------------------------------------------------


def _token_create(args: argparse.Namespace, io: Io) -> int:
    server = current_server()
    body = {"name": " ".join(args.name), "scope": args.scope, "expires_in_days": args.days}
    made = server.request("POST", "/tokens", json=body)
    print(
        f"Created {made['scope']} token {made['id'][:SHORT_ID]} \u201c{made['name']}\u201d, "
        f"expires {show_time(made['expires_at'], server.zone)}. Copy it now, it is not shown again:",
        file=io.out,
    )
    print(made["token"], file=io.out)
    return 0


def _token_list(_: argparse.Namespace, io: Io) -> int:
    server = current_server()
    items = server.request("GET", "/tokens")["items"]
    if not items:
        print("No access tokens; create one with `doable tasks token create NAME`.", file=io.out)
        return 0
    print(token_table(items, server.zone, datetime.now(server.zone)), file=io.out)
    return 0


def _token_revoke(args: argparse.Namespace, io: Io) -> int:
    server = current_server()
    given = args.id.strip().lower()
    matches = [item for item in server.request("GET", "/tokens")["items"] if item["id"].startswith(given)]
    if len(given) < 4 or not matches:
        raise ClientError(f"no access token with an id starting {given!r}; see `doable tasks token list`")
    if len(matches) > 1:
        raise ClientError(f"{given!r} is the start of {len(matches)} token ids; give more characters")
    server.request("DELETE", f"/tokens/{matches[0]['id']}")
    print(
        f"Revoked {matches[0]['id'][:SHORT_ID]} \u201c{matches[0]['name']}\u201d; it stops working now",
        file=io.out,
    )
    return 0


# --- arguments ----------------------------------------------------------------------------------


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="doable tasks",
        description="Your tasks on a Doable server: sign in once with `login`, then add, list, edit, done.",
    )
    commands = root.add_subparsers(dest="command", required=True, metavar="COMMAND")

    login = commands.add_parser("login", help="sign in to a server and store the token")
    login.add_argument("--server", required=True, help="e.g. http://localhost:8080")
    login.add_argument("--email")
    login.add_argument("--password", help="or $DOABLE_PASSWORD, or typed at the prompt")
    login.add_argument("--register", action="store_true", help="create the account first")
    login.add_argument("--name", help="with --register")
    login.add_argument("--timezone", help="with --register, an IANA name such as Europe/Paris")
    login.add_argument("--token", help="a personal access token (dpat_…) to use instead of a password")
    login.set_defaults(run=_login)

    commands.add_parser("logout", help="forget the stored token").set_defaults(run=_logout)

    add = commands.add_parser("add", help="add a task")
    add.add_argument("title", nargs="+")
    add.add_argument("--description", "-d")
    add.add_argument("--priority", "-p", choices=PRIORITIES)
    add.add_argument("--tag", "-t", action="append", help="repeat for several tags")
    add.add_argument("--due", help="'2026-12-01 09:00', 'tomorrow 9am', 'friday 3pm' or RFC 3339")
    add.add_argument("--repeat", choices=RECURRENCES)
    add.add_argument("--remind", type=int, metavar="MINUTES", help="minutes before the due time")
    add.set_defaults(run=_add)

    listing = commands.add_parser("list", aliases=["ls"], help="list, search, filter and sort tasks")
    listing.add_argument("--q", help="words to find in title, description and tags")
    listing.add_argument("--status", choices=("open", "completed", "all"))
    listing.add_argument("--priority", "-p", action="append", choices=PRIORITIES, help="any of; repeatable")
    listing.add_argument("--tag", "-t", action="append", help="all of; repeatable")
    listing.add_argument("--due-after", dest="due_after")
    listing.add_argument("--due-before", dest="due_before")
    listing.add_argument("--overdue", action="store_true")
    listing.add_argument("--sort", choices=SORTS, help="default -created_at")
    listing.add_argument("--limit", type=int, default=50, help=f"1 to {LIMIT_MAX}")
    listing.add_argument("--cursor", help="the next page, as the footer of the previous one says")
    listing.add_argument("--json", action="store_true", help="print the API's JSON instead of a table")
    listing.set_defaults(run=_list)

    done = commands.add_parser("done", help="complete a task")
    done.add_argument("id", help="the ID column of the list, or a full task id")
    done.set_defaults(run=_done)

    reopen = commands.add_parser("reopen", help="reopen a completed task")
    reopen.add_argument("id")
    reopen.set_defaults(run=_reopen)

    rm = commands.add_parser("rm", help="delete a task")
    rm.add_argument("id")
    rm.add_argument("--series", action="store_true", help="also cancel the rest of a recurring series")
    rm.set_defaults(run=_rm)

    edit = commands.add_parser("edit", help="change some fields of a task")
    edit.add_argument("id")
    edit.add_argument("--title")
    edit.add_argument("--description", "-d")
    edit.add_argument("--priority", "-p", choices=PRIORITIES)
    edit.add_argument("--tag", "-t", action="append", help="replaces the tags; repeatable")
    edit.add_argument("--no-tags", action="store_true")
    edit.add_argument("--due")
    edit.add_argument("--no-due", action="store_true")
    edit.add_argument("--repeat", choices=RECURRENCES)
    edit.add_argument("--remind", type=int, metavar="MINUTES")
    edit.add_argument("--no-remind", action="store_true")
    edit.add_argument("--if-version", type=int, help="refuse if the task changed since this version")
    edit.set_defaults(run=_edit)

    token = commands.add_parser("token", help="personal access tokens for agents and scripts")
    token_commands = token.add_subparsers(dest="token_command", required=True, metavar="ACTION")
    create = token_commands.add_parser("create", help="create a token (needs a password sign-in)")
    create.add_argument("name", nargs="+", help="what it is for, e.g. Claude Desktop")
    create.add_argument("--scope", choices=("read", "write"), default="read", help="default read")
    create.add_argument("--days", type=int, default=30, help="days until it expires, 1 to 365; default 30")
    create.set_defaults(run=_token_create)
    token_commands.add_parser("list", help="your tokens").set_defaults(run=_token_list)
    revoke = token_commands.add_parser("revoke", help="revoke a token; it stops working at once")
    revoke.add_argument("id", help="the ID column of `token list`")
    revoke.set_defaults(run=_token_revoke)
    return root


def _glue_sort(argv: list[str]) -> list[str]:
    """`--sort -due_at` as `--sort=-due_at`: argparse would take the descending sort for an option."""
    glued: list[str] = []
    for arg in argv:
        if glued and glued[-1] == "--sort" and arg.startswith("-"):
            glued[-1] = f"--sort={arg}"
        else:
            glued.append(arg)
    return glued


def main(argv: Sequence[str] | None = None, io: Io | None = None) -> int:
    io = io or Io(sys.stdout, sys.stderr, getpass.getpass)
    args = parser().parse_args(_glue_sort(list(sys.argv[1:] if argv is None else argv)))
    try:
        return int(args.run(args, io))
    except ClientError as error:
        print(f"error: {error}", file=io.err)
        return 1


if __name__ == "__main__":
    sys.exit(main())
