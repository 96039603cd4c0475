"""The terminal client against the embedded server, with a throwaway HOME for its credentials."""

from __future__ import annotations

import io
import json
import os
import re
import stat
import subprocess
import sys
import uuid
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest

from doable import client
from doable.domain.model import parse_time

PARIS = ZoneInfo("Europe/Paris")
FOOTER = re.compile(r"^\d+ of \d+ tasks")


class Terminal:
    """Runs `doable tasks …` in-process and keeps what it printed."""

    def __init__(self, server: str) -> None:
        self.server = server
        self.email = f"cli-{uuid.uuid4().hex[:10]}@example.com"
        self.out = ""
        self.err = ""

    def __call__(self, *argv: str) -> int:
        out, err = io.StringIO(), io.StringIO()
        code = client.main(list(argv), client.Io(out, err, lambda _prompt: "correct horse"))
        self.out, self.err = out.getvalue(), err.getvalue()
        return code

    def rows(self) -> list[list[str]]:
        """The table's rows below its header, split on runs of two or more spaces."""
        lines = [line for line in self.out.splitlines() if line.strip()]
        start = next(i for i, line in enumerate(lines) if line.startswith("ID "))
        body = [line for line in lines[start + 1 :] if not FOOTER.match(line)]
        return [re.split(r" {2,}", line.strip()) for line in body]

    def add(self, *argv: str) -> str:
        assert self("add", *argv) == 0, self.err
        return self.out.split()[1]  # "Added <short id> “title”"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    monkeypatch.delenv("DOABLE_PASSWORD", raising=False)
    return tmp_path


@pytest.fixture
def cli(embedded_url: str, home: Path) -> Terminal:
    terminal = Terminal(embedded_url)
    code = terminal(
        "login",
        "--server",
        embedded_url,
        "--register",
        "--email",
        terminal.email,
        "--timezone",
        "Europe/Paris",
    )
    assert code == 0, terminal.err
    return terminal


def test_login_stores_server_and_token_readable_only_by_the_owner(cli: Terminal, home: Path) -> None:
    path = home / ".config" / "doable" / "credentials.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    stored = json.loads(path.read_text())
    assert stored["server"] == cli.server and stored["email"] == cli.email
    me = httpx.get(f"{cli.server}/api/me", headers={"Authorization": f"Bearer {stored['token']}"})
    assert me.json()["timezone"] == "Europe/Paris"
    assert f"Signed up to {cli.server} as {cli.email} (times in Europe/Paris)" in cli.out
    # Signing in again (password typed at the prompt) replaces the token.
    assert cli("login", "--server", cli.server, "--email", cli.email) == 0
    assert cli.out.startswith("Signed in to")
    assert cli("logout") == 0 and not path.exists()
    assert cli("list") == 1
    assert cli.err == "error: not signed in; run `doable tasks login --server URL` first\n"


def test_add_shows_the_task_on_the_users_clock(cli: Terminal) -> None:
    assert cli("add", "Pay", "rent", "-p", "high", "-t", "home", "-t", "Bills", "--due", "2030-12-01 09:00",
               "--repeat", "monthly", "--remind", "1440") == 0  # fmt: skip
    assert cli.out.startswith("Added ") and "\u201cPay rent\u201d" in cli.out
    (row,) = cli.rows()
    assert row[1:] == ["Pay rent", "high", "open", "2030-12-01 09:00", "#home #bills", "monthly"]
    full = client.Credentials.load()
    task = client.Server(full.server, full.token).request("GET", "/tasks")["items"][0]
    assert task["due_at"] == "2030-12-01T08:00:00.000Z" and task["reminder_minutes_before"] == 1440


def test_due_dates_can_be_typed_in_words(cli: Terminal) -> None:
    cli.add("call mom", "--due", "friday 3pm")
    (row,) = cli.rows()
    due = datetime.strptime(row[4], "%Y-%m-%d %H:%M")
    assert (due.strftime("%A"), due.hour) == ("Friday", 15)
    assert cli("add", "x", "--due", "someday maybe") == 1
    assert cli.err.startswith("error: cannot read 'someday maybe' as a date; use e.g. 'tomorrow 9am'")
    assert cli("add", "x", "--due", "feb 31") == 1
    assert cli.err == "error: February has no 31st; it has 29 days, so pick a day from 1 to 29\n"


