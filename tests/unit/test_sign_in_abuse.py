"""Sign-in and sign-up limits, breached passwords and closed sign-up, on a real (SQLite) unit of work."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Literal

import pytest
from argon2 import PasswordHasher

from doable.adapters.tokens import TokenService
from doable.adapters.unit_of_work import UnitOfWork
from doable.domain.errors import DomainError, Unauthorized, ValidationFailed
from doable.services import throttle, users
from doable.services.throttle import LOGIN_PER_ACCOUNT, LOGIN_PER_ADDRESS, TooManyAttempts
from tests.conftest import CHEAP_ARGON2, cheap_password_hashing

UoW = Callable[[], UnitOfWork]
NOW = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
TOKENS = TokenService("k" * 32, 3600)
PASSWORD = "correct horse"
HERE = "203.0.113.7"


@pytest.fixture(autouse=True)
def cheap_hasher() -> Iterator[None]:
    with cheap_password_hashing():
        yield


def signed_up(uow: UoW, email: str = "ada@example.com") -> str:
    users.register(uow(), TOKENS, {"email": email, "password": PASSWORD}, NOW - timedelta(days=1))
    return email


def login(uow: UoW, email: str, password: str, at: datetime, client: str = HERE) -> str:
    """What the caller got: ok, wrong, or the throttle's Retry-After in seconds."""
    try:
        users.login(uow(), TOKENS, {"email": email, "password": password}, at, client=client)
    except Unauthorized:
        return "wrong"
    except TooManyAttempts as refused:
        return f"retry after {refused.retry_after}"
    return "ok"


def fail(uow: UoW, email: str, times: int, at: datetime, client: str = HERE) -> None:
    for _ in range(times):
        assert login(uow, email, "wrong horse", at, client) == "wrong"


def test_an_account_is_locked_after_five_failures_until_the_oldest_leaves_the_window(uow: UoW) -> None:
    email = signed_up(uow)
    for minute in range(LOGIN_PER_ACCOUNT.attempts):
        fail(uow, email, 1, NOW + timedelta(minutes=minute))
    # Failures at minutes 0..4; at minute 4 the first ages out of the 15-minute window at minute 15.
    assert login(uow, email, PASSWORD, NOW + timedelta(minutes=4)) == "retry after 660"
    assert login(uow, email, PASSWORD, NOW + timedelta(minutes=14, seconds=59)) == "retry after 1"
    assert login(uow, email, PASSWORD, NOW + timedelta(minutes=15)) == "ok"


def test_a_locked_account_refuses_before_looking_at_the_password(
    uow: UoW, monkeypatch: pytest.MonkeyPatch
) -> None:
    email = signed_up(uow)
    fail(uow, email, LOGIN_PER_ACCOUNT.attempts, NOW)
    verified: list[str] = []

    class RecordingHasher(PasswordHasher):
        def verify(self, hash: str | bytes, password: str | bytes) -> Literal[True]:
            verified.append(str(password))
            return super().verify(hash, password)

    monkeypatch.setattr(users, "hasher", RecordingHasher(**CHEAP_ARGON2))
    assert login(uow, email, PASSWORD, NOW).startswith("retry after")
    assert login(uow, "nobody@example.com", PASSWORD, NOW) == "wrong"
    assert verified == [PASSWORD], "only the unlocked attempt reached the hasher"


def test_refused_attempts_do_not_push_the_unlock_further(uow: UoW) -> None:
    email = signed_up(uow)
    fail(uow, email, LOGIN_PER_ACCOUNT.attempts, NOW)
    for second in range(0, 900, 60):
        assert login(uow, email, "wrong horse", NOW + timedelta(seconds=second)).startswith("retry after")
    assert login(uow, email, PASSWORD, NOW + LOGIN_PER_ACCOUNT.window) == "ok"


def test_a_success_clears_the_accounts_failures(uow: UoW) -> None:
    email = signed_up(uow)
    fail(uow, email, LOGIN_PER_ACCOUNT.attempts - 1, NOW)
    assert login(uow, email, PASSWORD, NOW) == "ok"
    fail(uow, email, LOGIN_PER_ACCOUNT.attempts, NOW)
    assert login(uow, email, PASSWORD, NOW).startswith("retry after")


def test_unknown_emails_lock_exactly_like_real_accounts(uow: UoW) -> None:
    fail(uow, "nobody@example.com", LOGIN_PER_ACCOUNT.attempts, NOW)
    assert login(uow, "nobody@example.com", "wrong horse", NOW) == "retry after 900"


def test_an_address_is_limited_across_accounts_and_other_addresses_are_not(uow: UoW) -> None:
    email = signed_up(uow)
    for n in range(LOGIN_PER_ADDRESS.attempts):
        fail(uow, f"guess-{n}@example.com", 1, NOW)
    assert login(uow, email, PASSWORD, NOW) == "retry after 900"
    assert login(uow, email, PASSWORD, NOW, client="198.51.100.1") == "ok"


