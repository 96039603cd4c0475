"""The MCP server at /api/mcp driven by the SDK's own streamable HTTP client, embedded and on the stack.

An agent sees the same tasks, rules and errors as the REST API: what a tool does is checked back
through /api/tasks, and a rule broken comes back as a tool error carrying the API's detail.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import httpx2
import pytest
from mcp.client import Client
from mcp.client.session import ClientSession
from mcp.client.streamable_http import streamable_http_client

from tests.conftest import Api

T = TypeVar("T")
TOOLS = {"add_task", "list_tasks", "update_task", "complete_task", "reopen_task", "delete_task"}


def with_session(api: Api, work: Callable[[ClientSession], Awaitable[T]]) -> T:
    """Runs `work` in an initialised MCP session that carries `api`'s bearer token."""

    async def run() -> T:
        headers = {"Authorization": api.headers["Authorization"]}
        async with (
            httpx2.AsyncClient(headers=headers, timeout=30) as http,
            streamable_http_client(f"{api.base_url}/api/mcp", http_client=http) as (read, write),
            ClientSession(read, write) as session,
        ):
            await session.initialize()
            return await work(session)

    return asyncio.run(run())


def call(api: Api, tool: str, **arguments: Any) -> Any:
    """The tool's structured result; a tool error fails with its text."""

    async def work(session: ClientSession) -> Any:
        result = await session.call_tool(tool, arguments)
        assert not result.is_error, result.content
        return result.structured_content

    return with_session(api, work)


def failure(api: Api, tool: str, **arguments: Any) -> str:
    """The text of the tool error that calling `tool` must produce."""

    async def work(session: ClientSession) -> str:
        result = await session.call_tool(tool, arguments)
        assert result.is_error, result.structured_content
        return " ".join(getattr(block, "text", "") for block in result.content)

    return with_session(api, work)


def test_the_tools_are_listed_with_their_schemas(api: Api) -> None:
    async def work(session: ClientSession) -> Any:
        return (await session.list_tools()).tools

    tools = {tool.name: tool for tool in with_session(api, work)}
    assert set(tools) == TOOLS
    add = tools["add_task"].input_schema
    assert add["required"] == ["title"]
    assert {"title", "priority", "tags", "due_at", "recurrence", "reminder_minutes_before"} <= set(
        add["properties"]
    )
    listing = tools["list_tasks"].input_schema["properties"]
    assert {
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
    } <= set(listing)
    assert tools["list_tasks"].output_schema is not None
    assert all(tool.description for tool in tools.values())


def test_add_task_creates_a_real_task(api: Api) -> None:
    task = call(
        api,
        "add_task",
        title="Pay rent",
        priority="high",
        tags=["Home"],
        due_at="2030-12-01T09:00:00+01:00",
        recurrence="monthly",
        reminder_minutes_before=60,
    )
    assert task == api.get(f"/api/tasks/{task['id']}").json()
    assert (task["due_at"], task["tags"], task["reminder_at"]) == (
        "2030-12-01T08:00:00.000Z",
        ["home"],
        "2030-12-01T07:00:00.000Z",
    )


def test_list_tasks_filters_and_sorts_like_the_api(api: Api) -> None:
    api.new_task(title="Pay rent", priority="high", tags=["home"], due_at="2030-01-02T09:00:00Z")
    api.new_task(title="Buy milk", priority="low", tags=["home"])
    api.new_task(title="Board prep", priority="high", tags=["work"], due_at="2030-01-01T09:00:00Z")
    page = call(api, "list_tasks", priority=["high"], sort="due_at")
    rest = api.get("/api/tasks", params={"priority": "high", "sort": "due_at"}).json()
    assert page == rest
    assert [t["title"] for t in page["items"]] == ["Board prep", "Pay rent"]
    assert [t["title"] for t in call(api, "list_tasks", tag=["home"], q="milk")["items"]] == ["Buy milk"]
    first = call(api, "list_tasks", limit=2, sort="created_at")
    assert first["total"] == 3 and first["next_cursor"]
    rest_page = call(api, "list_tasks", limit=2, sort="created_at", cursor=first["next_cursor"])
    assert [t["title"] for t in rest_page["items"]] == ["Board prep"]


def test_update_complete_reopen_and_delete(api: Api) -> None:
    task = api.new_task(title="Draft", due_at="2030-01-01T09:00:00Z", tags=["x"])
    updated = call(api, "update_task", task_id=task["id"], title="Final", clear=["due_at", "tags"])
    assert (updated["title"], updated["due_at"], updated["tags"], updated["version"]) == (
        "Final",
        None,
        [],
        2,
    )
    stale = failure(api, "update_task", task_id=task["id"], priority="low", if_version=1)
    assert "version 2, not 1" in stale
    assert call(api, "complete_task", task_id=task["id"])["status"] == "completed"
    assert api.get(f"/api/tasks/{task['id']}").json()["status"] == "completed"
    assert call(api, "reopen_task", task_id=task["id"])["status"] == "open"
    assert call(api, "delete_task", task_id=task["id"]) == {"deleted": [task["id"]]}
    assert api.get(f"/api/tasks/{task['id']}").status_code == 404


def test_tool_errors_carry_the_apis_detail(api: Api, other_api: Api) -> None:
    theirs = other_api.new_task(title="Not yours")
    assert "no task" in failure(api, "complete_task", task_id=theirs["id"])
    assert other_api.get(f"/api/tasks/{theirs['id']}").json()["status"] == "open"
    assert "a recurring task needs a due_at" in failure(api, "add_task", title="x", recurrence="daily")
    assert "RFC 3339" in failure(api, "list_tasks", due_after="yesterday")
    assert "priority" in failure(api, "add_task", title="x", priority="urgent")


def test_the_sdks_high_level_client_with_its_defaults_works(api: Api) -> None:
    """Client() probes for the newest protocol first and settles on what the endpoint speaks."""

    async def run() -> Any:
        headers = {"Authorization": api.headers["Authorization"]}
        async with (
            httpx2.AsyncClient(headers=headers, timeout=30) as http,
            Client(streamable_http_client(f"{api.base_url}/api/mcp", http_client=http)) as agent,
        ):
            return await agent.call_tool("add_task", {"title": "From an agent"})

    result = asyncio.run(run())
    assert not result.is_error
    assert api.get(f"/api/tasks/{result.structured_content['id']}").json()["title"] == "From an agent"


@pytest.mark.parametrize("authorization", [None, "Bearer not-a-jwt"])
def test_without_a_valid_token_the_endpoint_answers_401(api: Api, authorization: str | None) -> None:
    headers = {"Accept": "application/json, text/event-stream", "Authorization": authorization or ""}
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}
    response = api.post("/api/mcp", json=body, headers=headers)
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
