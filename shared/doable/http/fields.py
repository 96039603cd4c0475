"""The public API's field types, each declared once: its type, limits, pattern and description.

The shapes (doable.http.shapes) build the request and response bodies from them and the MCP tools
(doable.chat.mcp_server) take them as their parameters, so a field reads the same everywhere. The
limits are the domain's; the rules are still checked there (see doable.http.shapes).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, get_args

from pydantic import Field, WithJsonSchema

from doable.domain.model import (
    DESCRIPTION_MAX,
    REMINDER_MAX_MINUTES,
    TAG_MAX,
    TAGS_MAX,
    TIME_RANGE,
    TITLE_MAX,
    Priority,
)
from doable.domain.query import CURSOR_MAX, LIMIT_MAX, SORTS, STATUSES
from doable.domain.recurrence import Recurrence
from doable.services import access_tokens
from doable.services.chat import CLOCKS


def _character_class(chars: list[str]) -> str:
    """A regex class of `chars` as literal ranges: the same in Python's and ECMA-262's dialects."""
    ranges: list[list[int]] = []
    for code in sorted(map(ord, chars)):
        if ranges and code == ranges[-1][1] + 1:
            ranges[-1][1] = code
        else:
            ranges.append([code, code])
    # None of them is special inside a class ('\\', ']', '^', '-'), so no escaping either.
    assert not set(chars) & set("\\]^-"), chars
    return "".join(chr(a) + (f"-{chr(b)}" if b > a else "") for a, b in ranges)


# What str.strip() removes: \s means other sets to JSON Schema's regex dialect (ECMA-262).
SPACE = _character_class([chr(code) for code in range(0x3001) if chr(code).isspace()])  # none above U+3000
# Text the server trims before checking it must hold something besides white space.
NOT_BLANK = f"[^{SPACE}]"
# A tag as sent: optional '#' and surrounding spaces around letters, digits, '-', '_', '/', ':', '.'.
TAG = rf"^[{SPACE}]*#*[\w][\w\-/:.]*[{SPACE}]*$"

Sort = Literal["priority", "-priority", "due_at", "-due_at", "created_at", "-created_at"]
Status = Literal["open", "completed", "all"]
Clock = Literal["24h", "12h"]
TokenScope = Literal["read", "write"]
# Literal needs the values spelled out; these keep them the domain's.
assert get_args(Sort) == SORTS and get_args(Status) == STATUSES, "fields.Sort/Status drifted from the query"
assert get_args(Clock) == CLOCKS and get_args(TokenScope) == access_tokens.SCOPES, "clock or scope drifted"

# The domain's enums inline, by value (pydantic would refer to a component of their own).
PriorityValue = Annotated[Priority, WithJsonSchema({"enum": [p.value for p in Priority]})]
RecurrenceValue = Annotated[Recurrence, WithJsonSchema({"enum": [r.value for r in Recurrence]})]
_DATE_TIME: dict[str, Any] = {"format": "date-time"}
Time = Annotated[str, Field(json_schema_extra=_DATE_TIME)]
MaybeTime = Annotated[str | None, Field(json_schema_extra=_DATE_TIME)]

# --- a task's fields as clients send them: the create and edit bodies and the MCP tools' parameters ---
Title = Annotated[
    str,
    Field(min_length=1, max_length=TITLE_MAX, pattern=NOT_BLANK, description=f"1 to {TITLE_MAX} characters"),
]
Description = Annotated[str | None, Field(max_length=DESCRIPTION_MAX)]
Tags = Annotated[
    list[Annotated[str, Field(max_length=TAG_MAX, pattern=TAG)]] | None,
    Field(
        max_length=TAGS_MAX, description="e.g. ['home', 'bills']; normalised to lower case, without the '#'"
    ),
]
DueAt = Annotated[
    str | None,
    Field(
        json_schema_extra=_DATE_TIME,
        description=f"RFC 3339 with an offset, e.g. 2026-12-01T09:00:00+01:00; {TIME_RANGE} (else 422)",
    ),
]
Repeat = Annotated[RecurrenceValue | None, Field(description="repeat the task; needs due_at")]
Reminder = Annotated[
    int | None,
    Field(
        ge=0,
        le=REMINDER_MAX_MINUTES,
        description="minutes before due_at to remind the user; needs due_at "
        "(on an edit, a task without one is a 409)",
    ),
]

# --- a task list's filters: GET /tasks's query and the list_tasks tool's parameters ---
Words = Annotated[
    str | None,
    Field(
        max_length=200,
        description="whole words and word prefixes of title, description and tags; best match first",
    ),
]
Priorities = Annotated[list[PriorityValue] | None, Field(max_length=len(Priority), description="any of")]
TagFilter = Annotated[
    list[str] | None, Field(max_length=TAGS_MAX, description="all of (a task holds at most as many)")
]
DueAfter = Annotated[
    str | None,
    Field(json_schema_extra=_DATE_TIME, description=f"due_at at or after this instant, {TIME_RANGE}"),
]
DueBefore = Annotated[
    str | None, Field(json_schema_extra=_DATE_TIME, description=f"due_at before this instant, {TIME_RANGE}")
]
StatusFilter = Annotated[Status, Field(description="task status")]
Overdue = Annotated[bool, Field(description="only open tasks whose due time has passed")]
SortBy = Annotated[
    Sort | None,
    Field(description="default -created_at (newest first); best match first with q; undated last for due_at"),
]
Limit = Annotated[int, Field(ge=1, le=LIMIT_MAX, description="page size")]
Cursor = Annotated[
    str | None,
    Field(
        max_length=CURSOR_MAX,
        description="next_cursor of the previous page, unchanged, with the same sort (else 422)",
    ),
]
