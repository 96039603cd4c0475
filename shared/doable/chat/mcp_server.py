"""The MCP server: the task operations as tools an AI agent can call for the signed-in user.

Built with the official `mcp` SDK (2.x: MCPServer, formerly FastMCP) and served as streamable HTTP
at /api/mcp by the chat function. It runs stateless with JSON responses: every POST stands alone (no
session to pin to one replica, no SSE stream to hold open), which is what Dapr service invocation
and scale-to-zero need. The SDK's server is ASGI; `AsgiHost` runs it inside the WSGI function (see
asgi_host.py), so it answers the same way embedded and on the stack through the gateway.

Authentication is Doable's own: the function's route checks the bearer token (a sign-in JWT or a
personal access token) before the request reaches the SDK (a missing or bad token gets the usual
401 problem), and each tool verifies the same token again from the request headers to learn whose
tasks it acts on; a read-only access token may call list_tasks and no tool that writes. Nothing but
the verified token decides the user, so no header an agent could set names someone else. Tools
call the task services, so they enforce exactly the API's rules and emit the same events; a rule
broken becomes a tool error whose text is the API's problem detail.
"""

from __future__ import annotations

import io
import json
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Annotated, Any, Literal

from flask import Response
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.transport_security import TransportSecuritySettings
from pydantic import Field

from doable.bootstrap import Container
from doable.chat.asgi_host import AsgiHost, Lifespan
from doable.domain.errors import DomainError
from doable.domain.events import Context as Caller
from doable.domain.model import Priority, Task, new_id
from doable.domain.query import LIMIT_DEFAULT, parse_task_query
from doable.http import fields, shapes
from doable.http.body import read_body
from doable.http.function import Request
from doable.http.json_body import check_depth
from doable.http.problem import problem
from doable.services import access_tokens, tasks

PATH = "/mcp"
INSTRUCTIONS = (
    "Doable is the user's task manager. These tools act on the signed-in user's own tasks only. "
    "Times are RFC 3339: send them with a UTC offset (2026-12-01T09:00:00+01:00); tasks come back in "
    "UTC with a Z. List before you change a task you only know by title, and use its id."
)

# The tools take the API's own field types (doable.http.fields) and answer its shapes (doable.http.shapes).
Clearable = Literal["description", "tags", "due_at", "reminder_minutes_before"]
TaskId = Annotated[str, Field(description="the task's id, as add_task or list_tasks returned it")]


def add_task(
    title: fields.Title,
    ctx: Context,
    description: fields.Description = None,
    priority: fields.PriorityValue = Priority.MEDIUM,
    tags: fields.Tags = None,
    due_at: fields.DueAt = None,
    recurrence: fields.Repeat = None,
    reminder_minutes_before: fields.Reminder = None,
) -> shapes.Task:
    """Add a task for the signed-in user and return it."""
    data = {
        "title": title,
        "description": description,
        "priority": priority,
        "tags": tags or [],
        "due_at": due_at,
        "recurrence": recurrence,
        "reminder_minutes_before": reminder_minutes_before,
    }
    with _acting_for(ctx) as (app, caller):
        return _out(tasks.create_task(app.uow(), caller, data))


def list_tasks(
    ctx: Context,
    q: fields.Words = None,
    status: fields.StatusFilter = "all",
    priority: fields.Priorities = None,
    tag: fields.TagFilter = None,
    due_after: fields.DueAfter = None,
    due_before: fields.DueBefore = None,
    overdue: fields.Overdue = False,
    sort: fields.SortBy = None,
    limit: fields.Limit = LIMIT_DEFAULT,
    cursor: fields.Cursor = None,
) -> shapes.TaskPage:
    """List, search, filter and sort the signed-in user's tasks, with the same rules as GET /api/tasks."""
    params: dict[str, list[str]] = {
        "status": [status],
        "limit": [str(limit)],
        "priority": list(priority or []),
        "tag": list(tag or []),
    }
    optional = {"q": q, "due_after": due_after, "due_before": due_before, "sort": sort, "cursor": cursor}
    params |= {name: [value] for name, value in optional.items() if value is not None}
    if overdue:
        params["overdue"] = ["true"]
    with _acting_for(ctx, writes=False) as (app, caller):
        page = tasks.search_tasks(app.uow(), caller, parse_task_query(params))
        return shapes.TaskPage(
            items=[_out(task) for task in page.items],
            total=page.total,
            total_exact=page.total_exact,
            next_cursor=page.next_cursor,
        )


