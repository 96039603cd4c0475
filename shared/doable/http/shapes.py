"""Each request and response shape of the public API, declared once: the OpenAPI schemas and MCP tools.

The routes (doable.http.routes) name these models; doable.http.openapi writes their JSON Schemas into
the document's components, and the MCP tools (doable.chat.mcp_server) answer them and take their
parameters from the same field types (doable.http.fields), so an agent and an HTTP client see one
shape. The limits come from the domain.

The rules themselves are checked by the domain (doable.domain.model.validate_task_fields and the
services' own checks), not by these models: they report every broken rule at once with the field,
rule and message the API promises, in the functions' request path without importing pydantic (it
would add its import time to every cold start). A unit test keeps the models' fields equal to what
the domain accepts.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel, WithJsonSchema
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue, models_json_schema
from pydantic_core import CoreSchema

from doable.domain.model import (
    NotificationKind,
    Priority,
)
from doable.domain.query import LIMIT_DEFAULT, TOTAL_CAP
from doable.domain.recurrence import Recurrence
from doable.http.fields import (
    NOT_BLANK,
    Clock,
    Cursor,
    Description,
    DueAfter,
    DueAt,
    DueBefore,
    Limit,
    MaybeTime,
    Overdue,
    Priorities,
    PriorityValue,
    RecurrenceValue,
    Reminder,
    Repeat,
    SortBy,
    StatusFilter,
    TagFilter,
    Tags,
    Time,
    Title,
    TokenScope,
    Words,
)
from doable.services import access_tokens, quick_add
from doable.services.chat import MESSAGE_MAX
from doable.services.users import PASSWORD_MAX, PASSWORD_MIN


def _needs_due_at(field: str, when: dict[str, Any], partial: bool) -> dict[str, Any]:
    """`field` set to `when` needs a due_at: in the same body on create; on edit, not a null one."""
    if partial:
        condition = {"required": [field, "due_at"], "properties": {field: when}}
        return {"if": condition, "then": {"properties": {"due_at": {"type": "string"}}}}
    condition = {"required": [field], "properties": {field: when}}
    return {"if": condition, "then": {"required": ["due_at"], "properties": {"due_at": {"type": "string"}}}}


def _schedule_rules(partial: bool) -> dict[str, Any]:
    scheduled = {"enum": [r.value for r in Recurrence if r is not Recurrence.NONE]}
    return {
        "allOf": [
            _needs_due_at("recurrence", scheduled, partial),
            _needs_due_at("reminder_minutes_before", {"type": "integer"}, partial),
        ]
    }


def _never_null(*names: str, then: dict[str, Any] | None = None) -> Callable[[dict[str, Any]], None]:
    """A body's schema in which `names` may be left out but never sent as null (the domain refuses it)."""

    def edit(schema: dict[str, Any]) -> None:
        for name in names:
            field = schema["properties"][name]
            branches = [branch for branch in field.pop("anyOf") if branch != {"type": "null"}]
            field.pop("default", None)
            field.update(branches[0])
        schema.update(then or {})

    return edit


class _Body(BaseModel):
    """A request body: a JSON object with no other fields (the server names unknown ones)."""

    model_config = ConfigDict(extra="forbid")


class NewTask(_Body):
    """POST /tasks: a task to create."""

    model_config = ConfigDict(json_schema_extra=_schedule_rules(partial=False))

    title: Title
    description: Description = None
    priority: PriorityValue = Priority.MEDIUM
    tags: Tags = None
    due_at: DueAt = None
    recurrence: Repeat = None
    reminder_minutes_before: Reminder = None


class TaskChange(_Body):
    """PATCH /tasks/{task_id}: the fields to change; the rest stay."""

    model_config = ConfigDict(
        json_schema_extra=_never_null("title", "priority", then=_schedule_rules(partial=True))
    )

    title: Title | None = None
    description: Description = None
    priority: PriorityValue | None = None
    tags: Tags = None
    due_at: DueAt = None
    recurrence: Repeat = None
    reminder_minutes_before: Reminder = None


