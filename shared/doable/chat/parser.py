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

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from doable.chat.actions import (
    read_bulk,
    read_complete,
    read_delete,
    read_priority,
    read_rename,
    read_reopen,
    read_reschedule,
    read_snooze,
    read_tags,
)
from doable.chat.grammar import ADD_RULES, POLITE, extract_marks, normalise, rejoin, strip_quotes
from doable.chat.intents import (
    HINT_EMPTY,
    HINT_GENERAL,
    HINT_NO_TITLE,
    HINT_RECURRENCE,
    HINT_REMINDER,
    HINT_TITLE_TOO_LONG,
    HINT_TOO_LONG,
    MAX_MESSAGE,
    AddTask,
    Help,
    Intent,
    Unknown,
)
from doable.chat.listing import read_bare_list, read_list
from doable.domain.dates import ImpossibleDate, due_instant
from doable.domain.model import TITLE_MAX
from doable.domain.phrases import Context, ContradictionError, Slots, merge, scan
from doable.domain.recurrence import load_zone

# The modifier tail of a title is short; bounding it keeps the split search cheap on long input.
_MAX_TAIL_WORDS = 30

# --------------------------------------------------------------------------------- add a task

_NOUNS = r"(?:task|todo|to-do|item|entry|reminder)"
_CALLED = r"(?: (?:called|named|titled)\b)?"
_ADD = re.compile(
    rf"{POLITE}(?:(?:add|create|schedule|jot down|note down|put down)\b(?: (?:a|an)\b)?(?: new\b)?"
    rf"(?: {_NOUNS}\b)?{_CALLED}|new {_NOUNS}\b{_CALLED}|(?:new|task|todo|to-do)(?= ?:)"
    r"|i (?:need|have|must|should|gotta|got) to|i must|need to|don't forget to|do not forget to|remember to)"
    r" ?:? ?(?P<body>.*)",
    re.IGNORECASE,
)
_REMIND_ME = re.compile(rf"{POLITE}remind me (?P<body>.+)", re.IGNORECASE)
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
    slots: Slots
    due_at: datetime | None


def _read_add(text: str, ctx: Context) -> Intent | None:
    remind = _REMIND_ME.fullmatch(text)
    if remind:
        return _read_remind_me(text, remind["body"], ctx)
    found = _ADD.fullmatch(text)
    if found is None:
        return None
    return _add_task(text, found["body"], ctx, Slots(), reminder_default=None)


def _read_remind_me(text: str, body: str, ctx: Context) -> Intent:
    """A task with a reminder: "remind me to X tomorrow" or "remind me tomorrow at 5pm to X"."""
    lead = _REMIND_LEAD.fullmatch(body)
    if lead:
        return _add_task(text, lead["rest"], ctx, Slots(), reminder_default=0)
    words = body.split(" ")
    lowered = [word.lower() for word in words]
    for index, word in enumerate(lowered):
        if word == "to" and 0 < index < len(words) - 1:
            slots = scan(" ".join(lowered[:index]), ADD_RULES, ctx, Slots(), lenient=False)
            if slots is not None and slots != Slots():
                return _add_task(text, " ".join(words[index + 1 :]), ctx, slots, reminder_default=0)
    return _add_task(text, body, ctx, Slots(), reminder_default=0)


def _add_task(
    text: str, body: str, ctx: Context, seed: Slots, *, reminder_default: int | None
) -> AddTask | Unknown:
    body, description = _split_description(body)
    body, tags, bang = extract_marks(_TO_MY_LIST.sub(" ", body))
    if bang is not None:
        seed = merge(seed, {"priority": bang}) or seed
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


def _split_title(words: list[str], ctx: Context, seed: Slots) -> _Split:
    """Title first, modifiers last: finds the longest tail of words that reads wholly as modifiers."""
    lowered = [word.lower() for word in words]
    for start in range(max(0, len(words) - _MAX_TAIL_WORDS), len(words)):
        slots = scan(" ".join(lowered[start:]), ADD_RULES, ctx, seed, lenient=False)
        if slots is None or slots == seed:
            continue
        try:
            due_at = due_instant(slots, ctx)
        except ContradictionError:
            continue
        return _Split(_clean_title(words[:start]), slots, due_at)
    try:
        due_at = due_instant(seed, ctx)
    except ContradictionError:
        due_at = None
    return _Split(_clean_title(words), seed, due_at)


def _clean_title(words: Sequence[str]) -> str:
    title = rejoin(words).strip(" ,;:-\u2013\u2014")
    return strip_quotes(_TITLE_LEAD.sub("", title)).strip(" ,;:")


# -------------------------------------------------------------------------------------- help

_HELP = re.compile(
    r"(?:help|h|commands|menu|usage|\?|what can you do|what can i (?:say|ask|do)|how does (?:this|it) work"
    r"|how do i use (?:this|you|it)|hi|hello|hey|hey there|hello there|good (?:morning|afternoon|evening))"
    r"(?: me| please)?",
    re.IGNORECASE,
)


def _read_help(text: str, _ctx: Context) -> Intent | None:
    return Help() if _HELP.fullmatch(text) else None


# ------------------------------------------------------------------------------------- parse

# Order matters where words could fit two kinds: "delete all completed tasks" is a bulk request
# before it is a delete; "remove tag x from y" retags before it deletes; "postpone it by 2 days"
# snoozes before it reschedules; "add #x to y" retags before it adds.
_READERS: tuple[Callable[[str, Context], Intent | None], ...] = (
    _read_help,
    read_list,
    read_bulk,
    read_rename,
    read_priority,
    read_tags,
    read_snooze,
    read_reopen,
    read_complete,
    read_delete,
    read_reschedule,
    _read_add,
    read_bare_list,
)


def parse(message: str, now: datetime, timezone: str) -> Intent:
    """Reads one chat message. `now` is aware; dates are read in `timezone` and returned in UTC.

    Raises ValueError only for a bad `now` or `timezone` (the caller's data, not the user's text).
    """
    read = _prepare(message, now, timezone)
    if isinstance(read, Unknown):
        return read
    text, ctx = read
    try:
        for reader in _READERS:
            intent = reader(text, ctx)
            if intent is not None:
                return intent
    except ImpossibleDate as error:
        return _impossible(text, error)
    return Unknown(text, HINT_GENERAL)


def parse_task(message: str, now: datetime, timezone: str) -> AddTask | Unknown:
    """Reads a message that is wholly a task, as "add <message>" reads it in chat: quick add's reading."""
    read = _prepare(message, now, timezone)
    if isinstance(read, Unknown):
        return read
    text, ctx = read
    try:
        return _add_task(text, text, ctx, Slots(), reminder_default=None)
    except ImpossibleDate as error:
        return _impossible(text, error)


def _prepare(message: str, now: datetime, timezone: str) -> tuple[str, Context] | Unknown:
    zone = load_zone(timezone)
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    if len(message) > 4 * MAX_MESSAGE:
        return Unknown(message[:MAX_MESSAGE], HINT_TOO_LONG)
    text = normalise(message)
    if not text:
        return Unknown("", HINT_EMPTY)
    if len(text) > MAX_MESSAGE:
        return Unknown(text[:MAX_MESSAGE], HINT_TOO_LONG)
    utc_now = now.astimezone(UTC)
    return text, Context(now=utc_now, zone=zone, today=utc_now.astimezone(zone).date())


def _impossible(text: str, error: ImpossibleDate) -> Unknown:
    # "feb 31" reads as nothing else, so the user hears why rather than getting an odd title.
    reason = str(error)
    return Unknown(text, f"{reason[0].upper()}{reason[1:]}.")
