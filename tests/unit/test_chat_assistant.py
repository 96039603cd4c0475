"""The chat assistant on a table of conversations: what it replies, word for word, and what it changed.

Each case seeds tasks for a fresh user in Europe/Paris, sends its messages in one conversation at a
fixed instant, and checks the last reply exactly, so the wording and the times shown in the user's
zone are part of the contract.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from doable.adapters.inprocess import InProcessState
from doable.adapters.unit_of_work import UnitOfWork
from doable.chat.conversation import MAX_MESSAGES, state_key
from doable.domain.errors import NotFound, ValidationFailed
from doable.domain.events import Context
from doable.domain.model import Task, User, format_time, new_id
from doable.domain.query import TaskQuery
from doable.services import chat, tasks

# Saturday 28 Nov 2026, 11:00 in Paris.
NOW = datetime(2026, 11, 28, 10, tzinfo=UTC)
TRY = "Try 'add pay rent on the 1st', 'what's due this week?', 'complete pay rent' or 'help'."


class Chat:
    """One user's conversation with the assistant, at a fixed `now`."""

    def __init__(
        self, uow: Callable[[], UnitOfWork], user: User, state: InProcessState | None = None
    ) -> None:
        self.uow = uow
        self.ctx = Context(user_id=user.id)
        self.state = state or InProcessState()
        self.conversation_id: str | None = None
        self.last: chat.ChatReply | None = None

    def say(self, message: str, now: datetime = NOW) -> str:
        command = chat.SendMessage(message, self.conversation_id)
        self.last = chat.send_message(self.uow(), self.state, self.ctx, command, now=now)
        self.conversation_id = self.last.conversation_id
        return self.last.reply

    def seed(self, title: str, done: bool = False, **fields: Any) -> Task:
        task = tasks.create_task(
            self.uow(), self.ctx, {"title": title, **fields}, now=NOW - timedelta(days=1)
        )
        if done:
            task = tasks.complete_task(self.uow(), self.ctx, task.id, now=NOW - timedelta(hours=2))
        return task

    def tasks(self) -> list[Task]:
        return tasks.search_tasks(self.uow(), self.ctx, TaskQuery(status="all", limit=200)).items

    def task(self, title: str) -> Task:
        (found,) = [task for task in self.tasks() if task.title == title]
        return found


def status_of(title: str) -> Callable[[Chat], object]:
    return lambda chat_: chat_.task(title).status.value


def due_of(title: str) -> Callable[[Chat], object]:
    return lambda chat_: format_time(chat_.task(title).due_at)


def titles(chat_: Chat) -> object:
    return sorted(task.title for task in chat_.tasks())


@dataclass(frozen=True)
class Case:
    id: str
    messages: tuple[str, ...]
    reply: str
    seeds: tuple[dict[str, Any], ...] = ()
    checks: tuple[tuple[Callable[[Chat], object], object], ...] = field(default=())


MILK = {"title": "buy milk", "due_at": "2026-11-29T08:00:00Z"}
RENT = {"title": "pay rent", "priority": "high", "tags": ["home"], "due_at": "2026-12-01T08:00:00Z"}
REPORT = {"title": "report"}
GROCERIES = {"title": "groceries", "due_at": "2026-11-28T16:30:00Z", "tags": ["errands"]}  # 17:30 today
STANDUP = {"title": "standup", "due_at": "2026-11-28T08:00:00Z"}  # 09:00 today, two hours ago
STAMPS = {"title": "stamps", "tags": ["errands"]}
LIST_ALL = (
    "You have 3 open tasks:\n"
    "1. buy milk \u2014 due tomorrow at 09:00\n"
    "2. pay rent \u2014 due Tue 1 Dec at 09:00 \u00b7 high priority \u00b7 #home\n"
    "3. report"
)

