"""The terminal client's side of the public HTTP API: stored credentials, requests, problem texts.

Kept apart from the command-line front end (doable.client) and its tables (doable.client_view), so
a script can talk to a Doable server as the signed-in user without argparse or rendering.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from doable.domain.query import LIMIT_MAX
from doable.domain.recurrence import load_zone

_FULL_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


class ClientError(Exception):
    """Something the user can fix; printed as one `error:` paragraph."""


def credentials_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "doable" / "credentials.json"


@dataclass(frozen=True)
class Credentials:
    server: str
    token: str
    email: str

    def save(self) -> Path:
        path = credentials_path()
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        # Created 600 from the start, so the token is never readable by others, not even briefly.
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as file:
            json.dump({"server": self.server, "token": self.token, "email": self.email}, file, indent=2)
        path.chmod(0o600)
        return path

    @classmethod
    def load(cls) -> Credentials:
        path = credentials_path()
        try:
            data = json.loads(path.read_text())
            return cls(str(data["server"]), str(data["token"]), str(data.get("email", "")))
        except FileNotFoundError:
            raise ClientError("not signed in; run `doable tasks login --server URL` first") from None
        except (ValueError, KeyError, TypeError):
            raise ClientError(f"{path} is damaged; run `doable tasks login --server URL` again") from None


class Server:
    """The public API of one Doable server, as the signed-in user."""

    def __init__(self, base_url: str, token: str | None = None, timeout: float = 30) -> None:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.base_url = base_url.rstrip("/")
        self.http = httpx.Client(base_url=self.base_url, headers=headers, timeout=timeout)
        self._zone: ZoneInfo | None = None

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = self.http.request(method, f"/api{path}", **kwargs)
        except httpx.HTTPError as error:
            raise ClientError(f"cannot reach {self.base_url}: {error}") from None
        if response.status_code >= 400:
            raise ClientError(problem_text(response))
        return response.json() if response.content else None

    @property
    def zone(self) -> ZoneInfo:
        """The signed-in user's time zone, which every time shown and typed is read in."""
        if self._zone is None:
            self._zone = load_zone(self.request("GET", "/me")["timezone"])
        return self._zone


def problem_text(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return f"the server answered {response.status_code}: {response.text[:200] or 'no details'}"
    if not isinstance(body, dict):
        return f"the server answered {response.status_code}"
    title, errors = body.get("title") or response.status_code, body.get("errors") or []
    # A validation problem's detail repeats its field errors: those are listed instead, once each.
    lines = [f"{title}:" if errors else f"{title}: {body.get('detail') or 'no details'}"]
    lines += [f"  {error['field']}: {error['message']}" for error in errors]
    if response.status_code == 401:
        lines.append("  sign in again with `doable tasks login --server URL`")
    return "\n".join(lines)


def current_server() -> Server:
    """The server and token to use: $DOABLE_TOKEN (and $DOABLE_SERVER) if set, else the stored ones."""
    token = os.environ.get("DOABLE_TOKEN", "").strip()
    server = os.environ.get("DOABLE_SERVER", "").strip()
    if token and server:
        return Server(server, token)
    credentials = Credentials.load() if not token else stored_or_none()
    if credentials is None:
        raise ClientError("$DOABLE_TOKEN is set but no server is known; set $DOABLE_SERVER too")
    return Server(server or credentials.server, token or credentials.token)


def stored_or_none() -> Credentials | None:
    try:
        return Credentials.load()
    except ClientError:
        return None


def resolve_task_id(server: Server, given: str) -> str:
    """A full task id from a full id or the short id the tables show (a unique prefix)."""
    given = given.strip().lower()
    if _FULL_ID.match(given):
        return given
    if len(given) < 4 or not re.fullmatch(r"[0-9a-f-]+", given):
        raise ClientError(f"{given!r} is not a task id; use the ID column of `doable tasks list`")
    matches: list[str] = []
    cursor: str | None = None
    while True:
        params = {"status": "all", "limit": str(LIMIT_MAX), "sort": "created_at"}
        page = server.request("GET", "/tasks", params={**params, **({"cursor": cursor} if cursor else {})})
        matches += [task["id"] for task in page["items"] if task["id"].startswith(given)]
        cursor = page["next_cursor"]
        if not cursor:
            break
    if not matches:
        raise ClientError(f"no task with an id starting {given!r}")
    if len(matches) > 1:
        raise ClientError(f"{given!r} is the start of {len(matches)} task ids; give more characters")
    return matches[0]
