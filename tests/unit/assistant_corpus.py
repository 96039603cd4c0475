"""The assistant's phrase corpus: what people type, and the tasks that must exist afterwards.

Every row runs in a fresh account seeded with SEEDS, at NOW (Saturday 28 Nov 2026, 11:00 in
Europe/Paris), and lists only what changes: a task added, a task edited, a task gone. The test
checks the whole resulting list of tasks (title, due time on the user's clock, priority, tags,
status), so a phrase that changes the wrong task, or changes nothing, fails. A row with several
messages is one conversation ("delete all completed tasks", then "yes").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# title: (due on the Paris clock or None, priority, tags, status)
SEEDS: dict[str, tuple[str | None, str, tuple[str, ...], str]] = {
    "groceries": ("2026-11-28 17:30", "medium", ("errands",), "open"),
    "report": ("2026-11-30 09:00", "high", ("work",), "open"),
    "call mom": (None, "low", (), "open"),
    "pay rent": ("2026-12-01 09:00", "medium", ("home",), "open"),
    "stamps": (None, "medium", ("errands",), "open"),
    "dentist": ("2026-11-28 09:00", "medium", ("health",), "open"),
    "old invoice": (None, "medium", ("work",), "completed"),
}


@dataclass(frozen=True)
class Effect:
    title: str
    changes: dict[str, Any] | None  # None: the task is gone
    new: bool = False


def add(title: str, due: str | None = None, priority: str = "medium", tags: tuple[str, ...] = ()) -> Effect:
    return Effect(title, {"due": due, "priority": priority, "tags": tags, "status": "open"}, new=True)


def edit(which: str, **changes: Any) -> Effect:
    """`which` task with these fields changed (title, due, priority, tags, status)."""
    return Effect(which, changes)


def gone(title: str) -> Effect:
    return Effect(title, None)


def done(title: str) -> Effect:
    return edit(title, status="completed")


@dataclass(frozen=True)
class Row:
    messages: tuple[str, ...]
    effects: tuple[Effect, ...] = ()
    shows: tuple[str, ...] | None = None  # for lists: the titles the reply lists, in order
    says: str | None = None  # a phrase the reply must contain


def row(messages: str | tuple[str, ...], *effects: Effect, shows: tuple[str, ...] | None = None,
        says: str | None = None) -> Row:  # fmt: skip
    return Row((messages,) if isinstance(messages, str) else messages, effects, shows, says)


NOTHING = ()  # a row whose message must leave every task as it was

CORPUS: list[Row] = [
    # --- adding ---------------------------------------------------------------------------------------
    row("add buy milk", add("buy milk")),
    row("Add buy milk.", add("buy milk")),
    row("add buy milk tomorrow", add("buy milk", "2026-11-29 09:00")),
    row("add buy bread tomorrow at 8am", add("buy bread", "2026-11-29 08:00")),
    row("add buy bread tmrw 8:15am", add("buy bread", "2026-11-29 08:15")),
    row("add call the bank friday 3pm", add("call the bank", "2026-12-04 15:00")),
    row("add call the bank on Friday at 15:00", add("call the bank", "2026-12-04 15:00")),
    row("add water plants tonight", add("water plants", "2026-11-28 20:00")),
    row("add water plants this evening", add("water plants", "2026-11-28 19:00")),
    row("add jog tomorrow morning", add("jog", "2026-11-29 09:00")),
    row("add book flights next friday", add("book flights", "2026-12-04 09:00")),
    row("add book flights next monday 10am", add("book flights", "2026-11-30 10:00")),
    row("add renew passport next month", add("renew passport", "2026-12-28 09:00")),
    row("add plan trip next week", add("plan trip", "2026-11-30 09:00")),
    row("add check oven in 2 hours", add("check oven", "2026-11-28 13:00")),
    row("add stretch in 30 minutes", add("stretch", "2026-11-28 11:30")),
    row("add send invoice in 3 days", add("send invoice", "2026-12-01 09:00")),
    row("add follow up in 2 weeks", add("follow up", "2026-12-12 09:00")),
    row("add team lunch on the 15th at noon", add("team lunch", "2026-12-15 12:00")),
    row("add christmas shopping dec 20", add("christmas shopping", "2026-12-20 09:00")),
    row("add happy new year call on jan 1 at 5pm", add("happy new year call", "2027-01-01 17:00")),
    row("add dentist checkup 2026-12-10 14:30", add("dentist checkup", "2026-12-10 14:30")),
    row("add file taxes on 2027-04-15", add("file taxes", "2027-04-15 09:00")),
    row("add close the books end of month", add("close the books", "2026-11-30 09:00")),
    row("add pay taxes !high #finance", add("pay taxes", priority="high", tags=("finance",))),
    row(
        "add prepare slides high priority #work tomorrow",
        add("prepare slides", "2026-11-29 09:00", "high", ("work",)),
    ),
    row("add clean garage low", add("clean garage", priority="low")),
    row("add clean garage low priority", add("clean garage", priority="low")),
    row("add fix bike p1", add("fix bike", priority="high")),
    row("add fix bike urgent", add("fix bike", priority="high")),
    row("add fix bike #home #diy", add("fix bike", tags=("home", "diy"))),
    row("add #work write summary friday", add("write summary", "2026-12-04 09:00", tags=("work",))),
    row("remind me to call grandma tomorrow at 6pm", add("call grandma", "2026-11-29 18:00")),
    row("remind me tomorrow at 10am to email bob", add("email bob", "2026-11-29 10:00")),
    row("remind me to take out the bins tonight", add("take out the bins", "2026-11-28 20:00")),
    row("I need to renew my license by next week", add("renew my license", "2026-11-30 09:00")),
    row("don't forget to buy candles #errands", add("buy candles", tags=("errands",))),
    row("new task: read chapter three", add("read chapter three")),
    row("please add mow the lawn on saturday", add("mow the lawn", "2026-12-05 09:00")),
    row("can you add order pizza at 7pm", add("order pizza", "2026-11-28 19:00")),
    row("create a task called review contract due monday", add("review contract", "2026-11-30 09:00")),
    row("add high school reunion", add("high school reunion")),
    row("add call dad tomorrow at 5pm", add("call dad", "2026-11-29 17:00")),
    row("add walk the dog every day at 7am", add("walk the dog", "2026-11-29 07:00")),
    row("add pay bills every month on the 1st", add("pay bills", "2026-12-01 09:00")),
    row("add team sync every monday 10am #work", add("team sync", "2026-11-30 10:00", tags=("work",))),
    row("add weekly review every friday at 4pm", add("weekly review", "2026-12-04 16:00")),
    row("add pick up parcel at 5pm", add("pick up parcel", "2026-11-28 17:00")),
    row("add breakfast meeting at 9am", add("breakfast meeting", "2026-11-29 09:00")),
    row("add \u201cmeet Ann\u201d sunday 2pm", add("meet Ann", "2026-11-29 14:00")),
    row("add leap party feb 29", add("leap party", "2028-02-29 09:00")),
    row("add taxes notes: bring receipts", add("taxes")),
    row("add buy gift in half an hour", add("buy gift", "2026-11-28 11:30")),
    row("add gym the day after tomorrow at 6pm", add("gym", "2026-11-30 18:00")),
    row("add read contract by friday high", add("read contract", "2026-12-04 09:00", "high")),
    row("add call plumber p2 tomorrow afternoon", add("call plumber", "2026-11-29 15:00")),
    row("schedule haircut thursday 11am", add("haircut", "2026-12-03 11:00")),
    row("jot down idea for blog post", add("idea for blog post")),
    row("add book table for friday at 8pm", add("book table", "2026-12-04 20:00")),
    row("add buy batteries #Errands !low", add("buy batteries", priority="low", tags=("errands",))),
    # --- impossible dates are refused with the reason, and nothing is added --------------------------
    row("add party feb 31", says="February has no 31st"),
    row("add party 2027-02-29", says="February 2027 has no 29th"),
    row("add party on 9999-01-01", says="outside the years Doable keeps"),
    row("add party 0001-01-01", says="outside the years Doable keeps"),
    row("move groceries to april 31", says="April has no 31st"),
    # --- listing and searching: nothing changes ---------------------------------------------------------
    row("show my tasks", shows=("dentist", "groceries", "report", "pay rent", "stamps", "call mom")),
    row("what's on today", shows=("dentist", "groceries")),
    row("what's due today", shows=("dentist", "groceries")),
    row("what do I have today?", shows=("dentist", "groceries")),
    row("what's due tomorrow", shows=()),
    row("what's due this week", shows=("dentist", "groceries")),
    row("what's due next week", shows=("report", "pay rent")),
    row("what is overdue", shows=("dentist",)),
    row("show overdue tasks", shows=("dentist",)),
    row("show high priority tasks", shows=("report",)),
    row("show low priority tasks", shows=("call mom",)),
    row("show #errands tasks", shows=("groceries", "stamps")),
    row("show tasks tagged work", shows=("report",)),
    row("show errands tasks", shows=("groceries", "stamps")),
    row("show completed tasks", shows=("old invoice",)),
    row("what did I finish", shows=("old invoice",)),
    row("search invoice", shows=("old invoice",)),
    row("find rent", shows=("pay rent",)),
    row("search for mom", shows=("call mom",)),
    row("what's due on monday", shows=("report",)),
    row("what's due by tuesday", shows=("dentist", "groceries", "report", "pay rent")),
    row("show tasks due before monday", shows=("dentist", "groceries")),
    row("show everything tagged work", shows=("report", "old invoice")),
    row("show errands tasks sorted by due date", shows=("groceries", "stamps")),
    row("show work tasks newest first", shows=("report",)),
    row("what's next", shows=("dentist", "groceries", "report", "pay rent", "stamps", "call mom")),
    # --- completing -------------------------------------------------------------------------------------
    row("complete groceries", done("groceries")),
    row("Complete Groceries!", done("groceries")),
    row("mark groceries as done", done("groceries")),
    row("mark the report done", done("report")),
    row("done with the report", done("report")),
    row("I finished call mom", done("call mom")),
    row("finish stamps", done("stamps")),
    row("tick off pay rent", done("pay rent")),
    row("check off dentist", done("dentist")),
    row("cross groceries off", done("groceries")),
    row("groceries is done", done("groceries")),
    row("the report is finished", done("report")),
    row("please complete the dentist task", done("dentist")),
    row("close report", done("report")),
    row(("complete grocery", "yes"), done("groceries")),  # "did you mean groceries?"
    row(("show high priority tasks", "complete 1"), done("report")),
    row(("show #errands tasks", "complete the second one"), done("stamps")),
    row(("add buy milk", "done"), add("buy milk"), done("buy milk")),
    row(("add buy milk", "mark it done"), add("buy milk"), done("buy milk")),
    row(("complete groceries", "complete it"), done("groceries")),
    row("complete old invoice", says="already done"),
    # --- reopening --------------------------------------------------------------------------------------
    row("reopen old invoice", edit("old invoice", status="open")),
    row("mark old invoice as not done", edit("old invoice", status="open")),
    row("old invoice is not done yet", edit("old invoice", status="open")),
    row("uncomplete the old invoice", edit("old invoice", status="open")),
    row(("complete groceries", "reopen it"), edit("groceries")),
    row(("complete report", "undo complete report"), edit("report")),
    row("reopen groceries", says="already open"),
    # --- deleting ---------------------------------------------------------------------------------------
    row("delete groceries", gone("groceries")),
    row("remove stamps", gone("stamps")),
    row("drop the dentist task", gone("dentist")),
    row("get rid of call mom", gone("call mom")),
    row("forget about pay rent", gone("pay rent")),
    row("trash the report", gone("report")),
    row("please delete old invoice", gone("old invoice")),
    row(("add buy milk", "delete it"), add("buy milk"), gone("buy milk")),
    row(("show my tasks", "delete 2"), gone("groceries")),
    row("cancel the dentist", gone("dentist")),
    row("delete the dentist task please", gone("dentist")),
    row("delete holiday", says="couldn't find a task called"),
    # --- moving: a day alone keeps the task's time of day -----------------------------------------------
    row("move groceries to friday", edit("groceries", due="2026-12-04 17:30")),
    row("move groceries to tomorrow", edit("groceries", due="2026-11-29 17:30")),
    row("move groceries to next week", edit("groceries", due="2026-11-30 17:30")),
    row("move groceries to next friday", edit("groceries", due="2026-12-04 17:30")),
    row("move groceries to friday 9am", edit("groceries", due="2026-12-04 09:00")),
    row("move groceries to tomorrow evening", edit("groceries", due="2026-11-29 19:00")),
    row("reschedule report to tuesday", edit("report", due="2026-12-01 09:00")),
    row("reschedule report to wednesday at 2pm", edit("report", due="2026-12-02 14:00")),
    row("push the report to thursday", edit("report", due="2026-12-03 09:00")),
    row("postpone pay rent to the 5th", edit("pay rent", due="2026-12-05 09:00")),
    row("move pay rent to dec 10", edit("pay rent", due="2026-12-10 09:00")),
    row("move call mom to tomorrow", edit("call mom", due="2026-11-29 09:00")),
    row("move call mom to tomorrow at 6pm", edit("call mom", due="2026-11-29 18:00")),
    row("change dentist to monday", edit("dentist", due="2026-11-30 09:00")),
    row("set dentist to friday 4pm", edit("dentist", due="2026-12-04 16:00")),
    row("move dentist to next month", edit("dentist", due="2026-12-28 09:00")),
    row("move the report to 2026-12-07", edit("report", due="2026-12-07 09:00")),
    row("move report to in 3 days", edit("report", due="2026-12-01 09:00")),
    row(("add talk to bob", "move it to monday 11am"), add("talk to bob", "2026-11-30 11:00")),
    row("move talk to bob to friday", says="couldn't find a task called"),
    # --- snoozing and postponing by a duration ------------------------------------------------------------
    row("snooze groceries 2 hours", edit("groceries", due="2026-11-28 19:30")),
    row("snooze groceries for 30 minutes", edit("groceries", due="2026-11-28 18:00")),
    row("snooze groceries an hour", edit("groceries", due="2026-11-28 18:30")),
    row("postpone report by 3 days", edit("report", due="2026-12-03 09:00")),
    row("postpone the report by a week", edit("report", due="2026-12-07 09:00")),
    row("push report back 2 days", edit("report", due="2026-12-02 09:00")),
    row("delay pay rent by 1 day", edit("pay rent", due="2026-12-02 09:00")),
    row("push back pay rent by 2 days", edit("pay rent", due="2026-12-03 09:00")),
    row("defer groceries 1 hour", edit("groceries", due="2026-11-28 18:30")),
    row("snooze dentist 2 hours", edit("dentist", due="2026-11-28 13:00")),  # late: from now
    row("snooze call mom 1 day", edit("call mom", due="2026-11-29 11:00")),  # undated: from now
    row(("show high priority tasks", "snooze it 1 day"), edit("report", due="2026-12-01 09:00")),
    row("move groceries back 1 hour", edit("groceries", due="2026-11-28 18:30")),
    row("snooze groceries", says="Tell me how long"),
    # --- renaming ---------------------------------------------------------------------------------------
    row("rename groceries to weekly shop", edit("groceries", title="weekly shop")),
    row("rename groceries as weekly shop", edit("groceries", title="weekly shop")),
    row("rename the report to Q4 report", edit("report", title="Q4 report")),
    row("change the title of call mom to call mum", edit("call mom", title="call mum")),
    row("change stamps title to buy stamps", edit("stamps", title="buy stamps")),
    row("rename dentist to 'dentist (Dr. Lee)'", edit("dentist", title="dentist (Dr. Lee)")),
    row(("add buy milk", "rename it to buy oat milk"), add("buy oat milk")),
    row(("add buy milk", "name it buy oat milk"), add("buy oat milk")),
    row(("add buy milk", "call it a day"), add("buy milk")),
    row("please rename pay rent to pay December rent", edit("pay rent", title="pay December rent")),
    row("retitle stamps to post stamps", edit("stamps", title="post stamps")),
    row("rename groceries", says="Tell me the new title"),
    # --- priority: never read as a reschedule ---------------------------------------------------------
    row("make groceries high priority", edit("groceries", priority="high")),
    row("change groceries priority to high", edit("groceries", priority="high")),
    row("set the priority of groceries to low", edit("groceries", priority="low")),
    row("set priority of report to medium", edit("report", priority="medium")),
    row("make the report low priority", edit("report", priority="low")),
    row("mark stamps as urgent", edit("stamps", priority="high")),
    row("mark call mom as important", edit("call mom", priority="high")),
    row("stamps is high priority", edit("stamps", priority="high")),
    row("prioritize call mom", edit("call mom", priority="high")),
    row("deprioritize the report", edit("report", priority="low")),
    row("bump pay rent to high priority", edit("pay rent", priority="high")),
    row("lower dentist to low priority", edit("dentist", priority="low")),
    row("set stamps to low", edit("stamps", priority="low")),
    row("make stamps p1", edit("stamps", priority="high")),
    row("make stamps !1", edit("stamps", priority="high")),
    row("mark stamps !low", edit("stamps", priority="low")),
    row("make room for 2", says="Sorry, I didn't understand"),  # a bare number is no priority
    row(("add buy milk", "make it high priority"), add("buy milk", priority="high")),
    row("make report high priority", says="already high priority"),
    row("change the priority of groceries", says="Tell me the priority"),
    # --- tags -------------------------------------------------------------------------------------------
    row("tag groceries with home", edit("groceries", tags=("errands", "home"))),
    row("tag groceries #home #weekend", edit("groceries", tags=("errands", "home", "weekend"))),
    row("tag call mom as family", edit("call mom", tags=("family",))),
    row("label the report as urgent", edit("report", tags=("work", "urgent"))),
    row("add tag family to call mom", edit("call mom", tags=("family",))),
    row("add the tag finance to pay rent", edit("pay rent", tags=("home", "finance"))),
    row("add #finance to pay rent", edit("pay rent", tags=("home", "finance"))),
    row("add tag photos on friday", add("tag photos", "2026-12-04 09:00")),
    row("remove tag errands from groceries", edit("groceries", tags=())),
    row("remove the tag work from the report", edit("report", tags=())),
    row("remove #home from pay rent", edit("pay rent", tags=())),
    row("untag stamps errands", edit("stamps", tags=())),
    row("untag stamps #errands", edit("stamps", tags=())),
    row(("add buy milk", "tag it #errands"), add("buy milk", tags=("errands",))),
    row(("tag groceries with home", "remove tag errands from it"), edit("groceries", tags=("home",))),
    row("untag groceries #work", says="has no tag #work"),
    # --- bulk, with a confirmation ---------------------------------------------------------------------
    row(("delete all completed tasks", "yes"), gone("old invoice")),
    row(("clear completed tasks", "yes"), gone("old invoice")),
    row(("delete all completed tasks", "no")),
    row("delete all completed tasks", says="Say 'yes' to delete it"),
    row(("complete everything tagged errands", "yes"), done("groceries"), done("stamps")),
    row(("complete all tasks tagged errands", "yes please"), done("groceries"), done("stamps")),
    row(("mark all errands tasks as done", "ok"), done("groceries"), done("stamps")),
    row(("complete everything tagged errands", "nope")),
    row("complete everything tagged errands", says="Complete these 2 tasks"),
    row(("delete all tasks tagged work", "yes"), gone("report"), gone("old invoice")),
    row(("delete all overdue tasks", "yes"), gone("dentist")),
    row(("complete all high priority tasks", "yes"), done("report")),
    row(("reopen all completed tasks", "yes"), edit("old invoice", status="open")),
    row(("complete everything tagged errands", "complete report"), done("report")),
    row(("complete everything tagged errands", "maybe"), says="Say 'yes' to complete all 2"),
    row("delete all tasks tagged holiday", says="nothing to delete"),
]
