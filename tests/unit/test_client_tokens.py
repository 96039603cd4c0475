"""The terminal client and personal access tokens: create, list, revoke, and sign in with one."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.test_client import Terminal


@pytest.fixture
def cli(embedded_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Terminal:
    """A terminal signed up with a password, its credentials under a throwaway HOME."""
    monkeypatch.setenv("HOME", str(tmp_path))
    for name in ("XDG_CONFIG_HOME", "DOABLE_PASSWORD", "DOABLE_TOKEN", "DOABLE_SERVER"):
        monkeypatch.delenv(name, raising=False)
    terminal = Terminal(embedded_url)
    assert terminal("login", "--server", embedded_url, "--register", "--email", terminal.email) == 0
    return terminal


def created_token(cli: Terminal, *argv: str) -> str:
    assert cli("token", "create", *argv) == 0, cli.err
    return cli.out.splitlines()[-1]


def test_create_list_and_revoke(cli: Terminal) -> None:
    assert cli("token", "list") == 0 and cli.out.startswith("No access tokens")
    token = created_token(cli, "Claude", "Desktop", "--scope", "write", "--days", "7")
    assert token.startswith("dpat_")
    assert cli.out.startswith("Created write token ") and "\u201cClaude Desktop\u201d" in cli.out
    assert cli("token", "list") == 0
    header, row = cli.out.splitlines()
    assert header.split() == ["ID", "NAME", "SCOPE", "EXPIRES", "LAST", "USED"]
    short = row.split()[0]
    assert "Claude Desktop  write" in row and row.endswith("never")
    assert cli("token", "revoke", short) == 0
    assert cli.out == f"Revoked {short} \u201cClaude Desktop\u201d; it stops working now\n"
    assert cli("token", "revoke", short) == 1 and "no access token with an id starting" in cli.err


def test_login_with_a_token_and_its_scope(cli: Terminal) -> None:
    reader = created_token(cli, "reader")
    assert cli("login", "--server", cli.server, "--token", reader) == 0, cli.err
    assert cli.out.startswith(f"Using an access token on {cli.server} as {cli.email}")
    assert cli("list") == 0 and cli.out == "No tasks match.\n"
    assert cli("add", "refused") == 1
    assert "this access token is read-only" in cli.err
    assert cli("token", "create", "child") == 1
    assert "cannot create access tokens" in cli.err


def test_doable_token_overrides_the_stored_sign_in(cli: Terminal, monkeypatch: pytest.MonkeyPatch) -> None:
    writer = created_token(cli, "script", "--scope", "write")
    assert cli("token", "list") == 0
    short = cli.out.splitlines()[1].split()[0]
    assert cli("logout") == 0
    monkeypatch.setenv("DOABLE_TOKEN", writer)
    assert cli("add", "from a script") == 1 and "no server is known" in cli.err
    monkeypatch.setenv("DOABLE_SERVER", cli.server)
    assert cli("add", "from a script") == 0, cli.err
    assert cli("token", "revoke", short) == 0  # a write token may revoke, even itself
    assert cli("list") == 1 and "was revoked on" in cli.err
