"""The public API's routes, declared once: the gateway's table, the functions' routes and the OpenAPI paths.

Each route is data here: its method and template, the function that serves it, its operation name,
what it takes and answers (shape names in doable.http.shapes) and the problem statuses it documents.
The gateway resolves requests against this table without importing any function; each function binds
its handlers to its routes by operation name (HttpFunction.serve), so it serves exactly what is
declared; doable.http.openapi writes the paths from it and doable.access the Dapr access policy.

The gateway never hands the caller's path to a sidecar. It matches the decoded path segment by
segment against these templates, refuses anything that could mean another path once normalised
(encoded separators, dot segments, backslashes, empty segments), and rebuilds the path it forwards
from the template and the matched, strictly shaped parameters. A test checks that each function
serves exactly the routes declared here for it, so the table and the functions cannot drift.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote

API_PREFIX = "/api"
# Ids are UUIDs today; the shape is kept a little wider than that, but never wide enough to hold a
# dot, a slash, a backslash, a percent sign or anything else a server might reinterpret.
PARAMETER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
# Percent-encoded '/', '\', '.' and '%' in the raw request line: legitimate clients never need them.
ENCODED_SEPARATOR = re.compile(r"%(2f|5c|2e|25)", re.IGNORECASE)


class UnsafePath(ValueError):
    """The path could mean another path once a server decodes or normalises it."""


@dataclass(frozen=True)
class PublicRoute:
    method: str
    template: str  # below /api; {name} is one path segment
    app_id: str
    operation: str  # the OpenAPI operationId, and the name the function binds its handler by
    request: str | None = None  # the body's shape in doable.http.shapes
    response: str | None = None  # the success answer's shape; None: no body
    status: int = 200
    answer: str = "OK"  # what the success status means here
    problems: tuple[int, ...] = ()  # the problem+json statuses documented besides the success
    auth: bool = True  # a bearer token is needed (a sign-in JWT or a personal access token)
    scoped: bool = False  # the handler itself tells a read-only token's reads from its writes
    parameters: str | None = None  # the query or header parameters doable.http.openapi documents
    summary: str = ""

    @property
    def segments(self) -> tuple[str, ...]:
        return tuple(self.template.strip("/").split("/"))

    def match(self, segments: tuple[str, ...]) -> dict[str, str] | None:
        """The path parameters if `segments` fit this template, else None."""
        if len(segments) != len(self.segments):
            return None
        params: dict[str, str] = {}
        for expected, given in zip(self.segments, segments, strict=True):
            if expected.startswith("{") and expected.endswith("}"):
                if not PARAMETER.match(given):
                    return None
                params[expected[1:-1]] = given
            elif expected != given:
                return None
        return params

    def path(self, params: dict[str, str]) -> str:
        """The path to forward: built from the template, never from the caller's string."""
        parts = [
            quote(params[part[1:-1]], safe="") if part.startswith("{") else part for part in self.segments
        ]
        return "/" + "/".join(parts)


WRITE_ERRORS = (400, 401, 413, 415, 422)
ID_ERRORS = (400, 401, 404)  # 400: the gateway refuses paths with unsafe characters

