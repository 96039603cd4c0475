"""What a task list request asks for: filters, sort and cursor, validated from query parameters."""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from doable.domain.errors import FieldError, ValidationFailed
from doable.domain.model import TAGS_MAX, Priority, Task, TimeOutOfRange, normalise_tag, parse_input_time

SORTS = ("priority", "-priority", "due_at", "-due_at", "created_at", "-created_at")
DEFAULT_SORT = "-created_at"
RELEVANCE = "relevance"
STATUSES = ("open", "completed", "all")
LIMIT_DEFAULT = 50
LIMIT_MAX = 200
# Past this many matches `total` stops counting (total_exact false): an exact count would visit every
# match, and a page should cost what the page holds, not what the query matches (issue 12).
TOTAL_CAP = 1000
QUERY_PARAMS = (
    "q",
    "status",
    "priority",
    "tag",
    "due_after",
    "due_before",
    "overdue",
    "sort",
    "limit",
    "cursor",
)
WORD = re.compile(r"\w+", re.UNICODE)
LIMIT_TEXT = re.compile(r"[0-9]{1,4}")  # ASCII only: str.isdigit() admits '²', which int() refuses


@dataclass(frozen=True)
class TaskQuery:
    q: str | None = None
    status: str = "all"
    priorities: tuple[Priority, ...] = ()
    tags: tuple[str, ...] = ()
    due_after: datetime | None = None
    due_before: datetime | None = None
    overdue: bool = False
    sort: str | None = None
    limit: int = LIMIT_DEFAULT
    cursor: tuple[Any, ...] | None = None

    @property
    def terms(self) -> tuple[str, ...]:
        """The words of `q`, lower-cased; each matches a whole word or a word prefix."""
        return tuple(word.lower() for word in WORD.findall(self.q or ""))

    @property
    def effective_sort(self) -> str:
        """An explicit sort wins; a text search without one ranks best matches first."""
        if self.sort:
            return self.sort
        return RELEVANCE if self.terms else DEFAULT_SORT


@dataclass
class Page:
    items: list[Task]
    total: int
    next_cursor: str | None = None
    total_exact: bool = True
    keys: list[tuple[Any, ...]] = field(default_factory=list)


def parse_task_query(params: Mapping[str, Sequence[str]]) -> TaskQuery:
    """Validates the list endpoint's query string; unknown or malformed parameters are errors, not ignored."""
    errors: list[FieldError] = []
    for name in sorted(set(params) - set(QUERY_PARAMS)):
        errors.append(
            FieldError(name, "unknown_parameter", f"unknown parameter; allowed are {', '.join(QUERY_PARAMS)}")
        )
    for name in sorted(set(params) & set(QUERY_PARAMS)):
        if any("\x00" in value for value in params[name]):
            errors.append(FieldError(name, "text", "holds U+0000, which no text can store; leave it out"))

    def single(name: str) -> str | None:
        values = params.get(name) or []
        if len(values) > 1:
            errors.append(FieldError(name, "repeated", "give this parameter at most once"))
        return values[0] if values else None

    q = single("q")
    if q is not None and len(q) > 200:
        errors.append(FieldError("q", "length", "at most 200 characters"))
    status = single("status") or "all"
    if status not in STATUSES:
        errors.append(FieldError("status", "enum", "must be one of open, completed, all"))
    priorities: list[Priority] = []
    if len(params.get("priority", [])) > len(Priority):
        errors.append(FieldError("priority", "count", f"give at most {len(Priority)} priorities"))
    for raw in params.get("priority", [])[: len(Priority)]:
        for part in raw.split(","):
            try:
                priorities.append(Priority(part.strip()))
            except ValueError:
                errors.append(FieldError("priority", "enum", f"'{part}' is not one of high, medium, low"))
    # A task holds at most TAGS_MAX tags, so asking for more (all of them) could never match; the cap
    # also keeps the query's size bounded (one EXISTS per tag).
    tags = tuple(
        dict.fromkeys(
            normalise_tag(t) for raw in params.get("tag", [])[:TAGS_MAX] for t in raw.split(",") if t.strip()
        )
    )
    if len(params.get("tag", [])) > TAGS_MAX or len(tags) > TAGS_MAX:
        errors.append(FieldError("tag", "count", f"give at most {TAGS_MAX} tags: no task holds more"))
    due_after = _time_param("due_after", single("due_after"), errors)
    due_before = _time_param("due_before", single("due_before"), errors)
    overdue_raw = single("overdue")
    if overdue_raw not in (None, "true", "false"):
        errors.append(FieldError("overdue", "enum", "must be true or false"))
    sort = single("sort")
    if sort is not None and sort not in SORTS:
        errors.append(FieldError("sort", "enum", f"must be one of {', '.join(SORTS)}"))
    limit = LIMIT_DEFAULT
    limit_raw = single("limit")
    if limit_raw is not None:
        if not LIMIT_TEXT.fullmatch(limit_raw) or not 1 <= int(limit_raw) <= LIMIT_MAX:
            errors.append(FieldError("limit", "range", f"must be a whole number from 1 to {LIMIT_MAX}"))
        else:
            limit = int(limit_raw)
    query = TaskQuery(
        q=q.strip() if q and q.strip() else None,
        status=status,
        priorities=tuple(dict.fromkeys(priorities)),
        tags=tags,
        due_after=due_after,
        due_before=due_before,
        overdue=overdue_raw == "true",
        sort=sort,
        limit=limit,
    )
    cursor_raw = single("cursor")
    cursor = None
    if cursor_raw and not errors:
        cursor = decode_cursor(cursor_raw, query.effective_sort, errors)
    if errors:
        raise ValidationFailed(errors)
    return TaskQuery(**{**query.__dict__, "cursor": cursor})


