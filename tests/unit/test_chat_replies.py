"""The assistant's wording and title matching as pure functions: times, leads, list subjects, choices."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from doable.chat import matching, replies
from doable.chat.intents import ListTasks
from doable.chat.parser import parse
from doable.domain.model import Task

NOW = datetime(2026, 11, 28, 10, tzinfo=UTC)  # Saturday, 11:00 in Paris
PARIS = ZoneInfo("Europe/Paris")


@pytest.mark.parametrize(
    ("instant", "zone", "text"),
    [
        (datetime(2026, 11, 28, 16, tzinfo=UTC), "Europe/Paris", "today at 17:00"),
        (datetime(2026, 11, 29, 8, tzinfo=UTC), "Europe/Paris", "tomorrow at 09:00"),
        (datetime(2026, 11, 27, 8, tzinfo=UTC), "Europe/Paris", "yesterday at 09:00"),
        (datetime(2026, 12, 4, 14, tzinfo=UTC), "Europe/Paris", "Fri 4 Dec at 15:00"),
        (datetime(2027, 1, 15, 8, tzinfo=UTC), "Europe/Paris", "Fri 15 Jan 2027 at 09:00"),
        # 03:00 UTC on Sunday is still Saturday evening in New York.
        (datetime(2026, 11, 29, 3, tzinfo=UTC), "America/New_York", "today at 22:00"),
    ],
)
def test_times_are_said_on_the_users_clock(instant: datetime, zone: str, text: str) -> None:
    assert replies.Say(ZoneInfo(zone), NOW).when(instant) == text


@pytest.mark.parametrize(
    ("instant", "text"),
    [
        (datetime(2026, 11, 28, 16, 5, tzinfo=UTC), "today at 5:05 PM"),
        (datetime(2026, 11, 29, 8, tzinfo=UTC), "tomorrow at 9:00 AM"),
        (datetime(2026, 11, 28, 11, tzinfo=UTC), "today at 12:00 PM"),
        (datetime(2026, 11, 28, 23, 30, tzinfo=UTC), "tomorrow at 12:30 AM"),
    ],
)
def test_a_12_hour_clock_says_am_and_pm(instant: datetime, text: str) -> None:
    assert replies.Say(PARIS, NOW, hour12=True).when(instant) == text


@pytest.mark.parametrize(
    ("minutes", "text"),
    [(0, "0 minutes"), (1, "1 minute"), (10, "10 minutes"), (60, "1 hour"), (90, "90 minutes"),
     (1440, "1 day"), (2880, "2 days"), (10080, "1 week")],
)  # fmt: skip
def test_reminder_leads_use_the_largest_whole_unit(minutes: int, text: str) -> None:
    assert replies.lead_time(minutes) == text


@pytest.mark.parametrize(
    ("message", "subject"),
    [
        ("show my tasks", "open tasks"),
        ("show everything", "tasks"),
        ("what is due today", "open tasks due today"),
        ("what is due tomorrow", "open tasks due tomorrow"),
        ("what is due on friday", "open tasks due on Fri 4 Dec"),
        ("what is due this week", "open tasks due by tomorrow"),
        ("what is due next week", "open tasks due between Mon 30 Nov and Sun 6 Dec"),
        ("tasks due before friday", "open tasks due before Fri 4 Dec"),
        ("tasks due after monday", "open tasks due after Mon 30 Nov"),
        ("show overdue high priority tasks", "overdue high-priority tasks"),
        ("show high priority work tasks", "open high-priority tasks tagged #work"),
        ("search dentist", "tasks matching \u201cdentist\u201d"),
        ("show completed tasks", "completed tasks"),
    ],
)
def test_a_list_says_which_tasks_it_shows(message: str, subject: str) -> None:
    intent = parse(message, NOW, "Europe/Paris")
    assert isinstance(intent, ListTasks)
    assert replies.Say(PARIS, NOW).list_subject(intent, 2) == subject


def test_one_task_is_singular() -> None:
    assert replies.Say(PARIS, NOW).list_subject(ListTasks(), 1) == "open task"


@pytest.mark.parametrize(
    ("reference", "title", "rank"),
    [
        ("buy milk", "Buy Milk", matching.EXACT),
        ("buy milk!", "buy milk", matching.EXACT),
        ("report", "Write report", matching.PHRASE),
        ("write rep", "Write report for the board", matching.WORDS),
        ("board report", "Write report for the board", matching.WORDS),
        ("numbers", "Write report", matching.ELSEWHERE),
    ],
)
def test_title_ranks(reference: str, title: str, rank: int) -> None:
    assert matching.rank(reference, title) == rank


def test_best_prefers_the_tasks_the_action_fits() -> None:
    done = Task(id="1", user_id="u", title="water plants")
    done.complete(NOW)
    still_open = Task(id="2", user_id="u", title="water plants")
    assert matching.best("water plants", [done, still_open], lambda t: t.status.value == "open") == [
        still_open
    ]
    assert matching.best("water plants", [done], lambda t: t.status.value == "open") == [done]


@pytest.mark.parametrize(
    ("text", "number"),
    [("2", 2), ("#2", 2), ("number 3", 3), ("no. 4", 4), ("the second one", 2), ("2nd", 2), ("first", 1),
     ("1.", 1), ("the 3rd task", 3), ("buy milk", None), ("100", None), ("", None)],
)  # fmt: skip
def test_choices(text: str, number: int | None) -> None:
    assert matching.read_choice(text) == number


def test_misspelt_titles_are_suggested() -> None:
    tasks = [Task(id=str(n), user_id="u", title=title) for n, title in enumerate(["Buy milk", "Pay rent"])]
    assert [task.title for task in matching.suggestions("by milk", tasks)] == ["Buy milk"]
    assert matching.suggestions("walk the dog", tasks) == []
