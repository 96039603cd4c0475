"""How a refusal for too many attempts reads: durations in words, and the problem's status and fields."""

from __future__ import annotations

from datetime import timedelta

import pytest

from doable.services.throttle import TooManyAttempts, _duration


@pytest.mark.parametrize(
    ("span", "words"),
    [
        (timedelta(seconds=1), "1 second"),
        (timedelta(seconds=59), "59 seconds"),
        (timedelta(seconds=0.2), "1 second"),
        (timedelta(seconds=60), "1 minute"),
        (timedelta(seconds=61), "2 minutes"),
        (timedelta(minutes=15), "15 minutes"),
        (timedelta(minutes=59, seconds=1), "60 minutes"),
        (timedelta(hours=1), "1 hour"),
        (timedelta(hours=2), "2 hours"),
        (timedelta(hours=1, minutes=1), "61 minutes"),
    ],
)
def test_durations_read_in_the_largest_whole_unit(span: timedelta, words: str) -> None:
    assert _duration(span) == words


def test_too_many_attempts_is_a_429_that_says_when_to_come_back() -> None:
    refusal = TooManyAttempts("too many sign-ins; try again in 1 minute", 60)
    assert (refusal.status, refusal.title, refusal.detail) == (
        429,
        "Too many requests",
        "too many sign-ins; try again in 1 minute",
    )
    assert refusal.extra == {"retry_after": 60} and refusal.retry_after == 60
