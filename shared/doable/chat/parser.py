"""Turns one chat message into a task intent, deterministically and without a language model.

The chat assistant has to answer the same words the same way every time and be checked against a
fixed table of phrases; an optional LLM provider may produce the same Intent types, but this parser
is the behaviour users can rely on. Relative dates ("tomorrow", "friday 3pm", "next week") are read
on the user's wall clock and returned as aware UTC datetimes. Text it cannot read becomes Unknown,
never an exception.

How it reads a task: the title comes first and the modifiers (dates, times, recurrence, priority,
reminder) form the tail, so "add call mom tomorrow at 5pm" splits into "call mom" + "tomorrow at
5pm". The tail is the longest run of words at the end that reads entirely as modifiers; a word
that is not a modifier ends it, which keeps "add high school reunion" a title. #tags and !priority
marks are taken from anywhere.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TypeAlias
from zoneinfo import ZoneInfo

from doable.domain.model import REMINDER_MAX_MINUTES, TITLE_MAX
from doable.domain.recurrence import load_zone, localize

# ---------------------------------------------------------------------------------------- intents


@dataclass(frozen=True)
class TaskRef:
    """A task named by (part of) its title; None means the task the conversation last touched."""

    title: str | None = None


@dataclass(frozen=True)
class AddTask:
    title: str
    priority: str | None = None
    tags: tuple[str, ...] = ()
    due_at: datetime | None = None
    recurrence: str = "none"
    reminder_minutes_before: int | None = None
    description: str | None = None


@dataclass(frozen=True)
class ListTasks:
    """A list or a search. A due window never starts before now: overdue work has its own flag."""

    q: str | None = None
    status: str = "open"
    priorities: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    due_after: datetime | None = None
    due_before: datetime | None = None
    overdue: bool = False
    sort: str | None = None


@dataclass(frozen=True)
class CompleteTask:
    ref: TaskRef


@dataclass(frozen=True)
class ReopenTask:
    ref: TaskRef


@dataclass(frozen=True)
class DeleteTask:
    ref: TaskRef


@dataclass(frozen=True)
class RescheduleTask:
    ref: TaskRef
    due_at: datetime


@dataclass(frozen=True)
class Help:
    pass


@dataclass(frozen=True)
class Unknown:
    """The message as read, and when the parser knows what went wrong, a hint to show the user."""

    message: str
    hint: str | None = None


Intent: TypeAlias = (
    AddTask | ListTasks | CompleteTask | ReopenTask | DeleteTask | RescheduleTask | Help | Unknown
)

MAX_MESSAGE = 1000
HINT_EMPTY = "Tell me what to do, e.g. 'add buy milk tomorrow at 9am' or 'what's due this week?'."
HINT_TOO_LONG = f"That message is too long for me; keep it under {MAX_MESSAGE} characters."
HINT_NO_TITLE = "What should the task be called? e.g. 'add buy milk tomorrow'."
HINT_TITLE_TOO_LONG = f"A task title can be at most {TITLE_MAX} characters."
HINT_RECURRENCE = (
    "I can repeat a task daily, weekly (e.g. 'every monday') or monthly (e.g. 'every month on the 1st')."
)
HINT_REMINDER = (
    "A reminder needs a due date, e.g. 'add call mom tomorrow at 5pm remind me 10 minutes before'."
)
HINT_RESCHEDULE = "Tell me the new date, e.g. 'move it to friday 3pm' or 'postpone it to tomorrow'."
HINT_GENERAL = "Try 'add pay rent on the 1st', 'what's due this week?', 'complete pay rent' or 'help'."

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
# The modifier tail of a title is short; bounding it keeps the split search cheap on long input.
_MAX_TAIL_WORDS = 30
_MAX_DAYS_AHEAD = 3660
_PRIORITY_ORDER = ("high", "medium", "low")

# ---------------------------------------------------------------------------------------- context


@dataclass(frozen=True)
class _Context:
    now: datetime
    zone: ZoneInfo
    today: date

    def at(self, day: date, wall: time) -> datetime:
        return localize(datetime.combine(day, wall), self.zone)


@dataclass(frozen=True)
class _Slots:
    """What the words of a message said so far; each slot may be filled once."""

    day: date | None = None
    clock: time | None = None
    meridiem: bool | None = None
    part: str | None = None
    instant: datetime | None = None
    weekday: int | None = None
    month_day: int | None = None
    recurrence: str | None = None
    unsupported: bool | None = None
    priority: str | None = None
    reminder: int | None = None
    status: str | None = None
    everything: bool | None = None
    overdue: bool | None = None
    period: tuple[date, date] | None = None
    relation: str | None = None
    sort: str | None = None
    q: str | None = None
    noun_at: int | None = None
    asked: bool | None = None
    soonest: bool | None = None
    priorities: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    words: tuple[tuple[int, str], ...] = ()


Update: TypeAlias = dict[str, object]
Build: TypeAlias = Callable[[re.Match[str], _Context], Update | None]
DayOf: TypeAlias = Callable[[re.Match[str], _Context], date | None]

_ACCUMULATE = frozenset({"priorities", "tags", "words"})
_FLAGS = frozenset({"everything", "asked", "soonest"})


class _ContradictionError(Exception):
    """Words that each read as modifiers but make no sense together ("every day on monday")."""


@dataclass(frozen=True)
class _Rule:
    pattern: re.Pattern[str]
    build: Build


def _rule(pattern: str, build: Build | Update) -> _Rule:
    action = build if callable(build) else _const(build)
    # Every rule must end on a word boundary, so "mon" never matches the start of "money".
    return _Rule(re.compile(rf"(?:{pattern})(?=\s|$)"), action)


def _const(update: Update) -> Build:
    return lambda _match, _ctx: update


def _merge(slots: _Slots, update: Update) -> _Slots | None:
    changes: dict[str, Any] = {}
    for key, value in update.items():
        current = getattr(slots, key)
        if key in _ACCUMULATE:
            changes[key] = current + value
        elif key in _FLAGS:
            changes[key] = True
        elif key == "noun_at":
            changes[key] = value if current is None else min(current, value)
        elif current is not None and current != value:
            return None
        else:
            changes[key] = value
    return replace(slots, **changes)


def _scan(text: str, rules: Sequence[_Rule], ctx: _Context, slots: _Slots, *, lenient: bool) -> _Slots | None:
    """Reads `text` word by word with the longest matching rule; unread words fail unless lenient."""
    pos = 0
    while pos < len(text):
        step = _step(text, pos, rules, ctx, slots)
        if step is None:
            if not lenient:
                return None
            end = text.find(" ", pos)
            end = len(text) if end < 0 else end
            step = end, replace(slots, words=(*slots.words, (pos, text[pos:end])))
        pos, slots = step
        while pos < len(text) and text[pos] == " ":
            pos += 1
    return slots


def _step(
    text: str, pos: int, rules: Sequence[_Rule], ctx: _Context, slots: _Slots
) -> tuple[int, _Slots] | None:
    matches = [
        (found, rule) for rule in rules if (found := rule.pattern.match(text, pos)) and found.end() > pos
    ]
    matches.sort(key=lambda pair: pair[0].end(), reverse=True)
    for found, rule in matches:
        update = rule.build(found, ctx)
        merged = None if update is None else _merge(slots, update)
        if merged is not None:
            return found.end(), merged
    return None


# ---------------------------------------------------------------------------------- vocabulary

_NUMBER_WORDS = {
    **dict.fromkeys(("a", "an", "one"), 1),
    **dict(
        zip(
            ("two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"),
            range(2, 11),
            strict=True,
        )
    ),
    **{"eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30, "forty-five": 45, "sixty": 60},
}
_NUM = "[0-9]{1,6}|" + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True))
_UNIT_MINUTES = {
    **dict.fromkeys(("minute", "min", "m"), 1),
    **dict.fromkeys(("hour", "hr", "h"), 60),
    **dict.fromkeys(("day", "d"), 24 * 60),
    **dict.fromkeys(("week", "wk", "w"), 7 * 24 * 60),
}
_UNIT = r"(?P<u>minutes?|mins?|m|hours?|hrs?|h|days?|d|weeks?|wks?|w)"
_WEEKDAYS = {
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
_FULL_DAYS = "monday|tuesday|wednesday|thursday|friday|saturday|sunday"
_SHORT_DAYS = "mon|tues|tue|wed|thurs|thur|thu|fri|sat|sun"
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
_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))
_ORD = "(?:st|nd|rd|th)"
_YEAR = "(?:(?: ,)? (?P<y>[0-9]{4}))?"
_PRIORITY_WORDS = {
    "high": "high",
    "medium": "medium",
    "med": "medium",
    "normal": "medium",
    "low": "low",
    "urgent": "high",
    "1": "high",
    "2": "medium",
    "3": "low",
}


def _number(word: str) -> int:
    return int(word) if word.isdigit() else _NUMBER_WORDS[word]


def _minutes(count: str, unit: str) -> int:
    key = unit[:-1] if unit.endswith("s") and unit[:-1] in _UNIT_MINUTES else unit
    return _number(count) * _UNIT_MINUTES[key]


def _group(found: re.Match[str], *names: str) -> str:
    """The first of several alternative named groups that took part in the match."""
    groups = found.groupdict()
    return next(value for name in names if (value := groups.get(name)) is not None)


# ------------------------------------------------------------------------------------- dates


def _next_weekday(today: date, weekday: int) -> date:
    """The next such weekday strictly after today: on a Saturday, "saturday" is a week away."""
    return today + timedelta(days=(weekday - today.weekday() - 1) % 7 + 1)


def _month_after(year: int, month: int, count: int = 1) -> tuple[int, int]:
    index = year * 12 + month - 1 + count
    return index // 12, index % 12 + 1


def _last_day(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _safe_date(year: int, month: int, day: int) -> date | None:
    if not 2000 <= year <= 2200:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _upcoming(today: date, month: int, day: int) -> date | None:
    """The next such date on or after today; 29 February waits for a leap year."""
    for year in range(today.year, today.year + 9):
        candidate = _safe_date(year, month, day)
        if candidate is not None and candidate >= today:
            return candidate
    return None


def _iso_date(found: re.Match[str], _ctx: _Context) -> date | None:
    return _safe_date(int(found["y"]), int(found["mo"]), int(found["d"]))


def _named_date(found: re.Match[str], ctx: _Context) -> date | None:
    month, day = _MONTHS[found["mon"]], int(found["d"])
    if found["y"]:
        return _safe_date(int(found["y"]), month, day)
    return _upcoming(ctx.today, month, day)


def _weekend(today: date) -> date:
    """The coming Saturday, or yesterday's when it is Sunday (the weekend is still on)."""
    return (
        today - timedelta(days=1) if today.weekday() == 6 else today + timedelta(days=(5 - today.weekday()))
    )


