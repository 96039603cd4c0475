"""Personal access tokens as the service sees them: stored hashed, expiring, revocable, scoped."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import timedelta

import pytest
import sqlalchemy as sa

from doable.adapters import db
from doable.adapters.tokens import Identity, TokenService
from doable.adapters.unit_of_work import UnitOfWork
from doable.domain.errors import DomainError, Unauthorized, ValidationFailed
from doable.domain.model import User, utcnow
from doable.services import access_tokens

Uow = Callable[[], UnitOfWork]
JWTS = TokenService("k" * 48, 3600)


def create(uow: Uow, user: User, **data: object) -> dict[str, object]:
    return access_tokens.create(uow(), Identity(user.id), {"name": "agent", **data})


def test_only_the_digest_is_stored(uow: Uow, user: User, engine: sa.Engine) -> None:
    made = create(uow, user, scope="write")
    token = str(made["token"])
    assert token.startswith("dpat_") and len(token) >= 45
    with engine.connect() as connection:
        (stored,) = connection.execute(sa.select(db.access_tokens)).mappings()
    assert stored["token_hash"] == hashlib.sha256(token.encode()).hexdigest()
    assert token not in {str(value) for value in stored.values()}
    assert "token" not in access_tokens.listing(uow(), user.id)["items"][0]


def test_a_token_speaks_for_its_user_with_its_scope(uow: Uow, user: User) -> None:
    made = create(uow, user, scope="read")
    identity = access_tokens.identify(uow(), JWTS, str(made["token"]))
    assert (identity.user_id, identity.scope, identity.token_id) == (user.id, "read", made["id"])
    assert identity.read_only
    assert access_tokens.listing(uow(), user.id)["items"][0]["last_used_at"] is not None


def test_a_jwt_is_still_a_sign_in(uow: Uow, user: User) -> None:
    identity = access_tokens.identify(uow(), JWTS, JWTS.issue(user.id, user.email))
    assert identity.user_id == user.id and identity.token_id is None and not identity.read_only


def test_an_expired_token_is_refused_with_its_expiry(uow: Uow, user: User) -> None:
    made = create(uow, user, expires_in_days=1)
    later = utcnow() + timedelta(days=1, seconds=1)
    with pytest.raises(Unauthorized, match=r"'agent'\) expired on .*create a new one in settings"):
        access_tokens.identify(uow(), JWTS, str(made["token"]), now=later)
    assert access_tokens.identify(uow(), JWTS, str(made["token"]), now=later - timedelta(seconds=2))


def test_a_revoked_token_is_refused_at_once(uow: Uow, user: User) -> None:
    made = create(uow, user)
    access_tokens.revoke(uow(), user.id, str(made["id"]))
    with pytest.raises(Unauthorized, match="was revoked on"):
        access_tokens.identify(uow(), JWTS, str(made["token"]))
    assert access_tokens.listing(uow(), user.id)["items"] == []
    access_tokens.revoke(uow(), user.id, str(made["id"]))  # again: nothing changes, no error


def test_an_unknown_token_is_refused(uow: Uow) -> None:
    with pytest.raises(Unauthorized, match="not known"):
        access_tokens.identify(uow(), JWTS, "dpat_" + "x" * 43)


def test_a_token_cannot_create_tokens(uow: Uow, user: User) -> None:
    made = create(uow, user, scope="write")
    identity = access_tokens.identify(uow(), JWTS, str(made["token"]))
    with pytest.raises(DomainError, match="cannot create access tokens") as refused:
        access_tokens.create(uow(), identity, {"name": "child"})
    assert refused.value.status == 403


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": " "}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"name": "ok", "scope": "admin"}, "scope"),
        ({"name": "ok", "expires_in_days": 0}, "expires_in_days"),
        ({"name": "ok", "expires_in_days": 366}, "expires_in_days"),
        ({"name": "ok", "expires_in_days": True}, "expires_in_days"),
        ({"name": "ok", "never": True}, "never"),
    ],
)
def test_bad_input_is_refused_field_by_field(
    uow: Uow, user: User, data: dict[str, object], field: str
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        access_tokens.create(uow(), Identity(user.id), data)
    assert [error.field for error in refused.value.errors] == [field]


def test_defaults_are_read_only_for_thirty_days(uow: Uow, user: User) -> None:
    made = access_tokens.create(uow(), Identity(user.id), {"name": "  spaced  "})
    assert (made["name"], made["scope"]) == ("spaced", "read")
    with uow() as work:
        row = work.access_tokens.get(user.id, str(made["id"]))
    assert row is not None and row["expires_at"] - row["created_at"] == timedelta(days=30)


def test_active_tokens_are_capped(uow: Uow, user: User, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(access_tokens, "ACTIVE_MAX", 2)
    first = create(uow, user)
    create(uow, user)
    with pytest.raises(DomainError, match="the most allowed; revoke one first"):
        create(uow, user)
    access_tokens.revoke(uow(), user.id, str(first["id"]))
    create(uow, user)
