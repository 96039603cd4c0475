"""The chat grammar beyond dates: recurrence, priority, reminders, list filters and the #tag/!priority marks.

Tables of rules for the phrase engine (doable.domain.phrases); dates and times come from the one
date vocabulary (doable.domain.dates), so the assistant reads them exactly as the terminal client does.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from datetime import date, timedelta

from doable.domain.dates import (
    FULL_DAYS,
    MAX_DAYS_AHEAD,
    SHORT_DAYS,
    SINGLE_DAYS,
    WEEKDAY,
    WEEKDAYS,
    WHEN_RULES,
    in_days,
    last_day,
    monday,
    month_after,
    weekday_date,
    weekend,
)
from doable.domain.model import REMINDER_MAX_MINUTES
from doable.domain.phrases import (
    NUM,
    UNIT,
    Build,
    Context,
    DayOf,
    Rule,
    Update,
    group,
    minutes_of,
    number_of,
    rule,
)

# Every word that names a priority, wherever a priority is read ("!high", "p1", "make it urgent").
PRIORITY_WORDS = {
    **dict.fromkeys(("high", "urgent", "important", "top", "critical", "p1", "1"), "high"),
    **dict.fromkeys(("medium", "med", "normal", "p2", "2"), "medium"),
    **dict.fromkeys(("low", "p3", "3"), "low"),
}


PRIORITY_ORDER = ("high", "medium", "low")


def _reminder(found: re.Match[str], _ctx: Context) -> Update | None:
    minutes = minutes_of(found["n"], found["u"])
    return {"reminder": minutes} if minutes <= REMINDER_MAX_MINUTES else None


def _priority(found: re.Match[str], _ctx: Context) -> Update:
    return {"priority": PRIORITY_WORDS[group(found, "p", "p2", "n")]}


_LEAD = r"(?:before|early|earlier|ahead(?: of time)?|in advance|prior|beforehand)"
_REMIND = r"(?:and |with )?(?:remind(?: me)?|a reminder|reminder|alert me|notify me|ping me)"
_PRIORITY_NAMES = "high|medium|med|normal|low"
_RECURRENCE_RULES = (
    rule("every ?day|each day|daily", {"recurrence": "daily"}),
    rule(
        "every (?P<p>morning|afternoon|evening|night)",
        lambda f, _ctx: {"recurrence": "daily", "part": f["p"]},
    ),
    rule("every week|each week|weekly", {"recurrence": "weekly"}),
    rule("every month|each month|monthly", {"recurrence": "monthly"}),
    rule(
        rf"(?:every|each) (?P<wd>{FULL_DAYS}|{SHORT_DAYS})"
        rf"|on (?P<wd2>{FULL_DAYS})s|(?P<wd3>{FULL_DAYS})s",
        lambda f, _ctx: {"recurrence": "weekly", "weekday": WEEKDAYS[group(f, "wd", "wd2", "wd3")]},
    ),
    # Rules Doable cannot store are recognised so the user hears why, instead of getting an odd title.
    rule(
        r"every (?:other|second|third|2nd|3rd|[0-9]+|two|three|four|few|couple of) \S+"
        r"|(?:every|each) (?:weekday|working day|work day|business day|weekend|year|hour|minute|quarter"
        r"|fortnight)"
        r"|weekdays|weekends|biweekly|bi-weekly|fortnightly|yearly|annually|hourly|quarterly"
        rf"|(?:every|each|on) (?:{FULL_DAYS})s?(?: (?:,|and|&) (?:{FULL_DAYS})s?)+",
        {"unsupported": True},
    ),
)
_PRIORITY_RULES = (
    rule(
        rf"(?:with |at )?(?:a )?(?P<p>{_PRIORITY_NAMES})(?:[ -]priority| prio| pri)?"
        rf"|priority (?:is |of )?(?P<p2>{_PRIORITY_NAMES})",
        _priority,
    ),
    rule("urgent|urgently|important|asap|critical", {"priority": "high"}),
    rule("p(?P<n>[123])", _priority),
)
_REMINDER_RULES = (
    rule(rf"{_REMIND} (?P<n>{NUM}) ?{UNIT} {_LEAD}", _reminder),
    rule(rf"{_REMIND} half an hour {_LEAD}", {"reminder": 30}),
    rule(rf"(?:with )?(?:a )?(?P<n>{NUM})[ -]?{UNIT} reminder", _reminder),
    rule(rf"{_REMIND}(?: (?:at the time|on time|when (?:it's|it is) due))?", {"reminder": 0}),
)
_FILLER = rule(
    "and|then|also|,|with|due|by|on|for|at|from|starting|beginning|starting on|starting from"
    "|until|till|-|\u2013|\u2014|please",
    {},
)
ADD_RULES = (*WHEN_RULES, *_RECURRENCE_RULES, *_PRIORITY_RULES, *_REMINDER_RULES, _FILLER)
RESCHEDULE_RULES = (*WHEN_RULES, _FILLER)

# ------------------------------------------------------------------------------ rules for lists


def _period_rule(pattern: str, day_of: DayOf) -> Rule:
    def build(found: re.Match[str], ctx: Context) -> Update | None:
        day = day_of(found, ctx)
        return None if day is None else {"period": (day, day)}

    return rule(pattern, build)


def _span(first: Callable[[date], date], days: int) -> Build:
    return lambda _f, ctx: {"period": (first(ctx.today), first(ctx.today) + timedelta(days=days))}


def _month_span(offset: int) -> Build:
    def build(_found: re.Match[str], ctx: Context) -> Update:
        year, month = month_after(ctx.today.year, ctx.today.month, offset)
        return {"period": (date(year, month, 1), last_day(year, month))}

    return build


def _next_days(found: re.Match[str], ctx: Context) -> Update | None:
    days = number_of(found["n"]) * (7 if found["u"].startswith("week") else 1)
    return {"period": (ctx.today, ctx.today + timedelta(days=days))} if days <= MAX_DAYS_AHEAD else None


def _tagged(found: re.Match[str], _ctx: Context) -> Update:
    names = re.split(r" (?:and|or|,) ", found["t"])
    return {"tags": tuple(name.lstrip("#") for name in names)}


def read_sort(found: re.Match[str], _ctx: Context) -> Update:
    first = found["f"]
    if first:
        return {"sort": _SORT_FIRST[first]}
    key = _SORT_KEYS[found["k"]]
    if found["d"] in {"descending", "desc", "reversed", "reverse", "in reverse", "in reverse order"}:
        key = key[1:] if key.startswith("-") else f"-{key}"
    return {"sort": key}


def _priorities(found: re.Match[str], ctx: Context) -> Update:
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
SORT_TAIL = re.compile(rf"(?:^|\s)(?:, )?(?:{_SORT})$")
_TAG_NAME = r"#?\w[\w\-/:.]*"

LIST_RULES = (
    rule(_SORT, read_sort),
    rule(
        r"(?:about|containing|contains|contain|matching|mentioning|mentions|mention|called|named|titled"
        r"|regarding|with the words?|with the text|that mention|that say|that contain) (?P<q>.+)",
        lambda f, _ctx: {"q": f["q"]},
    ),
    rule(
        rf"(?:tagged|labelled|labeled)(?: with| as)? (?P<t>{_TAG_NAME}(?: (?:and|or|,) {_TAG_NAME})*)"
        rf"|with (?:the )?(?:tags?|labels?) (?P<t2>{_TAG_NAME})",
        lambda f, ctx: _tagged(f, ctx) if f["t"] else {"tags": (f["t2"].lstrip("#"),)},
    ),
    *(_period_rule(pattern, day_of) for pattern, day_of in SINGLE_DAYS),
    _period_rule(WEEKDAY, lambda f, ctx: weekday_date(f, ctx.today)),
    _period_rule("tonight|tonite|this (?:morning|afternoon|evening)", in_days(0)),
    _period_rule("yesterday", in_days(-1)),
    rule("this week|(?:the )?rest of (?:the |this )?week|this coming week|the week", _span(monday, 6)),
    rule("next week", _span(lambda today: monday(today) + timedelta(days=7), 6)),
    rule("(?:this |the |on the |over the )?weekend", _span(weekend, 1)),
    rule("this month|(?:the )?rest of (?:the |this )?month", _month_span(0)),
    rule("next month", _month_span(1)),
    rule(
        rf"(?:(?:in |within |over |during )?(?:the )?next|within) (?P<n>{NUM}) (?P<u>days?|weeks?)",
        _next_days,
    ),
    rule("(?:due )?(?P<r>by|before|until|till|after)", lambda f, _ctx: {"relation": f["r"], "asked": True}),
    rule("overdue|late|past due|past-due|missed|behind", {"overdue": True}),
    rule(
        "completed|complete|done|finished|finish|closed|ticked off|checked off|archived",
        {"status": "completed"},
    ),
    rule(
        "open|pending|remaining|outstanding|incomplete|unfinished|undone|active|not done|not completed"
        "|still open|left|to do",
        {"status": "open"},
    ),
    rule("all|everything", {"everything": True}),
    rule(
        rf"(?P<p>{_PRIORITY_NAMES})(?:[ -]priority| prio| pri)?|priority (?P<p2>{_PRIORITY_NAMES})",
        _priorities,
    ),
    rule("urgent|important|critical", {"priorities": ("high",)}),
    rule("p(?P<n>[123])", _priorities),
    rule(
        r"tasks?|todos?|to-dos?|items?|things|stuff|reminders|agenda|plate|schedule|list",
        lambda f, _ctx: {"noun_at": f.start(), "asked": True},
    ),
    rule("due|scheduled|planned|have|got|need to do|should i do|do i need", {"asked": True}),
    rule("newest|latest|most recent|recent|oldest", lambda f, _ctx: {"sort": _SORT_FIRST[f[0]]}),
    # "what's next", "upcoming tasks": the soonest first.
    rule("next|upcoming|coming up|coming", {"asked": True, "soonest": True}),
    rule(
        "me|my|the|a|an|i|i'm|i've|do|does|did|is|are|am|was|were|there|any|anything|what|what's|which|on"
        "|of|to|that|that's|it|its|it's|please|for|with|in|at|and|or|,|need|needs|should|must|can|could"
        "|you|your|show|list|give|let|see|get|yet|now|still|else|so far|up|some|how|many|much|-",
        {},
    ),
)

# ------------------------------------------------------------------------------------ helpers

# Courtesies before a request, which change nothing: "please", "can you", "ok,".
POLITE = r"(?:(?:please|pls|can you|could you|would you|hey|ok|okay)\b ,? ?)*"

_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2032": "'"})
_TAG_MARK = re.compile(r"(?<![\w#])#(\w[\w\-/:.]*)")
_BANG = re.compile(r"(?<!\S)!(high|medium|med|normal|low|urgent|[123])(?!\S)", re.IGNORECASE)
TAG_WORD = re.compile(r"^\w[\w\-/:.]*$")


def normalise(message: str) -> str:
    text = unicodedata.normalize("NFKC", message).translate(_QUOTES)
    text = "".join(" " if unicodedata.category(char) in {"Cc", "Cs", "Zl", "Zp"} else char for char in text)
    # A comma glued to a word would hide the word from the rules ("tomorrow, 5pm").
    text = " ".join(re.sub(r",(?=\s|$)", " ,", text).split())
    return text.rstrip("?.!").rstrip() or text


def extract_marks(text: str) -> tuple[str, tuple[str, ...], str | None]:
    """Pulls out #tags and !priority, which mean the same wherever they appear."""
    tags: list[str] = []
    for found in _TAG_MARK.finditer(text):
        tag = found.group(1).rstrip(".:/-").lower()
        if tag not in tags:
            tags.append(tag)
    bangs = [PRIORITY_WORDS[found.group(1).lower()] for found in _BANG.finditer(text)]
    text = _BANG.sub(" ", _TAG_MARK.sub(" ", text))
    return " ".join(text.split()), tuple(tags), bangs[0] if bangs else None


def strip_quotes(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"`":
        return text[1:-1].strip()
    return text


def rejoin(words: Sequence[str]) -> str:
    return " ".join(words).replace(" ,", ",")
