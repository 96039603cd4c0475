"""Recurrence rules on the dates where calendars misbehave: DST changes, month ends, leap years."""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from doable.domain import recurrence
from doable.domain.recurrence import Recurrence, localize, next_due_at, resume_after, validate_timezone

PARIS = "Europe/Paris"
NEW_YORK = "America/New_York"


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def chain(start: datetime, rule: Recurrence, zone: str, count: int) -> list[datetime]:
    """The first `count` occurrences after `start`, each computed from the one before."""
    out, previous = [], start
    for _ in range(count):
        previous = next_due_at(start, previous, rule, zone)
        out.append(previous)
    return out


# --- daylight saving: the wall-clock time survives -------------------------------------------


@pytest.mark.parametrize(
    ("zone", "start", "expected"),
    [
        # Paris springs forward on Sun 28 Mar 2027: 09:00 CET is 08:00Z, 09:00 CEST is 07:00Z.
        (PARIS, utc(2027, 3, 27, 8), utc(2027, 3, 28, 7)),
        # Paris falls back on Sun 25 Oct 2026: 09:00 CEST is 07:00Z, 09:00 CET is 08:00Z.
        (PARIS, utc(2026, 10, 24, 7), utc(2026, 10, 25, 8)),
        # New York springs forward on Sun 14 Mar 2027: 09:00 EST is 14:00Z, 09:00 EDT is 13:00Z.
        (NEW_YORK, utc(2027, 3, 13, 14), utc(2027, 3, 14, 13)),
        # New York falls back on Sun 1 Nov 2026.
        (NEW_YORK, utc(2026, 10, 31, 13), utc(2026, 11, 1, 14)),
    ],
)
def test_daily_keeps_nine_oclock_across_dst(zone: str, start: datetime, expected: datetime) -> None:
    assert next_due_at(start, start, Recurrence.DAILY, zone) == expected
    assert expected.astimezone(ZoneInfo(zone)).time() == time(9)


def test_time_in_spring_forward_gap_moves_to_end_of_gap_then_returns_paris() -> None:
    start = utc(2027, 3, 27, 1, 30)  # 02:30 CET
    assert chain(start, Recurrence.DAILY, PARIS, 2) == [
        utc(2027, 3, 28, 1, 0),  # 02:30 does not exist; the clocks jump 02:00 -> 03:00 CEST
        utc(2027, 3, 29, 0, 30),  # 02:30 CEST again the day after
    ]


def test_time_in_spring_forward_gap_new_york() -> None:
    start = utc(2027, 3, 13, 7, 30)  # 02:30 EST
    assert next_due_at(start, start, Recurrence.DAILY, NEW_YORK) == utc(2027, 3, 14, 7, 0)  # 03:00 EDT


def test_ambiguous_time_on_fall_back_takes_first_occurrence_paris() -> None:
    start = utc(2026, 10, 24, 0, 30)  # 02:30 CEST
    # 02:30 happens twice on 25 Oct: 00:30Z (CEST) and 01:30Z (CET).
    assert next_due_at(start, start, Recurrence.DAILY, PARIS) == utc(2026, 10, 25, 0, 30)


def test_ambiguous_time_on_fall_back_takes_first_occurrence_new_york() -> None:
    start = utc(2026, 10, 31, 5, 30)  # 01:30 EDT
    assert next_due_at(start, start, Recurrence.DAILY, NEW_YORK) == utc(2026, 11, 1, 5, 30)


def test_weekly_across_dst_new_york() -> None:
    start = utc(2027, 3, 8, 14)  # Monday 09:00 EST
    assert chain(start, Recurrence.WEEKLY, NEW_YORK, 2) == [utc(2027, 3, 15, 13), utc(2027, 3, 22, 13)]


def test_weekly_across_fall_back_paris() -> None:
    start = utc(2026, 10, 20, 16)  # Tuesday 18:00 CEST
    assert next_due_at(start, start, Recurrence.WEEKLY, PARIS) == utc(2026, 10, 27, 17)


def test_monthly_across_dst_paris() -> None:
    start = utc(2027, 3, 1, 8)  # 09:00 CET
    assert next_due_at(start, start, Recurrence.MONTHLY, PARIS) == utc(2027, 4, 1, 7)


