"""Chat commands: answer a message within its conversation, and read a conversation back.

The conversation lives in the state store, keyed by its owner, and is saved with its ETag
(first-write-wins). A message's task changes happen once; if another request saved the conversation
meanwhile, the exchange is re-appended to the fresh copy instead of being answered again, so a
conflict never adds a task twice.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from doable.adapters.tokens import Identity
from doable.chat.assistant import Assistant, Interpreter, ParserInterpreter
from doable.chat.conversation import CONVERSATION_ID, Conversation, Turn, state_key
from doable.domain.errors import Conflict, FieldError, NotFound, ValidationFailed
from doable.domain.events import Context
from doable.domain.model import new_id, utcnow
from doable.services.ports import StateConflict, StateStore, UnitOfWork
from doable.services.users import current_user

log = logging.getLogger(__name__)
MESSAGE_MAX = 2000
SAVE_ATTEMPTS = 5


CLOCKS = ("24h", "12h")


@dataclass(frozen=True)
class SendMessage:
    message: str
    conversation_id: str | None = None
    # How the user's client shows times ("5:00 PM" or "17:00"); the replies say them the same way.
    clock: str = "24h"

    @classmethod
    def from_json(cls, body: Mapping[str, Any]) -> SendMessage:
        errors: list[FieldError] = []
        for name in sorted(set(body) - {"message", "conversation_id", "clock"}):
            allowed = "unknown field; allowed are message, conversation_id, clock"
            errors.append(FieldError(name, "unknown_field", allowed))
        message = body.get("message")
        if not isinstance(message, str) or not message.strip():
            errors.append(FieldError("message", "required", "say something, e.g. 'add buy milk tomorrow'"))
        elif len(message) > MESSAGE_MAX:
            errors.append(FieldError("message", "length", f"at most {MESSAGE_MAX} characters"))
        conversation_id = body.get("conversation_id")
        if conversation_id is not None and not isinstance(conversation_id, str):
            errors.append(FieldError("conversation_id", "type", "must be a string or left out"))
        clock = body.get("clock")
        if clock is None:  # only a missing or null clock means the default; {} or "" is a mistake to name
            clock = "24h"
        if clock not in CLOCKS:
            errors.append(FieldError("clock", "choice", "must be 24h or 12h, or left out for 24h"))
        if errors:
            raise ValidationFailed(errors)
        assert isinstance(message, str)
        return cls(message.strip(), conversation_id or None, str(clock))


@dataclass(frozen=True)
class ChatReply:
    conversation_id: str
    reply: str
    tasks: tuple[dict[str, Any], ...]

    def to_dict(self) -> dict[str, Any]:
        return {"conversation_id": self.conversation_id, "reply": self.reply, "tasks": list(self.tasks)}


def send_message(
    uow: UnitOfWork,
    state: StateStore,
    ctx: Context,
    command: SendMessage,
    interpreter: Interpreter | None = None,
    now: datetime | None = None,
) -> ChatReply:
    now = now or utcnow()
    user = current_user(uow, Identity(ctx.user_id))
    if command.conversation_id is None:
        conversation, etag = Conversation.start(new_id(), ctx.user_id, now), None
    else:
        conversation, etag = _load(state, ctx, command.conversation_id)
    assistant = Assistant(
        uow, ctx, user.timezone, now, interpreter or ParserInterpreter(), hour12=command.clock == "12h"
    )
    turn = assistant.answer(command.message, conversation)
    _save(state, ctx, conversation, etag, turn, command.message, now)
    return ChatReply(conversation.id, turn.reply, turn.tasks)


def get_conversation(state: StateStore, ctx: Context, conversation_id: str) -> Conversation:
    conversation, _ = _load(state, ctx, conversation_id)
    return conversation


def _load(state: StateStore, ctx: Context, conversation_id: str) -> tuple[Conversation, str | None]:
    missing = NotFound(
        f"no conversation {conversation_id!r} among yours; leave conversation_id out to start a new one"
    )
    if not CONVERSATION_ID.match(conversation_id):
        raise missing
    data, etag = state.get(state_key(ctx.user_id, conversation_id))
    if not data:
        raise missing
    conversation = Conversation.from_state(data)
    if conversation.user_id != ctx.user_id:  # the key already says whose it is; this is belt and braces
        raise missing
    return conversation, etag


def _save(
    state: StateStore,
    ctx: Context,
    conversation: Conversation,
    etag: str | None,
    turn: Turn,
    message: str,
    now: datetime,
) -> None:
    key = state_key(ctx.user_id, conversation.id)
    for attempt in range(1, SAVE_ATTEMPTS + 1):
        try:
            state.save(key, turn.apply(conversation, message, now).to_state(), etag)
            return
        except StateConflict:
            log.info("conversation %s changed while saving (attempt %d); merging", conversation.id, attempt)
            data, etag = state.get(key)
            if data:
                conversation = Conversation.from_state(data)
    raise Conflict("the conversation kept changing while your message was saved; send it again")
