"""Browser fixtures: Debian's Chromium driven by Playwright against the session's embedded server."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn
from zoneinfo import ZoneInfo

import httpx
import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEZONE = "Europe/Berlin"
DESKTOP = {"width": 1280, "height": 800}


def at(days: int = 0, hour: int | None = None, minute: int = 0, hours: int = 0) -> str:
    """A round wall-clock time in the user's zone: `days` from today at `hour`, or `hours` from now."""
    now = datetime.now(ZoneInfo(TIMEZONE)).replace(minute=0, second=0, microsecond=0)
    if hour is None:
        return (now + timedelta(hours=hours)).isoformat()
    return (now + timedelta(days=days)).replace(hour=hour, minute=minute).isoformat()


def _missing(what: str) -> NoReturn:
    pytest.fail(f"{what} is missing: run scripts/browser-deps.sh (make test does)")


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("the playwright package")
    if not CHROMIUM.exists():
        _missing(str(CHROMIUM))
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def open_page(browser: Browser, base_url: str, viewport: dict[str, int] = DESKTOP) -> Page:
    """A fresh browser profile on the app: its own storage, the test time zone, British English dates."""
    context = browser.new_context(base_url=base_url, viewport=viewport, timezone_id=TIMEZONE, locale="en-GB")
    context.set_default_timeout(10_000)
    return context.new_page()


@pytest.fixture
def page(browser: Browser, embedded_url: str) -> Iterator[Page]:
    """A page that fails the test on any uncaught script error or Content-Security-Policy violation."""
    page = open_page(browser, embedded_url)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "console",
        lambda message: errors.append(message.text) if "Content Security Policy" in message.text else None,
    )
    yield page
    page.context.close()
    assert not errors, f"uncaught errors in the page: {errors}"


@dataclass
class User:
    """An account registered through the API, with a client to arrange data faster than through the UI."""

    email: str
    token: str
    api: httpx.Client

    def new_task(self, **fields: Any) -> dict[str, Any]:
        response = self.api.post("/api/tasks", json=fields)
        assert response.status_code == 201, response.text
        return response.json()


def register(base_url: str, name: str = "Ada Lovelace") -> User:
    client = httpx.Client(base_url=base_url, timeout=30)
    email = f"e2e-{uuid.uuid4().hex[:10]}@example.com"
    body = {"email": email, "password": "correct horse", "name": name, "timezone": TIMEZONE}
    response = client.post("/api/auth/register", json=body)
    assert response.status_code == 201, response.text
    token = response.json()["token"]
    client.headers["Authorization"] = f"Bearer {token}"
    return User(email, token, client)


def sign_in(page: Page, user: User) -> None:
    """Stores the user's token the way the app does, so the page starts signed in."""
    page.context.add_init_script(f"localStorage.setItem('doable.token', {user.token!r})")


@pytest.fixture
def user(embedded_url: str, page: Page) -> Iterator[User]:
    """A registered user whose session the `page` already carries."""
    account = register(embedded_url)
    sign_in(page, account)
    yield account
    account.api.close()
