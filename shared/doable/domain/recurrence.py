"""Calendar rules for recurring tasks, applied on the user's own wall clock.

"Every day at 09:00" means 09:00 where the user lives, not "every 24 hours in UTC": across a
daylight-saving change those two differ by an hour, and "every month on the 31st" has no fixed
length at all. So the next due time is computed in local time (zoneinfo, IANA database) and only
then converted back to UTC, the one way times are stored.
"""

from __future__ import annotations

import calendar
import math
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


class Recurrence(StrEnum):
    NONE = "none"
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"


# A zone change can in theory repeat a local date; this bounds the "strictly after" loop anyway.
_MAX_STEPS = 4


def validate_timezone(name: str) -> str:
    """Returns the name unchanged if it is a known IANA zone, else raises a ValueError users can act on."""
    load_zone(name)
    return name


def load_zone(name: str) -> ZoneInfo:
    if not isinstance(name, str) or not name or name != name.strip():
        raise ValueError(_unknown_zone(name))
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        # OSError: names like "Europe" are directories of the database, not zones.
        raise ValueError(_unknown_zone(name)) from exc


def _unknown_zone(name: object) -> str:
    return f"unknown time zone '{name}'; use an IANA name such as Europe/Paris"


def localize(wall: datetime, zone: ZoneInfo) -> datetime:
    """The UTC instant at which the clocks in `zone` show `wall` (a naive local date and time).

    An ambiguous wall time (clocks going back) takes its first occurrence. A wall time that never
    happens (clocks going forward) becomes the first instant after it, i.e. the end of the gap:
    02:30 on a spring-forward night, with clocks jumping from 02:00 to 03:00, becomes 03:00.
    """
    naive = wall.replace(tzinfo=None, fold=0)
    instant = naive.replace(tzinfo=zone).astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) == naive:
        return instant
    return _end_of_gap(naive, zone)


def _end_of_gap(naive: datetime, zone: ZoneInfo) -> datetime:
    # PEP 495: inside a gap, fold=0 reads the time with the offset from before the jump and fold=1
    # with the offset from after it; the transition instant lies between the two readings.
    readings = [naive.replace(tzinfo=zone, fold=fold).timestamp() for fold in (0, 1)]
    low, high = math.floor(min(readings)), math.ceil(max(readings))
    # Binary search for the first whole second whose local reading is at or past the wall time;
    # zone transitions happen on whole seconds.
    while low < high:
        middle = (low + high) // 2
        if _wall_at(middle, zone) >= naive:
            high = middle
        else:
            low = middle + 1
    return datetime.fromtimestamp(low, UTC)


def _wall_at(timestamp: int, zone: ZoneInfo) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC).astimezone(zone).replace(tzinfo=None)


def next_due_at(
    series_start: datetime, previous_due_at: datetime, recurrence: Recurrence | str, timezone: str
) -> datetime:
    """The occurrence that follows `previous_due_at` in the series anchored at `series_start`.

    Both inputs and the result are timezone-aware; the result is in UTC. The series start fixes the
    local time of day and, for weekly and monthly rules, the weekday or the day of the month:
    daily is the next local day; weekly the next local date on the start's weekday (seven days
    later, unless the previous instance was moved to another day); monthly the next calendar month
    on the start's day of the month, clamped to that month's last day (31 Jan, 28/29 Feb, 31 Mar).
    The result is always strictly after `previous_due_at`.
    """
    rule = Recurrence(recurrence)
    if rule is Recurrence.NONE:
        raise ValueError("a task that does not recur has no next occurrence")
    _require_aware(series_start, "series_start")
    _require_aware(previous_due_at, "previous_due_at")
    zone = load_zone(timezone)
    anchor = series_start.astimezone(zone).replace(tzinfo=None)
    return _first_after(previous_due_at.astimezone(zone).date(), anchor, rule, zone, previous_due_at)


def resume_after(
    series_start: datetime,
    previous_due_at: datetime,
    recurrence: Recurrence | str,
    timezone: str,
    now: datetime,
) -> datetime:
    """The first occurrence after both `previous_due_at` and `now`: where a series that fell behind resumes.

    The same as applying `next_due_at` until the result passes `now`, but computed in a bounded
    number of steps however many periods were missed (a daily series last due 150 years ago missed
    55,000): after its first step a series only lands on its pattern's dates (every day, the
    anchor's weekday, the anchor's clamped day of the month), so it jumps to the pattern date just
    before `now`'s local date and steps from there.
    """
    due = next_due_at(series_start, previous_due_at, recurrence, timezone)
    if due > now:
        return due
    _require_aware(now, "now")
    rule = Recurrence(recurrence)
    zone = load_zone(timezone)
    anchor = series_start.astimezone(zone).replace(tzinfo=None)
    today = now.astimezone(zone).date()
    return _first_after(_pattern_day_before(today, anchor, rule), anchor, rule, zone, now)


def _first_after(day: date, anchor: datetime, rule: Recurrence, zone: ZoneInfo, bound: datetime) -> datetime:
    """The first of the pattern dates after `day`, at the anchor's wall time, that is after `bound`."""
    for _ in range(_MAX_STEPS):
        day = _next_day(day, anchor, rule)
        candidate = localize(datetime.combine(day, anchor.time()), zone)
        if candidate > bound:
            return candidate
    raise ValueError(f"no occurrence after {bound.isoformat()} in {zone.key}")


def _require_aware(value: datetime, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")


def _next_day(previous: date, anchor: datetime, rule: Recurrence) -> date:
    if rule is Recurrence.DAILY:
        return previous + timedelta(days=1)
    if rule is Recurrence.WEEKLY:
        return previous + timedelta(days=(anchor.weekday() - previous.weekday() - 1) % 7 + 1)
    return _same_day_next_month(previous, anchor.day)


def _pattern_day_before(today: date, anchor: datetime, rule: Recurrence) -> date:
    """The last date of the series' pattern strictly before `today`."""
    if rule is Recurrence.DAILY:
        return today - timedelta(days=1)
    if rule is Recurrence.WEEKLY:
        return today - timedelta(days=(today.weekday() - anchor.weekday() - 1) % 7 + 1)
    year, month = (today.year - 1, 12) if today.month == 1 else (today.year, today.month - 1)
    return date(year, month, min(anchor.day, calendar.monthrange(year, month)[1]))


def _same_day_next_month(previous: date, anchor_day: int) -> date:
    year, month = (previous.year + 1, 1) if previous.month == 12 else (previous.year, previous.month + 1)
    return date(year, month, min(anchor_day, calendar.monthrange(year, month)[1]))