def test_half_hour_dst_zone_lord_howe() -> None:
    # Lord Howe Island moves its clocks by 30 minutes (UTC+10:30 -> +11 on 3 Oct 2027).
    start = datetime(2027, 10, 2, 9, tzinfo=ZoneInfo("Australia/Lord_Howe")).astimezone(UTC)
    result = next_due_at(start, start, Recurrence.DAILY, "Australia/Lord_Howe")
    assert result == utc(2027, 10, 2, 22)
    assert result.astimezone(ZoneInfo("Australia/Lord_Howe")).time() == time(9)


# --- month ends and leap years -----------------------------------------------------------------


def test_monthly_on_31st_clamps_then_returns_to_31st() -> None:
    start = utc(2027, 1, 31, 8)  # 09:00 CET
    local_days = [d.astimezone(ZoneInfo(PARIS)).date() for d in chain(start, Recurrence.MONTHLY, PARIS, 5)]
    assert local_days == [
        date(2027, 2, 28),
        date(2027, 3, 31),
        date(2027, 4, 30),
        date(2027, 5, 31),
        date(2027, 6, 30),
    ]


def test_monthly_on_31st_in_leap_year_lands_on_29_february() -> None:
    start = utc(2028, 1, 31, 8)
    assert chain(start, Recurrence.MONTHLY, PARIS, 2) == [utc(2028, 2, 29, 8), utc(2028, 3, 31, 7)]


def test_monthly_on_30th() -> None:
    start = utc(2027, 1, 30, 14)  # 09:00 EST
    assert chain(start, Recurrence.MONTHLY, NEW_YORK, 3) == [
        utc(2027, 2, 28, 14),
        utc(2027, 3, 30, 13),  # EDT since 14 March
        utc(2027, 4, 30, 13),
    ]


def test_monthly_on_29th_outside_leap_year() -> None:
    start = utc(2027, 1, 29, 8)
    assert chain(start, Recurrence.MONTHLY, PARIS, 2) == [utc(2027, 2, 28, 8), utc(2027, 3, 29, 7)]


def test_monthly_across_year_end() -> None:
    start = utc(2026, 12, 15, 8)
    assert next_due_at(start, start, Recurrence.MONTHLY, PARIS) == utc(2027, 1, 15, 8)


def test_daily_across_year_end() -> None:
    start = utc(2026, 12, 31, 8)  # 09:00 CET
    assert next_due_at(start, start, Recurrence.DAILY, PARIS) == utc(2027, 1, 1, 8)


def test_daily_late_evening_crosses_utc_date_but_not_local_date() -> None:
    # 23:30 in New York is already the next day in UTC; the rule counts local days.
    start = utc(2026, 12, 1, 4, 30)  # 30 Nov 23:30 EST
    assert next_due_at(start, start, Recurrence.DAILY, NEW_YORK) == utc(2026, 12, 2, 4, 30)


def test_leap_day_daily() -> None:
    start = utc(2028, 2, 28, 8)
    assert chain(start, Recurrence.DAILY, PARIS, 2) == [utc(2028, 2, 29, 8), utc(2028, 3, 1, 8)]


# --- anchoring on the series, not on a moved instance ------------------------------------------


def test_weekly_returns_to_series_weekday_after_an_instance_was_moved() -> None:
    start = utc(2026, 11, 2, 8)  # Monday 09:00 CET
    moved = utc(2026, 11, 11, 15)  # that week's instance was moved to Wednesday 16:00
    assert next_due_at(start, moved, Recurrence.WEEKLY, PARIS) == utc(2026, 11, 16, 8)


def test_monthly_keeps_anchor_day_after_clamped_month() -> None:
    start = utc(2027, 1, 31, 8)
    assert next_due_at(start, utc(2027, 2, 28, 8), Recurrence.MONTHLY, PARIS) == utc(2027, 3, 31, 7)


def test_daily_after_instance_moved_late_in_the_day() -> None:
    start = utc(2026, 11, 2, 8)
    assert next_due_at(start, utc(2026, 11, 5, 22), Recurrence.DAILY, PARIS) == utc(2026, 11, 6, 8)


