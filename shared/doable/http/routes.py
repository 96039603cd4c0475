"""The public API's routes: the only requests the gateway forwards, and to which function.

The gateway never hands the caller's path to a sidecar. It matches the decoded path segment by
segment against these templates, refuses anything that could mean another path once normalised
(encoded separators, dot segments, backslashes, empty segments), and rebuilds the path it forwards
from the template and the matched, strictly shaped parameters. A test checks that each function
declares exactly the routes listed here for it, so the table and the functions cannot drift.
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


PUBLIC_ROUTES: tuple[PublicRoute, ...] = (
    PublicRoute("POST", "/auth/register", "auth"),
    PublicRoute("POST", "/auth/login", "auth"),
    PublicRoute("GET", "/me", "auth"),
    PublicRoute("PATCH", "/me", "auth"),
    PublicRoute("GET", "/tokens", "auth"),
    PublicRoute("POST", "/tokens", "auth"),
    PublicRoute("DELETE", "/tokens/{token_id}", "auth"),
    PublicRoute("POST", "/tasks", "create-task"),
    PublicRoute("POST", "/tasks/parse", "create-task"),  # quick add: what a line would create
    PublicRoute("GET", "/tasks", "search-tasks"),
    PublicRoute("GET", "/tasks/{task_id}", "search-tasks"),
    PublicRoute("GET", "/tags", "search-tasks"),
    PublicRoute("PATCH", "/tasks/{task_id}", "update-task"),
    PublicRoute("DELETE", "/tasks/{task_id}", "update-task"),
    PublicRoute("POST", "/tasks/{task_id}/complete", "update-task"),
    PublicRoute("POST", "/tasks/{task_id}/reopen", "update-task"),
    PublicRoute("GET", "/tasks/{task_id}/history", "activity"),
    PublicRoute("GET", "/notifications", "activity"),
    PublicRoute("POST", "/notifications/{notification_id}/read", "activity"),
    PublicRoute("POST", "/notifications/read-all", "activity"),
    PublicRoute("POST", "/chat", "chat"),
    PublicRoute("GET", "/chat/{conversation_id}", "chat"),
    PublicRoute("POST", "/mcp", "chat"),  # stateless MCP: no GET stream to hold a worker open
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
