"""Answers one chat message: reads what it asks, acts on the user's tasks and says exactly what it did.

The language side is an Interpreter (the deterministic parser, or an LLM provider that produces the
same Intent types); everything after the intent is here and is the same for both. The assistant only
acts through the task services, as the signed-in user, so chat can do nothing the API could not.

A task is named by title ("complete pay rent"), by "it"/"that" (the task the conversation last
touched), or by its number in the list the assistant last showed ("complete 2"); see finding.py.
A bulk request ("delete all completed tasks") lists the tasks it would touch and acts only after a
"yes"; any other answer leaves them alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol

from doable.chat import matching, replies
from doable.chat.conversation import Conversation, Message, Pending, Turn
from doable.chat.finding import ACTIONS, Answered, TaskFinder
from doable.chat.intents import (
    BULK_MAX,
    HINT_GENERAL,
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
    Unknown,
)
from doable.chat.parser import parse
from doable.chat.replies import lead_time, quote, tag_list
from doable.domain.errors import DomainError, NotFound, ValidationFailed
from doable.domain.events import Context
from doable.domain.model import Priority, Status, Task, format_time
from doable.domain.query import TaskQuery
from doable.domain.recurrence import Recurrence, load_zone, localize
from doable.services import tasks
from doable.services.ports import UnitOfWork

LIST_SHOWN = 10  # a chat reply is read, not scrolled: longer lists say how many more there are
_YES = frozenset(
    {"yes", "y", "yep", "yeah", "sure", "ok", "okay", "yes please", "do it", "that one", "go ahead"}
)
_FILLER = frozenset({"the", "a", "an", "one", "task", "please", "i", "mean", "meant", "it", "is", "its"})
_NO = frozenset(
    {"no", "n", "nope", "cancel", "never mind", "nevermind", "forget it", "stop", "none", "don't"}
)
_BULK_VERBS = {
    "complete": ("complete", "Completed"),
    "reopen": ("reopen", "Reopened"),
    "delete": ("delete", "Deleted"),
}


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


class Assistant:
    def __init__(
        self,
        uow: UnitOfWork,
        ctx: Context,
        timezone: str,
        now: datetime,
        interpreter: Interpreter,
        *,
        hour12: bool = False,
    ) -> None:
        self.uow = uow
        self.ctx = ctx
        self.timezone = timezone
        self.zone = load_zone(timezone)
        self.now = now
        self.interpreter = interpreter
        self.say = replies.Say(self.zone, now, hour12)
        self.finder = TaskFinder(uow, ctx, now, self.say)

    def answer(self, message: str, conversation: Conversation) -> Turn:
        """The turn that answers `message`; task changes happen here, the conversation is not saved."""
        try:
            pending = conversation.pending
            if pending is not None and pending.confirm:
                said = " ".join(matching.words(message))
                if said in _YES:
                    return self._bulk_confirmed(pending)
                if said in _NO:
                    return Turn("OK, I left them as they were.")
            choice = matching.read_choice(message)
            if choice is not None and pending is not None and not pending.confirm:
                return self._choose(pending, choice)
            if choice is not None and conversation.shown_task_ids:
                return self._point(conversation, choice)
            intent = self.interpreter.interpret(
                message, now=self.now, timezone=self.timezone, history=conversation.messages
            )
            if isinstance(intent, Unknown) and pending is not None:
                return self._follow_up(pending, message)
            return self.respond(intent, conversation)
        except Answered as answered:
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
            case BulkAction(action, listed):
                return self._bulk(action, listed)
            case Help():
                return Turn(replies.HELP)
            case Unknown(message, hint):
                return self._unknown(message, hint)
        action, ref, due_at, args = _request(intent)
        task = self.finder.resolve(ref, conversation, Pending(action, (), due_at, args))
        return self._perform(action, task, due_at, args)

    # --- acting on one task ----------------------------------------------------------------------

    def _perform(self, action: str, task: Task, due_at: datetime | None, args: dict[str, Any]) -> Turn:
        if action == "complete":
            return self._complete(task)
        if action == "reopen":
            return self._reopen(task)
        if action == "delete":
            return self._delete(task)
        if action == "reschedule":
            assert due_at is not None
            return self._reschedule(task, due_at, bool(args.get("keep_time")))
        if action == "snooze":
            return self._snooze(task, int(args["minutes"]))
        if action == "rename":
            return self._rename(task, str(args["title"]))
        if action == "priority":
            return self._set_priority(task, str(args["priority"]))
        assert action == "retag"
        return self._retag(task, tuple(args.get("add") or ()), tuple(args.get("remove") or ()))

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
        return Turn(self.say.added(task), (task.to_dict(),), focus=task.id)

    def _query(self, intent: ListTasks, limit: int) -> TaskQuery:
        return TaskQuery(
            q=intent.q,
            status=intent.status,
            priorities=tuple(Priority(name) for name in intent.priorities),
            tags=intent.tags,
            due_after=intent.due_after,
            due_before=intent.due_before,
            overdue=intent.overdue,
            # A person asking "what's on my list" wants the soonest first; a search ranks by relevance.
            sort=intent.sort or (None if intent.q else "due_at"),
            limit=limit,
        )

    def _list(self, intent: ListTasks) -> Turn:
        page = tasks.search_tasks(self.uow, self.ctx, self._query(intent, LIST_SHOWN), now=self.now)
        subject = self.say.list_subject(intent, page.total)
        if not page.items:
            hint = " Add one with 'add buy milk tomorrow'." if intent.status != "completed" else ""
            return Turn(f"You have no {subject}.{hint}", shown=())
        lines = [f"You have {page.total} {subject}:", self.say.numbered(page.items)]
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
            done = self.say.when(task.completed_at) if task.completed_at else "earlier"
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

    def _update(self, task: Task, data: dict[str, object]) -> Task:
        return tasks.update_task(self.uow, self.ctx, task.id, data, now=self.now)

    def _reschedule(self, task: Task, due_at: datetime, keep_time: bool) -> Turn:
        if keep_time and task.due_at is not None:
            # "move groceries to friday": Friday, at the time of day the task already had.
            day = due_at.astimezone(self.zone).date()
            wall = task.due_at.astimezone(self.zone).time().replace(tzinfo=None)
            due_at = localize(datetime.combine(day, wall), self.zone)
        task = self._update(task, {"due_at": format_time(due_at)})
        return self._moved(task, f"Moved {quote(task.title)} to {self.say.when(due_at)}")

    def _snooze(self, task: Task, minutes: int) -> Turn:
        # A late or undated task is snoozed from now: "snooze it 2 hours" never lands in the past.
        base = task.due_at if task.due_at is not None and task.due_at > self.now else self.now
        due_at = base + timedelta(minutes=minutes)
        task = self._update(task, {"due_at": format_time(due_at)})
        return self._moved(
            task, f"Snoozed {quote(task.title)} by {lead_time(minutes)}: now due {self.say.when(due_at)}"
        )

    def _moved(self, task: Task, sentence: str) -> Turn:
        if task.reminder_minutes_before is not None:
            sentence += f"; {replies.reminder_phrase(task.reminder_minutes_before)} comes with it"
        if task.status is Status.COMPLETED:
            sentence += ". It is marked done; say 'reopen it' to bring it back"
        return Turn(sentence + ".", (task.to_dict(),), task.id)

    def _rename(self, task: Task, title: str) -> Turn:
        old = task.title
        if title == old:
            return Turn(f"It is already called {quote(old)}.", (task.to_dict(),), task.id)
        task = self._update(task, {"title": title})
        return Turn(f"Renamed {quote(old)} to {quote(task.title)}.", (task.to_dict(),), task.id)

    def _set_priority(self, task: Task, priority: str) -> Turn:
        if task.priority.value == priority:
            return Turn(f"{quote(task.title)} is already {priority} priority.", (task.to_dict(),), task.id)
        task = self._update(task, {"priority": priority})
        return Turn(f"{quote(task.title)} is now {priority} priority.", (task.to_dict(),), task.id)

    def _retag(self, task: Task, add: Sequence[str], remove: Sequence[str]) -> Turn:
        missing = [tag for tag in remove if tag not in task.tags]
        if missing and len(missing) == len(remove) and not add:
            return Turn(
                f"{quote(task.title)} has no tag {tag_list(missing)}"
                + (f"; its tags are {tag_list(task.tags)}." if task.tags else "; it has no tags."),
                (task.to_dict(),),
                task.id,
            )
        kept = [tag for tag in task.tags if tag not in remove]
        task = self._update(task, {"tags": kept + [tag for tag in add if tag not in kept]})
        done = []
        if add:
            done.append(f"tagged {quote(task.title)} {tag_list(add)}")
        if remove:
            done.append(
                f"removed {tag_list(tag for tag in remove if tag not in missing)} from {quote(task.title)}"
            )
        sentence = " and ".join(done)
        return Turn(f"{sentence[0].upper()}{sentence[1:]}.", (task.to_dict(),), task.id)

    def _unknown(self, message: str, hint: str | None) -> Turn:
        shown = message if len(message) <= 80 else message[:77] + "\u2026"
        if hint is not None and hint != HINT_GENERAL:
            return Turn(hint)
        if not shown:
            return Turn(hint or HINT_GENERAL)
        return Turn(f"Sorry, I didn't understand {quote(shown)}. {hint or HINT_GENERAL}")

    # --- acting on many tasks, once confirmed ----------------------------------------------------

    def _bulk(self, action: str, listed: ListTasks) -> Turn:
        page = tasks.search_tasks(self.uow, self.ctx, self._query(listed, BULK_MAX + 1), now=self.now)
        fits = ACTIONS[action].fits if action != "delete" else (lambda _task: True)
        found = [task for task in page.items if fits(task)]
        subject = self.say.list_subject(listed, len(found))
        verb = _BULK_VERBS[action][0]
        if not found:
            return Turn(f"You have no {subject}, so there is nothing to {verb}.", shown=())
        if page.total > BULK_MAX:
            return Turn(
                f"That is more than {BULK_MAX} tasks; narrow it down with a tag, a priority or a date, "
                f"e.g. '{verb} all completed tasks tagged work'.",
                shown=(),
            )
        ids = tuple(task.id for task in found)
        these = "this task" if len(found) == 1 else f"these {len(found)} tasks"
        return Turn(
            f"{verb.capitalize()} {these} ({subject})?\n{self.say.numbered(found)}\n"
            f"Say 'yes' to {verb} {'it' if len(found) == 1 else 'them all'}, or 'no' to leave "
            f"{'it' if len(found) == 1 else 'them'}.",
            tuple(task.to_dict() for task in found),
            shown=ids,
            pending=Pending(f"bulk-{action}", ids, confirm=True),
        )

    def _bulk_confirmed(self, pending: Pending) -> Turn:
        action = pending.action.removeprefix("bulk-")
        touched: list[Task] = []
        gone: list[str] = []
        for task in self.finder.still_there(pending.candidates):
            if action == "delete":
                deleted = tasks.delete_task(self.uow, self.ctx, task.id, now=self.now)
                touched += deleted
                gone += [victim.id for victim in deleted]
            elif ACTIONS[action].fits(task):
                change = tasks.complete_task if action == "complete" else tasks.reopen_task
                touched.append(change(self.uow, self.ctx, task.id, now=self.now))
        done = _BULK_VERBS[action][1]
        if not touched:
            return Turn(f"Nothing left to {action}: those tasks changed meanwhile.")
        titles = [task.title for task in touched if task.id in pending.candidates]
        named = ", ".join(quote(title) for title in titles[:5]) + ("\u2026" if len(titles) > 5 else "")
        count = f"{len(titles)} task{'' if len(titles) == 1 else 's'}"
        return Turn(f"{done} {count}: {named}.", tuple(task.to_dict() for task in touched), gone=tuple(gone))

    # --- choosing from a list --------------------------------------------------------------------

    def _choose(self, pending: Pending, choice: int) -> Turn:
        if not 1 <= choice <= len(pending.candidates):
            raise Answered(Turn(f"Pick a number from 1 to {len(pending.candidates)}.", pending=pending))
        task = self.finder.get(pending.candidates[choice - 1])
        return self._perform(pending.action, task, pending.due_at, pending.args)

    def _follow_up(self, pending: Pending, message: str) -> Turn:
        """An answer to "which one?" in words: yes, no, or (part of) one candidate's title."""
        if pending.confirm:
            count = len(pending.candidates)
            them = "it" if count == 1 else f"all {count}"
            verb = pending.action.removeprefix("bulk-")
            return Turn(f"Say 'yes' to {verb} {them}, or 'no' to leave them as they are.", pending=pending)
        said = " ".join(matching.words(message))
        if said in _NO:
            return Turn("OK, I left it as it was.")
        if said in _YES and len(pending.candidates) == 1:
            task = self.finder.get(pending.candidates[0])
            return self._perform(pending.action, task, pending.due_at, pending.args)
        # "the read one" names "read report": the words around the title say nothing about which.
        reference = " ".join(word for word in said.split() if word not in _FILLER)
        named = matching.best(reference, self.finder.still_there(pending.candidates), lambda _task: True)
        if reference and len(named) == 1 and matching.rank(reference, named[0].title) < matching.ELSEWHERE:
            return self._perform(pending.action, named[0], pending.due_at, pending.args)
        count = len(pending.candidates)
        choices = "say 'yes'" if count == 1 else f"reply with a number from 1 to {count}"
        return Turn(f"Sorry, which one? {choices[0].upper()}{choices[1:]}, or say 'cancel'.", pending=pending)

    def _point(self, conversation: Conversation, choice: int) -> Turn:
        task = self.finder.shown(conversation, choice)
        facts = self.say.task_facts(task)
        detail = f" ({', '.join(facts)})" if facts else ""
        return Turn(
            f"Number {choice} is {quote(task.title)}{detail}. Say 'complete it', 'move it to friday 3pm' "
            "or 'delete it'.",
            (task.to_dict(),),
            task.id,
        )


def _request(intent: Intent) -> tuple[str, Any, datetime | None, dict[str, Any]]:
    """The action name, task reference, new due time and other arguments of a one-task request."""
    match intent:
        case CompleteTask(ref):
            return "complete", ref, None, {}
        case ReopenTask(ref):
            return "reopen", ref, None, {}
        case DeleteTask(ref):
            return "delete", ref, None, {}
        case RescheduleTask(ref, due_at, keep_time):
            return "reschedule", ref, due_at, {"keep_time": keep_time}
        case SnoozeTask(ref, minutes):
            return "snooze", ref, None, {"minutes": minutes}
        case RenameTask(ref, title):
            return "rename", ref, None, {"title": title}
        case SetPriority(ref, priority):
            return "priority", ref, None, {"priority": priority}
        case RetagTask(ref, add, remove):
            return "retag", ref, None, {"add": list(add), "remove": list(remove)}
    raise AssertionError(f"unhandled intent {intent!r}")
