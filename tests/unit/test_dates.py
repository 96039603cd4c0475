"""The one date vocabulary (docs/dates.md): each phrase on the user's clock, and impossible dates refused."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from doable.domain.dates import ImpossibleDate, read_when, weekend
from doable.domain.model import TIME_MAX, TIME_MIN

PARIS = "Europe/Paris"
# Saturday 28 Nov 2026, 11:00 in Paris; Monday 30 Nov; Saturday 31 Jan 2027.
SATURDAY = datetime(2026, 11, 28, 10, tzinfo=UTC)
MONDAY = datetime(2026, 11, 30, 10, tzinfo=UTC)
JAN_31 = datetime(2027, 1, 31, 10, tzinfo=UTC)


def paris(text: str, now: datetime = SATURDAY) -> str:
    """The instant `text` names, as a Paris wall-clock time."""
    return read_when(text, now, PARIS).astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


@pytest.mark.parametrize(
    ("text", "now", "expected"),
    [
        ("tomorrow 9am", SATURDAY, "2026-11-29 08:00 UTC"),
        ("tomorrow", SATURDAY, "2026-11-29 08:00 UTC"),
        ("today 5pm", SATURDAY, "2026-11-28 16:00 UTC"),
        ("9am", SATURDAY, "2026-11-29 08:00 UTC"),
        ("tomorrow evening", SATURDAY, "2026-11-29 18:00 UTC"),
        ("friday 5pm", SATURDAY, "2026-12-04 16:00 UTC"),
        ("next friday", SATURDAY, "2026-12-04 08:00 UTC"),
        ("friday", MONDAY, "2026-12-04 08:00 UTC"),
        ("next friday", MONDAY, "2026-12-11 08:00 UTC"),
        ("next fri 3pm", MONDAY, "2026-12-11 14:00 UTC"),
        ("next monday", MONDAY, "2026-12-07 08:00 UTC"),
        ("monday", MONDAY, "2026-12-07 08:00 UTC"),
        ("next week", SATURDAY, "2026-11-30 08:00 UTC"),
        ("next month", SATURDAY, "2026-12-28 08:00 UTC"),
        ("next month", JAN_31, "2027-02-28 08:00 UTC"),
        ("in 2 hours", SATURDAY, "2026-11-28 12:00 UTC"),
        ("in half an hour", SATURDAY, "2026-11-28 10:30 UTC"),
        ("in 3 days", SATURDAY, "2026-12-01 08:00 UTC"),
        ("in 2 months", JAN_31, "2027-03-31 07:00 UTC"),
        ("on the 1st", SATURDAY, "2026-12-01 08:00 UTC"),
        ("dec 25 noon", SATURDAY, "2026-12-25 11:00 UTC"),
        ("feb 29", SATURDAY, "2028-02-29 08:00 UTC"),
        ("2026-12-01", SATURDAY, "2026-12-01 08:00 UTC"),
        ("2026-12-01 09:30", SATURDAY, "2026-12-01 08:30 UTC"),
        ("2026-12-01T09:30", SATURDAY, "2026-12-01 08:30 UTC"),
        ("2026-12-01T09:30:00-05:00", SATURDAY, "2026-12-01 14:30 UTC"),
        ("2027-03-28 02:30", SATURDAY, "2027-03-28 01:00 UTC"),  # inside the spring-forward gap → 03:00
    ],
)
def test_phrases_read_on_the_users_clock(text: str, now: datetime, expected: str) -> None:
    assert paris(text, now) == expected


def test_the_same_words_are_read_in_each_users_own_zone() -> None:
    assert read_when("tomorrow 9am", SATURDAY, "America/New_York") == datetime(2026, 11, 29, 14, tzinfo=UTC)
    assert read_when("tomorrow 9am", SATURDAY, "Asia/Tokyo") == datetime(2026, 11, 29, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("feb 31", "February has no 31st; it has 29 days, so pick a day from 1 to 29"),
        ("31 february 2027", "February 2027 has no 31st; it has 28 days, so pick a day from 1 to 28"),
        ("2027-02-29", "February 2027 has no 29th; it has 28 days, so pick a day from 1 to 28"),
        ("april 31", "April has no 31st; it has 30 days, so pick a day from 1 to 30"),
        ("2026-13-01", "there is no month 13; months run from 1 to 12"),
        ("0001-01-01", "the year 1 is outside the years Doable keeps; pick a date from 1970 to 2200"),
        (
            "9999-12-31 10:00",
            "the year 9999 is outside the years Doable keeps; pick a date from 1970 to 2200",
        ),
        ("9999-12-31T10:00:00Z", "'9999-12-31T10:00:00Z' is outside the dates Doable keeps (1970 to 2200)"),
    ],
)
def test_impossible_dates_say_why(text: str, message: str) -> None:
    with pytest.raises(ImpossibleDate) as raised:
        read_when(text, SATURDAY, PARIS)
    assert str(raised.value) == message


@pytest.mark.parametrize("text", ["blah", "", "friday tuesday", "tomorrow at 25:00", "every day"])
def test_unreadable_text_suggests_what_to_type(text: str) -> None:
    with pytest.raises(ValueError) as raised:
        read_when(text, SATURDAY, PARIS)
    assert not isinstance(raised.value, ImpossibleDate)
    assert "e.g. 'tomorrow 9am', 'next friday', 'in 2 hours' or 2026-12-01 09:00" in str(raised.value)


KEYWORDS = (
    "today tomorrow next friday fri month week in 2 hours days 3 weeks feb 29 31 30 april 9999 0001 1969 "
    "2026-02-29 2028-02-29 13:00 9am 12pm midnight noon tonight evening on the 1st 31st at , 0 99"
)
WORDS = KEYWORDS.split(" ")


@settings(max_examples=300, deadline=None)
@given(
    words=st.lists(st.sampled_from(WORDS), max_size=8), zone=st.sampled_from([PARIS, "Pacific/Apia", "UTC"])
)
def test_any_phrase_is_an_instant_in_range_or_a_value_error(words: list[str], zone: str) -> None:
    try:
        instant = read_when(" ".join(words), SATURDAY, zone)
    except ValueError:
        return
    assert instant.tzinfo is UTC and TIME_MIN <= instant < TIME_MAX


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2026, 11, 30), date(2026, 12, 5)),  # Monday to Friday: the coming Saturday
        (date(2026, 12, 1), date(2026, 12, 5)),
        (date(2026, 12, 2), date(2026, 12, 5)),
        (date(2026, 12, 3), date(2026, 12, 5)),
        (date(2026, 12, 4), date(2026, 12, 5)),
        (date(2026, 12, 5), date(2026, 12, 5)),  # Saturday: itself
        (date(2026, 12, 6), date(2026, 12, 5)),  # Sunday: the weekend is still on, so yesterday
        (date(2026, 12, 31), date(2027, 1, 2)),  # across the year's end
        (date(2027, 1, 3), date(2027, 1, 2)),
    ],
)
def test_the_weekend_is_the_coming_saturday_or_sundays_own(today: date, expected: date) -> None:
    assert weekend(today) == expected