def _time_param(name: str, raw: str | None, errors: list[FieldError]) -> datetime | None:
    if raw is None:
        return None
    try:
        return parse_input_time(raw)
    except TimeOutOfRange as error:
        errors.append(FieldError(name, "range", str(error)))
        return None
    except ValueError:
        errors.append(
            FieldError(name, "format", "must be RFC 3339 with an offset, such as 2026-12-01T00:00:00Z")
        )
        return None


def encode_cursor(sort: str, key: Sequence[Any]) -> str:
    raw = json.dumps([sort, [_encode_key(value) for value in key]], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


# The keyset each sort pages by (the repository's sort keys, in order): a cursor is checked against
# it, because a key of the wrong type or size reaches the database as a comparison it cannot make.
CURSOR_KEYS: dict[str, tuple[str, ...]] = {
    RELEVANCE: ("number", "time", "id"),
    **{sort: ("time", "id") for sort in ("created_at", "-created_at")},
    **{sort: ("rank", "time", "id") for sort in ("priority", "-priority")},
    # undated first or last, the due time (a far-future stand-in when undated), then newest first
    **{sort: ("rank", "time", "time", "id") for sort in ("due_at", "-due_at")},
}
CURSOR_MAX = 400  # characters; real cursors are about 120


def decode_cursor(cursor: str, sort: str, errors: list[FieldError]) -> tuple[Any, ...] | None:
    try:
        if len(cursor) > CURSOR_MAX:
            raise ValueError("too long")
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        cursor_sort, key = json.loads(raw)
        kinds = CURSOR_KEYS.get(sort, ())
        if cursor_sort != sort or not isinstance(key, list) or len(key) != len(kinds):
            raise ValueError("sort mismatch")
        return tuple(_decode_key(value, kind) for value, kind in zip(key, kinds, strict=True))
    except (ValueError, TypeError, binascii.Error, RecursionError):
        errors.append(
            FieldError(
                "cursor",
                "invalid",
                "not a cursor of this query; pass next_cursor from the previous page unchanged",
            )
        )
        return None


def _encode_key(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"t": value.isoformat()}
    return value


def _decode_key(value: Any, kind: str) -> Any:
    if kind == "time" and isinstance(value, dict) and set(value) == {"t"}:
        parsed = datetime.fromisoformat(value["t"])
        if parsed.tzinfo is None:
            raise ValueError("naive time in cursor")
        return parsed
    if kind == "id" and isinstance(value, str) and len(value) <= 64 and "\x00" not in value:
        return value
    if kind == "rank" and value in (0, 1, 2) and not isinstance(value, bool):
        return value
    numeric = isinstance(value, int | float) and not isinstance(value, bool)
    if kind == "number" and numeric and math.isfinite(value) and abs(value) < 1e300:
        return float(value)  # a relevance score; an int this large would overflow an SQLite INTEGER
    raise ValueError("bad cursor key")
