"""Which task a chat request means: by title, by "it", or by its number in the last list shown.

When a title fits several tasks equally well, or none but some look like a misspelling, the finder
does not guess: it raises Answered with a "which one?" turn that carries the request as Pending, so
the user's next message ("2", "the read one", "yes") completes it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from doable.chat import matching, replies
from doable.chat.conversation import Conversation, Pending, Turn
from doable.chat.intents import TaskRef
from doable.chat.replies import quote
from doable.domain.errors import NotFound
from doable.domain.events import Context
from doable.domain.model import Status, Task
from doable.domain.query import TaskQuery
from doable.services import tasks
from doable.services.ports import UnitOfWork

SEARCH_LIMIT = 50  # candidates considered when a title names a task
SUGGEST_FROM = 200  # recent tasks scanned for a "did you mean" when no title matched
MAX_CANDIDATES = 5


class Answered(Exception):
    """Raised while resolving a reference when the answer is already known ("which one?")."""

    def __init__(self, turn: Turn) -> None:
        super().__init__(turn.reply)
        self.turn = turn


@dataclass(frozen=True)
class Action:
    verb: str  # what the question calls it: "complete", "reopen", ...
    fits: Callable[[Task], bool]  # which tasks the action is meant for when a title fits several


def _is_open(task: Task) -> bool:
    return task.status is Status.OPEN


ACTIONS = {
    "complete": Action("complete", _is_open),
    "reopen": Action("reopen", lambda task: task.status is Status.COMPLETED),
    "delete": Action("delete", _is_open),
    "reschedule": Action("move", _is_open),
    "snooze": Action("snooze", _is_open),
    "rename": Action("rename", _is_open),
    "priority": Action("change", _is_open),
    "retag": Action("retag", _is_open),
}


def soonest_first(task: Task) -> tuple[bool, datetime, str, datetime]:
    """How candidates are listed: by due time (undated last), then title, so numbers are stable."""
    return (task.due_at is None, task.due_at or task.created_at, task.title.casefold(), task.created_at)


class TaskFinder:
    def __init__(self, uow: UnitOfWork, ctx: Context, now: datetime, say: replies.Say) -> None:
        self.uow = uow
        self.ctx = ctx
        self.now = now
        self.say = say

    def resolve(self, ref: TaskRef, conversation: Conversation, request: Pending) -> Task:
        """The task `ref` names; `request` is what to do with it, kept if the user must choose."""
        if ref.title is None:
            if conversation.last_task_id is None:
                raise Answered(Turn("Which task do you mean? Tell me its title, e.g. 'complete buy milk'."))
            return self.get(conversation.last_task_id)
        choice = matching.read_choice(ref.title)
        if choice is not None and conversation.shown_task_ids:
            return self.shown(conversation, choice)
        return self._by_title(ref.title, request)

    def shown(self, conversation: Conversation, choice: int) -> Task:
        shown = conversation.shown_task_ids
        if not 1 <= choice <= len(shown):
            raise Answered(
                Turn(f"The list I showed has {len(shown)} tasks; pick a number from 1 to {len(shown)}.")
            )
        return self.get(shown[choice - 1])

    def get(self, task_id: str) -> Task:
        return tasks.get_task(self.uow, self.ctx, task_id)  # NotFound: "can't find that task any more"

    def still_there(self, task_ids: Sequence[str]) -> list[Task]:
        found: list[Task] = []
        for task_id in task_ids:
            try:
                found.append(self.get(task_id))
            except NotFound:
                continue
        return found

    def ask_which(self, question: str, candidates: Sequence[Task], pending: Pending) -> Turn:
        listing = self.say.numbered(candidates)
        return Turn(
            f"{question}\n{listing}\nReply with the number, e.g. '1'.",
            tuple(task.to_dict() for task in candidates),
            shown=tuple(task.id for task in candidates),
            pending=pending,
        )

    def _by_title(self, title: str, request: Pending) -> Task:
        action = ACTIONS[request.action]
        query = TaskQuery(q=title, status="all", limit=SEARCH_LIMIT)
        hits = tasks.search_tasks(self.uow, self.ctx, query, now=self.now).items
        if not hits:
            raise Answered(self._no_match(title, action, request))
        best = matching.best(title, hits, action.fits)
        if len(best) == 1:
            return best[0]
        candidates = sorted(best, key=soonest_first)[:MAX_CANDIDATES]
        raise Answered(
            self.ask_which(
                f"{len(best)} tasks match {quote(title)}. Which one should I {action.verb}?",
                candidates,
                replace(request, candidates=tuple(task.id for task in candidates)),
            )
        )

    def _no_match(self, title: str, action: Action, request: Pending) -> Turn:
        recent = tasks.search_tasks(
            self.uow, self.ctx, TaskQuery(status="all", limit=SUGGEST_FROM), now=self.now
        ).items
        close = matching.suggestions(title, [task for task in recent if action.fits(task)] or recent)
        if not close:
            return Turn(f"I couldn't find a task called {quote(title)}. Say 'show my tasks' to see them all.")
        return self.ask_which(
            f"I couldn't find a task called {quote(title)}. Did you mean "
            + ("this one?" if len(close) == 1 else "one of these?"),
            close,
            replace(request, candidates=tuple(task.id for task in close)),
        )