class TaskQuery(BaseModel):
    """GET /tasks's query: filters, sort and page."""

    q: Words = None
    status: StatusFilter = "all"
    priority: Priorities = None
    tag: TagFilter = None
    due_after: DueAfter = None
    due_before: DueBefore = None
    overdue: Overdue = False
    sort: SortBy = None
    limit: Limit = LIMIT_DEFAULT
    cursor: Cursor = None


class Task(BaseModel):
    """A task exactly as the API returns it."""

    id: str
    title: str
    description: str
    priority: PriorityValue
    tags: list[str]
    status: Literal["open", "completed"]
    due_at: MaybeTime
    recurrence: RecurrenceValue
    reminder_minutes_before: int | None
    reminder_at: MaybeTime
    series_id: str | None
    created_at: Time
    updated_at: Time
    completed_at: MaybeTime
    version: int


class TaskPage(BaseModel):
    items: list[Task]
    next_cursor: str | None
    total: Annotated[
        int, Field(ge=0, le=TOTAL_CAP, description=f"matches of the whole query, counted up to {TOTAL_CAP}")
    ]
    total_exact: Annotated[
        bool,
        Field(
            description=f"false when more than {TOTAL_CAP} tasks match: "
            f"then total is {TOTAL_CAP} and means {TOTAL_CAP:,}+"
        ),
    ]


class Deleted(BaseModel):
    deleted: list[str]


class TagCount(BaseModel):
    tag: str
    count: int


class TagCounts(RootModel[list[TagCount]]):
    pass


class QuickAddLine(_Body):
    text: Annotated[
        str,
        Field(
            min_length=1,
            max_length=quick_add.TEXT_MAX,
            pattern=NOT_BLANK,
            examples=["pay rent every month on the 1st 9am #home !high remind 1 day before"],
        ),
    ]


class Piece(BaseModel):
    field: Annotated[
        Literal[
            "title", "due_at", "recurrence", "reminder_minutes_before", "priority", "tags", "description"
        ],
        Field(
            description="the task field; each tag is a piece of its own; "
            f"{' and '.join(quick_add.NEEDS_DUE_AT)} need due_at"
        ),
    ]
    value: str | int


class QuickAddReading(BaseModel):
    task: NewTask
    pieces: list[Piece]


# --- accounts and access tokens ---
Email = Annotated[str, Field(max_length=320, json_schema_extra={"format": "email"})]
Name = Annotated[str | None, Field(min_length=1, max_length=200, pattern=NOT_BLANK)]
# Not an enum of the ~600 names: every consumer (and Schemathesis' coverage phase) would walk them all.
Zone = Annotated[
    str | None, Field(json_schema_extra={"format": "iana-time-zone"}, description="such as Europe/Paris")
]


class Notify(_Body):
    """Which notification kinds the user wants, kind by kind."""

    model_config = ConfigDict(
        json_schema_extra={"properties": {kind.value: {"type": "boolean"} for kind in NotificationKind}}
    )


class Registration(_Body):
    email: Email
    password: Annotated[str, Field(min_length=PASSWORD_MIN, max_length=PASSWORD_MAX)]
    name: Name = None
    timezone: Zone = None


class Login(_Body):
    email: Email
    password: Annotated[str, Field(min_length=1)]


class ProfileChange(_Body):
    model_config = ConfigDict(json_schema_extra=_never_null("notify"))

    name: Name = None
    timezone: Zone = None
    webhook_url: Annotated[
        str | None,
        Field(
            json_schema_extra={
                "anyOf": [
                    {"type": "string", "format": "uri", "maxLength": 2000},
                    {"const": ""},
                    {"type": "null"},
                ]
            },
            description="a public http(s) URL; empty or null removes it",
        ),
    ] = None
    notify: Annotated[
        Notify | None, Field(description="kinds to turn on or off; the rest keep their setting")
    ] = None


class User(BaseModel):
    id: str
    email: str
    name: str
    timezone: str
    webhook_url: str | None
    notify: Notify
    created_at: Time


class Session(BaseModel):
    user: User
    token: str


class NewAccessTokenRequest(_Body):
    name: Annotated[str, Field(min_length=1, max_length=access_tokens.NAME_MAX, pattern=NOT_BLANK)]
    scope: Annotated[TokenScope, Field(description="read: GET routes and the list_tasks MCP tool only")] = (
        "read"
    )
    expires_in_days: Annotated[int, Field(ge=1, le=access_tokens.EXPIRY_DAYS_MAX)] = (
        access_tokens.EXPIRY_DAYS_DEFAULT
    )


