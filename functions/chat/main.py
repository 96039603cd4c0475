"""chat: the natural-language assistant (POST /chat, GET /chat/{id}) and the MCP server for AI agents (/mcp).

Both are conversational front doors to the same task services, so they share one function: the MCP
server needs no state of its own, and a separate function would cost another process and sidecar.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from flask import Response

from doable.chat.llm import interpreter_from_env
from doable.http.function import HttpFunction, Request
from doable.http.problem import json_response
from doable.services import chat

if TYPE_CHECKING:
    from doable.bootstrap import Container
    from doable.chat.mcp_server import McpEndpoint

function = HttpFunction("chat")
interpreter = interpreter_from_env()
# The MCP SDK and pydantic take longer to import than the rest of the function: the endpoint is
# built on the first /mcp call, so the assistant (and the probes) answer without waiting for them.
_mcp: list[McpEndpoint] = []
_mcp_lock = threading.Lock()


def mcp(app: Container) -> McpEndpoint:
    if not _mcp:
        with _mcp_lock:
            if not _mcp:
                from doable.chat.mcp_server import McpEndpoint

                _mcp.append(McpEndpoint(app))
    return _mcp[0]


@function.serve("chat")
def send(request: Request) -> Response:
    command = chat.SendMessage.from_json(request.json())
    reply = chat.send_message(request.app.uow(), request.app.state, request.ctx, command, interpreter)
    return json_response(reply.to_dict())


@function.serve("conversation")
def conversation(request: Request) -> Response:
    found = chat.get_conversation(request.app.state, request.ctx, request.params["conversation_id"])
    return json_response(found.to_public())


# Stateless JSON-RPC: no GET stream, no session to DELETE; a read-only token may call the reading tools.
@function.serve("mcp")
def agent_tools(request: Request) -> Response:
    return mcp(request.app).handle(request)


handler = function.handler
