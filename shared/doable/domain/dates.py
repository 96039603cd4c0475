"""One date vocabulary: the dates and times people type ("tomorrow 9am", "next friday", "in 2 hours").

Rules for the phrase engine that read a calendar day, a weekday, a time of day or a span ("in 2
hours") on the user's wall clock, and the one function that turns what they said into a UTC instant.
"""

from __future__ import annotations

import calendar
import re
from datetime import UTC, date, datetime, time, timedelta

from doable.domain.model import TIME_MAX, TIME_MIN, TimeOutOfRange, parse_input_time
from doable.domain.phrases import (
    NUM,
    UNIT,
    Context,
    ContradictionError,
    DayOf,
    Rule,
    Slots,
    Update,
    group,
    minutes_of,
    number_of,
    rule,
    scan,
)
from doable.domain.recurrence import load_zone

# A date with no time of day means this time: the start of a working day.
DEFAULT_TIME = time(9)
_PART_TIMES = {
    "morning": time(9),
    "afternoon": time(15),
    "evening": time(19),
    "night": time(20),
    "tonight": time(20),
}
# "tonight at 9" means 21:00; a bare hour is read in the afternoon/evening of these parts.
_PM_PARTS = frozenset({"afternoon", "evening", "night", "tonight"})
MAX_DAYS_AHEAD = 3660
# The years the API accepts (doable.domain.model.TIME_RANGE): a date outside them is refused here,
# with the reason, instead of failing later as an odd title or a 422.
YEAR_MIN, YEAR_MAX = TIME_MIN.year, TIME_MAX.year - 1


class ImpossibleDate(ValueError):
    """A date that does not exist (31 February) or lies outside the years Doable keeps."""


WEEKDAYS = {
    name: index
    for index, names in enumerate(
        (
            "monday mon",
            "tuesday tue tues",
            "wednesday wed",
            "thursday thu thur thurs",
            "friday fri",
            "saturday sat",
            "sunday sun",
        )
    )
    for name in names.split()
}
FULL_DAYS = "monday|tuesday|wednesday|thursday|friday|saturday|sunday"
SHORT_DAYS = "mon|tues|tue|wed|thurs|thur|thu|fri|sat|sun"
_MONTHS = {
    name: index
    for index, names in enumerate(
        (
            "january jan",
            "february feb",
            "march mar",
            "april apr",
            "may",
            "june jun",
            "july jul",
            "august aug",
            "september sep sept",
            "october oct",
            "november nov",
            "december dec",
        ),
        1,
    )
    for name in names.split()
}
_MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))
ORD = "(?:st|nd|rd|th)"
_YEAR = "(?:(?: ,)? (?P<y>[0-9]{4}))?"


# ------------------------------------------------------------------------------------- dates


def next_weekday(today: date, weekday: int) -> date:
    """The next such weekday strictly after today: on a Saturday, "saturday" is a week away."""
    return today + timedelta(days=(weekday - today.weekday() - 1) % 7 + 1)


def month_after(year: int, month: int, count: int = 1) -> tuple[int, int]:
    index = year * 12 + month - 1 + count
    return index // 12, index % 12 + 1


