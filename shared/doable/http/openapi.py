"""The public API as an OpenAPI 3.1 document, built from the domain's enums and limits so it cannot drift."""

from __future__ import annotations

from typing import Any

from doable import __version__
from doable.domain.model import (
    DESCRIPTION_MAX,
    ID_PATTERN,
    REMINDER_MAX_MINUTES,
    TAG_MAX,
    TAGS_MAX,
    TIME_RANGE,
    TITLE_MAX,
    NotificationKind,
    Priority,
)
from doable.domain.query import CURSOR_MAX, LIMIT_DEFAULT, LIMIT_MAX, SORTS, STATUSES, TOTAL_CAP
from doable.domain.recurrence import Recurrence
from doable.services import access_tokens, quick_add
from doable.services.chat import MESSAGE_MAX
from doable.services.users import PASSWORD_MAX, PASSWORD_MIN

TIME = {"type": "string", "format": "date-time"}
NULLABLE_TIME = {"type": ["string", "null"], "format": "date-time"}


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
EMAIL = {"type": "string", "format": "email", "maxLength": 320}
# Not an enum of the ~600 names: every consumer (and Schemathesis' coverage phase) would walk them all.
ZONE = {"type": ["string", "null"], "format": "iana-time-zone", "description": "such as Europe/Paris"}
# Which notification kinds the user wants, kind by kind.
NOTIFY = {
    "type": "object",
    "additionalProperties": False,
    "properties": {kind.value: {"type": "boolean"} for kind in NotificationKind},
}
NAME = {"type": ["string", "null"], "minLength": 1, "maxLength": 200, "pattern": NOT_BLANK}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _problems(*statuses: int) -> dict[str, Any]:
    titles = {
        400: "Malformed JSON",
        401: "Missing or invalid token",
        403: "Sign-up closed (to this domain), a read-only access token, or a token creating tokens",
        404: "Not found (or another user's)",
        409: "Conflict",
        412: "Stale If-Match version",
        413: "Body too large",
        415: "Not JSON",
        422: "Invalid input, field by field",
        429: "Too many attempts from this address or at this account; wait Retry-After seconds",
    }
    retry_after = {
        "Retry-After": {
            "description": "seconds until the next attempt is allowed",
            "schema": {"type": "integer", "minimum": 1},
        }
    }
    return {
        str(status): {
            "description": titles[status],
            "content": {"application/problem+json": {"schema": _ref("Problem")}},
            **({"headers": retry_after} if status == 429 else {}),
        }
        for status in statuses
    }


def _body(schema: dict[str, Any]) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def _path_id(name: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "schema": {"type": "string", "pattern": ID_PATTERN.pattern},
        "description": "an id as the API returned it; anything else is a 404 (400 for unsafe characters)",
    }


TASK_ID = _path_id("task_id")
WRITE_ERRORS = (400, 401, 413, 415, 422)
ID_ERRORS = (400, 401, 404)  # 400: the gateway refuses paths with unsafe characters
SCHEDULED = ["daily", "weekly", "monthly"]
IF_MATCH = r'^\s*(W/)?"?[0-9]+"?\s*$'


def _needs_due_at(field: str, when: dict[str, Any], partial: bool) -> dict[str, Any]:
    """`field` set to `when` needs a due_at: in the same body on create; on edit, not a null one."""
    if partial:
        condition = {"required": [field, "due_at"], "properties": {field: when}}
        return {"if": condition, "then": {"properties": {"due_at": {"type": "string"}}}}
    condition = {"required": [field], "properties": {field: when}}
    return {"if": condition, "then": {"required": ["due_at"], "properties": {"due_at": {"type": "string"}}}}


