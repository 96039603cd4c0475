"""An optional LLM reading of chat messages: an OpenAI-compatible endpoint produces the parser's Intents.

Used only when DOABLE_LLM_URL is set (DOABLE_LLM_MODEL, DOABLE_LLM_API_KEY and
DOABLE_LLM_TIMEOUT_SECONDS tune it). The model answers with one JSON object that names an intent and
its fields, and that object passes the same checks a task must pass before it becomes an Intent.
Anything that goes wrong (a timeout, an HTTP error, text that is not that JSON, a field out of
range) and an "unknown" from the model fall back to the deterministic parser: a misbehaving model
can make the assistant less clever, never wrong in a new way. The assistant acts on the Intent, so
the model never touches tasks itself.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx

from doable.chat.assistant import Interpreter, ParserInterpreter
from doable.chat.conversation import Message
from doable.chat.intents import (
    BULK_ACTIONS,
    AddTask,
    BulkAction,
    CompleteTask,
    DeleteTask,
    Help,
    Intent,
    ListTasks,
    RenameTask,
    ReopenTask,
    RescheduleTask,
    RetagTask,
    SetPriority,
    SnoozeTask,
    TaskRef,
)
from doable.domain.dates import MAX_DAYS_AHEAD
from doable.domain.model import REMINDER_MAX_MINUTES, TAG_PATTERN, TITLE_MAX, normalise_tag, parse_time
from doable.domain.query import SORTS, STATUSES
from doable.domain.recurrence import Recurrence, load_zone

log = logging.getLogger(__name__)

DEFAULT_MODEL = "gpt-4o-mini"
# Below the gateway's invocation timeout, so a slow model still leaves time for the parser's answer.
DEFAULT_TIMEOUT = 6.0
HISTORY_MESSAGES = 6
PRIORITIES = ("high", "medium", "low")
_PRONOUNS = frozenset({"it", "that", "this", "that one", "this one", "the last one", "last one"})
_FENCE = re.compile(r"^```(?:json)?\s*|\s*```$")


class LlmError(Exception):
    """The model's answer could not be used; the parser answers instead."""


@dataclass(frozen=True)
class LlmSettings:
    url: str
    model: str = DEFAULT_MODEL
    api_key: str | None = None
    timeout: float = DEFAULT_TIMEOUT

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> LlmSettings | None:
        env = os.environ if env is None else env
        url = env.get("DOABLE_LLM_URL", "").strip()
        if not url:
            return None
        # Accept the API base (…/v1) as well as the full chat completions endpoint.
        if not url.rstrip("/").endswith("/chat/completions"):
            url = url.rstrip("/") + "/chat/completions"
        return cls(
            url=url,
            model=env.get("DOABLE_LLM_MODEL", "").strip() or DEFAULT_MODEL,
            api_key=env.get("DOABLE_LLM_API_KEY") or None,
            timeout=float(env.get("DOABLE_LLM_TIMEOUT_SECONDS") or DEFAULT_TIMEOUT),
        )


def interpreter_from_env(env: Mapping[str, str] | None = None) -> Interpreter:
    settings = LlmSettings.from_env(env)
    return LlmInterpreter(settings) if settings else ParserInterpreter()


class LlmInterpreter:
    name = "llm"

    def __init__(
        self,
        settings: LlmSettings,
        fallback: Interpreter | None = None,
        client: httpx.Client | None = None,
    ) -> None:
        self.settings = settings
        self.fallback = fallback or ParserInterpreter()
        headers = {"Authorization": f"Bearer {settings.api_key}"} if settings.api_key else {}
        self.client = client or httpx.Client(timeout=settings.timeout, headers=headers)

    def interpret(self, message: str, *, now: datetime, timezone: str, history: Sequence[Message]) -> Intent:
        try:
            answer = self._ask(message, now, timezone, history)
            intent = to_intent(answer)
        except (httpx.HTTPError, LlmError) as error:
            log.warning("the LLM could not read a chat message (%s); the parser answers instead", error)
            intent = None
        if intent is None:
            return self.fallback.interpret(message, now=now, timezone=timezone, history=history)
        return intent

    def _ask(self, message: str, now: datetime, timezone: str, history: Sequence[Message]) -> dict[str, Any]:
        messages = [{"role": "system", "content": system_prompt(now, timezone)}]
        messages += [{"role": item.role, "content": item.text} for item in history[-HISTORY_MESSAGES:]]
        messages.append({"role": "user", "content": message})
        response = self.client.post(
            self.settings.url,
            json={
                "model": self.settings.model,
                "messages": messages,
                "temperature": 0,
                "response_format": {"type": "json_object"},
            },
        )
        if response.status_code != 200:
            raise LlmError(f"the endpoint answered {response.status_code}: {response.text[:200]}")
        try:
            content = response.json()["choices"][0]["message"]["content"]
            answer = json.loads(_FENCE.sub("", str(content).strip()))
        except (ValueError, KeyError, IndexError, TypeError) as error:
            raise LlmError(f"the answer is not the JSON asked for: {error}") from None
        if not isinstance(answer, dict):
            raise LlmError("the answer is not a JSON object")
        return answer


