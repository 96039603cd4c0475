"""Sign-in abuse through the public gateway, embedded and on the local stack: throttles, breached
passwords, closed sign-up.

Time moves by ageing this test's rows in the database the server counts from, never by sleeping
and never by a shorter window that the rest of the suite would run under.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import sqlalchemy as sa

from doable.adapters import db
from doable.adapters.db import make_engine
from doable.services.throttle import LOGIN_PER_ACCOUNT, LOGIN_PER_ADDRESS, SIGNUP_WINDOW
from tests.conftest import SIGNUPS_PER_HOUR, Api

STACK_URL = "http://127.0.0.1:8080"
attempts = db.sign_in_attempts


@pytest.fixture
def database(base_url: str, request: pytest.FixtureRequest) -> Iterator[sa.Engine]:
    """The database the server behind `base_url` counts attempts in; this test's rows leave with it."""
    if base_url != STACK_URL:
        engine = request.getfixturevalue("embedded").container.engine
    else:
        engine = make_engine(request.getfixturevalue("local_stack").secrets()["database-url"])
    with engine.connect() as connection:
        before = connection.execute(sa.select(sa.func.coalesce(sa.func.max(attempts.c.id), 0))).scalar_one()
    yield engine
    # Other tests sign in and up from this same address: they must not inherit this test's count.
    with engine.begin() as connection:
        connection.execute(attempts.delete().where(attempts.c.id > before))
    if base_url == STACK_URL:
        engine.dispose()


def our_address(client: httpx.Client, database: sa.Engine) -> str:
    """The key the server counts this client's address under, as the gateway told it (one failure)."""
    failed = client.post(
        "/api/auth/login", json={"email": f"{uuid.uuid4().hex}@example.com", "password": "x"}
    )
    assert failed.status_code == 401, failed.text
    with database.connect() as connection:
        newest = (
            sa.select(attempts.c.key)
            .where(attempts.c.scope == "login-address")
            .order_by(attempts.c.id.desc())
        )
        return str(connection.execute(newest.limit(1)).scalar_one())


def fill(database: sa.Engine, scope: str, key: str, limit: int, window: timedelta) -> None:
    """Adds attempts until `key` has spent `limit` in its window, as if they had just happened."""
    now = datetime.now(UTC)
    with database.begin() as connection:
        spent = connection.execute(
            sa.select(sa.func.count())
            .select_from(attempts)
            .where(attempts.c.scope == scope, attempts.c.key == key, attempts.c.attempted_at > now - window)
        ).scalar_one()
        rows = [{"scope": scope, "key": key, "attempted_at": now}] * max(limit - spent, 0)
        if rows:
            connection.execute(attempts.insert(), rows)


def age(database: sa.Engine, scope: str, key: str, window: timedelta) -> None:
    """Moves `key`'s attempts to just outside the window: what waiting out Retry-After would do."""
    with database.begin() as connection:
        connection.execute(
            attempts.update()
            .where(attempts.c.scope == scope, attempts.c.key == key)
            .values(attempted_at=datetime.now(UTC) - window - timedelta(seconds=1))
        )


def assert_throttled(response: httpx.Response, counted: str) -> None:
    assert response.status_code == 429, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    retry_after = int(response.headers["Retry-After"])
    assert 1 <= retry_after <= 3600
    assert body["retry_after"] == retry_after
    assert f"too many {counted}" in body["detail"]
    assert "try again in" in body["detail"]


def test_five_failures_lock_the_account_even_for_the_right_password(api: Api, database: sa.Engine) -> None:
    for _ in range(LOGIN_PER_ACCOUNT.attempts):
        assert (
            api.post("/api/auth/login", json={"email": api.email, "password": "wrong horse"}).status_code
            == 401
        )
    locked = api.post("/api/auth/login", json={"email": api.email, "password": "correct horse"})
    assert_throttled(locked, "failed sign-ins to this account")
    assert int(locked.headers["Retry-After"]) > LOGIN_PER_ACCOUNT.window.total_seconds() - 120
    age(database, LOGIN_PER_ACCOUNT.scope, api.email, LOGIN_PER_ACCOUNT.window)
    assert (
        api.post("/api/auth/login", json={"email": api.email, "password": "correct horse"}).status_code == 200
    )


def test_failures_from_one_address_lock_every_account_it_tries(api: Api, database: sa.Engine) -> None:
    address = our_address(api, database)
    fill(database, LOGIN_PER_ADDRESS.scope, address, LOGIN_PER_ADDRESS.attempts, LOGIN_PER_ADDRESS.window)
    refused = api.post("/api/auth/login", json={"email": api.email, "password": "correct horse"})
    assert_throttled(refused, "failed sign-ins from your network address")
    age(database, LOGIN_PER_ADDRESS.scope, address, LOGIN_PER_ADDRESS.window)
    assert (
        api.post("/api/auth/login", json={"email": api.email, "password": "correct horse"}).status_code == 200
    )


def test_sign_ups_from_one_address_are_limited_per_hour(api: Api, database: sa.Engine) -> None:
    address = our_address(api, database)
    fill(database, "signup-address", address, SIGNUPS_PER_HOUR, SIGNUP_WINDOW)
    body = {"email": f"spam-{uuid.uuid4().hex[:8]}@example.com", "password": "correct horse"}
    assert_throttled(api.post("/api/auth/register", json=body), "sign-ups from your network address")
    age(database, "signup-address", address, SIGNUP_WINDOW)
    assert api.post("/api/auth/register", json=body).status_code == 201


@pytest.mark.parametrize("password", ["password1", "Iloveyou1", "qwertyuiop"])
def test_a_breached_password_is_refused_naming_the_field(base_url: str, password: str) -> None:
    with httpx.Client(base_url=base_url) as client:
        response = client.post(
            "/api/auth/register",
            json={"email": f"b-{uuid.uuid4().hex[:8]}@example.com", "password": password},
        )
    assert response.status_code == 422, response.text
    [error] = response.json()["errors"]
    assert (error["field"], error["rule"]) == ("password", "breached")
    assert "breached password lists" in error["message"]


@pytest.fixture
def closed_signup(
    base_url: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """The server with DOABLE_SIGNUP=closed (embedded: new settings; stack: auth restarted)."""
    if base_url != STACK_URL:
        app = request.getfixturevalue("embedded").container
        monkeypatch.setattr(app, "settings", dataclasses.replace(app.settings, signup="closed"))
        yield
        return
    stack = request.getfixturevalue("local_stack")
    monkeypatch.setenv("DOABLE_SIGNUP", "closed")
    stack.stop_function("auth")
    stack.start_function("auth")
    try:
        yield
    finally:
        monkeypatch.delenv("DOABLE_SIGNUP")
        stack.stop_function("auth")
        stack.start_function("auth")


def test_closed_sign_up_refuses_new_accounts_and_still_signs_in(api: Api, closed_signup: None) -> None:
    body = {"email": f"late-{uuid.uuid4().hex[:8]}@example.com", "password": "correct horse"}
    refused = api.post("/api/auth/register", json=body)
    assert refused.status_code == 403, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["detail"] == "sign-up is closed on this server; ask its operator for an account"
    assert (
        api.post("/api/auth/login", json={"email": api.email, "password": "correct horse"}).status_code == 200
    )
