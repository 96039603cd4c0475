"""Reads requests that act on tasks already there: complete, reopen, delete, move, snooze, rename,
change the priority, add or remove tags, and the bulk forms ("delete all completed tasks").

A task is named by (part of) its title or by "it"/"that"; the assistant resolves the name. Each
reader returns None when the words are not its kind of request, so the parser can try the next.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

from doable.chat.grammar import POLITE, PRIORITY_WORDS, RESCHEDULE_RULES, rejoin, strip_quotes
from doable.chat.intents import (
    HINT_PRIORITY,
    HINT_RENAME,
    HINT_RESCHEDULE,
    HINT_SNOOZE,
    HINT_TITLE_TOO_LONG,
    BulkAction,
    CompleteTask,
    DeleteTask,
    Intent,
    RenameTask,
    ReopenTask,
    RescheduleTask,
    RetagTask,
    SetPriority,
    SnoozeTask,
    TaskRef,
    Unknown,
)
from doable.chat.listing import list_tasks
from doable.domain.dates import DURATION, MAX_DAYS_AHEAD, due_instant, duration_minutes
from doable.domain.model import TAG_PATTERN, TITLE_MAX
from doable.domain.phrases import Context, ContradictionError, Slots, scan

# --------------------------------------------------------------------------- naming a task

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
        rf"{POLITE}(?:reopen|re-open|uncomplete|unfinish|undo completing|undo complete|unmark)"
        r" (?P<ref>.+)",
        rf"{POLITE}mark (?P<ref>.+?) (?:as )?(?:not done|not complete|not completed|not finished|undone"
        r"|incomplete|unfinished|open|to do|todo|pending)",
        r"(?P<ref>.+?)(?: is|'s) not (?:done|finished|complete|completed)(?: yet)?",
        r"(?P<ref>.+?) isn't (?:done|finished|complete|completed)(?: yet)?",
    )
)
_COMPLETE = tuple(
    re.compile(pattern, re.IGNORECASE)
    for pattern in (
        rf"{POLITE}(?:complete|finish|close|check off|tick off|cross off|mark off) (?P<ref>.+)",
        rf"{POLITE}mark (?P<ref>.+?) (?:as )?(?:done|complete|completed|finished)",
        rf"{POLITE}(?:check|tick|cross) (?P<ref>.+?) off",
        r"(?:i'm |i am |i've |i have |i'm all |we're |we are )?(?:done|finished|through) with (?P<ref>.+)",
        r"(?:i|we)(?:'ve| have)? (?:just |already )?(?:finished|completed|did|done) (?P<ref>.+)",
        r"(?P<ref>.+?)(?: is|'s| are) (?:now |all )?(?:done|finished|complete|completed)",
        r"(?:done|finished|completed) ?: ?(?P<ref>.+)",
        r"(?:done|finished|completed|complete|all done|i'm done|i am done|i'm finished|i am finished|did it)",
    )
)
_DELETE = re.compile(
    rf"{POLITE}(?:delete|remove|drop|trash|erase|discard|scrap|cancel|get rid of|forget about|forget|bin)"
    r" (?P<ref>.+)",
    re.IGNORECASE,
)
_RESCHEDULE = re.compile(
    rf"{POLITE}(?:move|reschedule|re-schedule|postpone|push back|push|defer|delay|shift|bump|change"
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


def read_reopen(text: str, _ctx: Context) -> Intent | None:
    ref = _first_ref(_REOPEN, text)
    return None if ref is None else ReopenTask(ref)


def read_complete(text: str, _ctx: Context) -> Intent | None:
    ref = _first_ref(_COMPLETE, text)
    return None if ref is None else CompleteTask(ref)


def read_delete(text: str, _ctx: Context) -> Intent | None:
    found = _DELETE.fullmatch(text)
    return None if found is None else DeleteTask(_ref(found["ref"]))


def read_reschedule(text: str, ctx: Context) -> Intent | None:
    found = _RESCHEDULE.fullmatch(text)
    if found is None:
        return None
    words = found["rest"].split(" ")
    lowered = [word.lower() for word in words]
    # "move talk to bob to friday": try each "to" as the start of the new date, leftmost first.
    starts = [(index, index + 1) for index, word in enumerate(lowered) if word in _RESCHEDULE_CONNECTORS]
    starts += [(index, index) for index in range(1, len(words))]
    for ref_end, date_start in starts:
        new_due = _new_due(" ".join(lowered[date_start:]), ctx)
        if new_due is not None:
            due_at, keep_time = new_due
            return RescheduleTask(_ref(rejoin(words[:ref_end])), due_at, keep_time)
    return Unknown(text, HINT_RESCHEDULE)


def _new_due(text: str, ctx: Context) -> tuple[datetime, bool] | None:
    """The new due time, and whether only a day was named (so the task keeps its time of day)."""
    if not text:
        return None
    slots = scan(text, RESCHEDULE_RULES, ctx, Slots(), lenient=False)
    if slots is None:
        return None
    try:
        due_at = due_instant(slots, ctx)
    except ContradictionError:
        return None
    if due_at is None:
        return None
    return due_at, slots.clock is None and slots.part is None and slots.instant is None


# ------------------------------------------------------------------------------------- rename

_RENAME = tuple(
    re.compile(pattern, re.IGNORECASE)
    for pattern in (
        rf"{POLITE}(?:rename|retitle|re-title|re-name) (?P<ref>.+?) (?:to|as|into) (?P<title>.+)",
        rf"{POLITE}(?:change|update|set|edit) (?:the )?(?:title|name) of (?P<ref>.+?) to (?P<title>.+)",
        rf"{POLITE}(?:change|update|set|edit) (?P<ref>.+?)(?:'s)? (?:title|name) to (?P<title>.+)",
        # Not "call it …": "call it a day" is not a new title.
        rf"{POLITE}(?:name|title|retitle) (?P<ref>it|that|this|that one|this one) (?P<title>.+)",
    )
)
_RENAME_BARE = re.compile(rf"{POLITE}(?:rename|retitle|re-title|re-name) (?P<ref>.+)", re.IGNORECASE)


def read_rename(text: str, _ctx: Context) -> Intent | None:
    for pattern in _RENAME:
        found = pattern.fullmatch(text)
        if found:
            title = strip_quotes(found["title"].strip(" ,.;:"))
            if not title:
                return Unknown(text, HINT_RENAME)
            if len(title) > TITLE_MAX:
                return Unknown(text, HINT_TITLE_TOO_LONG)
            return RenameTask(_ref(found["ref"]), title)
    return Unknown(text, HINT_RENAME) if _RENAME_BARE.fullmatch(text) else None


# ----------------------------------------------------------------------------------- priority

# Bare digits name a priority only as a mark ("!1"): "make room for 2" is not about priorities.
_P_NAMES = sorted((word for word in PRIORITY_WORDS if not word.isdigit()), key=len, reverse=True)
_P = rf"(?:a |the )?(?:!(?P<mark>[123])|!?(?P<p>{'|'.join(_P_NAMES)}))"
_P_NOUN = r"(?:[ -]priority| prio| pri)"
_SET = r"(?:set|change|make|update|switch|bump|raise|lower|drop|put|move|turn)"
_PRIORITY = tuple(
    re.compile(pattern, re.IGNORECASE)
    for pattern in (
        rf"{POLITE}{_SET} (?:the )?priority (?:of|on|for) (?P<ref>.+?) (?:to|as|at) {_P}{_P_NOUN}?",
        rf"{POLITE}{_SET} (?P<ref>.+?)(?:'s)? priority (?:to|as|at) {_P}{_P_NOUN}?",
        rf"{POLITE}{_SET} priority (?:to )?{_P} (?:on|for) (?P<ref>.+)",
        rf"{POLITE}{_SET} (?P<ref>.+?) (?:to |as )?{_P}{_P_NOUN}",
        rf"{POLITE}(?:set|change|switch|make) (?P<ref>.+?) (?:to|as) {_P}",
        rf"{POLITE}make (?P<ref>.+?) {_P}",
        rf"{POLITE}(?:mark|flag) (?P<ref>.+?) (?:as )?{_P}{_P_NOUN}?",
        r"(?P<ref>.+?) (?:is|should be) (?:now )?" + _P + _P_NOUN,
    )
)
_PRIORITISE = re.compile(rf"{POLITE}(?P<de>de-?)?priori(?:ti)?[sz]e (?P<ref>.+)", re.IGNORECASE)
_PRIORITY_BARE = re.compile(
    rf"{POLITE}{_SET} (?:the )?priority(?: (?:of|on|for) .+)?|{POLITE}{_SET} .+?(?:'s)? priority",
    re.IGNORECASE,
)


def read_priority(text: str, _ctx: Context) -> Intent | None:
    for pattern in _PRIORITY:
        found = pattern.fullmatch(text)
        if found:
            return SetPriority(_ref(found["ref"]), PRIORITY_WORDS[(found["p"] or found["mark"]).lower()])
    found = _PRIORITISE.fullmatch(text)
    if found:
        return SetPriority(_ref(found["ref"]), "low" if found["de"] else "high")
    return Unknown(text, HINT_PRIORITY) if _PRIORITY_BARE.fullmatch(text) else None


# ---------------------------------------------------------------------------------------- tags

_TAG = r"#?\w[\w\-/:.]*"
_TAGS = rf"{_TAG}(?:(?: ,| and|,)? {_TAG})*"
_MARKS = r"#\w[\w\-/:.]*(?:(?: ,| and|,)? #\w[\w\-/:.]*)*"
_TAG_NOUN = r"(?:the )?(?:tags?|labels?)"
_ADD_TAGS = tuple(
    re.compile(pattern, re.IGNORECASE)
    for pattern in (
        rf"{POLITE}(?:tag|label) (?P<ref>.+?) (?:with|as) (?P<tags>{_TAGS})",
        rf"{POLITE}(?:tag|label) (?P<ref>.+?) (?P<tags>{_MARKS})",
        # "to", not "on": "add tag photos on friday" adds a task.
        rf"{POLITE}(?:add|put|attach|apply) {_TAG_NOUN} (?P<tags>{_TAGS}) to (?P<ref>.+)",
        rf"{POLITE}(?:add|put|attach|apply) (?P<tags>{_MARKS}) to (?P<ref>.+)",
    )
)
_TAKE = "(?:remove|delete|drop|take off|take)"
_REMOVE_TAGS = tuple(
    re.compile(pattern, re.IGNORECASE)
    for pattern in (
        rf"{POLITE}{_TAKE} {_TAG_NOUN} (?P<tags>{_TAGS}) (?:from|off) (?P<ref>.+)",
        rf"{POLITE}{_TAKE} (?P<tags>{_MARKS}) (?:from|off) (?P<ref>.+)",
        rf"{POLITE}(?:untag|unlabel) (?P<tags>{_MARKS}) from (?P<ref>.+)",
        rf"{POLITE}(?:untag|unlabel) (?P<ref>.+?) (?:from |with )?(?P<tags>{_MARKS})",
        rf"{POLITE}(?:untag|unlabel) (?P<ref>.+?) (?P<tags>{_TAG})",
    )
)


def _tag_names(raw: str) -> tuple[str, ...] | None:
    names = [name.lstrip("#").rstrip(".:/-").lower() for name in re.split(r" ?,? and | ?, ?| ", raw) if name]
    if not names or not all(TAG_PATTERN.match(name) for name in names):
        return None
    return tuple(dict.fromkeys(names))


def read_tags(text: str, _ctx: Context) -> Intent | None:
    for patterns, adding in ((_ADD_TAGS, True), (_REMOVE_TAGS, False)):
        for pattern in patterns:
            found = pattern.fullmatch(text)
            tags = None if found is None else _tag_names(found["tags"])
            if found and tags:
                ref = _ref(found["ref"])
                return RetagTask(ref, add=tags) if adding else RetagTask(ref, remove=tags)
    return None


# -------------------------------------------------------------------------------------- snooze

_SNOOZE_VERB = r"(?:snooze|postpone|push back|push|delay|defer|put off|bump|hold off|move back)"
_SNOOZE = tuple(
    re.compile(pattern, re.IGNORECASE)
    for pattern in (
        rf"{POLITE}{_SNOOZE_VERB} (?P<ref>.+?) (?:by |for |another |an extra )?(?:{DURATION})"
        r"(?: later| more| back)?",
        rf"{POLITE}(?:push|move|shift|put) (?P<ref>.+?) back (?:by )?(?:{DURATION})",
        rf"{POLITE}(?:move|shift|push) (?P<ref>.+?) (?:by )?(?:{DURATION}) later",
        rf"{POLITE}(?:move|shift) (?P<ref>.+?) by (?:{DURATION})",
    )
)
_SNOOZE_BARE = re.compile(rf"{POLITE}snooze (?P<ref>.+)", re.IGNORECASE)


def read_snooze(text: str, _ctx: Context) -> Intent | None:
    for pattern in _SNOOZE:
        found = pattern.fullmatch(text)
        if found:
            minutes = duration_minutes(found)
            if not 0 < minutes <= MAX_DAYS_AHEAD * 1440:
                return Unknown(text, HINT_SNOOZE)
            return SnoozeTask(_ref(found["ref"]), minutes)
    return Unknown(text, HINT_SNOOZE) if _SNOOZE_BARE.fullmatch(text) else None


# ---------------------------------------------------------------------------------------- bulk

_ALL = r"(?:all(?: of)?(?: the| my)?|every|everything|each)"
_BULK = tuple(
    (re.compile(pattern, re.IGNORECASE), action)
    for pattern, action in (
        (
            rf"{POLITE}(?:complete|finish|close|check off|tick off|cross off) {_ALL}\b ?(?P<rest>.*)",
            "complete",
        ),
        (rf"{POLITE}mark {_ALL}\b ?(?P<rest>.*?) (?:as )?(?:done|complete|completed|finished)", "complete"),
        (rf"{POLITE}(?:reopen|re-open|uncomplete) {_ALL}\b ?(?P<rest>.*)", "reopen"),
        (rf"{POLITE}(?:delete|remove|trash|erase|clear|get rid of|bin) {_ALL}\b ?(?P<rest>.*)", "delete"),
        (
            rf"{POLITE}clear (?P<rest>(?:out )?(?:the |my )?(?:completed|done|finished)(?: tasks?| todos?)?)",
            "delete",
        ),
    )
)
# What each action is for when the words name no status: open tasks to complete, done ones to reopen.
_BULK_STATUS = {"complete": "open", "reopen": "completed", "delete": "all"}


def read_bulk(text: str, ctx: Context) -> Intent | None:
    for pattern, action in _BULK:
        found = pattern.fullmatch(text)
        if found:
            rest = found["rest"].lower().removeprefix("out ")
            listed = list_tasks(rest, ctx, "show", default_status=_BULK_STATUS[action])
            if listed is not None:
                return BulkAction(action, listed)
    return None
