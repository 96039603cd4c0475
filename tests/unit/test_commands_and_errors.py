"""What a caller is told: chat command validation and each domain error's status, title and fields.

The API suites see these through HTTP; here each rule and message is pinned where it is made, so a
changed limit, rule name or status shows up in the fast tests (and the mutation run) at once.
"""

from __future__ import annotations

from typing import Any

import pytest

from doable.domain.errors import (
    Conflict,
    DomainError,
    FieldError,
    NotFound,
    PreconditionFailed,
    Unauthorized,
    ValidationFailed,
    invalid,
)
from doable.services.chat import MESSAGE_MAX, SendMessage

SAY_SOMETHING = FieldError("message", "required", "say something, e.g. 'add buy milk tomorrow'")


def refusal(body: dict[str, Any]) -> list[FieldError]:
    with pytest.raises(ValidationFailed) as raised:
        SendMessage.from_json(body)
    return raised.value.errors


def test_a_message_is_trimmed_and_an_empty_conversation_id_means_a_new_one() -> None:
    assert SendMessage.from_json({"message": "  add milk  "}) == SendMessage("add milk", None)
    assert SendMessage.from_json({"message": "hi", "conversation_id": ""}) == SendMessage("hi", None)
    assert SendMessage.from_json({"message": "hi", "conversation_id": "c1"}) == SendMessage("hi", "c1")


def test_the_clock_says_how_replies_tell_the_time() -> None:
    assert SendMessage.from_json({"message": "hi"}).clock == "24h"
    assert SendMessage.from_json({"message": "hi", "clock": "12h"}) == SendMessage("hi", None, "12h")
    assert refusal({"message": "hi", "clock": "am/pm"}) == [
        FieldError("clock", "choice", "must be 24h or 12h, or left out for 24h")
    ]


@pytest.mark.parametrize("message", [None, "", "   ", 42, ["add milk"]])
def test_a_missing_blank_or_non_text_message_is_refused(message: object) -> None:
    body = {} if message is None else {"message": message}
    assert refusal(body) == [SAY_SOMETHING]


def test_the_message_length_limit_is_inclusive() -> None:
    assert SendMessage.from_json({"message": "x" * MESSAGE_MAX}).message == "x" * MESSAGE_MAX
    assert refusal({"message": "x" * (MESSAGE_MAX + 1)}) == [
        FieldError("message", "length", f"at most {MESSAGE_MAX} characters")
    ]
    assert MESSAGE_MAX == 2000


def test_every_problem_in_a_body_is_named_unknown_fields_first_in_order() -> None:
    errors = refusal({"zeta": 1, "alpha": 2, "message": " ", "conversation_id": 7})
    assert errors == [
        FieldError("alpha", "unknown_field", "unknown field; allowed are message, conversation_id, clock"),
        FieldError("zeta", "unknown_field", "unknown field; allowed are message, conversation_id, clock"),
        SAY_SOMETHING,
        FieldError("conversation_id", "type", "must be a string or left out"),
    ]


def test_validation_failed_is_a_422_listing_every_field() -> None:
    error = ValidationFailed([FieldError("a", "r1", "m1"), FieldError("b", "r2", "m2")])
    assert (error.status, error.title, error.detail) == (422, "Invalid input", "a: m1; b: m2")
    assert error.extra == {
        "errors": [
            {"field": "a", "rule": "r1", "message": "m1"},
            {"field": "b", "rule": "r2", "message": "m2"},
        ]
    }
    assert str(error) == "a: m1; b: m2"
    one = invalid("title", "length", "at most 200")
    assert one.errors == [FieldError("title", "length", "at most 200")] and one.status == 422


@pytest.mark.parametrize(
    ("kind", "status", "title"),
    [
        (NotFound, 404, "Not found"),
        (Conflict, 409, "Conflict"),
        (PreconditionFailed, 412, "Precondition failed"),
        (Unauthorized, 401, "Unauthorized"),
        (DomainError, 400, "Bad request"),
    ],
)
def test_each_domain_error_has_its_status_and_title(kind: type[DomainError], status: int, title: str) -> None:
    error = kind("what went wrong")  # made inside the test, so the mutation run sees the test use it
    assert (error.detail, error.status, error.title, error.extra) == ("what went wrong", status, title, {})
    assert str(error) == "what went wrong"