def _monday(today: date) -> date:
    return today - timedelta(days=today.weekday())


def _first_of_next_month(today: date) -> date:
    year, month = _month_after(today.year, today.month)
    return date(year, month, 1)


def _days(count: int) -> DayOf:
    return lambda _found, ctx: ctx.today + timedelta(days=count)


# Single calendar days, read the same way in every kind of message.
_SINGLE_DAYS: tuple[tuple[str, DayOf], ...] = (
    ("today", _days(0)),
    ("tomorrow|tmrw|tmr|tomorow", _days(1)),
    ("(?:the )?day after tomorrow", _days(2)),
    (r"(?:on )?(?P<y>[0-9]{4})-(?P<mo>[0-9]{1,2})-(?P<d>[0-9]{1,2})", _iso_date),
    (
        rf"(?:on )?(?:the )?(?P<d>[0-9]{{1,2}}){_ORD}?(?: of)? (?P<mon>{_MONTH}){_YEAR}",
        _named_date,
    ),
    (
        rf"(?:on )?(?P<mon>{_MONTH}) (?:the )?(?P<d>[0-9]{{1,2}}){_ORD}?{_YEAR}",
        _named_date,
    ),
    (
        "(?:the )?end of (?:the |this )?month|month end",
        lambda _f, ctx: _last_day(ctx.today.year, ctx.today.month),
    ),
)
_WEEKDAY = (
    rf"(?:(?:on|this|next|coming|this coming) )?(?P<wd>{_FULL_DAYS})"
    rf"|(?:on|this|next|by|until|for|before|due) (?P<wd2>{_SHORT_DAYS})"
)