def _task_input(required: list[str]) -> dict[str, Any]:
    partial = not required
    return {
        "type": "object",
        "additionalProperties": False,
        "required": required,
        "allOf": [
            _needs_due_at("recurrence", {"enum": SCHEDULED}, partial),
            _needs_due_at("reminder_minutes_before", {"type": "integer"}, partial),
        ],
        "properties": {
            "title": {"type": "string", "minLength": 1, "maxLength": TITLE_MAX, "pattern": NOT_BLANK},
            "description": {"type": ["string", "null"], "maxLength": DESCRIPTION_MAX},
            "priority": {"enum": [p.value for p in Priority], "default": Priority.MEDIUM.value},
            "tags": {
                "type": ["array", "null"],
                "maxItems": TAGS_MAX,
                "items": {"type": "string", "maxLength": TAG_MAX, "pattern": TAG},
                "description": "normalised to lower case, without the '#'",
            },
            "due_at": {**NULLABLE_TIME, "description": f"RFC 3339 with an offset, {TIME_RANGE} (else 422)"},
            "recurrence": {"enum": [*(r.value for r in Recurrence), None], "description": "needs due_at"},
            "reminder_minutes_before": {
                "type": ["integer", "null"],
                "minimum": 0,
                "maximum": REMINDER_MAX_MINUTES,
                "description": "needs due_at; on an edit, a task without one is a 409",
            },
        },
    }


def _query(name: str, schema: dict[str, Any], description: str, explode: bool = False) -> dict[str, Any]:
    parameter: dict[str, Any] = {"name": name, "in": "query", "schema": schema, "description": description}
    if explode:
        parameter.update(style="form", explode=True)
    return parameter