class AccessToken(BaseModel):
    id: str
    name: str
    scope: TokenScope
    created_at: Time
    expires_at: Time
    last_used_at: MaybeTime


class AccessTokenList(BaseModel):
    items: list[AccessToken]


class NewAccessToken(AccessToken):
    token: Annotated[str, Field(pattern="^dpat_")]


# --- activity ---
class Notification(BaseModel):
    id: str
    kind: Annotated[
        str,
        Field(
            json_schema_extra={"enum": [*(k.value for k in NotificationKind), "completed"]},
            description="completed: only in inboxes from before completions were quiet",
        ),
    ]
    task_id: str
    title: str
    body: str
    created_at: Time
    read_at: MaybeTime


class Inbox(BaseModel):
    items: list[Notification]
    unread: int


class MarkedRead(BaseModel):
    marked: Annotated[int, Field(ge=0)]
    unread: Literal[0]


class AuditEntry(BaseModel):
    id: int
    event_id: str
    action: str
    at: Time
    recorded_at: Time
    user_id: str
    correlation_id: str
    task: dict[str, Any] | None
    changes: Any


class History(RootModel[list[AuditEntry]]):
    pass


# --- the assistant and MCP ---
class ChatMessage(_Body):
    message: Annotated[str, Field(min_length=1, max_length=MESSAGE_MAX, pattern=NOT_BLANK)]
    conversation_id: Annotated[
        str | None, Field(description="from an earlier reply; an unknown one is a 404")
    ] = None
    clock: Annotated[
        Clock | None, Field(description="how the replies say times: 17:00 (default) or 5:00 PM")
    ] = None


class ChatReply(BaseModel):
    conversation_id: str
    reply: str
    tasks: list[Task]


class Conversation(RootModel[dict[str, Any]]):
    pass


class JsonRpcRequest(BaseModel):
    """A JSON-RPC 2.0 request (with an id) or notification (without)."""

    jsonrpc: Literal["2.0"]
    id: Annotated[str | int | None, WithJsonSchema({"type": ["string", "integer"]})] = None
    method: str
    params: dict[str, Any] | None = None


class JsonRpcResponse(RootModel[dict[str, Any]]):
    pass


class FieldProblem(BaseModel):
    field: str
    rule: str
    message: str


class Problem(BaseModel):
    """An RFC 9457 problem: every error the API answers."""

    type: str | None = None
    title: str
    status: int
    detail: str
    correlation_id: str | None = None
    errors: list[FieldProblem] | None = None
    retry_after: Annotated[int | None, Field(description="on 429: as Retry-After")] = None


SHAPES: dict[str, type[BaseModel]] = {
    model.__name__: model
    for model in (
        NewTask, TaskChange, Task, TaskPage, TagCounts, QuickAddLine, QuickAddReading,
        Registration, Login, ProfileChange, User, Session, NewAccessTokenRequest, AccessToken,
        AccessTokenList, NewAccessToken, Notification, Inbox, MarkedRead, History,
        ChatMessage, ChatReply, Conversation, JsonRpcRequest, JsonRpcResponse, Problem,
    )
}  # fmt: skip


class _NoFieldTitles(GenerateJsonSchema):
    """Pydantic titles each field after its name; the document says nothing twice."""

    def field_title_should_be_set(self, schema: CoreSchema) -> bool:
        return False


def schema_of(model: type[BaseModel]) -> JsonSchemaValue:
    """One shape's JSON Schema, on its own."""
    return model.model_json_schema(schema_generator=_NoFieldTitles)


def component_schemas() -> dict[str, JsonSchemaValue]:
    """Every shape's JSON Schema, referring to the others as #/components/schemas/<name>."""
    pairs = [
        (model, "validation" if issubclass(model, _Body) else "serialization") for model in SHAPES.values()
    ]
    _, top = models_json_schema(
        pairs,  # type: ignore[arg-type]
        ref_template="#/components/schemas/{model}",
        schema_generator=_NoFieldTitles,
    )
    return dict(top.get("$defs", {}))