def last_day(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _real_date(year: int, month: int, day: int) -> date:
    """The date, or ImpossibleDate saying why there is none ("February has no 31st")."""
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise ImpossibleDate(
            f"the year {year} is outside the years Doable keeps; pick a date from {YEAR_MIN} to {YEAR_MAX}"
        )
    if not 1 <= month <= 12:
        raise ImpossibleDate(f"there is no month {month}; months run from 1 to 12")
    if not 1 <= day <= calendar.monthrange(year, month)[1]:
        raise ImpossibleDate(_no_such_day(month, day, year))
    return date(year, month, day)


def _no_such_day(month: int, day: int, year: int | None = None) -> str:
    name = _MONTH_NAMES[month - 1] + ("" if year is None else f" {year}")
    longest = 29 if month == 2 and year is None else calendar.monthrange(year or 2001, month)[1]
    return f"{name} has no {ordinal(day)}; it has {longest} days, so pick a day from 1 to {longest}"


def ordinal(day: int) -> str:
    """1st, 2nd, 3rd, 4th, 11th, 21st."""
    suffix = "th" if 10 <= day % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


def _upcoming(today: date, month: int, day: int) -> date:
    """The next such date on or after today; 29 February waits for a leap year."""
    if not 1 <= day <= calendar.monthrange(2000, month)[1]:  # 2000 is a leap year: the longest February
        raise ImpossibleDate(_no_such_day(month, day))
    year = today.year
    while (candidate := _fits(year, month, day)) is None or candidate < today:
        year += 1
    return _real_date(year, month, day)


def _fits(year: int, month: int, day: int) -> date | None:
    return date(year, month, day) if day <= calendar.monthrange(year, month)[1] else None


def _iso_date(found: re.Match[str], _ctx: Context) -> date:
    return _real_date(int(found["y"]), int(found["mo"]), int(found["d"]))


def _named_date(found: re.Match[str], ctx: Context) -> date:
    month, day = _MONTHS[found["mon"]], int(found["d"])
    if found["y"]:
        return _real_date(int(found["y"]), month, day)
    return _upcoming(ctx.today, month, day)


def weekend(today: date) -> date:
    """The coming Saturday, or yesterday's when it is Sunday (the weekend is still on)."""
    return (
        today - timedelta(days=1) if today.weekday() == 6 else today + timedelta(days=(5 - today.weekday()))
    )


def monday(today: date) -> date:
    return today - timedelta(days=today.weekday())


def same_day_next_month(today: date, count: int = 1) -> date:
    """The same day `count` months on, clamped to the month's last day (31 Jan → 28 Feb)."""
    year, month = month_after(today.year, today.month, count)
    return date(year, month, min(today.day, calendar.monthrange(year, month)[1]))


def in_days(count: int) -> DayOf:
    return lambda _found, ctx: ctx.today + timedelta(days=count)


# Single calendar days, read the same way in every kind of message.
SINGLE_DAYS: tuple[tuple[str, DayOf], ...] = (
    ("today", in_days(0)),
    ("tomorrow|tmrw|tmr|tomorow", in_days(1)),
    ("(?:the )?day after tomorrow", in_days(2)),
    (r"(?:on )?(?P<y>[0-9]{4})-(?P<mo>[0-9]{1,2})-(?P<d>[0-9]{1,2})", _iso_date),
    (
        rf"(?:on )?(?:the )?(?P<d>[0-9]{{1,2}}){ORD}?(?: of)? (?P<mon>{_MONTH}){_YEAR}",
        _named_date,
    ),
    (
        rf"(?:on )?(?P<mon>{_MONTH}) (?:the )?(?P<d>[0-9]{{1,2}}){ORD}?{_YEAR}",
        _named_date,
    ),
    (
        "(?:the )?end of (?:the |this )?month|month end",
        lambda _f, ctx: last_day(ctx.today.year, ctx.today.month),
    ),
)
WEEKDAY = (
    rf"(?:on |by |until |for |before |due )?(?P<next>next) (?P<wd3>{FULL_DAYS}|{SHORT_DAYS})"
    rf"|(?:(?:on|this|coming|this coming) )?(?P<wd>{FULL_DAYS})"
    rf"|(?:on|this|by|until|for|before|due) (?P<wd2>{SHORT_DAYS})"
)


def weekday_index(found: re.Match[str]) -> int:
    return WEEKDAYS[group(found, "wd", "wd2", "wd3")]


def weekday_date(found: re.Match[str], today: date) -> date:
    """ "friday" is the coming one (a week away on a Friday); "next friday" is the one in next week."""
    if found["next"]:
        return monday(today) + timedelta(days=7 + weekday_index(found))
    return next_weekday(today, weekday_index(found))


def _weekday(found: re.Match[str], ctx: Context) -> Update:
    # A plain weekday stays a weekday, so "every friday" can check that the two agree.
    if found["next"]:
        return {"day": weekday_date(found, ctx.today)}
    return {"weekday": weekday_index(found)}


# ------------------------------------------------------------------------- rules for a due time


def _clock(hour: int, minute: int, meridiem: str | None) -> Update | None:
    if meridiem:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if meridiem.startswith("p") else 0)
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        return None
    return {"clock": time(hour, minute), "meridiem": bool(meridiem)}


