"""Quick add's reading called directly, so the fast tier (and mutmut, which runs only it) sees its bugs.

The API suite (tests/api/test_quick_add_api.py) proves the route; these prove each chip, each refusal's
exact field, rule and message, and the user's time zone, on the in-memory unit of work.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from doable.chat.intents import HINT_GENERAL, HINT_RECURRENCE, HINT_TITLE_TOO_LONG, Unknown
from doable.domain.errors import FieldError, Unauthorized, ValidationFailed
from doable.domain.events import Context
from doable.domain.model import format_time, utcnow
from doable.services import quick_add
from doable.services.quick_add import Reading, _check, read_task, read_text
from tests.fakes import MemoryData, MemoryUnitOfWork
from tests.unit.conftest import add_user

AUCKLAND = "Pacific/Auckland"
# Monday 30 Nov 2026 12:00 UTC is already Tuesday 1 Dec 01:00 in Auckland: "tomorrow" and "the 1st"
# land on a different day there than in UTC, so a reading in the wrong zone shows.
NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)
EXAMPLE = "pay rent every month on the 1st 9am #home !high remind 1 day before"
REQUIRED = "type a task, e.g. 'pay rent on the 1st 9am #home'"
Pieces = list[tuple[str, Any]]


@pytest.fixture
def data() -> MemoryData:
    return MemoryData()


@pytest.fixture
def work(data: MemoryData) -> Callable[[], MemoryUnitOfWork]:
    return lambda: MemoryUnitOfWork(data)


@pytest.fixture
def read(work: Callable[[], MemoryUnitOfWork]) -> Callable[..., Reading]:
    """Reads a line as a user in `zone` (Auckland unless told) at NOW, or at the clock with now=None."""

    def reading(text: str, zone: str = AUCKLAND, now: datetime | None = NOW) -> Reading:
        user = add_user(work, timezone=zone)
        return read_task(work(), Context(user.id), {"text": text}, now)

    return reading


def chips(task: dict[str, Any], pieces: Pieces) -> dict[str, Any]:
    return {"task": task, "pieces": [{"field": field, "value": value} for field, value in pieces]}


def refusal(rule: str, message: str, field: str = "text") -> list[FieldError]:
    return [FieldError(field, rule, message)]


@pytest.mark.parametrize(
    ("text", "task", "pieces"),
    [
        (
            EXAMPLE,
            {
                "title": "pay rent",
                "due_at": "2026-11-30T20:00:00.000Z",  # 09:00 on 1 Dec in Auckland
                "recurrence": "monthly",
                "reminder_minutes_before": 1440,
                "priority": "high",
                "tags": ["home"],
            },
            [
                ("title", "pay rent"),
                ("due_at", "2026-11-30T20:00:00.000Z"),
                ("recurrence", "monthly"),
                ("reminder_minutes_before", 1440),
                ("priority", "high"),
                ("tags", "home"),
            ],
        ),
        ("high school reunion", {"title": "high school reunion"}, [("title", "high school reunion")]),
        # Auckland's tomorrow is 2 Dec (UTC's would be 1 Dec); an undated day is read as 09:00.
        (
            "renew visa tomorrow",
            {"title": "renew visa", "due_at": "2026-12-01T20:00:00.000Z"},
            [("title", "renew visa"), ("due_at", "2026-12-01T20:00:00.000Z")],
        ),
        (
            "water plants every day",
            {"title": "water plants", "due_at": "2026-11-30T20:00:00.000Z", "recurrence": "daily"},
            [("title", "water plants"), ("due_at", "2026-11-30T20:00:00.000Z"), ("recurrence", "daily")],
        ),
        (
            "gym every monday 7am p1",
            {
                "title": "gym",
                "due_at": "2026-12-06T18:00:00.000Z",
                "recurrence": "weekly",
                "priority": "high",
            },
            [
                ("title", "gym"),
                ("due_at", "2026-12-06T18:00:00.000Z"),
                ("recurrence", "weekly"),
                ("priority", "high"),
            ],
        ),
        # A reminder at the due time is 0 minutes: kept, not taken for "no reminder".
        (
            "call mom tomorrow 5pm remind me 0 minutes before",
            {"title": "call mom", "due_at": "2026-12-02T04:00:00.000Z", "reminder_minutes_before": 0},
            [("title", "call mom"), ("due_at", "2026-12-02T04:00:00.000Z"), ("reminder_minutes_before", 0)],
        ),
        (
            "fix bike !low",
            {"title": "fix bike", "priority": "low"},
            [("title", "fix bike"), ("priority", "low")],
        ),
        (
            "fix bike !medium",
            {"title": "fix bike", "priority": "medium"},
            [("title", "fix bike"), ("priority", "medium")],
        ),
        # One chip per tag, in the order typed; a tag typed twice is one tag.
        (
            "plan trip #Travel #family #travel",
            {"title": "plan trip", "tags": ["travel", "family"]},
            [("title", "plan trip"), ("tags", "travel"), ("tags", "family")],
        ),
        (
            "dentist 2027-03-04 14:30 #health #teeth notes: bring the referral",
            {
                "title": "dentist",
                "due_at": "2027-03-04T01:30:00.000Z",  # 14:30 in Auckland's summer time (UTC+13)
                "tags": ["health", "teeth"],
                "description": "bring the referral",
            },
            [
                ("title", "dentist"),
                ("due_at", "2027-03-04T01:30:00.000Z"),
                ("tags", "health"),
                ("tags", "teeth"),
                ("description", "bring the referral"),
            ],
        ),
        ("sign lease notes:   ", {"title": "sign lease"}, [("title", "sign lease")]),
    ],
)
def test_a_line_reads_as_the_fields_post_tasks_takes_and_one_chip_each(
    read: Callable[..., Reading], text: str, task: dict[str, Any], pieces: Pieces
) -> None:
    assert read(text).to_dict() == chips(task, pieces)


@pytest.mark.parametrize(
    ("zone", "due_at"),
    [
        (AUCKLAND, "2026-12-01T20:00:00.000Z"),  # already 1 Dec there: tomorrow is 2 Dec
        ("UTC", "2026-12-01T09:00:00.000Z"),
        ("America/New_York", "2026-12-01T14:00:00.000Z"),
    ],
)
def test_the_same_line_is_read_on_each_users_own_clock(
    read: Callable[..., Reading], zone: str, due_at: str
) -> None:
    assert read("renew visa tomorrow 9am", zone).task == {"title": "renew visa", "due_at": due_at}


def test_a_given_now_is_the_one_the_line_is_read_at(read: Callable[..., Reading]) -> None:
    # Years from the clock, so reading at the clock's time instead cannot give the same answer.
    assert read("stretch in 2 hours", now=datetime(2031, 6, 1, 10, tzinfo=UTC)).task == {
        "title": "stretch",
        "due_at": "2031-06-01T12:00:00.000Z",
    }


def test_without_a_given_now_the_line_is_read_at_the_clocks_time(read: Callable[..., Reading]) -> None:
    # due_at keeps milliseconds, so the bounds are formatted the same way before comparing.
    before = utcnow()
    due_at = read("stretch in 2 hours", now=None).task["due_at"]
    after = utcnow()
    assert format_time(before + timedelta(hours=2)) <= due_at <= format_time(after + timedelta(hours=2))


def test_reading_stores_nothing(read: Callable[..., Reading], data: MemoryData) -> None:
    read(EXAMPLE)
    assert data.tasks == {} and data.outbox == []


def test_to_dict_is_the_task_and_the_chips_as_a_list() -> None:
    task = {"title": "milk"}
    piece = {"field": "title", "value": "milk"}
    as_dict = Reading(task, (piece,)).to_dict()
    assert as_dict == {"task": {"title": "milk"}, "pieces": [piece]}
    assert type(as_dict["pieces"]) is list


@pytest.mark.parametrize(
    ("text", "errors"),
    [
        ("tomorrow 9am", refusal("unreadable", "Start with what to do, e.g. 'buy milk tomorrow'.")),
        (
            "call mom remind me 10 minutes before",
            refusal(
                "unreadable",
                "A reminder needs a due date, e.g. 'call mom tomorrow 5pm remind me 10 minutes before'.",
            ),
        ),
        (
            "buy milk feb 31",
            refusal("unreadable", "February has no 31st; it has 29 days, so pick a day from 1 to 29."),
        ),
        (
            "file taxes 2027-02-29",
            refusal("unreadable", "February 2027 has no 29th; it has 28 days, so pick a day from 1 to 28."),
        ),
        (
            "renew passport 9999-01-01",
            refusal(
                "unreadable",
                "The year 9999 is outside the years Doable keeps; pick a date from 1970 to 2200.",
            ),
        ),
        # Hints with no quick-add wording of their own are shown as the parser gives them.
        ("stand up every weekday", refusal("unreadable", HINT_RECURRENCE)),
        ("x" * 201, refusal("unreadable", HINT_TITLE_TOO_LONG)),
        # What the parser reads but POST /tasks would refuse is refused on `text`, naming the field.
        ("sort the shed " + " ".join(f"#t{n}" for n in range(21)), refusal("count", "tags: at most 20 tags")),
        (
            "label box #" + "a" * 41,
            refusal(
                "tag",
                f"tags: '{'a' * 41}' is not a valid tag: up to 40 letters, digits, '-', '_', '/', ':' or '.'",
            ),
        ),
    ],
)
def test_a_line_that_cannot_be_a_task_is_refused_on_text_with_the_reason(
    read: Callable[..., Reading], text: str, errors: list[FieldError]
) -> None:
    with pytest.raises(ValidationFailed) as raised:
        read(text)
    assert raised.value.errors == errors


def test_twenty_tags_are_accepted(read: Callable[..., Reading]) -> None:
    tags = [f"t{n}" for n in range(20)]
    assert read("sort the shed " + " ".join(f"#{tag}" for tag in tags)).task["tags"] == tags


def test_a_parser_reading_without_a_hint_gets_the_general_one(
    read: Callable[..., Reading], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(quick_add, "parse_task", lambda text, _now, _zone: Unknown(text))
    with pytest.raises(ValidationFailed) as raised:
        read("anything")
    assert raised.value.errors == refusal("unreadable", HINT_GENERAL)


def test_an_account_that_no_longer_exists_cannot_read(work: Callable[[], MemoryUnitOfWork]) -> None:
    with pytest.raises(Unauthorized):
        read_task(work(), Context("gone"), {"text": "milk"}, NOW)


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({}, refusal("required", REQUIRED)),
        ({"text": ""}, refusal("required", REQUIRED)),
        ({"text": " \t\n"}, refusal("required", REQUIRED)),
        ({"text": None}, refusal("required", REQUIRED)),
        ({"text": 5}, refusal("required", REQUIRED)),
        ({"text": ["milk"]}, refusal("required", REQUIRED)),
        ({"text": "x" * 1001}, refusal("length", "at most 1000 characters; shorten it")),
        # Every problem at once: unknown fields in name order (five, so a set's order is not it by
        # chance), then the text.
        (
            {"text": "  ", "title": "milk", "due_at": "tomorrow", "tags": [], "a": 1, "priority": "high"},
            [
                *(
                    FieldError(name, "unknown_field", "unknown field; the only field is text")
                    for name in ("a", "due_at", "priority", "tags", "title")
                ),
                FieldError("text", "required", REQUIRED),
            ],
        ),
        (
            {"text": "milk", "title": "milk"},
            refusal("unknown_field", "unknown field; the only field is text", "title"),
        ),
    ],
)
def test_the_body_is_refused_with_every_problem(body: Mapping[str, Any], errors: list[FieldError]) -> None:
    with pytest.raises(ValidationFailed) as raised:
        read_text(body)
    assert raised.value.errors == errors


@pytest.mark.parametrize("text", ["m", "x" * 1000, "  milk  "])
def test_the_text_is_taken_as_typed_up_to_the_limit(text: str) -> None:
    assert read_text({"text": text}) == text


@pytest.mark.parametrize(
    ("task", "errors"),
    [
        ({}, refusal("required", "title: title is required")),
        (
            {"title": "x", "priority": "urgent", "tags": "home"},
            [
                FieldError("text", "enum", "priority: must be one of high, medium, low"),
                FieldError("text", "type", "tags: must be a list of strings"),
            ],
        ),
        (
            {"title": "x", "reminder_minutes_before": -1},
            refusal("range", "reminder_minutes_before: must be between 0 and 527040 minutes"),
        ),
    ],
)
def test_check_refuses_what_post_tasks_refuses_on_text(
    task: dict[str, Any], errors: list[FieldError]
) -> None:
    with pytest.raises(ValidationFailed) as raised:
        _check(task)
    assert raised.value.errors == errors
    assert raised.value.__cause__ is None  # the task rules' own error is replaced, not chained


def test_check_passes_what_post_tasks_accepts() -> None:
    _check({"title": "x", "due_at": "2026-12-01T09:00:00.000Z", "recurrence": "daily", "tags": ["a"]})