def test_list_has_the_apis_filters_and_sorts(cli: Terminal) -> None:
    cli.add("Pay rent", "-p", "high", "-t", "home", "--due", "2030-01-02 09:00")
    cli.add("Buy milk", "-p", "low", "-t", "home")
    board = cli.add("Board prep", "-p", "high", "-t", "work", "--due", "2030-01-01 09:00")
    cli.add("Old bill", "--due", "2020-01-01 09:00")

    def titles(*argv: str) -> list[str]:
        assert cli("list", *argv) == 0, cli.err
        return [] if cli.out.startswith("No tasks") else [row[1] for row in cli.rows()]

    assert titles() == ["Old bill", "Board prep", "Buy milk", "Pay rent"]  # newest first
    assert titles("--priority", "high", "--sort", "due_at") == ["Board prep", "Pay rent"]
    assert titles("-p", "high", "-p", "low", "--sort", "-priority") == ["Buy milk", "Board prep", "Pay rent"]
    assert titles("--tag", "home", "--q", "milk") == ["Buy milk"]
    assert titles("--overdue") == ["Old bill"]
    assert titles("--due-after", "2029-12-31", "--due-before", "2030-01-01 12:00") == ["Board prep"]
    assert cli("done", board) == 0
    assert titles("--status", "completed") == ["Board prep"]
    assert titles("--status", "open", "--q", "board") == []
    assert cli.out == "No tasks match.\n"

    assert cli("list", "--sort", "created_at", "--limit", "3") == 0
    assert "3 of 4 tasks; next page: --cursor " in cli.out
    cursor = cli.out.rsplit("--cursor ", 1)[1].strip()
    assert titles("--sort", "created_at", "--limit", "3", "--cursor", cursor) == ["Old bill"]
    assert cli("list", "--json", "--q", "milk") == 0
    assert json.loads(cli.out)["items"][0]["title"] == "Buy milk"
    assert cli("list") == 0 and "2020-01-01 09:00 !" in cli.out  # overdue is marked


def test_done_reopen_edit_and_rm_by_short_id(cli: Terminal) -> None:
    short = cli.add("Draft", "--due", "2030-01-01 09:00", "-t", "x")
    assert cli("done", short) == 0 and cli.out.startswith(f"Completed {short} \u201cDraft\u201d")
    assert cli.rows()[0][3] == "done"
    assert cli("reopen", short) == 0 and cli.rows()[0][3] == "open"
    assert cli("edit", short, "--title", "Final", "--no-due", "--no-tags", "-p", "low") == 0
    assert cli.rows()[0][1:] == ["Final", "low", "open"]
    assert cli("edit", short, "--title", "Stale", "--if-version", "1") == 1
    assert cli.err.startswith("error: Precondition failed: the task is at version 4, not 1")
    assert cli("edit", short) == 1 and "nothing to change" in cli.err
    assert cli("rm", short) == 0 and cli.out == f"Deleted {short} \u201cFinal\u201d\n"
    assert cli("done", short) == 1 and cli.err == f"error: no task with an id starting {short!r}\n"


def test_errors_print_the_problem_detail_and_each_field_error_once(cli: Terminal, embedded_url: str) -> None:
    assert cli("add", "x", "--remind", "10") == 1
    assert cli.err == (
        "error: Invalid input:\n  reminder_minutes_before: a reminder needs a due_at to count from\n"
    )
    assert cli("done", "nope") == 1 and "is not a task id" in cli.err
    assert cli("login", "--server", embedded_url, "--email", cli.email, "--password", "wrong password") == 1
    assert cli.err.startswith("error: Unauthorized: email or password is wrong")
    assert cli("login", "--server", "http://127.0.0.1:9", "--email", "a@b.co", "--password", "x") == 1
    assert cli.err.startswith("error: cannot reach http://127.0.0.1:9")