def _twelve_hour(found: re.Match[str], _ctx: Context) -> Update | None:
    return _clock(int(found["h"]), int(found["mi"] or 0), found["ap"])


def _twenty_four_hour(found: re.Match[str], _ctx: Context) -> Update | None:
    return _clock(int(group(found, "h", "h2")), int(found.groupdict().get("mi") or 0), None)


def _relative(found: re.Match[str], ctx: Context) -> Update | None:
    count, unit = number_of(found["n"]), found["u"]
    if unit.startswith("month"):
        if count > MAX_DAYS_AHEAD // 28:
            return None
        return {"day": same_day_next_month(ctx.today, count)}
    minutes = minutes_of(str(count), unit)
    if minutes > MAX_DAYS_AHEAD * 1440:
        return None
    if unit.startswith(("min", "h")):
        return {"instant": ctx.now + timedelta(minutes=minutes)}
    return {"day": ctx.today + timedelta(minutes=minutes)}


def _day_rule(pattern: str, day_of: DayOf) -> Rule:
    def build(found: re.Match[str], ctx: Context) -> Update | None:
        day = day_of(found, ctx)
        return None if day is None else {"day": day}

    return rule(pattern, build)


_AT = r"(?:(?:at|around|by|@) ?)?"

_TIME_RULES = (
    rule(rf"{_AT}(?P<h>[0-9]{{1,2}})(?::(?P<mi>[0-9]{{2}}))? ?(?P<ap>am|pm|a\.m\.|p\.m\.)", _twelve_hour),
    rule(rf"{_AT}(?P<h>[0-9]{{1,2}}):(?P<mi>[0-9]{{2}})", _twenty_four_hour),
    rule(r"(?:at|around|@) ?(?P<h>[0-9]{1,2})(?: o'clock)?|(?P<h2>[0-9]{1,2}) o'clock", _twenty_four_hour),
    rule("(?:at )?(?:noon|midday)", {"clock": time(12), "meridiem": True}),
    # Midnight as the end of the day named, so "today at midnight" is not already past.
    rule("(?:at )?midnight", {"clock": time(23, 59), "meridiem": True}),
)
_PART_RULES = (
    rule("tonight|tonite", lambda _f, ctx: {"day": ctx.today, "part": "tonight"}),
    rule("this (?P<p>morning|afternoon|evening)", lambda f, ctx: {"day": ctx.today, "part": f["p"]}),
    rule("(?:in the |at )?(?P<p>morning|afternoon|evening|night)", lambda f, _ctx: {"part": f["p"]}),
)
WHEN_RULES = (
    *(_day_rule(pattern, day_of) for pattern, day_of in SINGLE_DAYS),
    rule(WEEKDAY, _weekday),
    rule("next week", lambda _f, ctx: {"day": monday(ctx.today) + timedelta(days=7)}),
    rule("next month", lambda _f, ctx: {"day": same_day_next_month(ctx.today)}),
    rule(
        "(?:this |the |on the |over the )?weekend",
        lambda _f, ctx: {"day": max(weekend(ctx.today), ctx.today)},
    ),
    rule(
        r"(?:on |by |from )?the (?P<d>[0-9]{1,2})" + ORD + r"?(?: of (?:the|each|every) month)?"
        r"|on (?P<d2>[0-9]{1,2})" + ORD,
        lambda f, _ctx: (
            {"month_day": int(group(f, "d", "d2"))} if 1 <= int(group(f, "d", "d2")) <= 31 else None
        ),
    ),
    rule(rf"in (?P<n>{NUM}) (?P<u>minutes?|mins?|hours?|hrs?|days?|weeks?|months?)", _relative),
    rule("in half an hour", lambda _f, ctx: {"instant": ctx.now + timedelta(minutes=30)}),
    *_TIME_RULES,
    *_PART_RULES,
)