def system_prompt(now: datetime, timezone: str) -> str:
    local = now.astimezone(load_zone(timezone))
    return (
        "You read one message sent to a task manager and answer with a single JSON object, nothing else.\n"
        f"The user's time zone is {timezone}; it is now {local.isoformat(timespec='minutes')} "
        f"({local:%A}). Write every date-time in ISO 8601 with the user's UTC offset. A date without a "
        "time means 09:00.\n"
        "Answer with one of these shapes:\n"
        '{"intent":"add","title":"…","priority":"high|medium|low"|null,"tags":["…"],'
        '"due_at":"…"|null,"recurrence":"none|daily|weekly|monthly",'
        '"reminder_minutes_before":0|null,"description":"…"|null}\n'
        '{"intent":"list","q":"words to search for"|null,"status":"open|completed|all",'
        '"priorities":["high"],"tags":["work"],"due_after":"…"|null,"due_before":"…"|null,'
        '"overdue":false,"sort":"priority|-priority|due_at|-due_at|created_at|-created_at"|null}\n'
        '{"intent":"complete|reopen|delete","task":"words of the title"|null}\n'
        '{"intent":"reschedule","task":"words of the title"|null,"due_at":"…","keep_time":true|false}\n'
        '{"intent":"snooze","task":"words of the title"|null,"minutes":120}\n'
        '{"intent":"rename","task":"words of the title"|null,"title":"the new title"}\n'
        '{"intent":"priority","task":"words of the title"|null,"priority":"high|medium|low"}\n'
        '{"intent":"tag","task":"words of the title"|null,"add":["errands"],"remove":["home"]}\n'
        '{"intent":"bulk","action":"complete|reopen|delete","filter":{…the fields of a list…}}\n'
        '{"intent":"help"}\n'
        '{"intent":"unknown"}\n'
        'Use "task": null when the user means the task just discussed ("it", "that"). Recurrence and '
        'reminders need a due_at. "keep_time": true when the user named only a day ("move it to friday"). '
        '"snooze" and "postpone by" push the due time later by "minutes". Requests about many tasks '
        '("delete all completed tasks") are "bulk"; the user is asked to confirm before anything happens. '
        "Never invent tasks the user did not ask for."
    )


def to_intent(answer: Mapping[str, Any]) -> Intent | None:
    """The Intent a model's JSON answer describes; None for "unknown"; LlmError when it is malformed."""
    kind = answer.get("intent")
    if kind == "add":
        return _add(answer)
    if kind == "list":
        return _list(answer)
    if kind == "complete":
        return CompleteTask(_ref(answer.get("task")))
    if kind == "reopen":
        return ReopenTask(_ref(answer.get("task")))
    if kind == "delete":
        return DeleteTask(_ref(answer.get("task")))
    if kind == "reschedule":
        due_at = _time(answer.get("due_at"), "due_at")
        if due_at is None:
            raise LlmError("a reschedule needs a due_at")
        return RescheduleTask(_ref(answer.get("task")), due_at, answer.get("keep_time") is True)
    if kind in _EDITS:
        return _EDITS[kind](_ref(answer.get("task")), answer)
    if kind == "bulk":
        action = _choice(answer.get("action"), BULK_ACTIONS, "action")
        listed = answer.get("filter") or {}
        if action is None or not isinstance(listed, Mapping):
            raise LlmError("a bulk request needs an action and a filter object")
        return BulkAction(action, _list(listed))
    if kind == "help":
        return Help()
    if kind == "unknown":
        return None
    raise LlmError(f"unknown intent {kind!r}")


def _snooze(ref: TaskRef, answer: Mapping[str, Any]) -> SnoozeTask:
    minutes = answer.get("minutes")
    if isinstance(minutes, bool) or not isinstance(minutes, int) or not 0 < minutes <= MAX_DAYS_AHEAD * 1440:
        raise LlmError("a snooze needs a whole number of minutes, more than 0")
    return SnoozeTask(ref, minutes)