def test_the_doable_command_runs_the_client(embedded_url: str, home: Path) -> None:
    env = {**os.environ, "HOME": str(home), "DOABLE_PASSWORD": "correct horse"}
    env.pop("XDG_CONFIG_HOME", None)
    email = f"cli-{uuid.uuid4().hex[:10]}@example.com"
    doable = [sys.executable, "-m", "doable.cli", "tasks"]

    def run(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*doable, *argv], env=env, capture_output=True, text=True, timeout=60, check=False
        )

    assert run("login", "--server", embedded_url, "--register", "--email", email).returncode == 0
    assert run("add", "From the shell", "-p", "high").returncode == 0
    listed = run("ls")
    assert listed.returncode == 0
    header, row, footer = listed.stdout.splitlines()
    assert header.split() == ["ID", "TITLE", "PRIORITY", "STATUS", "DUE", "TAGS", "REPEAT"]
    assert "From the shell  high      open" in row
    assert footer == "1 of 1 tasks"
    assert run("-h").stdout.startswith("usage: doable tasks")


def test_the_footer_says_when_the_total_is_only_a_floor() -> None:
    page = {"items": [{}] * 50, "total": 1000, "total_exact": False, "next_cursor": None}
    assert client.footer(page) == "50 of 1,000+ tasks"
    assert client.footer({**page, "total_exact": True, "next_cursor": "c1"}) == (
        "50 of 1,000 tasks; next page: --cursor c1"
    )


def test_times_read_on_the_users_clock() -> None:
    assert client.read_time("2030-06-01 09:30", PARIS) == "2030-06-01T07:30:00Z"
    assert client.read_time("2030-06-01", PARIS) == "2030-06-01T07:00:00Z"
    assert client.read_time("2030-06-01T09:30:00-04:00", PARIS) == "2030-06-01T13:30:00Z"
    now = datetime(2026, 11, 28, 10, tzinfo=ZoneInfo("UTC"))  # a Saturday
    assert client.read_time("tomorrow 9am", PARIS, now) == "2026-11-29T08:00:00Z"
    assert client.show_time("2030-06-01T07:30:00.000Z", PARIS) == "2030-06-01 09:30"
    assert parse_time(client.read_time("friday 3pm", PARIS, now)).astimezone(PARIS).day == 4


def test_sign_up_takes_this_machines_time_zone_so_9am_means_9am_here(
    embedded_url: str, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    terminal = Terminal(embedded_url)
    assert terminal("login", "--server", embedded_url, "--register", "--email", terminal.email) == 0
    assert f"as {terminal.email} (times in Asia/Tokyo)" in terminal.out
    terminal.add("Standup", "--due", "tomorrow 9am")
    (row,) = terminal.rows()
    assert row[4].endswith(" 09:00")
    stored = client.Credentials.load()
    (task,) = client.Server(stored.server, stored.token).request("GET", "/tasks")["items"]
    assert parse_time(task["due_at"]).astimezone(ZoneInfo("Asia/Tokyo")).hour == 9


def test_signing_in_where_the_clock_differs_from_the_accounts_says_so(
    cli: Terminal, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TZ", "America/New_York")
    assert cli("login", "--server", cli.server, "--email", cli.email) == 0
    assert "note: this machine's time zone is America/New_York, but your account reads and shows times in " \
        "Europe/Paris" in cli.out  # fmt: skip


def test_the_local_time_zone_comes_from_tz_or_etc_localtime(tmp_path: Path) -> None:
    link = tmp_path / "localtime"
    link.symlink_to("/usr/share/zoneinfo/Europe/Paris")
    assert client.local_zone_name({"TZ": ":Asia/Tokyo"}, link) == "Asia/Tokyo"
    assert client.local_zone_name({}, link) == "Europe/Paris"
    assert client.local_zone_name({"TZ": "Not/AZone"}, link) == "Europe/Paris"
    assert client.local_zone_name({}, tmp_path / "missing") is None