def due_instant(slots: Slots, ctx: Context) -> datetime | None:
    """The due instant the slots describe; None when they name no time at all."""
    dates = [value for value in (slots.day, slots.weekday, slots.month_day) if value is not None]
    if len(dates) > 1:
        raise ContradictionError
    if slots.instant is not None:
        if dates or slots.clock is not None or slots.part is not None:
            raise ContradictionError
        return slots.instant
    _check_rule_fits(slots)
    wall = _wall_clock(slots)
    if not dates and wall is None and slots.recurrence is None:
        return None
    wall = wall or DEFAULT_TIME
    if slots.day is not None:
        return ctx.at(slots.day, wall)
    if slots.weekday is not None:
        return ctx.at(next_weekday(ctx.today, slots.weekday), wall)
    if slots.month_day is not None:
        return _next_month_day(ctx, slots.month_day, wall)
    today = ctx.at(ctx.today, wall)
    return today if today > ctx.now else ctx.at(ctx.today + timedelta(days=1), wall)


def _check_rule_fits(slots: Slots) -> None:
    repeats = slots.recurrence
    if (
        (repeats == "daily" and (slots.weekday is not None or slots.month_day is not None))
        or (repeats == "weekly" and slots.month_day is not None)
        or (repeats == "monthly" and slots.weekday is not None)
    ):
        raise ContradictionError


def _wall_clock(slots: Slots) -> time | None:
    if slots.clock is None:
        return None if slots.part is None else _PART_TIMES[slots.part]
    if slots.part in _PM_PARTS and not slots.meridiem and slots.clock.hour < 12:
        return slots.clock.replace(hour=slots.clock.hour + 12)
    return slots.clock


def _next_month_day(ctx: Context, day: int, wall: time) -> datetime:
    """The next date that really has this day of the month (the 31st skips November)."""
    year, month = ctx.today.year, ctx.today.month
    for _ in range(14):
        if day <= calendar.monthrange(year, month)[1]:
            candidate = ctx.at(date(year, month, day), wall)
            if candidate > ctx.now:
                return candidate
        year, month = month_after(year, month)
    raise ContradictionError


# ------------------------------------------------------------------------------ durations, reading

DURATION = rf"(?P<n>{NUM}) ?{UNIT}|half an hour"


def duration_minutes(found: re.Match[str]) -> int:
    """Minutes of a DURATION match: "2 hours" → 120, "3 days" → 4320, "half an hour" → 30."""
    return 30 if found["n"] is None else minutes_of(found["n"], found["u"])


_ISO_T = re.compile(r"^([0-9]{4}-[0-9]{1,2}-[0-9]{1,2})t([0-9]{1,2}:[0-9]{2})$")
_READ_RULES = (*WHEN_RULES, rule("at|on|by|,|due", {}))
EXAMPLES = "'tomorrow 9am', 'next friday', 'in 2 hours' or 2026-12-01 09:00"


def read_when(text: str, now: datetime, timezone: str) -> datetime:
    """The UTC instant `text` names on the wall clock of `timezone` (see docs/dates.md).

    Accepts RFC 3339 with an offset as well as the phrases above. Raises ImpossibleDate for a date
    that does not exist or lies outside YEAR_MIN..YEAR_MAX, and ValueError for text it cannot read;
    both messages say what to type instead.
    """
    zone = load_zone(timezone)
    raw = " ".join(text.split())
    if not raw:
        raise ValueError(f"no date given; type one, e.g. {EXAMPLES}")
    try:
        return parse_input_time(raw)
    except TimeOutOfRange:
        raise ImpossibleDate(
            f"{raw!r} is outside the dates Doable keeps ({YEAR_MIN} to {YEAR_MAX})"
        ) from None
    except ValueError:
        pass  # not RFC 3339: read it as words
    words = _ISO_T.sub(r"\1 \2", raw.lower().rstrip("."))
    utc_now = now.astimezone(UTC)
    ctx = Context(now=utc_now, zone=zone, today=utc_now.astimezone(zone).date())
    slots = scan(words, _READ_RULES, ctx, Slots(), lenient=False)
    try:
        instant = None if slots is None else due_instant(slots, ctx)
    except ContradictionError:
        instant = None
    if instant is None:
        raise ValueError(f"cannot read {raw!r} as a date; use e.g. {EXAMPLES}")
    if not TIME_MIN <= instant < TIME_MAX:
        raise ImpossibleDate(f"{raw!r} is outside the dates Doable keeps ({YEAR_MIN} to {YEAR_MAX})")
    return instant