def _weekday_index(found: re.Match[str]) -> int:
    return _WEEKDAYS[_group(found, "wd", "wd2")]


# ------------------------------------------------------------------------- rules for a due time


def _clock(hour: int, minute: int, meridiem: str | None) -> Update | None:
    if meridiem:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if meridiem.startswith("p") else 0)
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        return None
    return {"clock": time(hour, minute), "meridiem": bool(meridiem)}


def _twelve_hour(found: re.Match[str], _ctx: _Context) -> Update | None:
    return _clock(int(found["h"]), int(found["mi"] or 0), found["ap"])


def _twenty_four_hour(found: re.Match[str], _ctx: _Context) -> Update | None:
    return _clock(int(_group(found, "h", "h2")), int(found.groupdict().get("mi") or 0), None)


def _relative(found: re.Match[str], ctx: _Context) -> Update | None:
    count, unit = _number(found["n"]), found["u"]
    if unit.startswith("month"):
        if count > _MAX_DAYS_AHEAD // 28:
            return None
        year, month = _month_after(ctx.today.year, ctx.today.month, count)
        return {"day": date(year, month, min(ctx.today.day, calendar.monthrange(year, month)[1]))}
    minutes = _minutes(str(count), unit)
    if minutes > _MAX_DAYS_AHEAD * 1440:
        return None
    if unit.startswith(("min", "h")):
        return {"instant": ctx.now + timedelta(minutes=minutes)}
    return {"day": ctx.today + timedelta(minutes=minutes)}


def _reminder(found: re.Match[str], _ctx: _Context) -> Update | None:
    minutes = _minutes(found["n"], found["u"])
    return {"reminder": minutes} if minutes <= REMINDER_MAX_MINUTES else None


def _day_rule(pattern: str, day_of: DayOf) -> _Rule:
    def build(found: re.Match[str], ctx: _Context) -> Update | None:
        day = day_of(found, ctx)
        return None if day is None else {"day": day}

    return _rule(pattern, build)


def _priority(found: re.Match[str], _ctx: _Context) -> Update:
    return {"priority": _PRIORITY_WORDS[_group(found, "p", "p2", "n")]}


_AT = r"(?:(?:at|around|by|@) ?)?"
_LEAD = r"(?:before|early|earlier|ahead(?: of time)?|in advance|prior|beforehand)"
_REMIND = r"(?:and |with )?(?:remind me|a reminder|reminder|alert me|notify me|ping me)"
_PRIORITY_NAMES = "high|medium|med|normal|low"

_TIME_RULES = (
    _rule(rf"{_AT}(?P<h>[0-9]{{1,2}})(?::(?P<mi>[0-9]{{2}}))? ?(?P<ap>am|pm|a\.m\.|p\.m\.)", _twelve_hour),
    _rule(rf"{_AT}(?P<h>[0-9]{{1,2}}):(?P<mi>[0-9]{{2}})", _twenty_four_hour),
    _rule(r"(?:at|around|@) ?(?P<h>[0-9]{1,2})(?: o'clock)?|(?P<h2>[0-9]{1,2}) o'clock", _twenty_four_hour),
    _rule("(?:at )?(?:noon|midday)", {"clock": time(12), "meridiem": True}),
    # Midnight as the end of the day named, so "today at midnight" is not already past.
    _rule("(?:at )?midnight", {"clock": time(23, 59), "meridiem": True}),
)
_PART_RULES = (
    _rule("tonight|tonite", lambda _f, ctx: {"day": ctx.today, "part": "tonight"}),
    _rule("this (?P<p>morning|afternoon|evening)", lambda f, ctx: {"day": ctx.today, "part": f["p"]}),
    _rule("(?:in the |at )?(?P<p>morning|afternoon|evening|night)", lambda f, _ctx: {"part": f["p"]}),
)
_WHEN_RULES = (
    *(_day_rule(pattern, day_of) for pattern, day_of in _SINGLE_DAYS),
    _rule(_WEEKDAY, lambda f, _ctx: {"weekday": _weekday_index(f)}),
    _rule("next week", lambda _f, ctx: {"day": _monday(ctx.today) + timedelta(days=7)}),
    _rule("next month", lambda _f, ctx: {"day": _first_of_next_month(ctx.today)}),
    _rule(
        "(?:this |the |on the |over the )?weekend",
        lambda _f, ctx: {"day": max(_weekend(ctx.today), ctx.today)},
    ),
    _rule(
        r"(?:on |by |from )?the (?P<d>[0-9]{1,2})" + _ORD + r"?(?: of (?:the|each|every) month)?"
        r"|on (?P<d2>[0-9]{1,2})" + _ORD,
        lambda f, _ctx: (
            {"month_day": int(_group(f, "d", "d2"))} if 1 <= int(_group(f, "d", "d2")) <= 31 else None
        ),
    ),
    _rule(rf"in (?P<n>{_NUM}) (?P<u>minutes?|mins?|hours?|hrs?|days?|weeks?|months?)", _relative),
    _rule("in half an hour", lambda _f, ctx: {"instant": ctx.now + timedelta(minutes=30)}),
    *_TIME_RULES,
    *_PART_RULES,
)
_RECURRENCE_RULES = (
    _rule("every ?day|each day|daily", {"recurrence": "daily"}),
    _rule(
        "every (?P<p>morning|afternoon|evening|night)",
        lambda f, _ctx: {"recurrence": "daily", "part": f["p"]},
    ),
    _rule("every week|each week|weekly", {"recurrence": "weekly"}),
    _rule("every month|each month|monthly", {"recurrence": "monthly"}),
    _rule(
        rf"(?:every|each) (?P<wd>{_FULL_DAYS}|{_SHORT_DAYS})"
        rf"|on (?P<wd2>{_FULL_DAYS})s|(?P<wd3>{_FULL_DAYS})s",
        lambda f, _ctx: {"recurrence": "weekly", "weekday": _WEEKDAYS[_group(f, "wd", "wd2", "wd3")]},
    ),
    # Rules Doable cannot store are recognised so the user hears why, instead of getting an odd title.
    _rule(
        r"every (?:other|second|third|2nd|3rd|[0-9]+|two|three|four|few|couple of) \S+"
        r"|(?:every|each) (?:weekday|working day|work day|business day|weekend|year|hour|minute|quarter"
        r"|fortnight)"
        r"|weekdays|weekends|biweekly|bi-weekly|fortnightly|yearly|annually|hourly|quarterly"
        rf"|(?:every|each|on) (?:{_FULL_DAYS})s?(?: (?:,|and|&) (?:{_FULL_DAYS})s?)+",
        {"unsupported": True},
    ),
)
_PRIORITY_RULES = (
    _rule(
        rf"(?:with |at )?(?:a )?(?P<p>{_PRIORITY_NAMES})(?:[ -]priority| prio| pri)?"
        rf"|priority (?:is |of )?(?P<p2>{_PRIORITY_NAMES})",
        _priority,
    ),
    _rule("urgent|urgently|important|asap|critical", {"priority": "high"}),
    _rule("p(?P<n>[123])", _priority),
)
_REMINDER_RULES = (
    _rule(rf"{_REMIND} (?P<n>{_NUM}) ?{_UNIT} {_LEAD}", _reminder),
    _rule(rf"{_REMIND} half an hour {_LEAD}", {"reminder": 30}),
    _rule(rf"(?:with )?(?:a )?(?P<n>{_NUM})[ -]?{_UNIT} reminder", _reminder),
    _rule(rf"{_REMIND}(?: (?:at the time|on time|when (?:it's|it is) due))?", {"reminder": 0}),
)
_FILLER = _rule(
    "and|then|also|,|with|due|by|on|for|at|from|starting|beginning|starting on|starting from"
    "|until|till|-|\u2013|\u2014|please",
    {},
)
_ADD_RULES = (*_WHEN_RULES, *_RECURRENCE_RULES, *_PRIORITY_RULES, *_REMINDER_RULES, _FILLER)
_RESCHEDULE_RULES = (*_WHEN_RULES, _FILLER)


