"""Answers one chat message: reads what it asks, acts on the user's tasks and says exactly what it did.

The language side is an Interpreter (the deterministic parser, or an LLM provider that produces the
same Intent types); everything after the intent is here and is the same for both. The assistant only
acts through the task services, as the signed-in user, so chat can do nothing the API could not.

A task is named by title ("complete pay rent"), by "it"/"that" (the task the conversation last
touched), or by its number in the list the assistant last showed ("complete 2"). When a title fits
several tasks equally well, nothing happens: the assistant lists them and waits for a number.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from doable.adapters.unit_of_work import UnitOfWork
from doable.chat import matching, replies
from doable.chat.conversation import Conversation, Message, Pending, Turn
from doable.chat.intents import (
    HINT_GENERAL,
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
from doable.chat.parser import parse
from doable.chat.replies import quote
from doable.domain.errors import DomainError, NotFound, ValidationFailed
from doable.domain.events import Context
from doable.domain.model import Priority, Status, Task, format_time
from doable.domain.query import TaskQuery
from doable.domain.recurrence import Recurrence, load_zone
from doable.services import tasks

LIST_SHOWN = 10  # a chat reply is read, not scrolled: longer lists say how many more there are
SEARCH_LIMIT = 50  # candidates considered when a title names a task
SUGGEST_FROM = 200  # recent tasks scanned for a "did you mean" when no title matched
MAX_CANDIDATES = 5
_YES = frozenset({"yes", "y", "yep", "yeah", "sure", "ok", "okay", "yes please", "do it", "that one"})
_FILLER = frozenset({"the", "a", "an", "one", "task", "please", "i", "mean", "meant", "it", "is", "its"})
_NO = frozenset({"no", "n", "nope", "cancel", "never mind", "nevermind", "forget it", "stop", "none"})


class Interpreter(Protocol):
    """Turns a message into an Intent; `history` is the conversation so far, oldest first."""

    name: str

    def interpret(
        self, message: str, *, now: datetime, timezone: str, history: Sequence[Message]
    ) -> Intent: ...


class ParserInterpreter:
    """The default: the deterministic parser, which answers the same words the same way every time."""

    name = "parser"

    def interpret(self, message: str, *, now: datetime, timezone: str, history: Sequence[Message]) -> Intent:
        return parse(message, now, timezone)


class _Answered(Exception):
    """Raised while resolving a reference when the answer is already known ("which one?")."""

    def __init__(self, turn: Turn) -> None:
        super().__init__(turn.reply)
        self.turn = turn


@dataclass(frozen=True)
class _Action:
    verb: str  # what the reply calls it: "complete", "reopen", ...
    fits: Callable[[Task], bool]  # which tasks the action is meant for when a title fits several


_ACTIONS = {
    "complete": _Action("complete", lambda task: task.status is Status.OPEN),
    "reopen": _Action("reopen", lambda task: task.status is Status.COMPLETED),
    "delete": _Action("delete", lambda task: task.status is Status.OPEN),
    "reschedule": _Action("move", lambda task: task.status is Status.OPEN),
}


def _soonest_first(task: Task) -> tuple[bool, datetime, str, datetime]:
    """How candidates are listed: by due time (undated last), then title, so numbers are stable."""
    return (task.due_at is None, task.due_at or task.created_at, task.title.casefold(), task.created_at)


class Assistant:
    def __init__(
        self, uow: UnitOfWork, ctx: Context, timezone: str, now: datetime, interpreter: Interpreter
    ) -> None:
        self.uow = uow
        self.ctx = ctx
        self.timezone = timezone
        self.zone = load_zone(timezone)
        self.now = now
        self.interpreter = interpreter

    def answer(self, message: str, conversation: Conversation) -> Turn:
        """The turn that answers `message`; task changes happen here, the conversation is not saved."""
        try:
            choice = matching.read_choice(message)
            if choice is not None and conversation.pending is not None:
                return self._choose(conversation.pending, choice)
            if choice is not None and conversation.shown_task_ids:
                return self._point(conversation, choice)
            intent = self.interpreter.interpret(
                message, now=self.now, timezone=self.timezone, history=conversation.messages
            )
            if isinstance(intent, Unknown) and conversation.pending is not None:
                return self._follow_up(conversation.pending, message)
            return self.respond(intent, conversation)
        except _Answered as answered:
            return answered.turn
        except ValidationFailed as error:
            return Turn(f"I couldn't do that: {error.detail}.")
        except NotFound:
            return Turn("I can't find that task any more; it may have been deleted.")
        except DomainError as error:
            return Turn(f"I couldn't do that: {error.detail}")

    def respond(self, intent: Intent, conversation: Conversation) -> Turn:
        match intent:
            case AddTask():
                return self._add(intent)
            case ListTasks():
                return self._list(intent)
            case CompleteTask(ref):
                return self._complete(self._resolve(ref, conversation, "complete"))
            case ReopenTask(ref):
                return self._reopen(self._resolve(ref, conversation, "reopen"))
            case DeleteTask(ref):
                return self._delete(self._resolve(ref, conversation, "delete"))
            case RescheduleTask(ref, due_at):
                return self._reschedule(self._resolve(ref, conversation, "reschedule", due_at), due_at)
            case Help():
                return Turn(replies.HELP)
            case Unknown(message, hint):
                return self._unknown(message, hint)
        raise AssertionError(f"unhandled intent {intent!r}")

    # --- acting ----------------------------------------------------------------------------------

    def _add(self, intent: AddTask) -> Turn:
        data: dict[str, object] = {"title": intent.title, "tags": list(intent.tags)}
        if intent.priority is not None:
            data["priority"] = intent.priority
        if intent.description:
            data["description"] = intent.description
        if intent.due_at is not None:
            data["due_at"] = format_time(intent.due_at)
            data["recurrence"] = intent.recurrence
            data["reminder_minutes_before"] = intent.reminder_minutes_before
        task = tasks.create_task(self.uow, self.ctx, data, now=self.now)
        return Turn(replies.added(task, self.zone, self.now), (task.to_dict(),), focus=task.id)

    def _list(self, intent: ListTasks) -> Turn:
        query = TaskQuery(
            q=intent.q,
            status=intent.status,
            priorities=tuple(Priority(name) for name in intent.priorities),
            tags=intent.tags,
            due_after=intent.due_after,
            due_before=intent.due_before,
            overdue=intent.overdue,
            # A person asking "what's on my list" wants the soonest first; a search ranks by relevance.
            sort=intent.sort or (None if intent.q else "due_at"),
            limit=LIST_SHOWN,
        )
        page = tasks.search_tasks(self.uow, self.ctx, query, now=self.now)
        subject = replies.list_subject(intent, self.zone, self.now, page.total)
        if not page.items:
            hint = " Add one with 'add buy milk tomorrow'." if intent.status != "completed" else ""
            return Turn(f"You have no {subject}.{hint}", shown=())
        lines = [f"You have {page.total} {subject}:", replies.numbered(page.items, self.zone, self.now)]
        if page.total > len(page.items):
            more = page.total - len(page.items)
            lines.append(f"\u2026and {more} more; narrow it down with a tag, a priority or a date.")
        only = page.items[0].id if len(page.items) == 1 else None
        return Turn(
            "\n".join(lines),
            tuple(task.to_dict() for task in page.items),
            focus=only,
            shown=tuple(task.id for task in page.items),
        )

    def _complete(self, task: Task) -> Turn:
        if task.status is Status.COMPLETED:
            done = replies.when(task.completed_at, self.zone, self.now) if task.completed_at else "earlier"
            return Turn(
                f"{quote(task.title)} is already done (completed {done}).", (task.to_dict(),), task.id
            )
        task = tasks.complete_task(self.uow, self.ctx, task.id, now=self.now)
        follow = (
            f" It repeats {task.recurrence.value}, so the next one is on its way."
            if task.recurrence is not Recurrence.NONE
            else ""
        )
        return Turn(f"Nice work! {quote(task.title)} is done.{follow}", (task.to_dict(),), task.id)

    def _reopen(self, task: Task) -> Turn:
        if task.status is Status.OPEN:
            return Turn(f"{quote(task.title)} is already open.", (task.to_dict(),), task.id)
        task = tasks.reopen_task(self.uow, self.ctx, task.id, now=self.now)
        return Turn(f"Reopened {quote(task.title)}; it's back on your list.", (task.to_dict(),), task.id)

    def _delete(self, task: Task) -> Turn:
        deleted = tasks.delete_task(self.uow, self.ctx, task.id, now=self.now)
        return Turn(
            f"Deleted {quote(task.title)}.",
            tuple(victim.to_dict() for victim in deleted),
            gone=tuple(victim.id for victim in deleted),
        )

    def _reschedule(self, task: Task, due_at: datetime) -> Turn:
        task = tasks.update_task(self.uow, self.ctx, task.id, {"due_at": format_time(due_at)}, now=self.now)
        sentence = f"Moved {quote(task.title)} to {replies.when(due_at, self.zone, self.now)}"
        if task.reminder_minutes_before is not None:
            sentence += f"; {replies.reminder_phrase(task.reminder_minutes_before)} comes with it"
        if task.status is Status.COMPLETED:
            sentence += ". It is marked done; say 'reopen it' to bring it back"
        return Turn(sentence + ".", (task.to_dict(),), task.id)

    def _unknown(self, message: str, hint: str | None) -> Turn:
        shown = message if len(message) <= 80 else message[:77] + "\u2026"
        if hint is not None and hint != HINT_GENERAL:
            return Turn(hint)
        if not shown:
            return Turn(hint or HINT_GENERAL)
        return Turn(f"Sorry, I didn't understand {quote(shown)}. {hint or HINT_GENERAL}")

    # --- choosing from a list --------------------------------------------------------------------

    def _choose(self, pending: Pending, choice: int) -> Turn:
        if not 1 <= choice <= len(pending.candidates):
            raise _Answered(Turn(f"Pick a number from 1 to {len(pending.candidates)}.", pending=pending))
        task = self._get(pending.candidates[choice - 1])
        return self._perform(pending.action, task, pending.due_at)

    def _follow_up(self, pending: Pending, message: str) -> Turn:
        """An answer to "which one?" in words: yes, no, or (part of) one candidate's title."""
        said = " ".join(matching.words(message))
        if said in _NO:
            return Turn("OK, I left it as it was.")
        if said in _YES and len(pending.candidates) == 1:
            return self._perform(pending.action, self._get(pending.candidates[0]), pending.due_at)
        # "the read one" names "read report": the words around the title say nothing about which.
        reference = " ".join(word for word in said.split() if word not in _FILLER)
        named = matching.best(reference, self._still_there(pending.candidates), lambda _task: True)
        if reference and len(named) == 1 and matching.rank(reference, named[0].title) < matching.ELSEWHERE:
            return self._perform(pending.action, named[0], pending.due_at)
        count = len(pending.candidates)
        choices = "say 'yes'" if count == 1 else f"reply with a number from 1 to {count}"
        return Turn(f"Sorry, which one? {choices[0].upper()}{choices[1:]}, or say 'cancel'.", pending=pending)

    def _still_there(self, task_ids: Sequence[str]) -> list[Task]:
        found: list[Task] = []
        for task_id in task_ids:
            try:
                found.append(self._get(task_id))
            except NotFound:
                continue
        return found

    def _point(self, conversation: Conversation, choice: int) -> Turn:
        task = self._shown(conversation, choice)
        facts = replies.task_facts(task, self.zone, self.now)
        detail = f" ({', '.join(facts)})" if facts else ""
        return Turn(
            f"Number {choice} is {quote(task.title)}{detail}. Say 'complete it', 'move it to friday 3pm' "
            "or 'delete it'.",
            (task.to_dict(),),
            task.id,
        )

    def _perform(self, action: str, task: Task, due_at: datetime | None) -> Turn:
        if action == "complete":
            return self._complete(task)
        if action == "reopen":
            return self._reopen(task)
        if action == "delete":
            return self._delete(task)
        assert action == "reschedule" and due_at is not None
        return self._reschedule(task, due_at)

    # --- resolving references --------------------------------------------------------------------

    def _resolve(
        self, ref: TaskRef, conversation: Conversation, action: str, due_at: datetime | None = None
    ) -> Task:
        if ref.title is None:
            if conversation.last_task_id is None:
                raise _Answered(Turn("Which task do you mean? Tell me its title, e.g. 'complete buy milk'."))
            return self._get(conversation.last_task_id)
        choice = matching.read_choice(ref.title)
        if choice is not None and conversation.shown_task_ids:
            return self._shown(conversation, choice)
        return self._by_title(ref.title, _ACTIONS[action], action, due_at)

    def _shown(self, conversation: Conversation, choice: int) -> Task:
        shown = conversation.shown_task_ids
        if not 1 <= choice <= len(shown):
            raise _Answered(
                Turn(f"The list I showed has {len(shown)} tasks; pick a number from 1 to {len(shown)}.")
            )
        return self._get(shown[choice - 1])

    def _get(self, task_id: str) -> Task:
        return tasks.get_task(self.uow, self.ctx, task_id)  # NotFound: "can't find that task any more"

    def _by_title(self, title: str, action: _Action, name: str, due_at: datetime | None) -> Task:
        query = TaskQuery(q=title, status="all", limit=SEARCH_LIMIT)
        hits = tasks.search_tasks(self.uow, self.ctx, query, now=self.now).items
        if not hits:
            raise _Answered(self._no_match(title, action, name, due_at))
        best = matching.best(title, hits, action.fits)
        if len(best) == 1:
            return best[0]
        candidates = sorted(best, key=_soonest_first)[:MAX_CANDIDATES]
        raise _Answered(
            self._ask_which(
                f"{len(best)} tasks match {quote(title)}. Which one should I {action.verb}?",
                candidates,
                Pending(name, tuple(task.id for task in candidates), due_at),
            )
        )

    def _no_match(self, title: str, action: _Action, name: str, due_at: datetime | None) -> Turn:
        recent = tasks.search_tasks(
            self.uow, self.ctx, TaskQuery(status="all", limit=SUGGEST_FROM), now=self.now
        ).items
        close = matching.suggestions(title, [task for task in recent if action.fits(task)] or recent)
        if not close:
            return Turn(f"I couldn't find a task called {quote(title)}. Say 'show my tasks' to see them all.")
        return self._ask_which(
            f"I couldn't find a task called {quote(title)}. Did you mean "
            + ("this one?" if len(close) == 1 else "one of these?"),
            close,
            Pending(name, tuple(task.id for task in close), due_at),
        )

    def _ask_which(self, question: str, candidates: Sequence[Task], pending: Pending) -> Turn:
        listing = replies.numbered(candidates, self.zone, self.now)
        return Turn(
            f"{question}\n{listing}\nReply with the number, e.g. '1'.",
            tuple(task.to_dict() for task in candidates),
            shown=tuple(task.id for task in candidates),
            pending=pending,
        )