def update_task(
    task_id: TaskId,
    ctx: Context,
    title: fields.Title | None = None,
    description: fields.Description = None,
    priority: fields.PriorityValue | None = None,
    tags: Annotated[fields.Tags, Field(description="replaces all tags")] = None,
    due_at: fields.DueAt = None,
    recurrence: fields.Repeat = None,
    reminder_minutes_before: fields.Reminder = None,
    clear: Annotated[
        list[Clearable] | None, Field(description="fields to empty, e.g. ['due_at'] to remove the due date")
    ] = None,
    if_version: Annotated[
        int | None, Field(description="fail instead of overwriting if the task changed since this version")
    ] = None,
) -> shapes.Task:
    """Change some fields of a task; fields left out stay as they are."""
    given = {
        "title": title,
        "description": description,
        "priority": priority,
        "tags": tags,
        "due_at": due_at,
        "recurrence": recurrence,
        "reminder_minutes_before": reminder_minutes_before,
    }
    data: dict[str, Any] = {name: value for name, value in given.items() if value is not None}
    data |= dict.fromkeys(clear or [])
    with _acting_for(ctx) as (app, caller):
        expected = None if if_version is None else str(if_version)
        return _out(tasks.update_task(app.uow(), caller, task_id, data, if_match=expected))


def complete_task(task_id: TaskId, ctx: Context) -> shapes.Task:
    """Mark a task done (doing it twice is harmless). A recurring task's next occurrence follows."""
    with _acting_for(ctx) as (app, caller):
        return _out(tasks.complete_task(app.uow(), caller, task_id))


def reopen_task(task_id: TaskId, ctx: Context) -> shapes.Task:
    """Mark a completed task open again."""
    with _acting_for(ctx) as (app, caller):
        return _out(tasks.reopen_task(app.uow(), caller, task_id))


def delete_task(
    task_id: TaskId,
    ctx: Context,
    scope: Annotated[
        Literal["one", "series"],
        Field(description="'series' also deletes the future occurrences of a recurring task"),
    ] = "one",
) -> shapes.Deleted:
    """Delete a task for good; returns the ids of every task deleted."""
    with _acting_for(ctx) as (app, caller):
        return shapes.Deleted(
            deleted=[task.id for task in tasks.delete_task(app.uow(), caller, task_id, scope)]
        )


def _out(task: Task) -> shapes.Task:
    return shapes.Task.model_validate(task.to_dict())


@contextmanager
def _acting_for(ctx: Context, *, writes: bool = True) -> Iterator[tuple[Container, Caller]]:
    """The container and the verified caller; a domain error becomes a tool error the agent can read.

    A read-only personal access token reaches the tools (listing them is reading), and each tool that
    writes refuses it here."""
    headers = ctx.headers or {}
    scheme, _, token = str(headers.get("authorization", "")).partition(" ")
    app: object = ctx.request_context.lifespan_context  # the chat function's, from build_server
    if not isinstance(app, Container):
        raise RuntimeError("the MCP server runs without its container; build it with build_server(app)")
    try:
        if scheme.lower() != "bearer" or not token.strip():
            raise ToolError("send 'Authorization: Bearer <token>'; get a token from /api/auth/login")
        identity = access_tokens.identify(app.uow(), app.tokens, token.strip())
        if writes and identity.read_only:
            raise ToolError(access_tokens.READ_ONLY)
        caller = Caller(
            user_id=identity.user_id,
            correlation_id=str(headers.get("x-correlation-id") or new_id()),
            traceparent=headers.get("traceparent"),
        )
        yield app, caller
    except DomainError as error:
        raise ToolError(error.detail) from None