def _due_at(slots: _Slots, ctx: _Context) -> datetime | None:
    """The due instant the slots describe; None when they name no time at all."""
    dates = [value for value in (slots.day, slots.weekday, slots.month_day) if value is not None]
    if len(dates) > 1:
        raise _ContradictionError
    if slots.instant is not None:
        if dates or slots.clock is not None or slots.part is not None:
            raise _ContradictionError
        return slots.instant
    _check_rule_fits(slots)
    wall = _wall_clock(slots)
    if not dates and wall is None and slots.recurrence is None:
        return None
    wall = wall or DEFAULT_TIME
    if slots.day is not None:
        return ctx.at(slots.day, wall)
    if slots.weekday is not None:
        return ctx.at(_next_weekday(ctx.today, slots.weekday), wall)
    if slots.month_day is not None:
        return _next_month_day(ctx, slots.month_day, wall)
    today = ctx.at(ctx.today, wall)
    return today if today > ctx.now else ctx.at(ctx.today + timedelta(days=1), wall)


def _check_rule_fits(slots: _Slots) -> None:
    rule = slots.recurrence
    if (
        (rule == "daily" and (slots.weekday is not None or slots.month_day is not None))
        or (rule == "weekly" and slots.month_day is not None)
        or (rule == "monthly" and slots.weekday is not None)
    ):
        raise _ContradictionError


def _wall_clock(slots: _Slots) -> time | None:
    if slots.clock is None:
        return None if slots.part is None else _PART_TIMES[slots.part]
    if slots.part in _PM_PARTS and not slots.meridiem and slots.clock.hour < 12:
        return slots.clock.replace(hour=slots.clock.hour + 12)
    return slots.clock


def _next_month_day(ctx: _Context, day: int, wall: time) -> datetime:
    """The next date that really has this day of the month (the 31st skips November)."""
    year, month = ctx.today.year, ctx.today.month
    for _ in range(14):
        if day <= calendar.monthrange(year, month)[1]:
            candidate = ctx.at(date(year, month, day), wall)
            if candidate > ctx.now:
                return candidate
        year, month = _month_after(year, month)
    raise _ContradictionError


# ------------------------------------------------------------------------------ rules for lists


def _period_rule(pattern: str, day_of: DayOf) -> _Rule:
    def build(found: re.Match[str], ctx: _Context) -> Update | None:
        day = day_of(found, ctx)
        return None if day is None else {"period": (day, day)}

    return _rule(pattern, build)


def _span(first: Callable[[date], date], days: int) -> Build:
    return lambda _f, ctx: {"period": (first(ctx.today), first(ctx.today) + timedelta(days=days))}


def _month_span(offset: int) -> Build:
    def build(_found: re.Match[str], ctx: _Context) -> Update:
        year, month = _month_after(ctx.today.year, ctx.today.month, offset)
        return {"period": (date(year, month, 1), _last_day(year, month))}

    return build


def _next_days(found: re.Match[str], ctx: _Context) -> Update | None:
    days = _number(found["n"]) * (7 if found["u"].startswith("week") else 1)
    return {"period": (ctx.today, ctx.today + timedelta(days=days))} if days <= _MAX_DAYS_AHEAD else None


def _tagged(found: re.Match[str], _ctx: _Context) -> Update:
    names = re.split(r" (?:and|or|,) ", found["t"])
    return {"tags": tuple(name.lstrip("#") for name in names)}


