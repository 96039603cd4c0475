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
from dataclasses import dataclass, replace
from datetime import UTC, datetime, time

from doable.chat.grammar import (
    ADD_RULES,
    LIST_RULES,
    PRIORITY_ORDER,
    RESCHEDULE_RULES,
    SORT_TAIL,
    TAG_WORD,
    extract_marks,
    normalise,
    read_sort,
    rejoin,
    strip_quotes,
)
from doable.chat.intents import (
    HINT_EMPTY,
    HINT_GENERAL,
    HINT_NO_TITLE,
    HINT_RECURRENCE,
    HINT_REMINDER,
    HINT_RESCHEDULE,
    HINT_TITLE_TOO_LONG,
    HINT_TOO_LONG,
    MAX_MESSAGE,
    AddTask,
    CompleteTask,
    DeleteTask,
    Help,
    Intent,
    ListTasks,
    ReopenTask,
    RescheduleTask,
    TaskRef,
    Unknown,
)
from doable.domain.dates import ImpossibleDate, due_instant
from doable.domain.model import TITLE_MAX
from doable.domain.phrases import Context, ContradictionError, Slots, merge, scan
from doable.domain.recurrence import load_zone

# The modifier tail of a title is short; bounding it keeps the split search cheap on long input.
_MAX_TAIL_WORDS = 30

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


def _add_task(text: str, body: str, ctx: Context, seed: Slots, *, reminder_default: int | None) -> Intent:
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
    text = strip_quotes(_REF_TRAILER.sub("", (raw or "").replace(" ,", ",").strip(" ,.;:")))
    if text.lower() in _REF_PRONOUNS:
        return TaskRef(None)
    text = _REF_NOUN.sub("", _REF_NAMED.sub("", _REF_ARTICLE.sub("", text)))
    text = strip_quotes(text.strip(" ,.;:"))
    return TaskRef(None if not text or text.lower() in _REF_PRONOUNS else text)


def _first_ref(patterns: Sequence[re.Pattern[str]], text: str) -> TaskRef | None:
    for pattern in patterns:
        found = pattern.fullmatch(text)
        if found:
            return _ref(found.groupdict().get("ref"))
    return None


def _read_reopen(text: str, _ctx: Context) -> Intent | None:
    ref = _first_ref(_REOPEN, text)
    return None if ref is None else ReopenTask(ref)


def _read_complete(text: str, _ctx: Context) -> Intent | None:
    ref = _first_ref(_COMPLETE, text)
    return None if ref is None else CompleteTask(ref)


def _read_delete(text: str, _ctx: Context) -> Intent | None:
    found = _DELETE.fullmatch(text)
    return None if found is None else DeleteTask(_ref(found["ref"]))


def _read_reschedule(text: str, ctx: Context) -> Intent | None:
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
            return RescheduleTask(_ref(rejoin(words[:ref_end])), due_at)
    return Unknown(text, HINT_RESCHEDULE)


def _new_due(text: str, ctx: Context) -> datetime | None:
    if not text:
        return None
    slots = scan(text, RESCHEDULE_RULES, ctx, Slots(), lenient=False)
    if slots is None:
        return None
    try:
        return due_instant(slots, ctx)
    except ContradictionError:
        return None


# ------------------------------------------------------------------------------- list, search

_LIST_VERB = re.compile(
    rf"{_POLITE}(?:(?P<search>search(?: for)?|find(?: me)?|look(?:ing)? for|look up|lookup)"
    r"|(?P<show>show(?: me)?|list|display|view|give me|let me see|pull up|tell me)"
    r"|(?P<ask>what(?:'s| is| are|s| do| does)?|which|anything|any|do i have|have i got|how many|is there"
    r"|are there))(?=\s|$)"
)


def _read_list(text: str, ctx: Context) -> Intent | None:
    lowered = text.lower()
    verb = _LIST_VERB.match(lowered)
    if verb is None:
        return None
    mode = next(name for name in ("search", "show", "ask") if verb.group(name))
    return _list_tasks(lowered[verb.end() :].strip(), ctx, mode)


def _read_bare_list(text: str, ctx: Context) -> Intent | None:
    """Lists asked for without a verb: "overdue tasks", "completed", "due this week"."""
    return _list_tasks(text.lower(), ctx, "bare")


def _list_tasks(rest: str, ctx: Context, mode: str) -> ListTasks | None:
    rest, tags, bang = extract_marks(rest)
    seed = Slots(tags=tags, priorities=(bang,) if bang else ())
    rest, tail_sort = _split_sort_tail(rest, ctx)
    slots = scan(rest, LIST_RULES, ctx, seed, lenient=True)
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
    query = re.sub(r"^(?:the|a|an|my) ", "", strip_quotes(joined)) or None
    due_after, due_before = _window(slots, ctx)
    return ListTasks(
        q=query,
        status=slots.status or ("open" if slots.overdue else "all" if slots.everything or query else "open"),
        priorities=tuple(name for name in PRIORITY_ORDER if name in slots.priorities),
        tags=tuple(dict.fromkeys(tag.lower() for tag in (*slots.tags, *tag_words))),
        due_after=due_after,
        due_before=due_before,
        overdue=bool(slots.overdue),
        sort=slots.sort or ("due_at" if slots.soonest else None),
    )


def _split_sort_tail(rest: str, ctx: Context) -> tuple[str, str | None]:
    found = SORT_TAIL.search(rest)
    if found is None:
        return rest, None
    return rest[: found.start()].strip(), str(read_sort(found, ctx)["sort"])


def _has_signal(slots: Slots) -> bool:
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
        is_tag = anchored and noun_at is not None and pos < noun_at and TAG_WORD.match(word)
        (tags if is_tag else query).append(word)
    return tags, query


def _window(slots: Slots, ctx: Context) -> tuple[datetime | None, datetime | None]:
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


def _read_help(text: str, _ctx: Context) -> Intent | None:
    return Help() if _HELP.fullmatch(text) else None


# ------------------------------------------------------------------------------------- parse

_READERS: tuple[Callable[[str, Context], Intent | None], ...] = (
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
    text = normalise(message)
    if not text:
        return Unknown("", HINT_EMPTY)
    if len(text) > MAX_MESSAGE:
        return Unknown(text[:MAX_MESSAGE], HINT_TOO_LONG)
    utc_now = now.astimezone(UTC)
    ctx = Context(now=utc_now, zone=zone, today=utc_now.astimezone(zone).date())
    try:
        for reader in _READERS:
            intent = reader(text, ctx)
            if intent is not None:
                return intent
    except ImpossibleDate as error:
        # "feb 31" reads as nothing else, so the user hears why rather than getting an odd title.
        reason = str(error)
        return Unknown(text, f"{reason[0].upper()}{reason[1:]}.")
    return Unknown(text, HINT_GENERAL)
