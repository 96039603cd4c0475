"""Accounts: register, sign in, profile; passwords are argon2 hashes and never leave this module."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from doable.adapters import webhooks
from doable.adapters.tokens import Identity, TokenService
from doable.domain.errors import (
    Conflict,
    DomainError,
    FieldError,
    NotFound,
    Unauthorized,
    ValidationFailed,
    invalid,
)
from doable.domain.model import NotificationKind, User, new_id, notify_preferences, utcnow
from doable.domain.recurrence import validate_timezone
from doable.services import throttle
from doable.services.ports import UnitOfWork

EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")
PASSWORD_MIN = 8
PASSWORD_MAX = 200
hasher = PasswordHasher()
# Verifying against this when the email is unknown keeps login time the same either way. Hashed on
# the first sign-in, not at import: an Argon2 hash is most of a cold start's CPU, and every function
# imports this module while only sign-in needs the hash.
_DUMMY_HASH: str | None = None


def _dummy_hash() -> str:
    global _DUMMY_HASH
    if _DUMMY_HASH is None:
        _DUMMY_HASH = hasher.hash("not-a-real-password")
    return _DUMMY_HASH


@dataclass(frozen=True)
class Signup:
    """Who may create an account with a password (the identity provider's users are not asked)."""

    open: bool = True
    domains: tuple[str, ...] = ()  # empty: any domain
    per_address_per_hour: int = 20  # 0: no limit

    def refusal(self, email: str) -> str | None:
        if not self.open:
            return "sign-up is closed on this server; ask its operator for an account"
        domain = email.rpartition("@")[2]
        if self.domains and domain not in self.domains:
            return (
                f"sign-up here is open to {', '.join('@' + d for d in self.domains)} addresses only; "
                "use one of those or ask the operator for an account"
            )
        return None


def register(
    uow: UnitOfWork,
    tokens: TokenService,
    data: Mapping[str, Any],
    now: datetime | None = None,
    *,
    signup: Signup = Signup(),
    client: str = throttle.UNKNOWN_ADDRESS,
) -> tuple[User, str]:
    clean = _validate(data, required=("email", "password"), allowed=("email", "password", "name", "timezone"))
    email = clean["email"]
    refusal = signup.refusal(email)
    if refusal:
        raise DomainError(refusal, 403, "Forbidden")
    now = now or utcnow()
    # Every try counts, taken addresses too: they would otherwise tell a prober which emails have accounts.
    throttle.reserve(uow, [(throttle.signup_per_address(signup.per_address_per_hour), client)], now)
    user = User(
        id=new_id(),
        email=email,
        name=clean.get("name") or email.split("@")[0],
        timezone=clean.get("timezone") or "UTC",
        password_hash=hasher.hash(clean["password"]),
        created_at=now,
    )
    with uow:
        if not uow.users.add(user):
            raise Conflict(f"an account for {email} already exists; sign in instead")
        uow.commit()
    return user, tokens.issue(user.id, user.email)


def login(
    uow: UnitOfWork,
    tokens: TokenService,
    data: Mapping[str, Any],
    now: datetime | None = None,
    *,
    client: str = throttle.UNKNOWN_ADDRESS,
) -> tuple[User, str]:
    """Signs in; failures count per account and per client address, and a spent limit refuses the
    attempt before the password is even looked at, so a locked account answers as fast as any other."""
    clean = _validate(
        data, required=("email", "password"), allowed=("email", "password"), check_password=False
    )
    email = clean["email"]
    account = (throttle.LOGIN_PER_ACCOUNT, email)
    attempt = throttle.reserve(uow, [account, (throttle.LOGIN_PER_ADDRESS, client)], now or utcnow())
    dummy = _dummy_hash()  # before the lookup, so the first sign-in costs the same for any email
    with uow:
        user = uow.users.by_email(email)
    try:
        hasher.verify(user.password_hash if user else dummy, clean["password"])
    except (VerificationError, InvalidHashError):
        user = None
    if user is None:
        raise Unauthorized("email or password is wrong")  # the attempt's rows stay: they are the failure
    throttle.succeeded(uow, attempt, clear=[account])
    return user, tokens.issue(user.id, user.email)


def current_user(uow: UnitOfWork, identity: Identity, now: datetime | None = None) -> User:
    """The signed-in user; a first token from the external identity provider creates the account."""
    with uow:
        user = uow.users.get(identity.user_id)
        if user is None and identity.external:
            email = identity.email or f"{identity.user_id}@oidc.invalid"
            user = User(
                id=identity.user_id,
                email=email,
                name=identity.name or email.split("@")[0],
                timezone="UTC",
                password_hash="!external",
                created_at=now or utcnow(),
            )
            uow.users.add(user)
            uow.commit()
    if user is None:
        raise Unauthorized("the account behind this token no longer exists; sign in again")
    return user


def update_profile(
    uow: UnitOfWork, user_id: str, data: Mapping[str, Any], allow_private_webhooks: bool = False
) -> User:
    clean = _validate(
        {name: value for name, value in data.items() if name != "notify"},
        required=(),
        allowed=("name", "timezone", "webhook_url", "notify"),
    )
    notify = _notify(data["notify"]) if "notify" in data else None
    try:
        if clean.get("webhook_url"):
            webhooks.check_target(clean["webhook_url"], allow_private=allow_private_webhooks)
    except webhooks.TargetRefused as refused:
        # A name that does not resolve today is kept: delivery checks it again before every POST.
        if refused.rule != "resolve":
            raise invalid("webhook_url", refused.rule, f"{refused}; use a public http(s) URL") from None
    with uow:
        user = uow.users.get(user_id)
        if user is None:
            raise NotFound("your account no longer exists")
        for name, value in clean.items():
            setattr(user, name, value)
        if notify is not None:
            user.notify = {**notify_preferences(user.notify), **notify}
        uow.users.save(user)
        uow.commit()
    return user


def _notify(value: Any) -> dict[str, bool]:
    """The kinds to change, each to true or false; kinds left out keep their setting."""
    kinds = [kind.value for kind in NotificationKind]
    if not isinstance(value, dict):
        raise invalid("notify", "type", f'must be an object such as {{"{kinds[0]}": false}}')
    errors = [
        FieldError(f"notify.{name}", "unknown_field", f"unknown kind; the kinds are {', '.join(kinds)}")
        for name in sorted(set(value) - set(kinds))
    ]
    errors += [
        FieldError(f"notify.{name}", "type", "must be true or false")
        for name in kinds
        if name in value and not isinstance(value[name], bool)
    ]
    if errors:
        raise ValidationFailed(errors)
    return dict(value)


def _validate(
    data: Mapping[str, Any],
    *,
    required: tuple[str, ...],
    allowed: tuple[str, ...],
    check_password: bool = True,
) -> dict[str, Any]:
    errors: list[FieldError] = []
    for name in sorted(set(data) - set(allowed)):
        errors.append(FieldError(name, "unknown_field", f"unknown field; allowed are {', '.join(allowed)}"))
    missing = [name for name in required if data.get(name) in (None, "")]
    errors += [FieldError(name, "required", f"{name} is required") for name in missing]
    clean: dict[str, Any] = {}
    for name in allowed:
        value = data.get(name)
        if name not in data or name in missing or (value is None and name != "webhook_url"):
            continue  # a missing field gets one error, "required", not a second about its format
        if value is not None and not isinstance(value, str):
            errors.append(FieldError(name, "type", "must be a string"))
            continue
        problem = _FIELD_CHECKS[name](value, check_password)
        if problem:
            errors.append(FieldError(name, *problem))
        else:
            clean[name] = str(value).strip().lower() if name == "email" else value
            if name == "webhook_url":
                clean[name] = value or None
    if errors:
        raise ValidationFailed(errors)
    if "name" in clean:
        clean["name"] = clean["name"].strip()
    return clean


def _email(value: str, _: bool) -> tuple[str, str] | None:
    if len(value) > 320 or not EMAIL.match(value.strip()):
        return "format", "must be an email address such as ada@example.com"
    return None


def _password(value: str, check: bool) -> tuple[str, str] | None:
    if not check:
        return None
    if not PASSWORD_MIN <= len(value) <= PASSWORD_MAX:
        return "length", f"must be {PASSWORD_MIN} to {PASSWORD_MAX} characters"
    if value.lower() in breached_passwords():
        return (
            "breached",
            "is one of the most common passwords found in breached password lists, so it is among "
            "the first an attacker tries; choose another, such as a few unrelated words",
        )
    return None


@cache
def breached_passwords() -> frozenset[str]:
    """zxcvbn's 30,000 most common passwords seen in breaches (lower case), loaded on first use."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def _name(value: str, _: bool) -> tuple[str, str] | None:
    if not 1 <= len(value.strip()) <= 200:
        return "length", "must be 1 to 200 characters"
    return None


def _timezone(value: str, _: bool) -> tuple[str, str] | None:
    try:
        validate_timezone(value)
    except ValueError as error:
        return "timezone", str(error)
    return None


def _webhook(value: str | None, _: bool) -> tuple[str, str] | None:
    if value is None or value == "":
        return None
    problem = webhooks.spelling_problem(value)
    if problem:
        return (
            "url",
            f"{problem}; use an http(s) URL such as https://example.com/hooks/doable, or leave it empty",
        )
    return None


_FIELD_CHECKS: dict[str, Callable[[Any, bool], tuple[str, str] | None]] = {
    "email": _email,
    "password": _password,
    "name": _name,
    "timezone": _timezone,
    "webhook_url": _webhook,
}