def _sort(found: re.Match[str], _ctx: _Context) -> Update:
    first = found["f"]
    if first:
        return {"sort": _SORT_FIRST[first]}
    key = _SORT_KEYS[found["k"]]
    if found["d"] in {"descending", "desc", "reversed", "reverse", "in reverse", "in reverse order"}:
        key = key[1:] if key.startswith("-") else f"-{key}"
    return {"sort": key}


def _priorities(found: re.Match[str], ctx: _Context) -> Update:
    return {"priorities": (_priority(found, ctx)["priority"],)}


_SORT_KEYS = {
    "priority": "priority",
    "importance": "priority",
    "due date": "due_at",
    "due time": "due_at",
    "due": "due_at",
    "deadline": "due_at",
    "date": "due_at",
    "creation date": "created_at",
    "date created": "created_at",
    "created": "created_at",
    "creation": "created_at",
}
_SORT_FIRST = {
    "newest": "-created_at",
    "latest": "-created_at",
    "most recent": "-created_at",
    "recent": "-created_at",
    "oldest": "created_at",
    "soonest": "due_at",
    "earliest": "due_at",
    "highest priority": "priority",
    "most important": "priority",
    "lowest priority": "-priority",
    "least important": "-priority",
    "latest due": "-due_at",
    "furthest": "-due_at",
}
_SORT = (
    rf"(?:(?:sorted|sort|ordered|order) )?by (?P<k>{'|'.join(sorted(_SORT_KEYS, key=len, reverse=True))})"
    r"(?: (?P<d>first|ascending|asc|descending|desc|reversed|reverse|in reverse(?: order)?))?"
    rf"|(?P<f>{'|'.join(sorted(_SORT_FIRST, key=len, reverse=True))}) first"
)
_SORT_TAIL = re.compile(rf"(?:^|\s)(?:, )?(?:{_SORT})$")
_TAG_NAME = r"#?\w[\w\-/:.]*"

_LIST_RULES = (
    _rule(_SORT, _sort),
    _rule(
        r"(?:about|containing|contains|contain|matching|mentioning|mentions|mention|called|named|titled"
        r"|regarding|with the words?|with the text|that mention|that say|that contain) (?P<q>.+)",
        lambda f, _ctx: {"q": f["q"]},
    ),
    _rule(
        rf"(?:tagged|labelled|labeled)(?: with| as)? (?P<t>{_TAG_NAME}(?: (?:and|or|,) {_TAG_NAME})*)"
        rf"|with (?:the )?(?:tags?|labels?) (?P<t2>{_TAG_NAME})",
        lambda f, ctx: _tagged(f, ctx) if f["t"] else {"tags": (f["t2"].lstrip("#"),)},
    ),
    *(_period_rule(pattern, day_of) for pattern, day_of in _SINGLE_DAYS),
    _period_rule(_WEEKDAY, lambda f, ctx: _next_weekday(ctx.today, _weekday_index(f))),
    _period_rule("tonight|tonite|this (?:morning|afternoon|evening)", _days(0)),
    _period_rule("yesterday", _days(-1)),
    _rule("this week|(?:the )?rest of (?:the |this )?week|this coming week|the week", _span(_monday, 6)),
    _rule("next week", _span(lambda today: _monday(today) + timedelta(days=7), 6)),
    _rule("(?:this |the |on the |over the )?weekend", _span(_weekend, 1)),
    _rule("this month|(?:the )?rest of (?:the |this )?month", _month_span(0)),
    _rule("next month", _month_span(1)),
    _rule(
        rf"(?:(?:in |within |over |during )?(?:the )?next|within) (?P<n>{_NUM}) (?P<u>days?|weeks?)",
        _next_days,
    ),
    _rule("(?:due )?(?P<r>by|before|until|till|after)", lambda f, _ctx: {"relation": f["r"], "asked": True}),
    _rule("overdue|late|past due|past-due|missed|behind", {"overdue": True}),
    _rule(
        "completed|complete|done|finished|finish|closed|ticked off|checked off|archived",
        {"status": "completed"},
    ),
    _rule(
        "open|pending|remaining|outstanding|incomplete|unfinished|undone|active|not done|not completed"
        "|still open|left|to do",
        {"status": "open"},
    ),
    _rule("all|everything", {"everything": True}),
    _rule(
        rf"(?P<p>{_PRIORITY_NAMES})(?:[ -]priority| prio| pri)?|priority (?P<p2>{_PRIORITY_NAMES})",
        _priorities,
    ),
    _rule("urgent|important|critical", {"priorities": ("high",)}),
    _rule("p(?P<n>[123])", _priorities),
    _rule(
        r"tasks?|todos?|to-dos?|items?|things|stuff|reminders|agenda|plate|schedule|list",
        lambda f, _ctx: {"noun_at": f.start(), "asked": True},
    ),
    _rule("due|scheduled|planned|have|got|need to do|should i do|do i need", {"asked": True}),
    _rule("newest|latest|most recent|recent|oldest", lambda f, _ctx: {"sort": _SORT_FIRST[f[0]]}),
    # "what's next", "upcoming tasks": the soonest first.
    _rule("next|upcoming|coming up|coming", {"asked": True, "soonest": True}),
    _rule(
        "me|my|the|a|an|i|i'm|i've|do|does|did|is|are|am|was|were|there|any|anything|what|what's|which|on"
        "|of|to|that|that's|it|its|it's|please|for|with|in|at|and|or|,|need|needs|should|must|can|could"
        "|you|your|show|list|give|let|see|get|yet|now|still|else|so far|up|some|how|many|much|-",
        {},
    ),
)

# ------------------------------------------------------------------------------------ helpers

_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2032": "'"})
_TAG_MARK = re.compile(r"(?<![\w#])#(\w[\w\-/:.]*)")
_BANG = re.compile(r"(?<!\S)!(high|medium|med|normal|low|urgent|[123])(?!\S)", re.IGNORECASE)
_TAG_WORD = re.compile(r"^\w[\w\-/:.]*$")