CASES = [
    # --- adding -----------------------------------------------------------------------------------
    Case(
        "add-everything",
        ("add pay rent every month on the 1st at 9am high #home remind me 1 day before",),
        "Added \u201cpay rent\u201d, due Tue 1 Dec at 09:00, repeating monthly, high priority, tagged #home, "
        "with a reminder 1 day before.",
        checks=((due_of("pay rent"), "2026-12-01T08:00:00.000Z"),),
    ),
    Case("add-plain", ("add buy milk",), "Added \u201cbuy milk\u201d.", checks=((titles, ["buy milk"]),)),
    Case(
        "add-remind-me-to",
        ("remind me to call mom tomorrow at 5pm",),
        "Added \u201ccall mom\u201d, due tomorrow at 17:00, with a reminder at the due time.",
        checks=((due_of("call mom"), "2026-11-29T16:00:00.000Z"),),
    ),
    Case(
        "add-next-year",
        ("add renew passport on 15 jan 2027 low",),
        "Added \u201crenew passport\u201d, due Fri 15 Jan 2027 at 09:00, low priority.",
    ),
    Case("add-without-title", ("add",), "What should the task be called? e.g. 'add buy milk tomorrow'."),
    # --- listing and searching --------------------------------------------------------------------
    Case("list-empty", ("show my tasks",), "You have no open tasks. Add one with 'add buy milk tomorrow'."),
    Case("list-all", ("show my tasks",), LIST_ALL, seeds=(MILK, RENT, REPORT)),
    Case(
        "list-this-week",
        ("what's due this week?",),
        "You have 1 open task due by tomorrow:\n1. buy milk \u2014 due tomorrow at 09:00",
        seeds=(MILK, RENT, REPORT),
    ),
    Case(
        "list-high-priority",
        ("show high priority tasks",),
        "You have 1 open high-priority task:\n"
        "1. pay rent \u2014 due Tue 1 Dec at 09:00 \u00b7 high priority \u00b7 #home",
        seeds=(MILK, RENT, REPORT),
    ),
    Case(
        "list-by-tag",
        ("show #home tasks",),
        "You have 1 open task tagged #home:\n"
        "1. pay rent \u2014 due Tue 1 Dec at 09:00 \u00b7 high priority \u00b7 #home",
        seeds=(MILK, RENT, REPORT),
    ),
    Case(
        "list-completed",
        ("show completed tasks",),
        "You have 1 completed task:\n1. report \u2014 done",
        seeds=(MILK, {**REPORT, "done": True}),
    ),
    Case(
        "list-overdue",
        ("what's overdue?",),
        "You have 1 overdue task:\n1. file taxes \u2014 due yesterday at 09:00 (overdue)",
        seeds=(MILK, {"title": "file taxes", "due_at": "2026-11-27T08:00:00Z"}),
    ),
    Case(
        "search",
        ("search milk",),
        "You have 1 task matching \u201cmilk\u201d:\n1. buy milk \u2014 due tomorrow at 09:00",
        seeds=(MILK, RENT, REPORT),
    ),
    Case(
        "list-nothing-matches",
        ("show low priority tasks",),
        "You have no open low-priority tasks. Add one with 'add buy milk tomorrow'.",
        seeds=(MILK,),
    ),
    # --- completing ---------------------------------------------------------------------------------
    Case(
        "complete-by-title",
        ("complete buy milk",),
        "Nice work! \u201cbuy milk\u201d is done.",
        seeds=(MILK, RENT),
        checks=((status_of("buy milk"), "completed"), (status_of("pay rent"), "open")),
    ),
    Case(
        "complete-by-title-any-case",
        ("I finished Buy Milk",),
        "Nice work! \u201cbuy milk\u201d is done.",
        seeds=(MILK,),
    ),
    Case(
        "complete-by-it",
        ("add call mom tomorrow at 5pm", "mark it done"),
        "Nice work! \u201ccall mom\u201d is done.",
        checks=((status_of("call mom"), "completed"),),
    ),
    Case(
        "complete-by-that",
        ("add buy bread", "complete that"),
        "Nice work! \u201cbuy bread\u201d is done.",
    ),
    Case(
        "complete-recurring",
        ("complete pay rent",),
        "Nice work! \u201cpay rent\u201d is done. It repeats monthly, so the next one is on its way.",
        seeds=({**RENT, "recurrence": "monthly"},),
    ),
    Case(
        "complete-already-done",
        ("complete report",),
        "\u201creport\u201d is already done (completed today at 09:00).",
        seeds=({**REPORT, "done": True},),
    ),
    Case(
        "complete-by-number",
        ("show my tasks", "complete 2"),
        "Nice work! \u201cpay rent\u201d is done.",
        seeds=(MILK, RENT, REPORT),
        checks=((status_of("pay rent"), "completed"), (status_of("buy milk"), "open")),
    ),
    Case(
        "complete-number-out-of-range",
        ("show my tasks", "complete 7"),
        "The list I showed has 3 tasks; pick a number from 1 to 3.",
        seeds=(MILK, RENT, REPORT),
    ),
    Case(
        "it-without-a-task",
        ("complete it",),
        "Which task do you mean? Tell me its title, e.g. 'complete buy milk'.",
    ),
    Case(
        "exact-title-beats-longer-ones",
        ("complete report",),
        "Nice work! \u201creport\u201d is done.",
        seeds=({"title": "write report"}, REPORT, {"title": "report to the board"}),
        checks=((status_of("write report"), "open"),),
    ),
    Case(
        "open-task-preferred-over-done-one",
        ("complete water plants",),
        "Nice work! \u201cwater plants\u201d is done.",
        seeds=(
            {"title": "water plants", "done": True},
            {"title": "water plants", "due_at": "2026-12-02T08:00:00Z"},
        ),
        checks=((lambda c: sorted(t.status.value for t in c.tasks()), ["completed", "completed"]),),
    ),
    Case(
        "no-such-task",
        ("complete walk the dog",),
        "I couldn't find a task called \u201cwalk the dog\u201d. Say 'show my tasks' to see them all.",
        seeds=(MILK,),
    ),
    Case(
        "misspelt-title-suggests",
        ("complete by milk",),
        "I couldn't find a task called \u201cby milk\u201d. Did you mean this one?\n"
        "1. buy milk \u2014 due tomorrow at 09:00\nReply with the number, e.g. '1'.",
        seeds=(MILK,),
    ),
    Case(
        "misspelt-title-then-choose",
        ("complete by milk", "1"),
        "Nice work! \u201cbuy milk\u201d is done.",
        seeds=(MILK,),
        checks=((status_of("buy milk"), "completed"),),
    ),
    # --- ambiguity ----------------------------------------------------------------------------------
    Case(
        "ambiguous-title-asks-which",
        ("complete report",),
        "2 tasks match \u201creport\u201d. Which one should I complete?\n"
        "1. write report \u2014 due Fri 4 Dec at 09:00\n2. read report\nReply with the number, e.g. '1'.",
        seeds=({"title": "write report", "due_at": "2026-12-04T08:00:00Z"}, {"title": "read report"}),
        checks=((status_of("write report"), "open"), (status_of("read report"), "open")),
    ),
    Case(
        "ambiguous-then-number",
        ("complete report", "2"),
        "Nice work! \u201cread report\u201d is done.",
        seeds=({"title": "write report", "due_at": "2026-12-04T08:00:00Z"}, {"title": "read report"}),
        checks=((status_of("read report"), "completed"), (status_of("write report"), "open")),
    ),
    Case(
        "ambiguous-then-ordinal",
        ("delete report", "the first one"),
        "Deleted \u201cwrite report\u201d.",
        seeds=({"title": "write report", "due_at": "2026-12-04T08:00:00Z"}, {"title": "read report"}),
        checks=((titles, ["read report"]),),
    ),
    Case(
        "ambiguous-then-bad-number",
        ("complete report", "5"),
        "Pick a number from 1 to 2.",
        seeds=({"title": "write report"}, {"title": "read report"}),
    ),
    Case(
        "ambiguous-then-it-is-the-chosen-one",
        ("complete report", "2", "reopen it"),
        "Reopened \u201cread report\u201d; it's back on your list.",
        seeds=({"title": "write report", "due_at": "2026-12-04T08:00:00Z"}, {"title": "read report"}),
    ),
    Case(
        "ambiguous-then-title",
        ("complete report", "the read one"),
        "Nice work! \u201cread report\u201d is done.",
        seeds=({"title": "write report", "due_at": "2026-12-04T08:00:00Z"}, {"title": "read report"}),
        checks=((status_of("read report"), "completed"), (status_of("write report"), "open")),
    ),
    Case(
        "ambiguous-then-cancel",
        ("delete report", "never mind"),
        "OK, I left it as it was.",
        seeds=({"title": "write report"}, {"title": "read report"}),
        checks=((titles, ["read report", "write report"]),),
    ),
    Case(
        "ambiguous-then-gibberish",
        ("delete report", "blorp"),
        "Sorry, which one? Reply with a number from 1 to 2, or say 'cancel'.",
        seeds=({"title": "write report"}, {"title": "read report"}),
    ),
    Case(
        "ambiguous-still-pending-after-gibberish",
        ("delete report", "blorp", "2"),
        "Deleted \u201cwrite report\u201d.",
        seeds=({"title": "write report"}, {"title": "read report"}),
    ),
    Case(
        "misspelt-title-then-yes",
        ("reopen by milk", "yes"),
        "Reopened \u201cbuy milk\u201d; it's back on your list.",
        seeds=({**MILK, "done": True},),
    ),
    Case(
        "same-title-twice",
        ("delete gym",),
        "2 tasks match \u201cgym\u201d. Which one should I delete?\n"
        "1. gym \u2014 due Mon 30 Nov at 18:00\n2. gym \u2014 due Wed 2 Dec at 18:00\n"
        "Reply with the number, e.g. '1'.",
        seeds=(
            {"title": "gym", "due_at": "2026-12-02T17:00:00Z"},
            {"title": "gym", "due_at": "2026-11-30T17:00:00Z"},
        ),
    ),
    Case(
        "bare-number-after-a-list",
        ("show my tasks", "1"),
        "Number 1 is \u201cbuy milk\u201d (due tomorrow at 09:00). "
        "Say 'complete it', 'move it to friday 3pm' or 'delete it'.",
        seeds=(MILK, RENT),
    ),
    Case(
        "single-result-becomes-it",
        ("show high priority tasks", "complete it"),
        "Nice work! \u201cpay rent\u201d is done.",
        seeds=(MILK, RENT),
    ),
    # --- reopening ----------------------------------------------------------------------------------
    Case(
        "reopen-by-title",
        ("reopen report",),
        "Reopened \u201creport\u201d; it's back on your list.",
        seeds=({**REPORT, "done": True},),
        checks=((status_of("report"), "open"),),
    ),
    Case(
        "reopen-it",
        ("complete buy milk", "reopen it"),
        "Reopened \u201cbuy milk\u201d; it's back on your list.",
        seeds=(MILK,),
        checks=((status_of("buy milk"), "open"),),
    ),
    Case(
        "reopen-prefers-the-done-one",
        ("mark water plants as not done",),
        "Reopened \u201cwater plants\u201d; it's back on your list.",
        seeds=({"title": "water plants"}, {"title": "water plants", "done": True}),
        checks=((lambda c: sorted(t.status.value for t in c.tasks()), ["open", "open"]),),
    ),
    Case(
        "reopen-an-open-task",
        ("reopen buy milk",),
        "\u201cbuy milk\u201d is already open.",
        seeds=(MILK,),
    ),
    # --- deleting -----------------------------------------------------------------------------------
    Case(
        "delete-by-title",
        ("delete buy milk",),
        "Deleted \u201cbuy milk\u201d.",
        seeds=(MILK, RENT),
        checks=((titles, ["pay rent"]),),
    ),
    Case(
        "delete-by-it",
        ("add call the plumber", "delete it"),
        "Deleted \u201ccall the plumber\u201d.",
        checks=((titles, []),),
    ),
    Case(
        "it-after-delete-is-gone",
        ("add call the plumber", "delete it", "complete it"),
        "Which task do you mean? Tell me its title, e.g. 'complete buy milk'.",
    ),
    Case(
        "number-of-a-deleted-task",
        ("show my tasks", "delete 1", "complete 1"),
        "I can't find that task any more; it may have been deleted.",
        seeds=(MILK, RENT),
    ),
    # --- rescheduling -------------------------------------------------------------------------------
    Case(
        "move-it",
        ("add call mom tomorrow at 5pm remind me 10 minutes before", "move it to friday 3pm"),
        "Moved \u201ccall mom\u201d to Fri 4 Dec at 15:00; a reminder 10 minutes before comes with it.",
        checks=((due_of("call mom"), "2026-12-04T14:00:00.000Z"),),
    ),
    Case(
        "reschedule-by-title",
        ("postpone buy milk to monday",),
        "Moved \u201cbuy milk\u201d to Mon 30 Nov at 09:00.",
        seeds=(MILK,),
        checks=((due_of("buy milk"), "2026-11-30T08:00:00.000Z"),),
    ),
    Case(
        "reschedule-ambiguous-keeps-the-date",
        ("move report to tomorrow 8am", "2"),
        "Moved \u201cread report\u201d to tomorrow at 08:00.",
        seeds=({"title": "write report", "due_at": "2026-12-04T08:00:00Z"}, {"title": "read report"}),
        checks=((due_of("read report"), "2026-11-29T07:00:00.000Z"),),
    ),
    Case(
        "reschedule-without-date",
        ("move it",),
        "Tell me the new date, e.g. 'move it to friday 3pm' or 'postpone it to tomorrow'.",
    ),
    # --- everything else ----------------------------------------------------------------------------
    Case("unknown", ("asdf qwer",), "Sorry, I didn't understand \u201casdf qwer\u201d. " + TRY),
    # --- editing one task (issue 13 item 3) --------------------------------------------------------
    Case(
        "move-keeps-time-of-day",
        ("move groceries to friday",),
        "Moved \u201cgroceries\u201d to Fri 4 Dec at 17:30.",
        seeds=(GROCERIES,),
        checks=((due_of("groceries"), "2026-12-04T16:30:00.000Z"),),
    ),
    Case(
        "move-with-a-time-takes-it",
        ("move groceries to friday 9am",),
        "Moved \u201cgroceries\u201d to Fri 4 Dec at 09:00.",
        seeds=(GROCERIES,),
    ),
    Case(
        "snooze-by-hours",
        ("snooze groceries 2 hours",),
        "Snoozed \u201cgroceries\u201d by 2 hours: now due today at 19:30.",
        seeds=(GROCERIES,),
        checks=((due_of("groceries"), "2026-11-28T18:30:00.000Z"),),
    ),
    Case(
        "snooze-a-late-task-counts-from-now",
        ("postpone standup by 3 days",),
        "Snoozed \u201cstandup\u201d by 3 days: now due Tue 1 Dec at 11:00.",
        seeds=(STANDUP,),
    ),
    Case(
        "rename",
        ("rename groceries to weekly shop",),
        "Renamed \u201cgroceries\u201d to \u201cweekly shop\u201d.",
        seeds=(GROCERIES,),
        checks=((titles, ["weekly shop"]),),
    ),
    Case(
        "priority-is-not-a-reschedule",
        ("change groceries priority to high",),
        "\u201cgroceries\u201d is now high priority.",
        seeds=(GROCERIES,),
        checks=((due_of("groceries"), "2026-11-28T16:30:00.000Z"),),
    ),
    Case(
        "tag-add-and-remove",
        ("tag groceries with home", "remove tag errands from it"),
        "Removed #errands from \u201cgroceries\u201d.",
        seeds=(GROCERIES,),
        checks=((lambda chat_: chat_.task("groceries").tags, ("home",)),),
    ),
    Case(
        "tag-missing",
        ("untag groceries #work",),
        "\u201cgroceries\u201d has no tag #work; its tags are #errands.",
        seeds=(GROCERIES,),
    ),
    Case(
        "list-today-includes-earlier-today",
        ("what's on today",),
        "You have 2 open tasks due today:\n"
        "1. standup \u2014 due today at 09:00 (overdue)\n"
        "2. groceries \u2014 due today at 17:30 \u00b7 #errands",
        seeds=(STANDUP, GROCERIES, MILK),
    ),
    # --- bulk, confirmed ----------------------------------------------------------------------------
    Case(
        "bulk-asks-first",
        ("complete everything tagged errands",),
        "Complete these 2 tasks (open tasks tagged #errands)?\n"
        "1. groceries \u2014 due today at 17:30 \u00b7 #errands\n"
        "2. stamps \u2014 #errands\n"
        "Say 'yes' to complete them all, or 'no' to leave them.",
        seeds=(GROCERIES, STAMPS, MILK),
        checks=((status_of("groceries"), "open"),),
    ),
    Case(
        "bulk-yes",
        ("complete everything tagged errands", "yes"),
        "Completed 2 tasks: \u201cgroceries\u201d, \u201cstamps\u201d.",
        seeds=(GROCERIES, STAMPS, MILK),
        checks=(
            (status_of("groceries"), "completed"),
            (status_of("stamps"), "completed"),
            (status_of("buy milk"), "open"),
        ),
    ),
    Case(
        "bulk-no",
        ("delete all completed tasks", "no"),
        "OK, I left them as they were.",
        seeds=({**MILK, "done": True}, GROCERIES),
        checks=((titles, ["buy milk", "groceries"]),),
    ),
    Case(
        "bulk-unclear-answer-asks-again",
        ("delete all completed tasks", "hmm"),
        "Say 'yes' to delete it, or 'no' to leave them as they are.",
        seeds=({**MILK, "done": True}, GROCERIES),
    ),
    Case(
        "bulk-nothing-to-do",
        ("delete all completed tasks",),
        "You have no completed tasks, so there is nothing to delete.",
        seeds=(GROCERIES,),
    ),
    Case(
        "help",
        ("help",),
        "I can manage your tasks. Try:\n"
        "\u2022 add pay rent every month on the 1st at 9am high #home remind me 1 day before\n"
        "\u2022 what's due this week? \u00b7 show high priority work tasks \u00b7 search report\n"
        "\u2022 complete pay rent \u00b7 mark it done \u00b7 reopen it \u00b7 delete buy milk\n"
        "\u2022 move it to Friday 3pm \u00b7 postpone call mom to tomorrow \u00b7 snooze it 2 hours\n"
        "\u2022 rename it to weekly shop \u00b7 make it high priority \u00b7 tag it #errands\n"
        "\u2022 complete everything tagged errands \u00b7 delete all completed tasks (I ask first)\n"
        "After a list, numbers work too: 'complete 2'.",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_conversation(case: Case, uow: Callable[[], UnitOfWork], user: User) -> None:
    chat_ = Chat(uow, user)
    for seed in case.seeds:
        chat_.seed(**seed)
    for message in case.messages:
        reply = chat_.say(message)
    assert reply == case.reply
    for check, expected in case.checks:
        assert check(chat_) == expected


def test_the_table_covers_every_kind_of_turn() -> None:
    kinds = {case.id.split("-")[0] for case in CASES}
    wanted = {"add", "list", "complete", "reopen", "delete", "ambiguous", "unknown", "move", "reschedule"}
    assert wanted <= kinds
    assert len(CASES) >= 40


def test_replies_carry_the_tasks_they_talk_about(uow: Callable[[], UnitOfWork], user: User) -> None:
    chat_ = Chat(uow, user)
    chat_.say("add buy milk tomorrow")
    assert chat_.last is not None
    (added,) = chat_.last.tasks
    assert added["title"] == "buy milk" and added["due_at"] == "2026-11-29T08:00:00.000Z"
    chat_.say("show my tasks")
    assert [task["id"] for task in chat_.last.tasks] == [added["id"]]
    chat_.say("help")
    assert chat_.last.tasks == ()


def test_the_conversation_keeps_messages_and_the_last_task(uow: Callable[[], UnitOfWork], user: User) -> None:
    chat_ = Chat(uow, user)
    chat_.say("add buy milk")
    chat_.say("add pay rent", now=NOW + timedelta(minutes=1))
    assert chat_.conversation_id is not None
    conversation = chat.get_conversation(chat_.state, chat_.ctx, chat_.conversation_id).to_public()
    assert [(m["role"], m["text"]) for m in conversation["messages"]] == [
        ("user", "add buy milk"),
        ("assistant", "Added \u201cbuy milk\u201d."),
        ("user", "add pay rent"),
        ("assistant", "Added \u201cpay rent\u201d."),
    ]
    assert conversation["messages"][3]["time"] == "2026-11-28T10:01:00.000Z"
    assert conversation["last_task_id"] == chat_.task("pay rent").id
    assert set(conversation) == {"id", "created_at", "updated_at", "messages", "last_task_id"}


def test_another_users_conversation_is_not_found(uow: Callable[[], UnitOfWork], user: User) -> None:
    mine = Chat(uow, user)
    mine.say("add buy milk")
    assert mine.conversation_id is not None
    stranger = Context(user_id=new_id())
    with pytest.raises(NotFound):
        chat.get_conversation(mine.state, stranger, mine.conversation_id)
    with pytest.raises(NotFound):
        chat.get_conversation(mine.state, mine.ctx, "no-such-conversation")
    with pytest.raises(NotFound):
        chat.get_conversation(mine.state, mine.ctx, "../../etc/passwd")


def test_a_conflicting_save_is_merged_and_the_task_is_added_once(
    uow: Callable[[], UnitOfWork], user: User
) -> None:
    class RacingState(InProcessState):
        """Another request saves the conversation between our read and our write, once."""

        raced = False

        def save(self, key: str, value: Any, etag: str | None) -> None:
            if etag is not None and not self.raced:
                self.raced = True
                current, current_etag = self.get(key)
                current["messages"].append(
                    {"role": "user", "text": "from elsewhere", "time": "2026-11-28T10:00:30Z", "task_ids": []}
                )
                super().save(key, current, current_etag)
            super().save(key, value, etag)

    chat_ = Chat(uow, user, RacingState())
    chat_.say("add buy milk")
    chat_.say("add pay rent", now=NOW + timedelta(minutes=1))
    assert chat_.conversation_id is not None
    stored, _ = chat_.state.get(state_key(user.id, chat_.conversation_id))
    assert [m["text"] for m in stored["messages"]] == [
        "add buy milk",
        "Added \u201cbuy milk\u201d.",
        "from elsewhere",
        "add pay rent",
        "Added \u201cpay rent\u201d.",
    ]
    assert titles(chat_) == ["buy milk", "pay rent"]


def test_a_long_conversation_keeps_the_latest_messages(uow: Callable[[], UnitOfWork], user: User) -> None:
    chat_ = Chat(uow, user)
    for number in range(MAX_MESSAGES // 2 + 3):
        chat_.say(f"hello {number}")
    assert chat_.conversation_id is not None
    messages = chat.get_conversation(chat_.state, chat_.ctx, chat_.conversation_id).messages
    assert len(messages) == MAX_MESSAGES
    assert messages[-2].text == f"hello {MAX_MESSAGES // 2 + 2}"


def test_times_follow_the_users_time_zone(uow: Callable[[], UnitOfWork], user: User) -> None:
    with uow() as work:
        person = work.users.get(user.id)
        assert person is not None
        person.timezone = "America/New_York"
        work.users.save(person)
        work.commit()
    chat_ = Chat(uow, user)
    assert chat_.say("add call mom tomorrow at 5pm") == "Added \u201ccall mom\u201d, due tomorrow at 17:00."
    assert due_of("call mom")(chat_) == "2026-11-29T22:00:00.000Z"


def test_a_12_hour_client_hears_12_hour_times(uow: Callable[[], UnitOfWork], user: User) -> None:
    ctx, state = Context(user_id=user.id), InProcessState()
    command = chat.SendMessage("add call mom tomorrow at 5pm", clock="12h")
    added = chat.send_message(uow(), state, ctx, command, now=NOW)
    assert added.reply == "Added \u201ccall mom\u201d, due tomorrow at 5:00 PM."
    listed = chat.send_message(
        uow(), state, ctx, chat.SendMessage("show my tasks", added.conversation_id), now=NOW
    )
    assert listed.reply.endswith("1. call mom \u2014 due tomorrow at 17:00")  # each message says its clock


@pytest.mark.parametrize(
    ("body", "field_name"),
    [
        ({}, "message"),
        ({"message": "   "}, "message"),
        ({"message": 5}, "message"),
        ({"message": "x" * 2001}, "message"),
        ({"message": "hi", "conversation_id": 5}, "conversation_id"),
        ({"message": "hi", "colour": "red"}, "colour"),
    ],
)
def test_bad_commands_name_the_field(body: dict[str, Any], field_name: str) -> None:
    with pytest.raises(ValidationFailed) as raised:
        chat.SendMessage.from_json(body)
    assert [error.field for error in raised.value.errors] == [field_name]
