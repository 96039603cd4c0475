"""The chat parser on a table of real phrases: each one must read as exactly this intent."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from doable.chat.intents import (
    HINT_EMPTY,
    HINT_GENERAL,
    HINT_NO_TITLE,
    HINT_RECURRENCE,
    HINT_REMINDER,
    HINT_RESCHEDULE,
    HINT_TITLE_TOO_LONG,
    HINT_TOO_LONG,
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
    Unknown,
)
from doable.chat.parser import parse

PARIS = "Europe/Paris"
NY = "America/New_York"


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


# Saturday 28 Nov 2026: 11:00 in Paris (CET, UTC+1), 05:00 in New York (EST, UTC-5).
NOW = utc(2026, 11, 28, 10)
# Saturday 27 Mar 2027: Paris springs forward the next night; New York is on EDT since 14 March.
SPRING = utc(2027, 3, 27, 10)
# Saturday 24 Oct 2026: Paris falls back the next night; New York on 1 November.
FALL = utc(2026, 10, 24, 10)
# Sunday 31 Jan 2027, the last day of a 31-day month.
JAN_31 = utc(2027, 1, 31, 10)

# Monday 30 Nov 2026, 11:00 in Paris: "friday" and "next friday" fall in different weeks.
MONDAY = utc(2026, 11, 30, 10)
FEB_DAYS = "it has 29 days, so pick a day from 1 to 29"
OUTSIDE = "is outside the years Doable keeps; pick a date from 1970 to 2200"

IT = TaskRef(None)
# Midnight at the start of NOW's day, in Paris and in New York.
PARIS_MIDNIGHT = utc(2026, 11, 27, 23)
NY_MIDNIGHT = utc(2026, 11, 28, 5)

CASES: list[tuple[str, str, datetime, Intent]] = [
    # --- adding tasks -------------------------------------------------------------------------
    (
        "add pay rent every month on the 1st at 9am high #home remind me 1 day before",
        PARIS,
        NOW,
        AddTask("pay rent", "high", ("home",), utc(2026, 12, 1, 8), "monthly", 1440),
    ),
    (
        "add pay rent every month on the 1st at 9am high #home remind me 1 day before",
        NY,
        NOW,
        AddTask("pay rent", "high", ("home",), utc(2026, 12, 1, 14), "monthly", 1440),
    ),
    (
        "remind me to call mom tomorrow at 5pm",
        PARIS,
        NOW,
        AddTask("call mom", None, (), utc(2026, 11, 29, 16), "none", 0),
    ),
    (
        "remind me to call mom tomorrow at 5pm",
        NY,
        NOW,
        AddTask("call mom", None, (), utc(2026, 11, 29, 22), "none", 0),
    ),
    (
        "remind me tomorrow at 8am to take pills",
        NY,
        NOW,
        AddTask("take pills", None, (), utc(2026, 11, 29, 13), "none", 0),
    ),
    ("add buy milk", PARIS, NOW, AddTask("buy milk")),
    ("Add Buy Milk", PARIS, NOW, AddTask("Buy Milk")),
    ("please add a task to buy milk", PARIS, NOW, AddTask("buy milk")),
    ("todo: clean garage", PARIS, NOW, AddTask("clean garage")),
    (
        "new task: write report by friday #work !high",
        PARIS,
        NOW,
        AddTask("write report", "high", ("work",), utc(2026, 12, 4, 8)),
    ),
    ("add standup every weekday", PARIS, NOW, Unknown("add standup every weekday", HINT_RECURRENCE)),
    ("add x every 2 weeks", PARIS, NOW, Unknown("add x every 2 weeks", HINT_RECURRENCE)),
    # 09:30 has passed in Paris (11:00), so a daily rule starts tomorrow.
    (
        "add standup every day at 9:30",
        PARIS,
        NOW,
        AddTask("standup", None, (), utc(2026, 11, 29, 8, 30), "daily"),
    ),
    # It is 05:00 in New York: today's 09:00 is still ahead.
    ("add water plants daily", NY, NOW, AddTask("water plants", None, (), utc(2026, 11, 28, 14), "daily")),
    (
        "add team sync every monday at 10am",
        PARIS,
        NOW,
        AddTask("team sync", None, (), utc(2026, 11, 30, 9), "weekly"),
    ),
    ("add review every week", PARIS, NOW, AddTask("review", None, (), utc(2026, 11, 29, 8), "weekly")),
    ("add backup monthly", NY, NOW, AddTask("backup", None, (), utc(2026, 11, 28, 14), "monthly")),
    # November has no 31st: the series starts on 31 December.
    (
        "add rent every month on the 31st",
        PARIS,
        NOW,
        AddTask("rent", None, (), utc(2026, 12, 31, 8), "monthly"),
    ),
    ("add x tonight", PARIS, NOW, AddTask("x", due_at=utc(2026, 11, 28, 19))),
    ("add call bob tonight at 9", NY, NOW, AddTask("call bob", due_at=utc(2026, 11, 29, 2))),
    ("add dentist in 3 days", PARIS, NOW, AddTask("dentist", due_at=utc(2026, 12, 1, 8))),
    ("add stretch in 2 hours", NY, NOW, AddTask("stretch", due_at=utc(2026, 11, 28, 12))),
    ("add plan sprint next week", PARIS, NOW, AddTask("plan sprint", due_at=utc(2026, 11, 30, 8))),
    # Day names mean the next one strictly after today: on a Saturday, "saturday" is a week away.
    ("add laundry saturday", PARIS, NOW, AddTask("laundry", due_at=utc(2026, 12, 5, 8))),
    ("add x on 12 March", NY, NOW, AddTask("x", due_at=utc(2027, 3, 12, 14))),  # EST
    ("add x on March 15", NY, NOW, AddTask("x", due_at=utc(2027, 3, 15, 13))),  # EDT
    ("add wrap gifts 2026-12-24", PARIS, NOW, AddTask("wrap gifts", due_at=utc(2026, 12, 24, 8))),
    ("add x at 9", PARIS, NOW, AddTask("x", due_at=utc(2026, 11, 29, 8))),
    ("add x at 9am", NY, NOW, AddTask("x", due_at=utc(2026, 11, 28, 14))),
    ("add x at 15:30", PARIS, NOW, AddTask("x", due_at=utc(2026, 11, 28, 14, 30))),
    ("add lunch noon", PARIS, NOW, AddTask("lunch", due_at=utc(2026, 11, 28, 11))),
    ("add invoice end of month", PARIS, NOW, AddTask("invoice", due_at=utc(2026, 11, 30, 8))),
    ("add taxes high priority", PARIS, NOW, AddTask("taxes", "high")),
    ("add fix leak urgent", PARIS, NOW, AddTask("fix leak", "high")),
    ("add read book p3", PARIS, NOW, AddTask("read book", "low")),
    (
        "add call mom tomorrow at 5pm remind me 10 minutes before",
        PARIS,
        NOW,
        AddTask("call mom", None, (), utc(2026, 11, 29, 16), "none", 10),
    ),
    (
        "add demo friday 3pm with a reminder 30 min before",
        PARIS,
        NOW,
        AddTask("demo", None, (), utc(2026, 12, 4, 14), "none", 30),
    ),
    ("add x remind me 1 hour before", PARIS, NOW, Unknown("add x remind me 1 hour before", HINT_REMINDER)),
    ("add high school reunion", PARIS, NOW, AddTask("high school reunion")),
    (
        "add buy eggs, milk and bread tomorrow",
        PARIS,
        NOW,
        AddTask("buy eggs, milk and bread", due_at=utc(2026, 11, 29, 8)),
    ),
    ("add tomorrow", PARIS, NOW, Unknown("add tomorrow", HINT_NO_TITLE)),
    ("add buy milk notes: the organic one", PARIS, NOW, AddTask("buy milk", description="the organic one")),
    (
        "I need to renew passport by next month",
        PARIS,
        NOW,
        AddTask("renew passport", due_at=utc(2026, 12, 28, 8)),  # the same day next month
    ),
    ("add café ☕ tomorrow", PARIS, NOW, AddTask("café ☕", due_at=utc(2026, 11, 29, 8))),
    # --- lists and searches -------------------------------------------------------------------
    # A window that reaches into today starts at midnight: "what's due today" includes this morning.
    (
        "what's due this week?",
        PARIS,
        NOW,
        ListTasks(due_after=PARIS_MIDNIGHT, due_before=utc(2026, 11, 29, 22, 59, 59)),
    ),
    # A typographic apostrophe, as phones type it.
    (
        "what\u2019s due this week?",
        NY,
        NOW,
        ListTasks(due_after=NY_MIDNIGHT, due_before=utc(2026, 11, 30, 4, 59, 59)),
    ),
    (
        "what's due today",
        PARIS,
        NOW,
        ListTasks(due_after=PARIS_MIDNIGHT, due_before=utc(2026, 11, 28, 22, 59, 59)),
    ),
    (
        "what's due tomorrow",
        NY,
        NOW,
        ListTasks(due_after=utc(2026, 11, 29, 5), due_before=utc(2026, 11, 30, 4, 59, 59)),
    ),
    (
        "what's due next week",
        PARIS,
        NOW,
        ListTasks(due_after=utc(2026, 11, 29, 23), due_before=utc(2026, 12, 6, 22, 59, 59)),
    ),
    (
        "what's due this month",
        PARIS,
        NOW,
        ListTasks(due_after=PARIS_MIDNIGHT, due_before=utc(2026, 11, 30, 22, 59, 59)),
    ),
    ("show tasks due by friday", PARIS, NOW, ListTasks(due_before=utc(2026, 12, 4, 22, 59, 59))),
    (
        "tasks due in the next 3 days",
        NY,
        NOW,
        ListTasks(due_after=NY_MIDNIGHT, due_before=utc(2026, 12, 2, 4, 59, 59)),
    ),
    ("what is overdue", PARIS, NOW, ListTasks(overdue=True)),
    ("overdue tasks", PARIS, NOW, ListTasks(overdue=True)),
    ("show high priority work tasks", PARIS, NOW, ListTasks(priorities=("high",), tags=("work",))),
    ("show me low and medium priority tasks", PARIS, NOW, ListTasks(priorities=("medium", "low"))),
    ("show completed tasks", PARIS, NOW, ListTasks(status="completed")),
    ("show all tasks", PARIS, NOW, ListTasks(status="all")),
    ("search for dentist", PARIS, NOW, ListTasks(q="dentist", status="all")),
    ("find tasks about taxes", PARIS, NOW, ListTasks(q="taxes", status="all")),
    ("search high school", PARIS, NOW, ListTasks(q="high school", status="all")),
    ("list my tasks", PARIS, NOW, ListTasks()),
    ("show tasks tagged work and home", PARIS, NOW, ListTasks(tags=("work", "home"))),
    ("show #work tasks sorted by priority", PARIS, NOW, ListTasks(tags=("work",), sort="priority")),
    ("show open tasks newest first", PARIS, NOW, ListTasks(sort="-created_at")),
    ("what's next", PARIS, NOW, ListTasks(sort="due_at")),
    # --- complete, reopen, delete, reschedule -------------------------------------------------
    ("complete buy milk", PARIS, NOW, CompleteTask(TaskRef("buy milk"))),
    ("mark buy milk as done", PARIS, NOW, CompleteTask(TaskRef("buy milk"))),
    ("done with buy milk", PARIS, NOW, CompleteTask(TaskRef("buy milk"))),
    ("I finished it", PARIS, NOW, CompleteTask(IT)),
    ("done!", PARIS, NOW, CompleteTask(IT)),
    ("reopen it", PARIS, NOW, ReopenTask(IT)),
    ("mark buy milk as not done", PARIS, NOW, ReopenTask(TaskRef("buy milk"))),
    ("delete that", PARIS, NOW, DeleteTask(IT)),
    ("remove the dentist task", PARIS, NOW, DeleteTask(TaskRef("dentist"))),
    ("delete the last one", PARIS, NOW, DeleteTask(IT)),
    ("move it to Friday 3pm", PARIS, NOW, RescheduleTask(IT, utc(2026, 12, 4, 14))),
    ("move it to Friday 3pm", NY, NOW, RescheduleTask(IT, utc(2026, 12, 4, 20))),
    (
        "reschedule pay rent to next monday",
        NY,
        NOW,
        RescheduleTask(TaskRef("pay rent"), utc(2026, 11, 30, 14), keep_time=True),
    ),
    ("postpone it to tomorrow", PARIS, NOW, RescheduleTask(IT, utc(2026, 11, 29, 8), keep_time=True)),
    (
        "move talk to bob to friday",
        PARIS,
        NOW,
        RescheduleTask(TaskRef("talk to bob"), utc(2026, 12, 4, 8), keep_time=True),
    ),
    ("postpone it by 2 days", PARIS, NOW, SnoozeTask(IT, 2 * 1440)),
    ("postpone it", PARIS, NOW, Unknown("postpone it", HINT_RESCHEDULE)),
    # --- help and nonsense --------------------------------------------------------------------
    ("help", PARIS, NOW, Help()),
    ("what time is it", PARIS, NOW, Unknown("what time is it", HINT_GENERAL)),
    ("   ", PARIS, NOW, Unknown("", HINT_EMPTY)),
    # --- across daylight saving -----------------------------------------------------------------
    ("add x tomorrow at 9am", PARIS, SPRING, AddTask("x", due_at=utc(2027, 3, 28, 7))),  # CEST now
    # 02:30 does not exist on 28 March in Paris; the clocks jump to 03:00 CEST.
    ("add x tomorrow at 2:30am", PARIS, SPRING, AddTask("x", due_at=utc(2027, 3, 28, 1))),
    ("add x every day at 8am", PARIS, SPRING, AddTask("x", None, (), utc(2027, 3, 28, 6), "daily")),
    (
        "what's due this week",
        PARIS,
        SPRING,
        ListTasks(due_after=utc(2027, 3, 26, 23), due_before=utc(2027, 3, 28, 21, 59, 59)),
    ),
    ("add x on 14 March at 2:30am", NY, NOW, AddTask("x", due_at=utc(2027, 3, 14, 7))),
    # 02:30 happens twice on 25 October in Paris; the first one (CEST) wins.
    ("add x tomorrow at 2:30am", PARIS, FALL, AddTask("x", due_at=utc(2026, 10, 25, 0, 30))),
    ("add x in 2 weeks", NY, FALL, AddTask("x", due_at=utc(2026, 11, 7, 14))),  # EDT now, EST then
    # --- month ends -----------------------------------------------------------------------------
    ("add x in 1 month", PARIS, JAN_31, AddTask("x", due_at=utc(2027, 2, 28, 8))),
    ("add x next month", PARIS, JAN_31, AddTask("x", due_at=utc(2027, 2, 28, 8))),  # clamped
    # --- the date vocabulary's choices (docs/dates.md) -----------------------------------------------
    ("add x next friday", PARIS, NOW, AddTask("x", due_at=utc(2026, 12, 4, 8))),  # said on a Saturday
    ("add x next friday", PARIS, MONDAY, AddTask("x", due_at=utc(2026, 12, 11, 8))),  # next week's
    ("add x friday", PARIS, MONDAY, AddTask("x", due_at=utc(2026, 12, 4, 8))),  # the coming one
    ("add x next month", PARIS, NOW, AddTask("x", due_at=utc(2026, 12, 28, 8))),
    ("add x feb 31", PARIS, NOW, Unknown("add x feb 31", f"February has no 31st; {FEB_DAYS}.")),
    ("move it to feb 30", PARIS, NOW, Unknown("move it to feb 30", f"February has no 30th; {FEB_DAYS}.")),
    ("add x on 9999-01-01", PARIS, NOW, Unknown("add x on 9999-01-01", f"The year 9999 {OUTSIDE}.")),
    ("add x 0001-01-01 9am", PARIS, NOW, Unknown("add x 0001-01-01 9am", f"The year 1 {OUTSIDE}.")),
    # February has no 31st, so the series starts on 31 March, after Paris has moved to CEST.
    (
        "add rent every month on the 31st",
        PARIS,
        JAN_31,
        AddTask("rent", None, (), utc(2027, 3, 31, 7), "monthly"),
    ),
    (
        "what's due this week",
        PARIS,
        JAN_31,
        ListTasks(due_after=utc(2027, 1, 30, 23), due_before=utc(2027, 1, 31, 22, 59, 59)),
    ),
    ("add leap day party on feb 29", PARIS, JAN_31, AddTask("leap day party", due_at=utc(2028, 2, 29, 8))),
]


@pytest.mark.parametrize(
    ("message", "zone", "now", "expected"),
    CASES,
    ids=[f"{message}|{zone}|{now:%Y-%m-%d}" for message, zone, now, _ in CASES],
)
def test_phrase(message: str, zone: str, now: datetime, expected: Intent) -> None:
    assert parse(message, now, zone) == expected


def test_table_is_large_enough() -> None:
    assert len({(message, zone, now) for message, zone, now, _ in CASES}) >= 60


def test_due_times_are_utc() -> None:
    intent = parse("add x tomorrow at 5pm", NOW, NY)
    assert isinstance(intent, AddTask) and intent.due_at is not None
    assert intent.due_at.tzinfo is UTC


def test_title_longer_than_the_limit_is_refused_with_a_hint() -> None:
    message = "add " + "word " * 60
    assert parse(message, NOW, PARIS) == Unknown(message.strip(), HINT_TITLE_TOO_LONG)


def test_huge_message_is_refused_with_a_hint() -> None:
    intent = parse("add " + "x" * 100_000, NOW, PARIS)
    assert isinstance(intent, Unknown) and intent.hint == HINT_TOO_LONG


def test_caller_errors_still_raise() -> None:
    with pytest.raises(ValueError, match="unknown time zone"):
        parse("add x", NOW, "Mars/Olympus")
    with pytest.raises(ValueError, match="timezone-aware"):
        parse("add x", datetime(2026, 11, 28, 10), PARIS)


INTENTS = (
    AddTask,
    ListTasks,
    CompleteTask,
    ReopenTask,
    DeleteTask,
    RescheduleTask,
    SnoozeTask,
    RenameTask,
    SetPriority,
    RetagTask,
    BulkAction,
    Help,
    Unknown,
)
KEYWORDS = (
    "add remind me to every day week month monday friday at 9am 3pm 15:30 noon tonight tomorrow today in 3 "
    "days hours next week on the 1st 31st march 12 2026-12-24 high low priority urgent p1 !high #work remind "
    "10 minutes before show list what's due this overdue completed search for find tasks about complete mark "
    "as done delete it that move reschedule postpone , and with by before after sorted newest first tagged "
    "rename snooze untag tag all everything make set priority of to #errands remove from "
    "weekday other end year 2 a an half hour notes: 29 feb 9999 0 : - ' \" # !"
)
VOCABULARY = KEYWORDS.split()


def check_shape(intent: Intent) -> None:
    assert isinstance(intent, INTENTS)
    if isinstance(intent, AddTask):
        assert 0 < len(intent.title) <= 200
        assert intent.recurrence in {"none", "daily", "weekly", "monthly"}
        assert intent.recurrence == "none" or intent.due_at is not None
        assert intent.reminder_minutes_before is None or intent.due_at is not None
    for value in vars(intent).values():
        if isinstance(value, datetime):
            assert value.tzinfo is UTC


@settings(max_examples=400, deadline=None)
@given(message=st.text(max_size=300), zone=st.sampled_from([PARIS, NY, "Pacific/Apia", "UTC"]))
def test_never_raises_on_arbitrary_text(message: str, zone: str) -> None:
    check_shape(parse(message, NOW, zone))


@settings(max_examples=400, deadline=None)
@given(
    words=st.lists(st.sampled_from(VOCABULARY), max_size=30),
    zone=st.sampled_from([PARIS, NY]),
    now=st.sampled_from([NOW, SPRING, FALL, JAN_31]),
)
def test_never_raises_on_sentences_made_of_keywords(words: list[str], zone: str, now: datetime) -> None:
    check_shape(parse(" ".join(words), now, zone))