def _normalise(message: str) -> str:
    text = unicodedata.normalize("NFKC", message).translate(_QUOTES)
    text = "".join(" " if unicodedata.category(char) in {"Cc", "Cs", "Zl", "Zp"} else char for char in text)
    # A comma glued to a word would hide the word from the rules ("tomorrow, 5pm").
    text = " ".join(re.sub(r",(?=\s|$)", " ,", text).split())
    return text.rstrip("?.!").rstrip() or text


def _extract_marks(text: str) -> tuple[str, tuple[str, ...], str | None]:
    """Pulls out #tags and !priority, which mean the same wherever they appear."""
    tags: list[str] = []
    for found in _TAG_MARK.finditer(text):
        tag = found.group(1).rstrip(".:/-").lower()
        if tag not in tags:
            tags.append(tag)
    bangs = [_PRIORITY_WORDS[found.group(1).lower()] for found in _BANG.finditer(text)]
    text = _BANG.sub(" ", _TAG_MARK.sub(" ", text))
    return " ".join(text.split()), tuple(tags), bangs[0] if bangs else None


def _strip_quotes(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"`":
        return text[1:-1].strip()
    return text


def _rejoin(words: Sequence[str]) -> str:
    return " ".join(words).replace(" ,", ",")


# --------------------------------------------------------------------------------- add a task

_POLITE = r"(?:(?:please|pls|can you|could you|would you|hey|ok|okay)\b ,? ?)*"
_NOUNS = r"(?:task|todo|to-do|item|entry|reminder)"
_CALLED = r"(?: (?:called|named|titled)\b)?"
_ADD = re.compile(
    rf"{_POLITE}(?:(?:add|create|schedule|jot down|note down|put down)\b(?: (?:a|an)\b)?(?: new\b)?"
    rf"(?: {_NOUNS}\b)?{_CALLED}|new {_NOUNS}\b{_CALLED}|(?:new|task|todo|to-do)(?= ?:)"
    r"|i (?:need|have|must|should|gotta|got) to|i must|need to|don't forget to|do not forget to|remember to)"
    r" ?:? ?(?P<body>.*)",
    re.IGNORECASE,
)
_REMIND_ME = re.compile(rf"{_POLITE}remind me (?P<body>.+)", re.IGNORECASE)
_REMIND_LEAD = re.compile(r"(?:to|about|that i (?:need|have) to|that|of) (?P<rest>.+)", re.IGNORECASE)
_DESCRIPTION = re.compile(
    r" ?(?:;|\||--|\u2014)? ?\b(?:notes?|description|details|desc) ?: ?(?P<d>.*)$", re.IGNORECASE
)
_TO_MY_LIST = re.compile(
    r" (?:to|on|in) (?:my|the) (?:task |to-?do )?(?:list|tasks|todos?|to-dos?)\b", re.IGNORECASE
)
_TITLE_LEAD = re.compile(r"^(?:to|that i (?:need|have) to) ", re.IGNORECASE)


@dataclass(frozen=True)
class _Split:
    title: str
    slots: _Slots
    due_at: datetime | None


def _read_add(text: str, ctx: _Context) -> Intent | None:
    remind = _REMIND_ME.fullmatch(text)
    if remind:
        return _read_remind_me(text, remind["body"], ctx)
    found = _ADD.fullmatch(text)
    if found is None:
        return None
    return _add_task(text, found["body"], ctx, _Slots(), reminder_default=None)


def _read_remind_me(text: str, body: str, ctx: _Context) -> Intent:
    """A task with a reminder: "remind me to X tomorrow" or "remind me tomorrow at 5pm to X"."""
    lead = _REMIND_LEAD.fullmatch(body)
    if lead:
        return _add_task(text, lead["rest"], ctx, _Slots(), reminder_default=0)
    words = body.split(" ")
    lowered = [word.lower() for word in words]
    for index, word in enumerate(lowered):
        if word == "to" and 0 < index < len(words) - 1:
            slots = _scan(" ".join(lowered[:index]), _ADD_RULES, ctx, _Slots(), lenient=False)
            if slots is not None and slots != _Slots():
                return _add_task(text, " ".join(words[index + 1 :]), ctx, slots, reminder_default=0)
    return _add_task(text, body, ctx, _Slots(), reminder_default=0)


def _add_task(text: str, body: str, ctx: _Context, seed: _Slots, *, reminder_default: int | None) -> Intent:
    body, description = _split_description(body)
    body, tags, bang = _extract_marks(_TO_MY_LIST.sub(" ", body))
    if bang is not None:
        seed = _merge(seed, {"priority": bang}) or seed
    split = _split_title(body.split(" ") if body else [], ctx, seed)
    if split.slots.unsupported:
        return Unknown(text, HINT_RECURRENCE)
    if not split.title:
        return Unknown(text, HINT_NO_TITLE)
    if len(split.title) > TITLE_MAX:
        return Unknown(text, HINT_TITLE_TOO_LONG)
    reminder = split.slots.reminder
    if reminder is None and split.due_at is not None:
        reminder = reminder_default
    if reminder is not None and split.due_at is None:
        return Unknown(text, HINT_REMINDER)
    return AddTask(
        title=split.title,
        priority=split.slots.priority,
        tags=tags,
        due_at=split.due_at,
        recurrence=split.slots.recurrence or "none",
        reminder_minutes_before=reminder,
        description=description,
    )


def _split_description(body: str) -> tuple[str, str | None]:
    found = _DESCRIPTION.search(body)
    if found is None:
        return body, None
    return body[: found.start()].strip(), found["d"].strip() or None


def _split_title(words: list[str], ctx: _Context, seed: _Slots) -> _Split:
    """Title first, modifiers last: finds the longest tail of words that reads wholly as modifiers."""
    lowered = [word.lower() for word in words]
    for start in range(max(0, len(words) - _MAX_TAIL_WORDS), len(words)):
        slots = _scan(" ".join(lowered[start:]), _ADD_RULES, ctx, seed, lenient=False)
        if slots is None or slots == seed:
            continue
        try:
            due_at = _due_at(slots, ctx)
        except _ContradictionError:
            continue
        return _Split(_clean_title(words[:start]), slots, due_at)
    try:
        due_at = _due_at(seed, ctx)
    except _ContradictionError:
        due_at = None
    return _Split(_clean_title(words), seed, due_at)


def _clean_title(words: Sequence[str]) -> str:
    title = _rejoin(words).strip(" ,;:-\u2013\u2014")
    return _strip_quotes(_TITLE_LEAD.sub("", title)).strip(" ,;:")


# ------------------------------------------------------------------- complete, reopen, delete


# Ways of naming "the task we were just talking about".
_PRONOUNS = (
    "it|that|this|that one|this one|the last one|last one|the last|the last task|last task|that task"
    "|this task|the task|the one|task|one|todo|them|these|those"
)
_REF_PRONOUNS = frozenset(_PRONOUNS.split("|"))
_REF_TRAILER = re.compile(r" (?:please|for me|now|too|as well|then|back|off)$", re.IGNORECASE)
_REF_ARTICLE = re.compile(r"^(?:the|my) ", re.IGNORECASE)
_REF_NAMED = re.compile(
    r"^(?:task|todo|to-do|item|one) (?:called|named|titled|about|for) |^(?:task|todo) ?: ?", re.IGNORECASE
)
_REF_NOUN = re.compile(r" (?:task|todo|to-do|item)$", re.IGNORECASE)

_REOPEN = tuple(
    re.compile(pattern, re.IGNORECASE)
    for pattern in (
        rf"{_POLITE}(?:reopen|re-open|uncomplete|unfinish|undo completing|undo complete|unmark)"
        r" (?P<ref>.+)",
        rf"{_POLITE}mark (?P<ref>.+?) (?:as )?(?:not done|not complete|not completed|not finished|undone"
        r"|incomplete|unfinished|open|to do|todo|pending)",
        r"(?P<ref>.+?)(?: is|'s) not (?:done|finished|complete|completed)(?: yet)?",
        r"(?P<ref>.+?) isn't (?:done|finished|complete|completed)(?: yet)?",
    )
)
_COMPLETE = tuple(
    re.compile(pattern, re.IGNORECASE)
    for pattern in (
        rf"{_POLITE}(?:complete|finish|close|check off|tick off|cross off|mark off) (?P<ref>.+)",
        rf"{_POLITE}mark (?P<ref>.+?) (?:as )?(?:done|complete|completed|finished)",
        rf"{_POLITE}(?:check|tick|cross) (?P<ref>.+?) off",
        r"(?:i'm |i am |i've |i have |i'm all |we're |we are )?(?:done|finished|through) with (?P<ref>.+)",
        r"(?:i|we)(?:'ve| have)? (?:just |already )?(?:finished|completed|did|done) (?P<ref>.+)",
        r"(?P<ref>.+?)(?: is|'s| are) (?:now |all )?(?:done|finished|complete|completed)",
        r"(?:done|finished|completed) ?: ?(?P<ref>.+)",
        r"(?:done|finished|completed|complete|all done|i'm done|i am done|i'm finished|i am finished|did it)",
    )
)
_DELETE = re.compile(
    rf"{_POLITE}(?:delete|remove|drop|trash|erase|discard|scrap|cancel|get rid of|forget about|forget|bin)"
    r" (?P<ref>.+)",
    re.IGNORECASE,
)
_RESCHEDULE = re.compile(
    rf"{_POLITE}(?:move|reschedule|re-schedule|postpone|push back|push|defer|delay|shift|bump|change"
    r"|set(?! up)|put off)"
    r" (?P<rest>.+)",
    re.IGNORECASE,
)
_RESCHEDULE_CONNECTORS = frozenset({"to", "until", "till", "for", "into"})


def _ref(raw: str | None) -> TaskRef:
    text = _strip_quotes(_REF_TRAILER.sub("", (raw or "").replace(" ,", ",").strip(" ,.;:")))
    if text.lower() in _REF_PRONOUNS:
        return TaskRef(None)
    text = _REF_NOUN.sub("", _REF_NAMED.sub("", _REF_ARTICLE.sub("", text)))
    text = _strip_quotes(text.strip(" ,.;:"))
    return TaskRef(None if not text or text.lower() in _REF_PRONOUNS else text)


def _first_ref(patterns: Sequence[re.Pattern[str]], text: str) -> TaskRef | None:
    for pattern in patterns:
        found = pattern.fullmatch(text)
        if found:
            return _ref(found.groupdict().get("ref"))
    return None


def _read_reopen(text: str, _ctx: _Context) -> Intent | None:
    ref = _first_ref(_REOPEN, text)
    return None if ref is None else ReopenTask(ref)


def _read_complete(text: str, _ctx: _Context) -> Intent | None:
    ref = _first_ref(_COMPLETE, text)
    return None if ref is None else CompleteTask(ref)


def _read_delete(text: str, _ctx: _Context) -> Intent | None:
    found = _DELETE.fullmatch(text)
    return None if found is None else DeleteTask(_ref(found["ref"]))


def _read_reschedule(text: str, ctx: _Context) -> Intent | None:
    found = _RESCHEDULE.fullmatch(text)
    if found is None:
        return None
    words = found["rest"].split(" ")
    lowered = [word.lower() for word in words]
    # "move talk to bob to friday": try each "to" as the start of the new date, leftmost first.
    starts = [(index, index + 1) for index, word in enumerate(lowered) if word in _RESCHEDULE_CONNECTORS]
    starts += [(index, index) for index in range(1, len(words))]
    for ref_end, date_start in starts:
        due_at = _new_due(" ".join(lowered[date_start:]), ctx)
        if due_at is not None:
            return RescheduleTask(_ref(_rejoin(words[:ref_end])), due_at)
    return Unknown(text, HINT_RESCHEDULE)


def _new_due(text: str, ctx: _Context) -> datetime | None:
    if not text:
        return None
    slots = _scan(text, _RESCHEDULE_RULES, ctx, _Slots(), lenient=False)
    if slots is None:
        return None
    try:
        return _due_at(slots, ctx)
    except _ContradictionError:
        return None


# ------------------------------------------------------------------------------- list, search

_LIST_VERB = re.compile(
    rf"{_POLITE}(?:(?P<search>search(?: for)?|find(?: me)?|look(?:ing)? for|look up|lookup)"
    r"|(?P<show>show(?: me)?|list|display|view|give me|let me see|pull up|tell me)"
    r"|(?P<ask>what(?:'s| is| are|s| do| does)?|which|anything|any|do i have|have i got|how many|is there"
    r"|are there))(?=\s|$)"
)


def _read_list(text: str, ctx: _Context) -> Intent | None:
    lowered = text.lower()
    verb = _LIST_VERB.match(lowered)
    if verb is None:
        return None
    mode = next(name for name in ("search", "show", "ask") if verb.group(name))
    return _list_tasks(lowered[verb.end() :].strip(), ctx, mode)


def _read_bare_list(text: str, ctx: _Context) -> Intent | None:
    """Lists asked for without a verb: "overdue tasks", "completed", "due this week"."""
    return _list_tasks(text.lower(), ctx, "bare")


def _list_tasks(rest: str, ctx: _Context, mode: str) -> ListTasks | None:
    rest, tags, bang = _extract_marks(rest)
    seed = _Slots(tags=tags, priorities=(bang,) if bang else ())
    rest, tail_sort = _split_sort_tail(rest, ctx)
    slots = _scan(rest, _LIST_RULES, ctx, seed, lenient=True)
    assert slots is not None  # a lenient scan always finishes
    slots = replace(slots, sort=tail_sort or slots.sort)
    words = [(pos, word) for pos, word in slots.words if any(char.isalnum() for char in word)]
    if mode == "search" and words and slots.noun_at is None and slots.q is None:
        # "search high school": with no "tasks" to anchor filters, the words are the query itself.
        slots = replace(seed, q=rest, sort=slots.sort)
        words = []
    if mode == "bare" and (words or not _has_signal(slots)):
        return None
    if mode == "ask" and not _has_signal(slots):
        return None
    tag_words, query_words = _sort_words(words, slots.noun_at, anchored=mode != "search")
    joined = " ".join([*query_words, slots.q or ""]).strip()
    query = re.sub(r"^(?:the|a|an|my) ", "", _strip_quotes(joined)) or None
    due_after, due_before = _window(slots, ctx)
    return ListTasks(
        q=query,
        status=slots.status or ("open" if slots.overdue else "all" if slots.everything or query else "open"),
        priorities=tuple(name for name in _PRIORITY_ORDER if name in slots.priorities),
        tags=tuple(dict.fromkeys(tag.lower() for tag in (*slots.tags, *tag_words))),
        due_after=due_after,
        due_before=due_before,
        overdue=bool(slots.overdue),
        sort=slots.sort or ("due_at" if slots.soonest else None),
    )


def _split_sort_tail(rest: str, ctx: _Context) -> tuple[str, str | None]:
    found = _SORT_TAIL.search(rest)
    if found is None:
        return rest, None
    return rest[: found.start()].strip(), str(_sort(found, ctx)["sort"])


def _has_signal(slots: _Slots) -> bool:
    return bool(
        slots.status
        or slots.everything
        or slots.overdue
        or slots.period
        or slots.priorities
        or slots.tags
        or slots.sort
        or slots.q
        or slots.asked
    )


def _sort_words(
    words: Sequence[tuple[int, str]], noun_at: int | None, *, anchored: bool
) -> tuple[list[str], list[str]]:
    """Unknown words before "tasks" name tags ("work tasks"); any others are search words."""
    tags: list[str] = []
    query: list[str] = []
    for pos, word in words:
        is_tag = anchored and noun_at is not None and pos < noun_at and _TAG_WORD.match(word)
        (tags if is_tag else query).append(word)
    return tags, query


def _window(slots: _Slots, ctx: _Context) -> tuple[datetime | None, datetime | None]:
    if slots.period is None:
        return None, None
    first, last = slots.period
    start, end = ctx.at(first, time(0)), ctx.at(last, time(23, 59, 59))
    if slots.relation in {"by", "until", "till"}:
        return None, end
    if slots.relation == "before":
        return None, start
    if slots.relation == "after":
        return end, None
    return (start if end <= ctx.now else max(start, ctx.now)), end


# -------------------------------------------------------------------------------------- help

_HELP = re.compile(
    r"(?:help|h|commands|menu|usage|\?|what can you do|what can i (?:say|ask|do)|how does (?:this|it) work"
    r"|how do i use (?:this|you|it)|hi|hello|hey|hey there|hello there|good (?:morning|afternoon|evening))"
    r"(?: me| please)?",
    re.IGNORECASE,
)


def _read_help(text: str, _ctx: _Context) -> Intent | None:
    return Help() if _HELP.fullmatch(text) else None


# ------------------------------------------------------------------------------------- parse

_READERS: tuple[Callable[[str, _Context], Intent | None], ...] = (
    _read_help,
    _read_list,
    _read_reopen,
    _read_complete,
    _read_delete,
    _read_reschedule,
    _read_add,
    _read_bare_list,
)


def parse(message: str, now: datetime, timezone: str) -> Intent:
    """Reads one chat message. `now` is aware; dates are read in `timezone` and returned in UTC.

    Raises ValueError only for a bad `now` or `timezone` (the caller's data, not the user's text).
    """
    zone = load_zone(timezone)
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    if len(message) > 4 * MAX_MESSAGE:
        return Unknown(message[:MAX_MESSAGE], HINT_TOO_LONG)
    text = _normalise(message)
    if not text:
        return Unknown("", HINT_EMPTY)
    if len(text) > MAX_MESSAGE:
        return Unknown(text[:MAX_MESSAGE], HINT_TOO_LONG)
    utc_now = now.astimezone(UTC)
    ctx = _Context(now=utc_now, zone=zone, today=utc_now.astimezone(zone).date())
    for reader in _READERS:
        intent = reader(text, ctx)
        if intent is not None:
            return intent
    return Unknown(text, HINT_GENERAL)
