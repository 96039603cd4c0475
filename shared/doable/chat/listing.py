"""Reads lists and searches: "what's due this week?", "show high priority work tasks", "search report".

Unknown words before "tasks" name tags ("work tasks"), other unknown words are search words, and
dates become a due window on the user's clock. Also reads the filter of a bulk request ("delete all
completed tasks"), so a bulk action touches exactly the tasks the same words would list.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, time

from doable.chat.grammar import (
    LIST_RULES,
    POLITE,
    PRIORITY_ORDER,
    SORT_TAIL,
    TAG_WORD,
    extract_marks,
    read_sort,
    strip_quotes,
)
from doable.chat.intents import Intent, ListTasks
from doable.domain.phrases import Context, Slots, scan

_LIST_VERB = re.compile(
    rf"{POLITE}(?:(?P<search>search(?: for)?|find(?: me)?|look(?:ing)? for|look up|lookup)"
    r"|(?P<show>show(?: me)?|list|display|view|give me|let me see|pull up|tell me)"
    r"|(?P<ask>what(?:'s| is| are|s| do| does)?|which|anything|any|do i have|have i got|how many|is there"
    r"|are there))(?=\s|$)"
)


def read_list(text: str, ctx: Context) -> Intent | None:
    lowered = text.lower()
    verb = _LIST_VERB.match(lowered)
    if verb is None:
        return None
    mode = next(name for name in ("search", "show", "ask") if verb.group(name))
    return list_tasks(lowered[verb.end() :].strip(), ctx, mode)


def read_bare_list(text: str, ctx: Context) -> Intent | None:
    """Lists asked for without a verb: "overdue tasks", "completed", "due this week"."""
    return list_tasks(text.lower(), ctx, "bare")


def list_tasks(rest: str, ctx: Context, mode: str, default_status: str | None = None) -> ListTasks | None:
    """The list `rest` asks for; `mode` is how it was asked (search, show, ask or bare words)."""
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
        status=slots.status
        or ("open" if slots.overdue else default_status or ("all" if slots.everything or query else "open")),
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
    # A window reaching into today starts at midnight, not now: "what's on today" includes what was
    # due this morning. Days before today are left out; overdue work has its own flag.
    return (start if end <= ctx.now else max(start, ctx.at(ctx.today, time(0)))), end
