"""Settings' access tokens in a browser: create one, paste its MCP configuration, revoke it."""

from __future__ import annotations

import json

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import User

pytestmark = pytest.mark.e2e


def test_create_a_token_use_its_mcp_configuration_and_revoke_it(
    page: Page, user: User, embedded_url: str
) -> None:
    page.goto("/settings")
    section = page.get_by_role("region", name="Access tokens")
    expect(section.get_by_text("No access tokens yet.")).to_be_visible()
    section.get_by_label("Token name").fill("Claude Desktop")
    section.get_by_label("Access level").select_option("write")
    section.get_by_label("Expires after").select_option("7")
    section.get_by_role("button", name="Create token").click()

    token = section.get_by_label("New access token").inner_text().strip()
    assert token.startswith("dpat_")
    config = json.loads(section.get_by_label("MCP client configuration").inner_text())
    server = config["mcpServers"]["doable"]
    assert server["url"] == f"{embedded_url}/api/mcp"
    assert server["headers"] == {"Authorization": f"Bearer {token}"}
    agent = httpx.Client(base_url=embedded_url, headers=server["headers"], timeout=30)
    listed = agent.post(
        server["url"].removeprefix(embedded_url),
        json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
        headers={"Accept": "application/json, text/event-stream"},
    )
    assert listed.status_code == 200 and "add_task" in listed.text

    item = section.get_by_role("listitem").filter(has_text="Claude Desktop")
    expect(item).to_contain_text("never used")
    page.reload()  # the list as it is now, after the agent's call
    expect(item).to_contain_text("read & write")
    expect(item).to_contain_text("last used")
    expect(section.get_by_label("New access token")).to_have_count(0)  # shown once, at creation
    item.get_by_role("button", name="Revoke Claude Desktop").click()
    item.get_by_role("button", name="Revoke", exact=True).click()
    expect(page.get_by_role("status").filter(has_text="Revoked “Claude Desktop”")).to_be_visible()
    expect(section.get_by_text("No access tokens yet.")).to_be_visible()
    refused = agent.get("/api/me")
    assert refused.status_code == 401 and "was revoked on" in refused.json()["detail"]
    agent.close()


def test_a_bad_name_is_shown_on_its_field(page: Page, user: User) -> None:
    page.goto("/settings")
    section = page.get_by_role("region", name="Access tokens")
    section.get_by_role("button", name="Create token").click()
    expect(section.locator('[data-field="name"] .field-error')).to_contain_text("give the token a name")
    expect(section.get_by_label("New access token")).to_have_count(0)