PUBLIC_ROUTES: tuple[PublicRoute, ...] = (
    PublicRoute(
        "POST",
        "/auth/register",
        "auth",
        "register",
        request="Registration",
        response="Session",
        status=201,
        answer="Registered",
        problems=(400, 403, 409, 422, 429),
        auth=False,
    ),
    PublicRoute(
        "POST",
        "/auth/login",
        "auth",
        "login",
        request="Login",
        response="Session",
        problems=(400, 401, 422, 429),
        auth=False,
    ),
    PublicRoute("GET", "/me", "auth", "me", response="User", problems=(401,)),
    PublicRoute(
        "PATCH", "/me", "auth", "updateMe", request="ProfileChange", response="User", problems=WRITE_ERRORS
    ),
    PublicRoute(
        "GET",
        "/tokens",
        "auth",
        "listAccessTokens",
        response="AccessTokenList",
        problems=(401,),
        summary="your personal access tokens that were not revoked, newest first",
    ),
    # Scoped: no access token may create one, read-only or not; the service refuses them all.
    PublicRoute(
        "POST",
        "/tokens",
        "auth",
        "createAccessToken",
        request="NewAccessTokenRequest",
        response="NewAccessToken",
        status=201,
        answer="Created; `token` is never shown again",
        problems=(*WRITE_ERRORS, 403, 409),
        scoped=True,
        summary="a personal access token for an agent or script, shown once; only a sign-in "
        "session may create one (an access token gets 403)",
    ),
    PublicRoute(
        "DELETE",
        "/tokens/{token_id}",
        "auth",
        "revokeAccessToken",
        status=204,
        answer="Revoked: the token stops working at once",
        problems=(*ID_ERRORS, 403),
    ),
    PublicRoute(
        "POST",
        "/tasks",
        "create-task",
        "createTask",
        request="NewTask",
        response="Task",
        status=201,
        answer="Created",
        problems=WRITE_ERRORS,
    ),
    PublicRoute(
        "POST",
        "/tasks/parse",
        "create-task",
        "parseTask",
        request="QuickAddLine",
        response="QuickAddReading",
        problems=(*WRITE_ERRORS, 403),
        summary="quick add: reads a line as the assistant reads 'add …', in your time zone, and "
        "answers the fields POST /tasks would take, one piece per chip; stores nothing. "
        "An impossible date or a line without a title is a 422 that says why",
    ),
    PublicRoute(
        "GET",
        "/tasks",
        "search-tasks",
        "listTasks",
        response="TaskPage",
        problems=(401, 422),
        parameters="task_query",
    ),
    PublicRoute("GET", "/tasks/{task_id}", "search-tasks", "getTask", response="Task", problems=ID_ERRORS),
    PublicRoute("GET", "/tags", "search-tasks", "tags", response="TagCounts", problems=(401,)),
    PublicRoute(
        "PATCH",
        "/tasks/{task_id}",
        "update-task",
        "updateTask",
        request="TaskChange",
        response="Task",
        problems=(*WRITE_ERRORS, 404, 409, 412),
        parameters="if_match",
    ),
    PublicRoute(
        "DELETE",
        "/tasks/{task_id}",
        "update-task",
        "deleteTask",
        status=204,
        answer="Deleted",
        problems=(*ID_ERRORS, 409, 422),
        parameters="delete_scope",
    ),
    PublicRoute(
        "POST",
        "/tasks/{task_id}/complete",
        "update-task",
        "completeTask",
        response="Task",
        problems=(*ID_ERRORS, 409),
    ),
    PublicRoute(
        "POST",
        "/tasks/{task_id}/reopen",
        "update-task",
        "reopenTask",
        response="Task",
        problems=(*ID_ERRORS, 409),
    ),
    PublicRoute(
        "GET", "/tasks/{task_id}/history", "activity", "taskHistory", response="History", problems=ID_ERRORS
    ),
    PublicRoute(
        "GET",
        "/notifications",
        "activity",
        "notifications",
        response="Inbox",
        problems=(401, 422),
        parameters="unread",
    ),
    PublicRoute(
        "POST",
        "/notifications/{notification_id}/read",
        "activity",
        "readNotification",
        response="Notification",
        problems=ID_ERRORS,
    ),
    PublicRoute(
        "POST",
        "/notifications/read-all",
        "activity",
        "readAllNotifications",
        response="MarkedRead",
        problems=(401,),
        summary="marks every unread notification read",
    ),
    PublicRoute(
        "POST",
        "/chat",
        "chat",
        "chat",
        request="ChatMessage",
        response="ChatReply",
        problems=(*WRITE_ERRORS, 404, 409),
    ),
    PublicRoute(
        "GET", "/chat/{conversation_id}", "chat", "conversation", response="Conversation", problems=ID_ERRORS
    ),
    # Stateless MCP: no GET stream to hold a worker open. Scoped: a read-only access token may list
    # the tools and call the reading ones; the tools that write refuse it themselves.
    PublicRoute(
        "POST",
        "/mcp",
        "chat",
        "mcp",
        request="JsonRpcRequest",
        response="JsonRpcResponse",
        answer="The JSON-RPC response, or its error",
        problems=(401, 413, 415),
        scoped=True,
        summary="Model Context Protocol, streamable HTTP: the task tools",
    ),
)


def declared_route(app_id: str, operation: str) -> PublicRoute:
    """The route `app_id` declares under `operation`; a LookupError names the ones it does declare."""
    for route in PUBLIC_ROUTES:
        if route.app_id == app_id and route.operation == operation:
            return route
    known = ", ".join(route.operation for route in PUBLIC_ROUTES if route.app_id == app_id) or "none"
    raise LookupError(
        f"{app_id} declares no route {operation!r} in doable.http.routes (it declares: {known}); "
        "declare it there first"
    )


def safe_segments(path: str, raw_uri: str | None) -> tuple[str, ...]:
    """The path below /api as segments, or UnsafePath when any server could read it differently."""
    if raw_uri is not None and ENCODED_SEPARATOR.search(raw_uri.partition("?")[0]):
        raise UnsafePath("the path holds an encoded '/', '\\', '.' or '%'")
    if "\\" in path or any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in path):
        raise UnsafePath("the path holds a backslash or a control character")
    below = path.removeprefix(API_PREFIX)
    if below.endswith("/") and below != "/":
        below = below[:-1]  # one trailing slash is tolerated, as the functions tolerate it
    segments = tuple(below.strip("/").split("/")) if below.strip("/") else ()
    if any(segment in ("", ".", "..") for segment in segments):
        raise UnsafePath("the path holds an empty, '.' or '..' segment")
    return segments


def resolve(method: str, segments: tuple[str, ...]) -> tuple[PublicRoute | None, dict[str, str], list[str]]:
    """The route for a request, its parameters, and otherwise the methods the path does accept.

    A literal segment beats a parameter: /tasks/parse is a path of its own, so a PATCH there is a 405
    naming POST, not an edit of a task whose id is "parse".
    """
    matches = [(route, params) for route in PUBLIC_ROUTES if (params := route.match(segments)) is not None]
    most_literal = max((_literals(route) for route, _ in matches), default=0)
    matches = [(route, params) for route, params in matches if _literals(route) == most_literal]
    for route, params in matches:
        if route.method == method:
            return route, params, []
    return None, {}, sorted({route.method for route, _ in matches})


def _literals(route: PublicRoute) -> int:
    return sum(1 for segment in route.segments if not segment.startswith("{"))


def misfit_parameter(segments: tuple[str, ...]) -> str | None:
    """The parameter to blame when a path fits a route in all but the shape of one of its ids."""
    for route in PUBLIC_ROUTES:
        if len(segments) != len(route.segments):
            continue
        misfits = [
            expected[1:-1]
            for expected, given in zip(route.segments, segments, strict=True)
            if expected.startswith("{") and not PARAMETER.match(given)
        ]
        literals_fit = all(
            expected == given
            for expected, given in zip(route.segments, segments, strict=True)
            if not expected.startswith("{")
        )
        if literals_fit and misfits:
            return misfits[0]
    return None