def test_the_refusal_says_what_was_counted_and_when_to_come_back(uow: UoW) -> None:
    email = signed_up(uow)
    fail(uow, email, LOGIN_PER_ACCOUNT.attempts, NOW)
    with pytest.raises(TooManyAttempts) as refused:
        users.login(uow(), TOKENS, {"email": email, "password": PASSWORD}, NOW, client=HERE)
    assert refused.value.status == 429
    assert refused.value.extra == {"retry_after": 900}
    assert refused.value.detail == (
        "too many failed sign-ins to this account in the last 15 minutes; "
        "try again in 15 minutes (after 10:15:00 UTC)"
    )


def test_parallel_guesses_do_not_burst_past_the_limit(uow: UoW) -> None:
    email = signed_up(uow)
    outcomes: list[str] = []
    start = threading.Barrier(12)

    def guess() -> None:
        start.wait()
        outcomes.append(login(uow, email, "wrong horse", NOW))

    threads = [threading.Thread(target=guess) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(outcomes) == 12
    assert outcomes.count("wrong") <= LOGIN_PER_ACCOUNT.attempts, outcomes


def test_sign_ups_per_address_count_taken_emails_too(uow: UoW) -> None:
    signup = users.Signup(per_address_per_hour=3)

    def register(email: str, at: datetime, client: str = HERE) -> str:
        try:
            users.register(
                uow(), TOKENS, {"email": email, "password": PASSWORD}, at, signup=signup, client=client
            )
        except DomainError as error:
            return str(error.status)
        return "created"

    assert register("a@example.com", NOW) == "created"
    assert register("a@example.com", NOW) == "409"
    assert register("b@example.com", NOW) == "created"
    assert register("c@example.com", NOW) == "429"
    assert register("c@example.com", NOW, client="198.51.100.1") == "created"
    assert register("d@example.com", NOW + timedelta(hours=1)) == "created"


def test_no_sign_up_limit_when_set_to_zero(uow: UoW) -> None:
    signup = users.Signup(per_address_per_hour=0)
    for n in range(30):
        users.register(
            uow(), TOKENS, {"email": f"u{n}@example.com", "password": PASSWORD}, NOW, signup=signup
        )


@pytest.mark.parametrize("password", ["password1", "Iloveyou1", "qwertyuiop", "trustno1", "football1"])
def test_breached_passwords_are_refused_at_sign_up(uow: UoW, password: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        users.register(uow(), TOKENS, {"email": "ada@example.com", "password": password}, NOW)
    [error] = refused.value.errors
    assert (error.field, error.rule) == ("password", "breached")
    assert "breached password lists" in error.message


def test_the_breached_list_is_the_packaged_one_and_leaves_passphrases_alone() -> None:
    assert len(users.breached_passwords()) == 30_000
    assert PASSWORD not in users.breached_passwords()
    assert "lovelace!" not in users.breached_passwords()


def test_short_passwords_still_fail_on_length(uow: UoW) -> None:
    with pytest.raises(ValidationFailed) as refused:
        users.register(uow(), TOKENS, {"email": "ada@example.com", "password": "1234"}, NOW)
    assert [error.rule for error in refused.value.errors] == ["length"]


def test_closed_sign_up_refuses_everyone_and_a_domain_list_refuses_the_rest(uow: UoW) -> None:
    body = {"email": "ada@example.com", "password": PASSWORD}
    with pytest.raises(DomainError) as closed:
        users.register(uow(), TOKENS, body, NOW, signup=users.Signup(open=False))
    assert closed.value.status == 403
    assert closed.value.detail == "sign-up is closed on this server; ask its operator for an account"
    corporate = users.Signup(domains=("corp.example", "lab.example"))
    with pytest.raises(DomainError) as elsewhere:
        users.register(uow(), TOKENS, body, NOW, signup=corporate)
    assert elsewhere.value.status == 403
    assert "@corp.example, @lab.example" in elsewhere.value.detail
    user, _ = users.register(uow(), TOKENS, {**body, "email": "ada@lab.example"}, NOW, signup=corporate)
    assert user.email == "ada@lab.example"


@pytest.mark.parametrize(
    ("address", "key"),
    [
        ("203.0.113.7", "203.0.113.7"),
        (" 203.0.113.7 ", "203.0.113.7"),
        ("::ffff:203.0.113.7", "203.0.113.7"),
        ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:ffff::1", "2001:db8:1:2::/64"),
        ("not an address", throttle.UNKNOWN_ADDRESS),
        (None, throttle.UNKNOWN_ADDRESS),
    ],
)
def test_client_keys_group_one_hosts_addresses(address: str | None, key: str) -> None:
    assert throttle.client_key(address) == key
