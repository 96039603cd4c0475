"""Limits on sign-in and sign-up attempts per account and per client address, counted in the database.

An attempt is written before it is tried and counted after that write commits, so attempts on other
replicas at the same moment see each other: a window lets through at most its number of attempts,
never a burst of parallel ones. A refused attempt is not written, so hammering a locked key does not
push its unlock further away.
"""

from __future__ import annotations

import ipaddress
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from doable.domain.errors import DomainError
from doable.services.ports import UnitOfWork

UNKNOWN_ADDRESS = "unknown"


@dataclass(frozen=True)
class Limit:
    scope: str
    attempts: int
    window: timedelta
    counted: str  # what the limit counts, as the refusal says it


LOGIN_PER_ACCOUNT = Limit("login-account", 5, timedelta(minutes=15), "failed sign-ins to this account")
LOGIN_PER_ADDRESS = Limit(
    "login-address", 20, timedelta(minutes=15), "failed sign-ins from your network address"
)
SIGNUP_WINDOW = timedelta(hours=1)
LONGEST_WINDOW = max(LOGIN_PER_ACCOUNT.window, LOGIN_PER_ADDRESS.window, SIGNUP_WINDOW)


def signup_per_address(per_hour: int) -> Limit:
    return Limit("signup-address", per_hour, SIGNUP_WINDOW, "sign-ups from your network address")


Check = tuple[Limit, str]  # a limit and the key it counts here: an email or a client address


class TooManyAttempts(DomainError):
    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(
            detail=detail, status=429, title="Too many requests", extra={"retry_after": retry_after}
        )
        self.retry_after = retry_after


def client_key(address: str | None) -> str:
    """The key one client's attempts share: its IPv4 address, or its IPv6 /64 (one host's usual share)."""
    try:
        parsed = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return UNKNOWN_ADDRESS
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network((parsed, 64), strict=False))
    return str(parsed)


def reserve(uow: UnitOfWork, checks: Sequence[Check], now: datetime) -> list[int]:
    """Counts this attempt against every check, or raises TooManyAttempts before anything is tried.

    Each attempt writes its row first and counts after that commit, so parallel attempts on other
    replicas see each other: any that counts past the limit withdraws its row and is refused.
    Returns the ids of the attempt's rows: a failure leaves them in place, a success hands them to
    `succeeded`."""
    checks = [(limit, key) for limit, key in checks if limit.attempts > 0]
    with uow:
        _refuse_if_spent(uow, checks, now)  # a locked key costs one read and no write
        ids = [uow.attempts.add(limit.scope, key, now) for limit, key in checks]
        uow.attempts.prune(now - LONGEST_WINDOW)
        uow.commit()
    with uow:
        counts = [len(uow.attempts.since(limit.scope, key, now - limit.window)) for limit, key in checks]
        if all(count <= limit.attempts for count, (limit, _) in zip(counts, checks, strict=True)):
            return ids
        uow.attempts.remove(ids)  # others got there first: this one is refused and does not count
        uow.commit()
        _refuse_if_spent(uow, checks, now)
    # The limit was past when this attempt counted, even if concurrent refusals have since withdrawn
    # their rows: letting it through uncounted would let a burst of parallel guesses slip past.
    raise TooManyAttempts("too many attempts at the same moment; try again in a second", 1)


def succeeded(uow: UnitOfWork, ids: Sequence[int], clear: Sequence[Check] = ()) -> None:
    """A success is no failure: its own rows go, and so do the earlier failures of each `clear` key."""
    with uow:
        uow.attempts.remove(ids)
        for limit, key in clear:
            uow.attempts.clear(limit.scope, key)
        uow.commit()


def _refuse_if_spent(uow: UnitOfWork, checks: Sequence[Check], now: datetime) -> None:
    waits: list[tuple[datetime, Limit]] = []
    for limit, key in checks:
        times = uow.attempts.since(limit.scope, key, now - limit.window)
        if len(times) >= limit.attempts:
            # The next attempt fits once enough of these have aged out of the window.
            waits.append((times[len(times) - limit.attempts] + limit.window, limit))
    if not waits:
        return
    until, limit = max(waits, key=lambda wait: wait[0])
    seconds = max(1, math.ceil((until - now).total_seconds()))
    raise TooManyAttempts(
        f"too many {limit.counted} in the last {_duration(limit.window)}; try again in "
        f"{_duration(timedelta(seconds=seconds))} (after {until:%H:%M:%S} UTC)",
        seconds,
    )


def _duration(span: timedelta) -> str:
    seconds = math.ceil(span.total_seconds())
    if seconds % 3600 == 0:
        count, unit = seconds // 3600, "hour"
    elif seconds >= 60:
        count, unit = math.ceil(seconds / 60), "minute"
    else:
        count, unit = seconds, "second"
    return f"{count} {unit}{'' if count == 1 else 's'}"
