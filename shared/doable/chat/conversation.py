"""A chat conversation as the state store keeps it: its messages and what "it" and "number 2" point at.

The conversation is JSON in the Dapr state store (PostgreSQL on the stack, in-process when embedded)
under a key that names its owner, so another user's conversation id simply finds nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from doable.domain.model import format_time, parse_time

# Enough history for a person to scroll back and for an LLM to see context; bounded so one
# conversation's state row stays small however long it runs.
MAX_MESSAGES = 200
CONVERSATION_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
ROLES = ("user", "assistant")
ACTIONS = ("complete", "reopen", "delete", "reschedule")


def state_key(user_id: str, conversation_id: str) -> str:
    return f"conversation:{user_id}:{conversation_id}"


@dataclass(frozen=True)
class Message:
    role: str
    text: str
    time: datetime
    task_ids: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "role": self.role,
            "text": self.text,
            "time": format_time(self.time),
            "task_ids": list(self.task_ids),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Message:
        return cls(
            role=str(data["role"]),
            text=str(data["text"]),
            time=parse_time(str(data["time"])),
            task_ids=tuple(data.get("task_ids") or ()),
        )


@dataclass(frozen=True)
class Pending:
    """An action that waits for the user: to pick one of several tasks ("which one? reply 1 or 2"), or,
    with `confirm`, to say yes or no to acting on all of them ("delete these 3 tasks?")."""

    action: str
    candidates: tuple[str, ...]
    due_at: datetime | None = None  # the new due time of a pending reschedule
    args: dict[str, Any] = field(default_factory=dict)  # the rest of the change: a title, tags, minutes
    confirm: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "candidates": list(self.candidates),
            "due_at": format_time(self.due_at),
            "args": self.args,
            "confirm": self.confirm,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Pending:
        due = data.get("due_at")
        return cls(
            str(data["action"]),
            tuple(data["candidates"]),
            parse_time(due) if due else None,
            dict(data.get("args") or {}),
            bool(data.get("confirm")),
        )


@dataclass(frozen=True)
class Conversation:
    id: str
    user_id: str
    created_at: datetime
    updated_at: datetime
    messages: tuple[Message, ...] = ()
    last_task_id: str | None = None
    shown_task_ids: tuple[str, ...] = ()  # the numbered list the last reply showed
    pending: Pending | None = None

    @classmethod
    def start(cls, conversation_id: str, user_id: str, now: datetime) -> Conversation:
        return cls(id=conversation_id, user_id=user_id, created_at=now, updated_at=now)

    def to_state(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "user_id": self.user_id,
            "created_at": format_time(self.created_at),
            "updated_at": format_time(self.updated_at),
            "messages": [message.to_dict() for message in self.messages],
            "last_task_id": self.last_task_id,
            "shown_task_ids": list(self.shown_task_ids),
            "pending": self.pending.to_dict() if self.pending else None,
        }

    @classmethod
    def from_state(cls, data: dict[str, Any]) -> Conversation:
        pending = data.get("pending")
        return cls(
            id=str(data["id"]),
            user_id=str(data["user_id"]),
            created_at=parse_time(str(data["created_at"])),
            updated_at=parse_time(str(data["updated_at"])),
            messages=tuple(Message.from_dict(item) for item in data.get("messages") or ()),
            last_task_id=data.get("last_task_id"),
            shown_task_ids=tuple(data.get("shown_task_ids") or ()),
            pending=Pending.from_dict(pending) if pending else None,
        )

    def to_public(self) -> dict[str, Any]:
        """What GET /chat/{id} shows: the transcript and the task "it" refers to, not the bookkeeping."""
        return {
            "id": self.id,
            "created_at": format_time(self.created_at),
            "updated_at": format_time(self.updated_at),
            "messages": [message.to_dict() for message in self.messages],
            "last_task_id": self.last_task_id,
        }


@dataclass(frozen=True)
class Turn:
    """What answering one message changed: the reply, the tasks it touched and the references."""

    reply: str
    tasks: tuple[dict[str, Any], ...] = ()
    focus: str | None = None  # the task "it" means from now on; None keeps the previous one
    gone: tuple[str, ...] = ()  # tasks deleted by this turn: "it" can no longer mean them
    shown: tuple[str, ...] | None = None  # a new numbered list; None keeps the previous one
    pending: Pending | None = None  # always replaces the previous pending question

    def apply(self, conversation: Conversation, message: str, now: datetime) -> Conversation:
        """The conversation with this exchange appended; pure, so it can be re-applied after a conflict."""
        messages = (
            *conversation.messages,
            Message("user", message, now),
            Message("assistant", self.reply, now, tuple(task["id"] for task in self.tasks)),
        )[-MAX_MESSAGES:]
        last = self.focus or conversation.last_task_id
        shown = self.shown if self.shown is not None else conversation.shown_task_ids
        return replace(
            conversation,
            messages=messages,
            updated_at=now,
            last_task_id=None if last in self.gone else last,
            shown_task_ids=shown,  # numbers keep their meaning; a deleted one resolves to "gone"
            pending=self.pending,
        )