TOOLS = (add_task, list_tasks, update_task, complete_task, reopen_task, delete_task)


def build_server(app: Container) -> MCPServer:
    """A fresh server: the SDK's session manager runs once per instance, so each endpoint has its own.

    Its lifespan hands the tools the chat function's container (the SDK's way to give tools what
    they need): each tool finds it in its context."""

    @asynccontextmanager
    async def serving(_server: MCPServer) -> AsyncIterator[Container]:
        yield app

    server = MCPServer("doable", instructions=INSTRUCTIONS, lifespan=serving)
    for tool in TOOLS:
        server.add_tool(tool)
    return server


def _build(container: Container) -> tuple[Any, Lifespan]:
    server = build_server(container)
    app = server.streamable_http_app(
        streamable_http_path=PATH,
        stateless_http=True,
        json_response=True,
        # The SDK's DNS-rebinding guard checks Host and Origin against a list of its own; here every
        # request arrives through the gateway or a sidecar with a bearer token, under host names
        # that differ per environment, and the gateway forwards no Origin for a page to abuse.
        transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False),
    )
    return app, server.session_manager.run


def _bad_request_id(body: bytes) -> Response | None:
    """A JSON-RPC 400 for an id that is neither a string nor an integer.

    The SDK takes such a message for a notification and answers 202, so the caller never learns
    that its request was dropped.
    """
    try:
        message = json.loads(body)
    except ValueError:
        return None  # the SDK answers malformed JSON itself
    if not isinstance(message, dict) or "id" not in message:
        return None
    request_id = message["id"]
    if isinstance(request_id, str) or (isinstance(request_id, int) and not isinstance(request_id, bool)):
        return None
    error = {"code": -32600, "message": "Invalid Request: the id must be a string or an integer"}
    return Response(
        json.dumps({"jsonrpc": "2.0", "id": None, "error": error}), status=400, mimetype="application/json"
    )


class McpEndpoint:
    """The /mcp route's handler: the authenticated Flask request in, the SDK's JSON-RPC answer out."""

    def __init__(self, app: Container) -> None:
        self.host = AsgiHost(lambda: _build(app))

    def handle(self, request: Request) -> Response:
        if request.raw.method == "POST" and request.raw.mimetype != "application/json":
            raise DomainError(
                f"send JSON-RPC as application/json, not {request.raw.mimetype or 'no Content-Type'}",
                415,
                "Unsupported media type",
            )
        body = read_body(request.raw, request.app.settings.max_body_bytes)
        check_depth(body)  # before any decoder here or in the SDK recurses into it
        refused = _bad_request_id(body)
        if refused is not None:
            return refused
        environ = dict(request.raw.environ)
        environ.update(
            {
                "wsgi.input": io.BytesIO(body),
                "CONTENT_LENGTH": str(len(body)),
                "SCRIPT_NAME": "",
                "PATH_INFO": PATH,  # the route also matches /mcp/; the SDK's app knows only /mcp
                "HTTP_X_CORRELATION_ID": request.ctx.correlation_id,
            }
        )
        if request.ctx.traceparent:
            environ["HTTP_TRACEPARENT"] = request.ctx.traceparent
        reply = self.host.call(environ)
        response = Response(reply.body, status=reply.status, headers=reply.headers)
        if response.status_code >= 400 and not (response.mimetype or "").endswith("json"):
            # The SDK's own refusals are plain text or HTML; every Doable error is a problem.
            return problem(response.status_code, response.get_data(as_text=True)[:500] or "refused")
        return response
