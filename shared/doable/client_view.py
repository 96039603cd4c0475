"""How the terminal client reads and shows times and draws its tables, on the user's own clock."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from doable.client_api import ClientError
from doable.domain.dates import read_when
from doable.domain.model import parse_time
from doable.domain.recurrence import load_zone

SHORT_ID = 8
TITLE_WIDTH = 48
LOCALTIME = Path("/etc/localtime")


def read_time(text: str, zone: ZoneInfo, now: datetime | None = None) -> str:
    """An RFC 3339 instant from words in the one date vocabulary (docs/dates.md) on `zone`'s clock."""
    try:
        return format_utc(read_when(text, now or datetime.now(zone), str(zone.key)))
    except ValueError as error:  # ImpossibleDate too: its message says which dates exist
        raise ClientError(str(error)) from None


def local_zone_name(env: Mapping[str, str] | None = None, localtime: Path = LOCALTIME) -> str | None:
    """This machine's IANA time zone: $TZ, else the zone /etc/localtime links to; None if unknown."""
    env = os.environ if env is None else env
    candidates = [env.get("TZ", "").removeprefix(":"), str(localtime.resolve()).partition("/zoneinfo/")[2]]
    for name in candidates:
        try:
            return load_zone(name).key
        except ValueError:
            continue
    return None


def format_utc(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def show_time(value: str | None, zone: ZoneInfo) -> str:
    return "" if value is None else parse_time(value).astimezone(zone).strftime("%Y-%m-%d %H:%M")


# --- tables -------------------------------------------------------------------------------------


# The task table's columns, each a field of the API's Task shape (doable.http.shapes.Task; a test
# keeps them to it): the client reads tasks by the same names the server writes them.
TASK_COLUMNS = (
    ("ID", "id"),
    ("TITLE", "title"),
    ("PRIORITY", "priority"),
    ("STATUS", "status"),
    ("DUE", "due_at"),
    ("TAGS", "tags"),
    ("REPEAT", "recurrence"),
)


def table(tasks: Sequence[dict[str, Any]], zone: ZoneInfo, now: datetime) -> str:
    return _columns(
        [tuple(heading for heading, _ in TASK_COLUMNS)]
        + [tuple(_cell(task, name, zone, now) for _, name in TASK_COLUMNS) for task in tasks]
    )


def _cell(task: dict[str, Any], name: str, zone: ZoneInfo, now: datetime) -> str:
    value = task[name]
    if name == "id":
        return str(value)[:SHORT_ID]
    if name == "title":
        return value if len(value) <= TITLE_WIDTH else value[: TITLE_WIDTH - 1] + "\u2026"
    if name == "status":
        return "done" if value == "completed" else "open"
    if name == "due_at":
        due = show_time(value, zone)
        overdue = due and task["status"] == "open" and parse_time(value) < now
        return due + " !" if overdue else due
    if name == "tags":
        return " ".join(f"#{tag}" for tag in value)
    if name == "recurrence":
        return "" if value == "none" else value
    return str(value)


def token_table(items: Sequence[dict[str, Any]], zone: ZoneInfo, now: datetime) -> str:
    rows = [("ID", "NAME", "SCOPE", "EXPIRES", "LAST USED")]
    for item in items:
        expires = show_time(item["expires_at"], zone)
        if parse_time(item["expires_at"]) <= now:
            expires += " (expired)"
        last = show_time(item["last_used_at"], zone) or "never"
        rows.append((item["id"][:SHORT_ID], item["name"], item["scope"], expires, last))
    return _columns(rows)


def _columns(rows: Sequence[tuple[str, ...]]) -> str:
    """Rows as left-aligned columns two spaces apart, each as wide as its widest cell."""
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows
    )


def footer(page: dict[str, Any]) -> str:
    """How many tasks are shown of how many match; past the server's cap the count reads "1,000+"."""
    text = f"{len(page['items'])} of {page['total']:,}{'' if page['total_exact'] else '+'} tasks"
    if page["next_cursor"]:
        text += f"; next page: --cursor {page['next_cursor']}"
    return text
