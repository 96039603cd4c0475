"""Quick add's reading: what one line of text would create as a task, shown as chips before it is stored.

The line is read by the assistant's own parser (one vocabulary, docs/dates.md) in the user's time
zone, so quick add, the assistant and the terminal client can never disagree about "friday 9am".
Nothing is stored: the client posts the fields it keeps to POST /tasks.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from doable.adapters.tokens import Identity
from doable.adapters.unit_of_work import UnitOfWork
from doable.chat.intents import HINT_GENERAL, HINT_NO_TITLE, HINT_REMINDER, MAX_MESSAGE, Unknown
from doable.chat.parser import parse_task
from doable.domain.errors import FieldError, ValidationFailed, invalid
from doable.domain.events import Context
from doable.domain.model import format_time, utcnow, validate_task_fields
from doable.services.users import current_user

TEXT_MAX = MAX_MESSAGE
# The parser's hints are written for chat ("add …"); quick add's line has no verb.
_HINTS = {
    HINT_NO_TITLE: "Start with what to do, e.g. 'buy milk tomorrow'.",
    HINT_REMINDER: "A reminder needs a due date, e.g. 'call mom tomorrow 5pm remind me 10 minutes before'.",
}
# Fields that mean nothing without a due date: dropping the due date drops them too.
NEEDS_DUE_AT = ("recurrence", "reminder_minutes_before")


@dataclass(frozen=True)
class Reading:
    """The fields POST /tasks would take, and the same understood as pieces, one chip each."""

    task: dict[str, Any]
    pieces: tuple[dict[str, Any], ...]

    def to_dict(self) -> dict[str, Any]:
        return {"task": self.task, "pieces": list(self.pieces)}


def read_text(data: Mapping[str, Any]) -> str:
    errors = [
        FieldError(name, "unknown_field", "unknown field; the only field is text")
        for name in sorted(set(data) - {"text"})
    ]
    text = data.get("text")
    if not isinstance(text, str) or not text.strip():
        errors.append(FieldError("text", "required", "type a task, e.g. 'pay rent on the 1st 9am #home'"))
    elif len(text) > TEXT_MAX:
        errors.append(FieldError("text", "length", f"at most {TEXT_MAX} characters; shorten it"))
    if errors:
        raise ValidationFailed(errors)
    assert isinstance(text, str)
    return text


def read_task(uow: UnitOfWork, ctx: Context, data: Mapping[str, Any], now: datetime | None = None) -> Reading:
    """Reads the text as a task in the user's time zone; a ValidationFailed on `text` says why it cannot."""
    text = read_text(data)
    user = current_user(uow, Identity(ctx.user_id))
    intent = parse_task(text, now or utcnow(), user.timezone)
    if isinstance(intent, Unknown):
        hint = intent.hint or HINT_GENERAL
        raise invalid("text", "unreadable", _HINTS.get(hint, hint))
    task: dict[str, Any] = {"title": intent.title}
    pieces: list[dict[str, Any]] = [{"field": "title", "value": intent.title}]
    if intent.due_at is not None:
        task["due_at"] = format_time(intent.due_at)
        pieces.append({"field": "due_at", "value": task["due_at"]})
    if intent.recurrence != "none":
        task["recurrence"] = intent.recurrence
        pieces.append({"field": "recurrence", "value": intent.recurrence})
    if intent.reminder_minutes_before is not None:
        task["reminder_minutes_before"] = intent.reminder_minutes_before
        pieces.append({"field": "reminder_minutes_before", "value": intent.reminder_minutes_before})
    if intent.priority is not None:
        task["priority"] = intent.priority
        pieces.append({"field": "priority", "value": intent.priority})
    if intent.tags:
        task["tags"] = list(intent.tags)
        pieces.extend({"field": "tags", "value": tag} for tag in intent.tags)
    if intent.description is not None:
        task["description"] = intent.description
        pieces.append({"field": "description", "value": intent.description})
    _check(task)
    return Reading(task, tuple(pieces))


def _check(task: Mapping[str, Any]) -> None:
    """What the chips show must be what POST /tasks accepts, so the task rules are applied here too."""
    try:
        validate_task_fields(task, partial=False)
    except ValidationFailed as failed:
        errors = [FieldError("text", e.rule, f"{e.field}: {e.message}") for e in failed.errors]
        raise ValidationFailed(errors) from None
