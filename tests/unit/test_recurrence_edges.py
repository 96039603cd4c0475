"""Recurrence at its edges: an occurrence exactly at `now`, a zone behind UTC at night, times that
carry a tzinfo but no offset, and what each refusal says; tag spelling."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo

import pytest

from doable.domain.model import normalise_tag
from doable.domain.recurrence import Recurrence, next_due_at, resume_after


class NoOffset(tzinfo):
    """A tzinfo that knows no offset: as good as naive."""

    def utcoffset(self, dt: datetime | None) -> timedelta | None:
        return None

    def dst(self, dt: datetime | None) -> timedelta | None:
        return None


def test_a_next_occurrence_exactly_at_now_has_passed_so_the_series_resumes_after_it() -> None:
    start = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
    now = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)  # the next daily occurrence, to the microsecond
    assert resume_after(start, start, Recurrence.DAILY, "UTC", now) == datetime(2026, 11, 3, 9, 0, tzinfo=UTC)


def test_a_series_that_fell_behind_resumes_on_its_own_zones_date_not_utcs() -> None:
    # 19:00 on 30 November in Los Angeles is already 1 December in UTC; 21:00 local is still to come.
    series_start = datetime(2026, 1, 2, 5, 0, tzinfo=UTC)  # 21:00 on 1 January in Los Angeles
    now = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
    resumed = resume_after(series_start, series_start, Recurrence.DAILY, "America/Los_Angeles", now)
    assert resumed == datetime(2026, 12, 1, 5, 0, tzinfo=UTC), "21:00 on 30 November, local"


@pytest.mark.parametrize("name", ["series_start", "previous_due_at"])
def test_times_without_an_offset_are_refused_by_name(name: str) -> None:
    aware = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
    offsetless = datetime(2026, 11, 1, 9, 0, tzinfo=NoOffset())
    given = {"series_start": aware, "previous_due_at": aware, name: offsetless}
    with pytest.raises(ValueError) as refused:
        next_due_at(given["series_start"], given["previous_due_at"], Recurrence.DAILY, "UTC")
    assert str(refused.value) == f"{name} must be timezone-aware"


def test_a_rule_that_does_not_recur_has_no_next_occurrence() -> None:
    start = datetime(2020, 1, 1, 9, 0, tzinfo=UTC)
    with pytest.raises(ValueError) as none:
        next_due_at(start, start, Recurrence.NONE, "UTC")
    assert str(none.value) == "a task that does not recur has no next occurrence"


def test_a_tag_loses_its_hashes_and_case_and_keeps_its_letters() -> None:
    assert normalise_tag("  ##Xmas ") == "xmas"
    assert normalise_tag("X#") == "x#"
