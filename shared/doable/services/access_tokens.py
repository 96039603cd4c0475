"""Personal access tokens for agents and scripts: create, list, revoke, and who a bearer speaks for.

A token is `dpat_` and 43 random characters, shown once when it is created; the database keeps its
SHA-256 digest. Each request looks the digest up, so a revoked or expired token stops working at
once, on every replica. A "read" token may use GET routes and the read-only MCP tools; a "write"
token may do what its user may do, except create tokens: only a sign-in session (which needs the
password) can mint one, so a leaked token cannot outlive its own expiry by minting successors.
Listing and revoking follow the token's scope: revoking never widens what a leaked token can do.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from doable.adapters.access_tokens import PREFIX, digest, generate
from doable.adapters.tokens import Identity, TokenService
from doable.domain.errors import Conflict, DomainError, FieldError, NotFound, Unauthorized, ValidationFailed
from doable.domain.model import format_time, new_id, utcnow
from doable.services.ports import UnitOfWork

SCOPES = ("read", "write")
NAME_MAX = 100
EXPIRY_DAYS_DEFAULT = 30
EXPIRY_DAYS_MAX = 365
ACTIVE_MAX = 50  # per user: enough for every agent and script, few enough to review in settings
# last_used_at is a hint for the settings page, not an audit: one write a minute per token at most.
LAST_USED_STEP = timedelta(minutes=1)
FIELDS = ("name", "scope", "expires_in_days")
READ_ONLY = (
    "this access token is read-only: it may read and list, not change anything; "
    "create a read-write token in settings for this"
)


def forbidden(detail: str) -> DomainError:
    return DomainError(detail, 403, "Forbidden")


def create(
    uow: UnitOfWork, identity: Identity, data: Mapping[str, Any], now: datetime | None = None
) -> dict[str, Any]:
    """A new token for the signed-in user: its listing entry plus `token`, which is never shown again."""
    if identity.token_id is not None:
        raise forbidden(
            "an access token cannot create access tokens; sign in with your password "
            "(settings or `doable tasks login`) to create one"
        )
    name, scope, days = _validate(data)
    now = now or utcnow()
    token = generate()
    row = {
        "id": new_id(),
        "user_id": identity.user_id,
        "name": name,
        "scope": scope,
        "token_hash": digest(token),
        "created_at": now,
        "expires_at": now + timedelta(days=days),
        "last_used_at": None,
        "revoked_at": None,
    }
    with uow:
        if uow.access_tokens.active_count(identity.user_id, now) >= ACTIVE_MAX:
            raise Conflict(f"you have {ACTIVE_MAX} active access tokens, the most allowed; revoke one first")
        uow.access_tokens.add(row)
        uow.commit()
    return {**_public(row), "token": token}


def listing(uow: UnitOfWork, user_id: str) -> dict[str, Any]:
    """The user's tokens that were not revoked, expired ones included (so the user sees why one fails)."""
    with uow:
        return {"items": [_public(row) for row in uow.access_tokens.for_user(user_id)]}


def revoke(uow: UnitOfWork, user_id: str, token_id: str, now: datetime | None = None) -> None:
    """Revokes one of the user's tokens; revoking a revoked one again changes nothing."""
    with uow:
        if uow.access_tokens.get(user_id, token_id) is None:
            raise NotFound(f"no access token {token_id!r} among yours")
        uow.access_tokens.revoke(user_id, token_id, now or utcnow())
        uow.commit()


def identify(uow: UnitOfWork, tokens: TokenService, bearer: str, now: datetime | None = None) -> Identity:
    """Who a bearer token speaks for: a personal access token by its digest, anything else as a JWT."""
    if not bearer.startswith(PREFIX):
        return tokens.verify(bearer)
    now = now or utcnow()
    with uow:
        row = uow.access_tokens.by_digest(digest(bearer))
        if row is None:
            raise Unauthorized("this access token is not known; create a new one in settings")
        if row["revoked_at"] is not None:
            raise Unauthorized(
                f"this access token ({row['name']!r}) was revoked on {format_time(row['revoked_at'])}; "
                "create a new one in settings"
            )
        if row["expires_at"] <= now:
            raise Unauthorized(
                f"this access token ({row['name']!r}) expired on {format_time(row['expires_at'])}; "
                "create a new one in settings"
            )
        if row["last_used_at"] is None or now - row["last_used_at"] >= LAST_USED_STEP:
            uow.access_tokens.used(row["id"], now)
            uow.commit()
    return Identity(user_id=row["user_id"], scope=row["scope"], token_id=row["id"])


def _public(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "name": row["name"],
        "scope": row["scope"],
        "created_at": format_time(row["created_at"]),
        "expires_at": format_time(row["expires_at"]),
        "last_used_at": format_time(row["last_used_at"]),
    }


def _validate(data: Mapping[str, Any]) -> tuple[str, str, int]:
    errors = [
        FieldError(name, "unknown_field", f"unknown field; allowed are {', '.join(FIELDS)}")
        for name in sorted(set(data) - set(FIELDS))
    ]
    name = data.get("name")
    if not isinstance(name, str) or not 1 <= len(name.strip()) <= NAME_MAX:
        message = f"give the token a name of 1 to {NAME_MAX} characters, such as 'Claude Desktop'"
        errors.append(FieldError("name", "required" if name in (None, "") else "length", message))
    scope = data.get("scope", "read")
    if scope not in SCOPES:
        errors.append(FieldError("scope", "enum", "must be 'read' (list and read only) or 'write'"))
    days = data.get("expires_in_days", EXPIRY_DAYS_DEFAULT)
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= EXPIRY_DAYS_MAX:
        errors.append(
            FieldError(
                "expires_in_days", "range", f"must be a whole number of days from 1 to {EXPIRY_DAYS_MAX}"
            )
        )
    if errors:
        raise ValidationFailed(errors)
    assert isinstance(name, str)
    return name.strip(), str(scope), int(days)
