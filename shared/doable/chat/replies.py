"""How the assistant says things: tasks, times and lists in words, on the user's own wall clock.

Pure functions of their inputs (no I/O, no clock of their own), so every sentence is testable with a
fixed `now`. Day and month names are spelled here rather than by strftime, which follows the locale.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from doable.chat.intents import ListTasks
from doable.domain.model import Priority, Status, Task
from doable.domain.recurrence import Recurrence

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
ORDINAL_WORDS = (
    "first",
    "second",
    "third",
    "fourth",
    "fifth",
    "sixth",
    "seventh",
    "eighth",
    "ninth",
    "tenth",
)


def quote(title: str) -> str:
    return f"\u201c{title}\u201d"


def day_name(day: date, today: date) -> str:
    offset = (day - today).days
    if offset == 0:
        return "today"
    if offset == 1:
        return "tomorrow"
    if offset == -1:
        return "yesterday"
    text = f"{WEEKDAYS[day.weekday()]} {day.day} {MONTHS[day.month - 1]}"
    return text if day.year == today.year else f"{text} {day.year}"


def clock(wall: time, hour12: bool) -> str:
    """'17:05' on a 24-hour clock, '5:05 PM' on a 12-hour one (as the task list shows them)."""
    if not hour12:
        return f"{wall:%H:%M}"
    return f"{wall.hour % 12 or 12}:{wall.minute:02d} {'AM' if wall.hour < 12 else 'PM'}"


def lead_time(minutes: int) -> str:
    """A reminder lead in the largest whole unit: 10 minutes, 1 hour, 2 days, 1 week."""
    for size, unit in ((7 * 24 * 60, "week"), (24 * 60, "day"), (60, "hour"), (1, "minute")):
        if minutes % size == 0 and (minutes or size == 1):
            count = minutes // size
            return f"{count} {unit}{'' if count == 1 else 's'}"
    raise AssertionError("unreachable: every whole number is a count of minutes")


def reminder_phrase(minutes: int) -> str:
    return "a reminder at the due time" if minutes == 0 else f"a reminder {lead_time(minutes)} before"


def tag_list(tags: Iterable[str]) -> str:
    return " ".join(f"#{tag}" for tag in tags)


@dataclass(frozen=True)
class Say:
    """Says tasks and times for one user at one instant: on their wall clock, 12- or 24-hour."""

    zone: ZoneInfo
    now: datetime
    hour12: bool = False

    def when(self, instant: datetime) -> str:
        """'today at 17:00', 'tomorrow at 9:00 AM', 'Fri 4 Dec at 15:00', 'Mon 4 Jan 2027 at 09:00'."""
        local = instant.astimezone(self.zone)
        return f"{day_name(local.date(), self.today)} at {clock(local.time(), self.hour12)}"

    @property
    def today(self) -> date:
        return self.now.astimezone(self.zone).date()

    def task_facts(self, task: Task) -> list[str]:
        """The facts worth saying about a task beyond its title, most useful first."""
        facts: list[str] = []
        if task.status is Status.COMPLETED:
            facts.append("done")
        if task.due_at is not None:
            overdue = task.status is Status.OPEN and task.due_at < self.now
            facts.append(f"due {self.when(task.due_at)}{' (overdue)' if overdue else ''}")
        if task.priority is not Priority.MEDIUM:
            facts.append(f"{task.priority.value} priority")
        if task.tags:
            facts.append(tag_list(task.tags))
        if task.recurrence is not Recurrence.NONE:
            facts.append(f"repeats {task.recurrence.value}")
        return facts

    def task_line(self, number: int, task: Task) -> str:
        facts = self.task_facts(task)
        return f"{number}. {task.title}" + (" \u2014 " + " \u00b7 ".join(facts) if facts else "")

    def numbered(self, tasks: Sequence[Task]) -> str:
        return "\n".join(self.task_line(number, task) for number, task in enumerate(tasks, 1))

    def added(self, task: Task) -> str:
        parts = [f"Added {quote(task.title)}"]
        if task.due_at is not None:
            parts.append(f"due {self.when(task.due_at)}")
        if task.recurrence is not Recurrence.NONE:
            parts.append(f"repeating {task.recurrence.value}")
        if task.priority is not Priority.MEDIUM:
            parts.append(f"{task.priority.value} priority")
        if task.tags:
            parts.append("tagged " + tag_list(task.tags))
        if task.reminder_minutes_before is not None:
            parts.append(f"with {reminder_phrase(task.reminder_minutes_before)}")
        return ", ".join(parts) + "."

    def list_subject(self, intent: ListTasks, count: int) -> str:
        """'open high-priority tasks tagged #work due by Sun 29 Nov' for the filters a list used."""
        adjectives: list[str] = []
        if intent.overdue:
            adjectives.append("overdue")
        elif intent.status in ("open", "completed"):
            adjectives.append(intent.status)
        if intent.priorities:
            adjectives.append(" or ".join(intent.priorities) + "-priority")
        noun = "task" if count == 1 else "tasks"
        qualifiers: list[str] = []
        if intent.tags:
            qualifiers.append("tagged " + tag_list(intent.tags))
        if intent.q:
            qualifiers.append(f"matching {quote(intent.q)}")
        window = self._window(intent)
        if window:
            qualifiers.append(window)
        return " ".join([*adjectives, noun, *qualifiers])

    def _window(self, intent: ListTasks) -> str | None:
        today, zone = self.today, self.zone

        def local_day(instant: datetime) -> date:
            return instant.astimezone(zone).date()

        def on(day: date) -> str:
            name = day_name(day, today)
            return name if name in ("today", "tomorrow", "yesterday") else f"on {name}"

        after, before = intent.due_after, intent.due_before
        if before is not None:
            local = before.astimezone(zone)
            # A window that ends at midnight ends with the day before it ("before Monday").
            ends_at_midnight = (local.hour, local.minute, local.second) == (0, 0, 0)
            last = local_day(before - timedelta(seconds=1))
            starts_later = after is not None and local_day(after) > today
            first = local_day(after) if after is not None and starts_later else today
            if first == last and not ends_at_midnight:
                return f"due {on(last)}"
            if starts_later:
                return f"due between {day_name(first, today)} and {day_name(last, today)}"
            return (
                f"due before {day_name(local.date(), today)}"
                if ends_at_midnight
                else f"due by {day_name(last, today)}"
            )
        if after is not None:
            return f"due after {day_name(local_day(after - timedelta(seconds=1)), today)}"
        return None


def ordinal(number: int) -> str:
    return ORDINAL_WORDS[number - 1] if 1 <= number <= len(ORDINAL_WORDS) else f"number {number}"


HELP = (
    "I can manage your tasks. Try:\n"
    "\u2022 add pay rent every month on the 1st at 9am high #home remind me 1 day before\n"
    "\u2022 what's due this week? \u00b7 show high priority work tasks \u00b7 search report\n"
    "\u2022 complete pay rent \u00b7 mark it done \u00b7 reopen it \u00b7 delete buy milk\n"
    "\u2022 move it to Friday 3pm \u00b7 postpone call mom to tomorrow \u00b7 snooze it 2 hours\n"
    "\u2022 rename it to weekly shop \u00b7 make it high priority \u00b7 tag it #errands\n"
    "\u2022 complete everything tagged errands \u00b7 delete all completed tasks (I ask first)\n"
    "After a list, numbers work too: 'complete 2'."
)
