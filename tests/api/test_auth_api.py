"""Accounts through the public gateway, embedded and on the local stack alike."""

from __future__ import annotations

import uuid

import httpx

from tests.conftest import Api


def test_register_returns_the_user_and_a_token_that_opens_me(base_url: str) -> None:
    email = f"Ada-{uuid.uuid4().hex[:8]}@Example.com"
    with httpx.Client(base_url=base_url) as client:
        response = client.post(
            "/api/auth/register",
            json={"email": email, "password": "lovelace!", "name": "Ada", "timezone": "Europe/London"},
        )
        assert response.status_code == 201
        body = response.json()
        assert body["user"]["email"] == email.lower()
        assert body["user"]["timezone"] == "Europe/London"
        assert "password" not in str(body["user"]) and "hash" not in str(body["user"])
        me = client.get("/api/me", headers={"Authorization": f"Bearer {body['token']}"})
        assert me.status_code == 200
        assert me.json()["id"] == body["user"]["id"]


def test_registering_a_taken_email_is_a_conflict(api: Api) -> None:
    response = api.post("/api/auth/register", json={"email": api.email.upper(), "password": "another one"})
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    assert "already exists" in response.json()["detail"]


def test_login_accepts_the_right_password_only(api: Api) -> None:
    good = api.post("/api/auth/login", json={"email": api.email, "password": "correct horse"})
    assert good.status_code == 200
    assert good.json()["user"]["id"] == api.user["id"]
    bad = api.post("/api/auth/login", json={"email": api.email, "password": "wrong horse"})
    assert bad.status_code == 401
    unknown = api.post("/api/auth/login", json={"email": "nobody@example.com", "password": "wrong horse"})
    assert unknown.status_code == 401
    assert bad.json()["detail"] == unknown.json()["detail"], "no hint whether the account exists"


def test_registration_input_is_validated_field_by_field(base_url: str) -> None:
    with httpx.Client(base_url=base_url) as client:
        response = client.post(
            "/api/auth/register",
            json={"email": "not-an-email", "password": "short", "timezone": "Mars/Base", "x": 1},
        )
        empty = client.post("/api/auth/register", json={"email": "", "password": ""})
    assert response.status_code == 422
    fields = {error["field"] for error in response.json()["errors"]}
    assert fields == {"email", "password", "timezone", "x"}
    assert empty.status_code == 422
    assert [(e["field"], e["rule"]) for e in empty.json()["errors"]] == [
        ("email", "required"),
        ("password", "required"),
    ], "one error per empty field, not a second about its format"


def test_profile_update_changes_time_zone_and_webhook(api: Api) -> None:
    response = api.patch(
        "/api/me", json={"timezone": "America/New_York", "webhook_url": "https://example.com/hook"}
    )
    assert response.status_code == 200
    assert response.json()["timezone"] == "America/New_York"
    assert api.get("/api/me").json()["webhook_url"] == "https://example.com/hook"
    spelled = api.patch("/api/me", json={"webhook_url": "ftp://example.com"})
    assert spelled.status_code == 422
    assert spelled.json()["errors"][0]["message"].endswith("or leave it empty"), "people do not type null"
    private = api.patch("/api/me", json={"webhook_url": "http://127.0.0.1:3500/v1.0/state"})
    assert private.status_code == 422, "a webhook must not reach into the machine's own network"
    assert private.json()["errors"][0]["rule"] == "public"
    assert api.patch("/api/me", json={"webhook_url": None}).json()["webhook_url"] is None


def test_requests_without_a_valid_token_are_refused(base_url: str) -> None:
    with httpx.Client(base_url=base_url) as client:
        assert client.get("/api/tasks").status_code == 401
        forged = client.get("/api/tasks", headers={"Authorization": "Bearer eyJhbGciOiJIUzI1NiJ9.e30.x"})
        assert forged.status_code == 401
        assert forged.headers["content-type"] == "application/problem+json"