def test_accepts_plain_strings_and_other_offsets() -> None:
    start = datetime(2026, 11, 2, 9, tzinfo=ZoneInfo(PARIS))
    assert next_due_at(start, start, "daily", PARIS) == utc(2026, 11, 3, 8)
    assert next_due_at(start, start, "daily", PARIS).tzinfo is UTC


# --- refusals ----------------------------------------------------------------------------------


def test_none_has_no_next_occurrence() -> None:
    with pytest.raises(ValueError, match="does not recur"):
        next_due_at(utc(2026, 1, 1), utc(2026, 1, 1), Recurrence.NONE, PARIS)


def test_unknown_rule_is_refused() -> None:
    with pytest.raises(ValueError):
        next_due_at(utc(2026, 1, 1), utc(2026, 1, 1), "yearly", PARIS)


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        next_due_at(datetime(2026, 1, 1), utc(2026, 1, 1), Recurrence.DAILY, PARIS)


@pytest.mark.parametrize("name", ["Europe/Paris", "America/New_York", "UTC", "Asia/Kolkata"])
def test_validate_timezone_accepts_iana_names(name: str) -> None:
    assert validate_timezone(name) == name


@pytest.mark.parametrize(
    "name",
    [
        "",
        "Mars/Olympus",
        "europe/paris",
        "Europe",
        "/etc/passwd",
        "../x",
        " Europe/Paris",
        "a\x00b",
        "CEST+2",
    ],
)
def test_validate_timezone_refuses_unknown_names(name: str) -> None:
    with pytest.raises(ValueError) as caught:
        validate_timezone(name)
    assert str(caught.value) == f"unknown time zone '{name}'; use an IANA name such as Europe/Paris"


def test_next_due_at_refuses_unknown_zone() -> None:
    with pytest.raises(ValueError, match="unknown time zone 'Nowhere/Land'"):
        next_due_at(utc(2026, 1, 1), utc(2026, 1, 1), Recurrence.DAILY, "Nowhere/Land")


# --- localize on its own -------------------------------------------------------------------------


def test_localize_skipped_day_in_samoa() -> None:
    # Samoa skipped 30 Dec 2011 entirely; anything on that day becomes the start of 31 Dec (+14).
    assert localize(datetime(2011, 12, 30, 10), ZoneInfo("Pacific/Apia")) == utc(2011, 12, 30, 10)


# --- properties over many zones and dates --------------------------------------------------------

ZONES = [
    PARIS,
    NEW_YORK,
    "UTC",
    "Australia/Lord_Howe",
    "America/Santiago",
    "Asia/Kolkata",
    "America/St_Johns",
    "Europe/London",
    "Pacific/Auckland",
    "Asia/Tehran",
]


def wall_exists(day: date, wall: time, zone: ZoneInfo) -> bool:
    local = datetime.combine(day, wall, tzinfo=zone)
    return local.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == local.replace(tzinfo=None)


@settings(max_examples=300, deadline=None)
@given(
    zone_name=st.sampled_from(ZONES),
    start_local=st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2040, 12, 1)),
    rule=st.sampled_from([Recurrence.DAILY, Recurrence.WEEKLY, Recurrence.MONTHLY]),
    steps=st.integers(min_value=1, max_value=14),
)
def test_properties_hold_along_a_series(
    zone_name: str, start_local: datetime, rule: Recurrence, steps: int
) -> None:
    zone = ZoneInfo(zone_name)
    start = localize(start_local, zone)
    anchor = start.astimezone(zone)
    previous = start
    for _ in range(steps):
        result = next_due_at(start, previous, rule, zone_name)
        local, before = result.astimezone(zone), previous.astimezone(zone)
        assert result.tzinfo is UTC
        assert result > previous
        if rule is Recurrence.DAILY:
            assert local.date() == before.date() + timedelta(days=1)
        elif rule is Recurrence.WEEKLY:
            assert local.date() == before.date() + timedelta(days=7)
            assert local.weekday() == anchor.weekday()
        else:
            months = (local.year * 12 + local.month) - (before.year * 12 + before.month)
            assert months == 1
            assert local.day == min(anchor.day, calendar.monthrange(local.year, local.month)[1])
        wall = anchor.time().replace(tzinfo=None)
        if wall_exists(local.date(), wall, zone):
            assert local.time().replace(tzinfo=None) == wall
        else:
            # Inside a gap: the result is the first instant whose wall reading is past the wanted one.
            assert local.time().replace(tzinfo=None) > wall
            # Compare whole wall readings: a gap at midnight puts the second before on the previous day.
            before_gap = (result - timedelta(seconds=1)).astimezone(zone).replace(tzinfo=None)
            assert before_gap < datetime.combine(local.date(), wall)
        previous = result


