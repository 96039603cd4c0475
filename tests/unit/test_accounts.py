"""Accounts field by field: what sign-up, sign-in and profile edits accept, and each refusal's words.

tests/unit/test_sign_in_abuse.py covers the limits; these pin validation, defaults and messages.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from doable.adapters.tokens import TokenService
from doable.adapters.unit_of_work import UnitOfWork
from doable.domain.errors import Conflict, FieldError, NotFound, Unauthorized, ValidationFailed
from doable.services import users
from tests.conftest import cheap_password_hashing

UoW = Callable[[], UnitOfWork]
NOW = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
TOKENS = TokenService("k" * 32, 3600)
PASSWORD = "correct horse"
EMAIL_RULE = FieldError("email", "format", "must be an email address such as ada@example.com")
PASSWORD_RULE = FieldError("password", "length", "must be 8 to 200 characters")


@pytest.fixture(autouse=True)
def cheap_hasher() -> Iterator[None]:
    with cheap_password_hashing():
        yield


def register_refused(uow: UoW, data: dict[str, Any]) -> list[FieldError]:
    with pytest.raises(ValidationFailed) as caught:
        users.register(uow(), TOKENS, data, NOW)
    return caught.value.errors


def test_sign_up_cleans_the_email_and_fills_in_name_and_time_zone(uow: UoW) -> None:
    user, token = users.register(uow(), TOKENS, {"email": "  Ada@Example.COM ", "password": PASSWORD}, NOW)
    assert (user.email, user.name, user.timezone, user.created_at) == ("ada@example.com", "ada", "UTC", NOW)
    assert token and users.hasher.verify(user.password_hash, PASSWORD)
    named, _ = users.register(
        uow(),
        TOKENS,
        {"email": "bo@example.com", "password": PASSWORD, "name": "  Bo  ", "timezone": "Europe/Paris"},
        NOW,
    )
    assert (named.name, named.timezone) == ("Bo", "Europe/Paris")
    with uow() as work:
        assert work.users.by_email("ada@example.com") == user


def test_an_email_signs_up_once(uow: UoW) -> None:
    users.register(uow(), TOKENS, {"email": "ada@example.com", "password": PASSWORD}, NOW)
    with pytest.raises(Conflict) as taken:
        users.register(uow(), TOKENS, {"email": "ADA@example.com", "password": PASSWORD}, NOW)
    assert str(taken.value) == "an account for ada@example.com already exists; sign in instead"


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        (
            {},
            [
                FieldError("email", "required", "email is required"),
                FieldError("password", "required", "password is required"),
            ],
        ),
        ({"email": "", "password": PASSWORD}, [FieldError("email", "required", "email is required")]),
        ({"email": "ada", "password": PASSWORD}, [EMAIL_RULE]),
        ({"email": "a@b", "password": PASSWORD}, [EMAIL_RULE]),
        ({"email": "a" * 65 + "@example.com", "password": PASSWORD}, [EMAIL_RULE]),
        ({"email": "a@" + "b" * 315 + ".com", "password": PASSWORD}, [EMAIL_RULE]),
        ({"email": 5, "password": PASSWORD}, [FieldError("email", "type", "must be a string")]),
        ({"email": "ada@example.com", "password": "x" * 7}, [PASSWORD_RULE]),
        ({"email": "ada@example.com", "password": "x" * 201}, [PASSWORD_RULE]),
        (
            {"email": "ada@example.com", "password": PASSWORD, "name": " "},
            [FieldError("name", "length", "must be 1 to 200 characters")],
        ),
        (
            {"email": "ada@example.com", "password": PASSWORD, "name": "n" * 201},
            [FieldError("name", "length", "must be 1 to 200 characters")],
        ),
        (
            {"email": "ada@example.com", "password": PASSWORD, "role": "admin"},
            [
                FieldError(
                    "role", "unknown_field", "unknown field; allowed are email, password, name, timezone"
                )
            ],
        ),
    ],
)
def test_each_sign_up_refusal_names_its_field_rule_and_message(
    uow: UoW, data: dict[str, Any], errors: list[FieldError]
) -> None:
    assert register_refused(uow, data) == errors


def test_the_limits_themselves_are_accepted(uow: UoW) -> None:
    local = "a" * 64
    user, _ = users.register(
        uow(), TOKENS, {"email": f"{local}@example.com", "password": "p" * 200, "name": "n" * 200}, NOW
    )
    assert (user.email, len(user.name)) == (f"{local}@example.com", 200)
    users.register(uow(), TOKENS, {"email": "b@example.com", "password": "p" * 8, "name": "n"}, NOW)
    longest = "a@" + "b" * 314 + ".com"  # 320 characters
    assert users.register(uow(), TOKENS, {"email": longest, "password": PASSWORD}, NOW)[0].email == longest


def test_an_unknown_time_zone_is_refused_with_the_zone_rule(uow: UoW) -> None:
    (error,) = register_refused(
        uow, {"email": "ada@example.com", "password": PASSWORD, "timezone": "Mars/Base"}
    )
    assert (error.field, error.rule) == ("timezone", "timezone")
    assert "Mars/Base" in error.message


def test_sign_in_takes_the_email_in_any_case_and_refuses_with_one_message(uow: UoW) -> None:
    users.register(uow(), TOKENS, {"email": "ada@example.com", "password": PASSWORD}, NOW)
    user, token = users.login(uow(), TOKENS, {"email": " ADA@example.com", "password": PASSWORD}, NOW)
    assert user.email == "ada@example.com" and token
    for email, password in [("ada@example.com", "wrong horse"), ("nobody@example.com", PASSWORD)]:
        with pytest.raises(Unauthorized) as refused:
            users.login(uow(), TOKENS, {"email": email, "password": password}, NOW)
        assert str(refused.value) == "email or password is wrong"
    with pytest.raises(ValidationFailed) as short:
        users.login(uow(), TOKENS, {"email": "ada@example.com", "password": "x", "name": "n"}, NOW)
    assert short.value.errors == [
        FieldError("name", "unknown_field", "unknown field; allowed are email, password")
    ], "no password rules at sign-in: an old password still signs in"


def test_a_profile_edit_changes_only_what_it_names(uow: UoW) -> None:
    user, _ = users.register(uow(), TOKENS, {"email": "ada@example.com", "password": PASSWORD}, NOW)
    edited = users.update_profile(uow(), user.id, {"name": "  Ada L ", "notify": {"reminder": False}})
    assert (edited.name, edited.timezone, edited.webhook_url) == ("Ada L", "UTC", None)
    assert edited.notify == {"reminder": False, "spawned": True, "webhook_failed": True}
    again = users.update_profile(uow(), user.id, {"timezone": "Asia/Tokyo", "notify": {"spawned": False}})
    assert (again.name, again.timezone) == ("Ada L", "Asia/Tokyo")
    assert again.notify == {"reminder": False, "spawned": False, "webhook_failed": True}
    hooked = users.update_profile(
        uow(), user.id, {"webhook_url": "https://93.184.216.34/hook"}, allow_private_webhooks=False
    )
    assert hooked.webhook_url == "https://93.184.216.34/hook"
    assert users.update_profile(uow(), user.id, {"webhook_url": ""}).webhook_url is None
    assert users.update_profile(uow(), user.id, {"webhook_url": None}).webhook_url is None
    with uow() as work:
        stored = work.users.get(user.id)
    assert stored is not None and (stored.name, stored.timezone) == ("Ada L", "Asia/Tokyo")


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        ({"notify": True}, [FieldError("notify", "type", 'must be an object such as {"reminder": false}')]),
        (
            {"notify": {"zz": True, "reminder": "no"}},
            [
                FieldError(
                    "notify.zz",
                    "unknown_field",
                    "unknown kind; the kinds are reminder, spawned, webhook_failed",
                ),
                FieldError("notify.reminder", "type", "must be true or false"),
            ],
        ),
        (
            {"email": "new@example.com"},
            [
                FieldError(
                    "email", "unknown_field", "unknown field; allowed are name, timezone, webhook_url, notify"
                )
            ],
        ),
        ({"name": ""}, [FieldError("name", "length", "must be 1 to 200 characters")]),
        ({"webhook_url": 7}, [FieldError("webhook_url", "type", "must be a string")]),
    ],
)
def test_each_profile_refusal_names_its_field(
    uow: UoW, data: dict[str, Any], errors: list[FieldError]
) -> None:
    user, _ = users.register(uow(), TOKENS, {"email": "ada@example.com", "password": PASSWORD}, NOW)
    with pytest.raises(ValidationFailed) as caught:
        users.update_profile(uow(), user.id, data)
    assert caught.value.errors == errors


def test_a_webhook_to_a_private_address_is_refused_unless_allowed(uow: UoW) -> None:
    user, _ = users.register(uow(), TOKENS, {"email": "ada@example.com", "password": PASSWORD}, NOW)
    with pytest.raises(ValidationFailed) as caught:
        users.update_profile(uow(), user.id, {"webhook_url": "http://127.0.0.1:9/hook"})
    (error,) = caught.value.errors
    assert error.field == "webhook_url" and error.message.endswith("; use a public http(s) URL")
    allowed = users.update_profile(
        uow(), user.id, {"webhook_url": "http://127.0.0.1:9/hook"}, allow_private_webhooks=True
    )
    assert allowed.webhook_url == "http://127.0.0.1:9/hook"
    with pytest.raises(ValidationFailed) as spelled:
        users.update_profile(uow(), user.id, {"webhook_url": "ftp://example.com/x"})
    (bad,) = spelled.value.errors
    assert (bad.field, bad.rule) == ("webhook_url", "url")
    assert bad.message.endswith(
        "; use an http(s) URL such as https://example.com/hooks/doable, or leave it empty"
    )


def test_a_profile_edit_of_a_closed_account_is_not_found(uow: UoW) -> None:
    with pytest.raises(NotFound) as gone:
        users.update_profile(uow(), "no-such-user", {"name": "x"})
    assert str(gone.value) == "your account no longer exists"
