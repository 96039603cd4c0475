"""Personal access tokens through the public API, embedded and on the stack: create, use, revoke, scope."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import httpx2
import pytest
from mcp.client.session import ClientSession
from mcp.client.streamable_http import streamable_http_client

from tests.conftest import Api

READ_ONLY = "this access token is read-only"
Bearer = Callable[[str], httpx.Client]


def create(api: Api, **body: Any) -> dict[str, Any]:
    response = api.post("/api/tokens", json={"name": "agent", **body})
    assert response.status_code == 201, response.text
    return response.json()


@pytest.fixture
def bearer(base_url: str) -> Iterator[Bearer]:
    """Clients that call the API with a given bearer token."""
    clients: list[httpx.Client] = []

    def client(token: str) -> httpx.Client:
        made = httpx.Client(base_url=base_url, timeout=30, headers={"Authorization": f"Bearer {token}"})
        clients.append(made)
        return made

    yield client
    for made in clients:
        made.close()


def mcp_call(base_url: str, token: str, tool: str, **arguments: Any) -> tuple[bool, Any]:
    """Whether the tool call failed, and its structured result or its error text."""

    async def run() -> tuple[bool, Any]:
        headers = {"Authorization": f"Bearer {token}"}
        async with (
            httpx2.AsyncClient(headers=headers, timeout=30) as http,
            streamable_http_client(f"{base_url}/api/mcp", http_client=http) as (read, write),
            ClientSession(read, write) as session,
        ):
            await session.initialize()
            result = await session.call_tool(tool, arguments)
            if result.is_error:
                return True, " ".join(getattr(block, "text", "") for block in result.content)
            return False, result.structured_content

    return asyncio.run(run())


def test_create_list_and_revoke(api: Api) -> None:
    made = create(api, scope="write", expires_in_days=7)
    assert made["token"].startswith("dpat_") and made["scope"] == "write" and made["last_used_at"] is None
    listed = api.get("/api/tokens").json()["items"]
    assert [token["id"] for token in listed] == [made["id"]]
    assert "token" not in listed[0]
    assert set(listed[0]) == {"id", "name", "scope", "created_at", "expires_at", "last_used_at"}
    assert api.delete(f"/api/tokens/{made['id']}").status_code == 204
    assert api.get("/api/tokens").json()["items"] == []


def test_a_token_works_until_revoked_and_not_a_moment_after(api: Api, bearer: Bearer) -> None:
    made = create(api, scope="write")
    agent = bearer(made["token"])
    assert agent.get("/api/me").json()["email"] == api.email
    task = agent.post("/api/tasks", json={"title": "from a script"})
    assert task.status_code == 201, task.text
    assert api.get(f"/api/tasks/{task.json()['id']}").status_code == 200
    assert api.get("/api/tokens").json()["items"][0]["last_used_at"] is not None
    assert api.delete(f"/api/tokens/{made['id']}").status_code == 204
    refused = agent.get("/api/tasks")
    assert refused.status_code == 401
    assert "was revoked on" in refused.json()["detail"]


def test_a_read_only_token_reads_and_may_not_write(api: Api, bearer: Bearer) -> None:
    task = api.new_task(title="visible")
    reader = bearer(create(api, scope="read")["token"])
    assert reader.get(f"/api/tasks/{task['id']}").json()["title"] == "visible"
    assert reader.get("/api/tags").status_code == 200
    for method, path, body in [
        ("POST", "/api/tasks", {"title": "no"}),
        ("PATCH", f"/api/tasks/{task['id']}", {"title": "no"}),
        ("POST", f"/api/tasks/{task['id']}/complete", None),
        ("DELETE", f"/api/tasks/{task['id']}", None),
        ("PATCH", "/api/me", {"name": "no"}),
        ("POST", "/api/chat", {"message": "add no"}),
    ]:
        response = reader.request(method, path, json=body)
        assert response.status_code == 403, (method, path, response.text)
        assert READ_ONLY in response.json()["detail"]
    assert api.get(f"/api/tasks/{task['id']}").json()["title"] == "visible"


def test_only_a_sign_in_creates_tokens(api: Api, bearer: Bearer) -> None:
    writer = bearer(create(api, scope="write")["token"])
    refused = writer.post("/api/tokens", json={"name": "child"})
    assert refused.status_code == 403 and "cannot create access tokens" in refused.json()["detail"]
    other = create(api)
    assert writer.get("/api/tokens").json()["items"][0]["id"] == other["id"]  # newest first
    assert writer.delete(f"/api/tokens/{other['id']}").status_code == 204  # a write token may revoke


def test_another_users_token_is_not_found(api: Api, other_api: Api) -> None:
    theirs = create(other_api)
    response = api.delete(f"/api/tokens/{theirs['id']}")
    assert response.status_code == 404
    assert [t["id"] for t in other_api.get("/api/tokens").json()["items"]] == [theirs["id"]]
    assert api.get("/api/tokens").json()["items"] == []


def test_bad_input_and_unknown_tokens(api: Api, bearer: Bearer) -> None:
    response = api.post("/api/tokens", json={"name": "", "scope": "root", "expires_in_days": 0})
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {"name", "scope", "expires_in_days"}
    unknown = bearer("dpat_" + "A" * 43).get("/api/tasks")
    assert unknown.status_code == 401 and "not known" in unknown.json()["detail"]


def test_mcp_takes_a_token_and_honours_its_scope(api: Api, base_url: str) -> None:
    api.new_task(title="seen by the agent")
    reader = create(api, scope="read")["token"]
    failed, page = mcp_call(base_url, reader, "list_tasks")
    assert not failed and [t["title"] for t in page["items"]] == ["seen by the agent"]
    failed, text = mcp_call(base_url, reader, "add_task", title="refused")
    assert failed and READ_ONLY in text
    writer = create(api, scope="write")
    failed, task = mcp_call(base_url, writer["token"], "add_task", title="added by the agent")
    assert not failed and api.get(f"/api/tasks/{task['id']}").status_code == 200
    assert api.delete(f"/api/tokens/{writer['id']}").status_code == 204
    refused = httpx.post(
        f"{base_url}/api/mcp",
        headers={
            "Authorization": f"Bearer {writer['token']}",
            "Accept": "application/json, text/event-stream",
        },
        json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
    )
    assert refused.status_code == 401 and "was revoked on" in refused.json()["detail"]
