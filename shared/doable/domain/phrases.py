"""The rule engine that reads short phrases word by word, for the date vocabulary and the chat grammar.

A phrase is read left to right; at each word the longest matching rule wins, and what it says is
merged into Slots (each slot may be filled once, so "today tomorrow" does not read). Rules are plain
regular expressions with a builder, which keeps each vocabulary a readable table.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time
from typing import Any, TypeAlias
from zoneinfo import ZoneInfo

from doable.domain.recurrence import localize

# ---------------------------------------------------------------------------------------- context


@dataclass(frozen=True)
class Context:
    now: datetime
    zone: ZoneInfo
    today: date

    def at(self, day: date, wall: time) -> datetime:
        return localize(datetime.combine(day, wall), self.zone)


@dataclass(frozen=True)
class Slots:
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
Build: TypeAlias = Callable[[re.Match[str], Context], Update | None]
DayOf: TypeAlias = Callable[[re.Match[str], Context], date | None]

_ACCUMULATE = frozenset({"priorities", "tags", "words"})
_FLAGS = frozenset({"everything", "asked", "soonest"})


class ContradictionError(Exception):
    """Words that each read as modifiers but make no sense together ("every day on monday")."""


@dataclass(frozen=True)
class Rule:
    pattern: re.Pattern[str]
    build: Build


def rule(pattern: str, build: Build | Update) -> Rule:
    action = build if callable(build) else _const(build)
    # Every rule must end on a word boundary, so "mon" never matches the start of "money".
    return Rule(re.compile(rf"(?:{pattern})(?=\s|$)"), action)


def _const(update: Update) -> Build:
    return lambda _match, _ctx: update


def merge(slots: Slots, update: Update) -> Slots | None:
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


def scan(text: str, rules: Sequence[Rule], ctx: Context, slots: Slots, *, lenient: bool) -> Slots | None:
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


def _step(text: str, pos: int, rules: Sequence[Rule], ctx: Context, slots: Slots) -> tuple[int, Slots] | None:
    matches = [
        (found, rule) for rule in rules if (found := rule.pattern.match(text, pos)) and found.end() > pos
    ]
    matches.sort(key=lambda pair: pair[0].end(), reverse=True)
    for found, rule in matches:
        update = rule.build(found, ctx)
        merged = None if update is None else merge(slots, update)
        if merged is not None:
            return found.end(), merged
    return None


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
NUM = "[0-9]{1,6}|" + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True))
_UNIT_MINUTES = {
    **dict.fromkeys(("minute", "min", "m"), 1),
    **dict.fromkeys(("hour", "hr", "h"), 60),
    **dict.fromkeys(("day", "d"), 24 * 60),
    **dict.fromkeys(("week", "wk", "w"), 7 * 24 * 60),
}
UNIT = r"(?P<u>minutes?|mins?|m|hours?|hrs?|h|days?|d|weeks?|wks?|w)"


def number_of(word: str) -> int:
    return int(word) if word.isdigit() else _NUMBER_WORDS[word]


def minutes_of(count: str, unit: str) -> int:
    key = unit[:-1] if unit.endswith("s") and unit[:-1] in _UNIT_MINUTES else unit
    return number_of(count) * _UNIT_MINUTES[key]


def group(found: re.Match[str], *names: str) -> str:
    """The first of several alternative named groups that took part in the match."""
    groups = found.groupdict()
    return next(value for name in names if (value := groups.get(name)) is not None)