# --- catching up after missed periods: computed, not iterated ----------------------------------


def resumed_by_stepping(
    start: datetime, previous: datetime, rule: Recurrence, zone: str, now: datetime
) -> datetime:
    """What resuming means, one period at a time: the definition `resume_after` must match."""
    due = next_due_at(start, previous, rule, zone)
    while due <= now:
        due = next_due_at(start, due, rule, zone)
    return due


@settings(max_examples=300, deadline=None)
@given(
    zone_name=st.sampled_from(ZONES),
    start_local=st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2030, 12, 1)),
    rule=st.sampled_from([Recurrence.DAILY, Recurrence.WEEKLY, Recurrence.MONTHLY]),
    moved_by=st.timedeltas(min_value=timedelta(days=-3), max_value=timedelta(days=3)),
    late_by=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=800)),
)
def test_resuming_matches_stepping_one_period_at_a_time(
    zone_name: str, start_local: datetime, rule: Recurrence, moved_by: timedelta, late_by: timedelta
) -> None:
    zone = ZoneInfo(zone_name)
    start = localize(start_local, zone)
    previous = start + moved_by  # the last instance may have been moved off the pattern
    now = previous + late_by
    expected = resumed_by_stepping(start, previous, rule, zone_name, now)
    assert resume_after(start, previous, rule, zone_name, now) == expected


def count_steps(monkeypatch: pytest.MonkeyPatch) -> list[date]:
    steps: list[date] = []
    step = recurrence._next_day

    def counted(previous: date, anchor: datetime, rule: Recurrence) -> date:
        steps.append(previous)
        return step(previous, anchor, rule)

    monkeypatch.setattr(recurrence, "_next_day", counted)
    return steps


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        # 09:00 in Paris (CET in winter): the morning of NOW's day has passed, so tomorrow.
        (Recurrence.DAILY, utc(2026, 12, 1, 8)),
        # The series started on a Wednesday: the next Wednesday after Mon 30 Nov 2026.
        (Recurrence.WEEKLY, utc(2026, 12, 2, 8)),
        # Started on the 31st: December has one.
        (Recurrence.MONTHLY, utc(2026, 12, 31, 8)),
    ],
)
def test_a_series_last_due_150_years_ago_resumes_in_a_few_steps(
    monkeypatch: pytest.MonkeyPatch, rule: Recurrence, expected: datetime
) -> None:
    start = localize(datetime(1876, 5, 31, 9), ZoneInfo(PARIS))  # a Wednesday; 55,000 days ago
    now = utc(2026, 11, 30, 10)
    steps = count_steps(monkeypatch)
    assert resume_after(start, start, rule, PARIS, now) == expected
    assert len(steps) <= 4, "stepping period by period would take up to 55,000 steps"


def test_resuming_on_the_due_day_before_the_due_time_takes_today(monkeypatch: pytest.MonkeyPatch) -> None:
    start = utc(2020, 1, 31, 17)  # 18:00 in Paris, on the 31st
    steps = count_steps(monkeypatch)
    assert resume_after(start, start, Recurrence.DAILY, PARIS, utc(2026, 11, 30, 10)) == utc(2026, 11, 30, 17)
    # Monthly on the 31st clamps to the last day of a short month, as stepping does.
    assert resume_after(start, start, Recurrence.MONTHLY, PARIS, utc(2027, 2, 3)) == utc(2027, 2, 28, 17)
    assert len(steps) <= 8


def test_a_series_not_yet_behind_takes_the_plain_next_occurrence() -> None:
    start = utc(2026, 11, 30, 8)
    assert resume_after(start, start, Recurrence.DAILY, PARIS, utc(2026, 11, 30, 9)) == utc(2026, 12, 1, 8)