def document() -> dict[str, Any]:
    auth: list[dict[str, list[str]]] = [{"bearer": []}]
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Doable",
            "version": __version__,
            "description": "Multi-user task manager. Errors are RFC 9457 problem details.",
        },
        "servers": [{"url": "/api"}],
        "security": auth,
        "paths": {
            "/auth/register": {
                "post": {
                    "operationId": "register",
                    "security": [],
                    "requestBody": _body(
                        {
                            "type": "object",
                            "additionalProperties": False,
                            "required": ["email", "password"],
                            "properties": {
                                "email": EMAIL,
                                "password": {
                                    "type": "string",
                                    "minLength": PASSWORD_MIN,
                                    "maxLength": PASSWORD_MAX,
                                },
                                "name": NAME,
                                "timezone": ZONE,
                            },
                        }
                    ),
                    "responses": {
                        "201": _json(_ref("Session"), "Registered"),
                        **_problems(400, 403, 409, 422, 429),
                    },
                }
            },
            "/auth/login": {
                "post": {
                    "operationId": "login",
                    "security": [],
                    "requestBody": _body(
                        {
                            "type": "object",
                            "additionalProperties": False,
                            "required": ["email", "password"],
                            "properties": {"email": EMAIL, "password": {"type": "string", "minLength": 1}},
                        }
                    ),
                    "responses": {"200": _json(_ref("Session")), **_problems(400, 401, 422, 429)},
                }
            },
            "/me": {
                "get": {"operationId": "me", "responses": {"200": _json(_ref("User")), **_problems(401)}},
                "patch": {
                    "operationId": "updateMe",
                    "requestBody": _body(
                        {
                            "type": "object",
                            "additionalProperties": False,
                            "properties": {
                                "name": NAME,
                                "timezone": ZONE,
                                "webhook_url": {
                                    "anyOf": [
                                        {"type": "string", "format": "uri", "maxLength": 2000},
                                        {"const": ""},
                                        {"type": "null"},
                                    ],
                                    "description": "a public http(s) URL; empty or null removes it",
                                },
                                "notify": {
                                    **NOTIFY,
                                    "description": "kinds to turn on or off; the rest keep their setting",
                                },
                            },
                        }
                    ),
                    "responses": {"200": _json(_ref("User")), **_problems(*WRITE_ERRORS)},
                },
            },
            "/tokens": {
                "get": {
                    "operationId": "listAccessTokens",
                    "description": "your personal access tokens that were not revoked, newest first",
                    "responses": {
                        "200": _json(
                            {
                                "type": "object",
                                "required": ["items"],
                                "properties": {"items": {"type": "array", "items": _ref("AccessToken")}},
                            }
                        ),
                        **_problems(401),
                    },
                },
                "post": {
                    "operationId": "createAccessToken",
                    "description": (
                        "a personal access token for an agent or script, shown once; only a sign-in "
                        "session may create one (an access token gets 403)"
                    ),
                    "requestBody": _body(
                        {
                            "type": "object",
                            "additionalProperties": False,
                            "required": ["name"],
                            "properties": {
                                "name": {
                                    "type": "string",
                                    "minLength": 1,
                                    "maxLength": access_tokens.NAME_MAX,
                                    "pattern": NOT_BLANK,
                                },
                                "scope": {
                                    "enum": list(access_tokens.SCOPES),
                                    "default": "read",
                                    "description": "read: GET routes and the list_tasks MCP tool only",
                                },
                                "expires_in_days": {
                                    "type": "integer",
                                    "minimum": 1,
                                    "maximum": access_tokens.EXPIRY_DAYS_MAX,
                                    "default": access_tokens.EXPIRY_DAYS_DEFAULT,
                                },
                            },
                        }
                    ),
                    "responses": {
                        "201": _json(_ref("NewAccessToken"), "Created; `token` is never shown again"),
                        **_problems(*WRITE_ERRORS, 403, 409),
                    },
                },
            },
            "/tokens/{token_id}": {
                "delete": {
                    "operationId": "revokeAccessToken",
                    "parameters": [_path_id("token_id")],
                    "responses": {
                        "204": {"description": "Revoked: the token stops working at once"},
                        **_problems(*ID_ERRORS, 403),
                    },
                }
            },
            "/tasks": {
                "post": {
                    "operationId": "createTask",
                    "requestBody": _body(_task_input(["title"])),
                    "responses": {"201": _json(_ref("Task"), "Created"), **_problems(*WRITE_ERRORS)},
                },
                "get": {
                    "operationId": "listTasks",
                    "parameters": [
                        _query(
                            "q",
                            {"type": "string", "maxLength": 200},
                            "whole words and word prefixes of title, description and tags; best match first",
                        ),
                        _query("status", {"enum": list(STATUSES), "default": "all"}, "task status"),
                        _query(
                            "priority",
                            {
                                "type": "array",
                                "maxItems": len(Priority),
                                "items": {"enum": [p.value for p in Priority]},
                            },
                            "any of",
                            explode=True,
                        ),
                        _query(
                            "tag",
                            {"type": "array", "maxItems": TAGS_MAX, "items": {"type": "string"}},
                            "all of (a task holds at most as many)",
                            explode=True,
                        ),
                        _query("due_after", TIME, f"due_at at or after this instant, {TIME_RANGE}"),
                        _query("due_before", TIME, f"due_at before this instant, {TIME_RANGE}"),
                        _query("overdue", {"type": "boolean"}, "open and past due"),
                        _query(
                            "sort",
                            {"enum": list(SORTS)},
                            "default -created_at; undated tasks last for due_at",
                        ),
                        _query(
                            "limit",
                            {"type": "integer", "minimum": 1, "maximum": LIMIT_MAX, "default": LIMIT_DEFAULT},
                            "page size",
                        ),
                        _query(
                            "cursor",
                            {"type": "string", "maxLength": CURSOR_MAX},
                            "next_cursor of the previous page, unchanged, with the same sort (else 422)",
                        ),
                    ],
                    "responses": {"200": _json(_ref("TaskPage")), **_problems(401, 422)},
                },
            },
            "/tasks/parse": {
                "post": {
                    "operationId": "parseTask",
                    "description": (
                        "quick add: reads a line as the assistant reads 'add …', in your time zone, and "
                        "answers the fields POST /tasks would take, one piece per chip; stores nothing. "
                        "An impossible date or a line without a title is a 422 that says why"
                    ),
                    "requestBody": _body(
                        {
                            "type": "object",
                            "additionalProperties": False,
                            "required": ["text"],
                            "properties": {
                                "text": {
                                    "type": "string",
                                    "minLength": 1,
                                    "maxLength": quick_add.TEXT_MAX,
                                    "pattern": NOT_BLANK,
                                    "examples": [
                                        "pay rent every month on the 1st 9am #home !high remind 1 day before"
                                    ],
                                }
                            },
                        }
                    ),
                    "responses": {
                        "200": _json(
                            {
                                "type": "object",
                                "required": ["task", "pieces"],
                                "properties": {
                                    "task": _task_input(["title"]),
                                    "pieces": {
                                        "type": "array",
                                        "items": {
                                            "type": "object",
                                            "required": ["field", "value"],
                                            "properties": {
                                                "field": {
                                                    "enum": [
                                                        "title",
                                                        "due_at",
                                                        "recurrence",
                                                        "reminder_minutes_before",
                                                        "priority",
                                                        "tags",
                                                        "description",
                                                    ],
                                                    "description": (
                                                        "the task field; each tag is a piece of its own; "
                                                        f"{' and '.join(quick_add.NEEDS_DUE_AT)} need due_at"
                                                    ),
                                                },
                                                "value": {"type": ["string", "integer"]},
                                            },
                                        },
                                    },
                                },
                            }
                        ),
                        **_problems(*WRITE_ERRORS, 403),
                    },
                }
            },
            "/tasks/{task_id}": {
                "parameters": [TASK_ID],
                "get": {
                    "operationId": "getTask",
                    "responses": {"200": _json(_ref("Task")), **_problems(*ID_ERRORS)},
                },
                "patch": {
                    "operationId": "updateTask",
                    "parameters": [
                        {
                            "name": "If-Match",
                            "in": "header",
                            "schema": {"type": "string", "pattern": IF_MATCH},
                            "description": "the version last seen; 412 if the task moved on",
                        }
                    ],
                    "requestBody": _body(_task_input([])),
                    "responses": {"200": _json(_ref("Task")), **_problems(*WRITE_ERRORS, 404, 409, 412)},
                },
                "delete": {
                    "operationId": "deleteTask",
                    "parameters": [
                        _query(
                            "scope",
                            {"enum": ["one", "series"], "default": "one"},
                            "series also deletes the series' open instances from this one on",
                        )
                    ],
                    "responses": {"204": {"description": "Deleted"}, **_problems(*ID_ERRORS, 409, 422)},
                },
            },
            "/tasks/{task_id}/complete": {
                "parameters": [TASK_ID],
                "post": {
                    "operationId": "completeTask",
                    "responses": {"200": _json(_ref("Task")), **_problems(*ID_ERRORS, 409)},
                },
            },
            "/tasks/{task_id}/reopen": {
                "parameters": [TASK_ID],
                "post": {
                    "operationId": "reopenTask",
                    "responses": {"200": _json(_ref("Task")), **_problems(*ID_ERRORS, 409)},
                },
            },
            "/tasks/{task_id}/history": {
                "parameters": [TASK_ID],
                "get": {
                    "operationId": "taskHistory",
                    "responses": {
                        "200": _json({"type": "array", "items": _ref("AuditEntry")}),
                        **_problems(*ID_ERRORS),
                    },
                },
            },
            "/tags": {
                "get": {
                    "operationId": "tags",
                    "responses": {
                        "200": _json(
                            {
                                "type": "array",
                                "items": {
                                    "type": "object",
                                    "properties": {"tag": {"type": "string"}, "count": {"type": "integer"}},
                                },
                            }
                        ),
                        **_problems(401),
                    },
                }
            },
            "/notifications": {
                "get": {
                    "operationId": "notifications",
                    "parameters": [_query("unread", {"type": "boolean", "default": False}, "unread only")],
                    "responses": {
                        "200": _json(
                            {
                                "type": "object",
                                "properties": {
                                    "items": {"type": "array", "items": _ref("Notification")},
                                    "unread": {"type": "integer"},
                                },
                            }
                        ),
                        **_problems(401, 422),
                    },
                }
            },
            "/chat": {
                "post": {
                    "operationId": "chat",
                    "requestBody": _body(
                        {
                            "type": "object",
                            "additionalProperties": False,
                            "required": ["message"],
                            "properties": {
                                "message": {
                                    "type": "string",
                                    "minLength": 1,
                                    "maxLength": MESSAGE_MAX,
                                    "pattern": NOT_BLANK,
                                },
                                "conversation_id": {
                                    "type": ["string", "null"],
                                    "description": "from an earlier reply; an unknown one is a 404",
                                },
                                "clock": {
                                    "enum": ["24h", "12h", None],
                                    "description": "how the replies say times: 17:00 (default) or 5:00 PM",
                                },
                            },
                        }
                    ),
                    "responses": {
                        "200": _json(
                            {
                                "type": "object",
                                "properties": {
                                    "conversation_id": {"type": "string"},
                                    "reply": {"type": "string"},
                                    "tasks": {"type": "array", "items": _ref("Task")},
                                },
                            }
                        ),
                        **_problems(*WRITE_ERRORS, 404, 409),
                    },
                }
            },
            "/chat/{conversation_id}": {
                "get": {
                    "operationId": "conversation",
                    "parameters": [_path_id("conversation_id")],
                    "responses": {"200": _json({"type": "object"}), **_problems(*ID_ERRORS)},
                }
            },
            "/mcp": {
                "post": {
                    "operationId": "mcp",
                    "description": "Model Context Protocol, streamable HTTP: the task tools",
                    "requestBody": _body(
                        {
                            "type": "object",
                            "description": "a JSON-RPC 2.0 request (with an id) or notification (without)",
                            "required": ["jsonrpc", "method"],
                            "properties": {
                                "jsonrpc": {"const": "2.0"},
                                "id": {"type": ["string", "integer"]},
                                "method": {"type": "string"},
                                "params": {"type": ["object", "null"]},
                            },
                        }
                    ),
                    "responses": {
                        "200": _json({"type": "object"}, "The JSON-RPC response, or its error"),
                        "202": {"description": "A notification, accepted"},
                        "400": {
                            "description": "Not a JSON-RPC message",
                            "content": {"application/json": {"schema": {"type": "object"}}},
                        },
                        **_problems(401, 413, 415),
                    },
                }
            },
            "/notifications/{notification_id}/read": {
                "post": {
                    "operationId": "readNotification",
                    "parameters": [_path_id("notification_id")],
                    "responses": {"200": _json(_ref("Notification")), **_problems(*ID_ERRORS)},
                }
            },
            "/notifications/read-all": {
                "post": {
                    "operationId": "readAllNotifications",
                    "description": "marks every unread notification read",
                    "responses": {
                        "200": _json(
                            {
                                "type": "object",
                                "required": ["marked", "unread"],
                                "properties": {
                                    "marked": {"type": "integer", "minimum": 0},
                                    "unread": {"const": 0},
                                },
                            }
                        ),
                        **_problems(401),
                    },
                }
            },
        },
        "components": {
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": (
                        "a sign-in token (JWT) or a personal access token (dpat_...); a read-only "
                        "access token gets 403 on everything but GET and the reading MCP tools"
                    ),
                }
            },
            "schemas": {
                "Task": {
                    "type": "object",
                    "required": list(TASK_FIELDS),
                    "properties": {
                        "id": {"type": "string"},
                        "title": {"type": "string"},
                        "description": {"type": "string"},
                        "priority": {"enum": [p.value for p in Priority]},
                        "tags": {"type": "array", "items": {"type": "string"}},
                        "status": {"enum": ["open", "completed"]},
                        "due_at": NULLABLE_TIME,
                        "recurrence": {"enum": [r.value for r in Recurrence]},
                        "reminder_minutes_before": {"type": ["integer", "null"]},
                        "reminder_at": NULLABLE_TIME,
                        "series_id": {"type": ["string", "null"]},
                        "created_at": TIME,
                        "updated_at": TIME,
                        "completed_at": NULLABLE_TIME,
                        "version": {"type": "integer"},
                    },
                },
                "TaskPage": {
                    "type": "object",
                    "required": ["items", "next_cursor", "total", "total_exact"],
                    "properties": {
                        "items": {"type": "array", "items": _ref("Task")},
                        "next_cursor": {"type": ["string", "null"]},
                        "total": {
                            "type": "integer",
                            "minimum": 0,
                            "maximum": TOTAL_CAP,
                            "description": f"matches of the whole query, counted up to {TOTAL_CAP}",
                        },
                        "total_exact": {
                            "type": "boolean",
                            "description": f"false when more than {TOTAL_CAP} tasks match: then total "
                            f"is {TOTAL_CAP} and means {TOTAL_CAP:,}+",
                        },
                    },
                },
                "User": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "string"},
                        "email": {"type": "string"},
                        "name": {"type": "string"},
                        "timezone": {"type": "string"},
                        "webhook_url": {"type": ["string", "null"]},
                        "notify": NOTIFY,
                        "created_at": TIME,
                    },
                },
                "AccessToken": {
                    "type": "object",
                    "required": list(ACCESS_TOKEN_FIELDS),
                    "properties": {
                        "id": {"type": "string"},
                        "name": {"type": "string"},
                        "scope": {"enum": list(access_tokens.SCOPES)},
                        "created_at": TIME,
                        "expires_at": TIME,
                        "last_used_at": NULLABLE_TIME,
                    },
                },
                "NewAccessToken": {
                    "allOf": [_ref("AccessToken")],
                    "required": ["token"],
                    "properties": {"token": {"type": "string", "pattern": "^dpat_"}},
                },
                "Session": {
                    "type": "object",
                    "required": ["user", "token"],
                    "properties": {"user": _ref("User"), "token": {"type": "string"}},
                },
                "Notification": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "string"},
                        "kind": {
                            "enum": [*(k.value for k in NotificationKind), "completed"],
                            "description": "completed: only in inboxes from before completions were quiet",
                        },
                        "task_id": {"type": "string"},
                        "title": {"type": "string"},
                        "body": {"type": "string"},
                        "created_at": TIME,
                        "read_at": NULLABLE_TIME,
                    },
                },
                "AuditEntry": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "integer"},
                        "event_id": {"type": "string"},
                        "action": {"type": "string"},
                        "at": TIME,
                        "recorded_at": TIME,
                        "user_id": {"type": "string"},
                        "correlation_id": {"type": "string"},
                        "task": {"type": ["object", "null"]},
                        "changes": {},
                    },
                },
                "Problem": {
                    "type": "object",
                    "required": ["title", "status", "detail"],
                    "properties": {
                        "type": {"type": "string"},
                        "title": {"type": "string"},
                        "status": {"type": "integer"},
                        "detail": {"type": "string"},
                        "correlation_id": {"type": "string"},
                        "errors": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "properties": {
                                    "field": {"type": "string"},
                                    "rule": {"type": "string"},
                                    "message": {"type": "string"},
                                },
                            },
                        },
                        "retry_after": {"type": "integer", "description": "on 429: as Retry-After"},
                    },
                },
            },
        },
    }


TASK_FIELDS = (
    "id",
    "title",
    "description",
    "priority",
    "tags",
    "status",
    "due_at",
    "recurrence",
    "reminder_minutes_before",
    "reminder_at",
    "series_id",
    "created_at",
    "updated_at",
    "completed_at",
    "version",
)

ACCESS_TOKEN_FIELDS = ("id", "name", "scope", "created_at", "expires_at", "last_used_at")