def _rename(ref: TaskRef, answer: Mapping[str, Any]) -> RenameTask:
    title = answer.get("title")
    if not isinstance(title, str) or not 1 <= len(title.strip()) <= TITLE_MAX:
        raise LlmError(f"a new title must be 1 to {TITLE_MAX} characters")
    return RenameTask(ref, title.strip())


def _priority(ref: TaskRef, answer: Mapping[str, Any]) -> SetPriority:
    priority = _choice(answer.get("priority"), PRIORITIES, "priority")
    if priority is None:
        raise LlmError("a priority change needs high, medium or low")
    return SetPriority(ref, priority)


def _retag(ref: TaskRef, answer: Mapping[str, Any]) -> RetagTask:
    add, remove = _tags(answer.get("add")), _tags(answer.get("remove"))
    if not add and not remove:
        raise LlmError("a tag change needs tags to add or remove")
    return RetagTask(ref, add, remove)


_EDITS: dict[str, Callable[[TaskRef, Mapping[str, Any]], Intent]] = {
    "snooze": _snooze,
    "rename": _rename,
    "priority": _priority,
    "tag": _retag,
}


def _add(answer: Mapping[str, Any]) -> AddTask:
    title = answer.get("title")
    if not isinstance(title, str) or not 1 <= len(title.strip()) <= TITLE_MAX:
        raise LlmError("an added task needs a title of 1 to 200 characters")
    priority = _choice(answer.get("priority"), PRIORITIES, "priority")
    due_at = _time(answer.get("due_at"), "due_at")
    recurrence = _choice(answer.get("recurrence") or "none", tuple(Recurrence), "recurrence") or "none"
    reminder = answer.get("reminder_minutes_before")
    if reminder is not None and (
        isinstance(reminder, bool)
        or not isinstance(reminder, int)
        or not 0 <= reminder <= REMINDER_MAX_MINUTES
    ):
        raise LlmError("reminder_minutes_before must be a whole number of minutes")
    if due_at is None and (recurrence != "none" or reminder is not None):
        raise LlmError("recurrence and reminders need a due_at")
    description = answer.get("description")
    return AddTask(
        title=title.strip(),
        priority=priority,
        tags=_tags(answer.get("tags")),
        due_at=due_at,
        recurrence=recurrence,
        reminder_minutes_before=reminder,
        description=description.strip() or None if isinstance(description, str) else None,
    )


def _list(answer: Mapping[str, Any]) -> ListTasks:
    q = answer.get("q")
    priorities = answer.get("priorities") or []
    if not isinstance(priorities, list) or any(p not in PRIORITIES for p in priorities):
        raise LlmError("priorities must be a list of high, medium, low")
    return ListTasks(
        q=q.strip() or None if isinstance(q, str) else None,
        status=_choice(answer.get("status") or "open", STATUSES, "status") or "open",
        priorities=tuple(p for p in PRIORITIES if p in priorities),
        tags=_tags(answer.get("tags")),
        due_after=_time(answer.get("due_after"), "due_after"),
        due_before=_time(answer.get("due_before"), "due_before"),
        overdue=answer.get("overdue") is True,
        sort=_choice(answer.get("sort"), SORTS, "sort"),
    )


def _ref(value: object) -> TaskRef:
    if value is None:
        return TaskRef(None)
    if not isinstance(value, str):
        raise LlmError("task must be a title or null")
    title = value.strip().strip("\"'\u201c\u201d")
    return TaskRef(None if not title or title.lower() in _PRONOUNS else title)


def _choice(value: object, allowed: Sequence[str], name: str) -> str | None:
    if value is None:
        return None
    if value not in allowed:
        raise LlmError(f"{name} {value!r} is not one of {', '.join(allowed)}")
    return str(value)


def _tags(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(tag, str) for tag in value):
        raise LlmError("tags must be a list of strings")
    tags = tuple(dict.fromkeys(normalise_tag(tag) for tag in value if tag.strip()))
    if any(not TAG_PATTERN.match(tag) for tag in tags):
        raise LlmError("a tag has characters a tag cannot have")
    return tags


def _time(value: object, name: str) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise LlmError(f"{name} must be an ISO 8601 string")
    try:
        return parse_time(value)
    except ValueError:
        raise LlmError(f"{name} {value!r} is not ISO 8601 with an offset") from None
