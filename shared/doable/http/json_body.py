"""Decodes JSON request bodies into values that nothing downstream (databases, events, encoders) chokes on.

Python's decoder takes any nesting until it runs out of stack, integers of thousands of digits,
NaN and Infinity, lone UTF-16 surrogates and U+0000. Each of those turned into a 500 somewhere
later (a RecursionError, an int too large for a column, text PostgreSQL refuses to store), so they
are refused here, before a handler sees the body, with a 422 that names the offending field.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from doable.domain.errors import DomainError, FieldError, ValidationFailed

MAX_DEPTH = 32  # Doable's own bodies nest 3 deep; anything near this is an attack or a bug
INT_MIN, INT_MAX = -(2**63), 2**63 - 1  # what a BIGINT column and every JSON client can hold
MAX_REPORTED = 10
# The tokens that matter for nesting: strings (so brackets inside them are skipped) and structure.
_TOKEN = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)
_BAD_TEXT = re.compile("[\x00\ud800-\udfff]")


class _OutOfRange:
    """Stands in for a number no column can hold, so the walk can say which field it was."""

    def __init__(self, text: str) -> None:
        self.text = text


def _int(text: str) -> int | _OutOfRange:
    # Checked by length first: int() of a 5000-digit string is itself an error (and slow).
    if len(text) > 20:
        return _OutOfRange(text)
    value = int(text)
    return value if INT_MIN <= value <= INT_MAX else _OutOfRange(text)


def _float(text: str) -> float | int | _OutOfRange:
    value = float(text)
    if not math.isfinite(value):
        return _OutOfRange(text)
    if value.is_integer():  # JSON has one kind of number: 5.0 is the integer 5, as JSON Schema says
        whole = int(value)
        return whole if INT_MIN <= whole <= INT_MAX else _OutOfRange(text)
    return value


def parse_object(raw: bytes) -> dict[str, Any]:
    """The body as a JSON object, or a DomainError (400, 422) that says what is wrong and where."""
    check_depth(raw)
    try:
        body = json.loads(raw or b"null", parse_int=_int, parse_float=_float, parse_constant=_OutOfRange)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise DomainError(f"the body is not valid JSON: {error}", 400, "Malformed JSON") from None
    if not isinstance(body, dict):
        raise DomainError("the body must be a JSON object", 400, "Malformed JSON")
    errors = _problems(body)
    if errors:
        raise ValidationFailed(errors[:MAX_REPORTED])
    return body


def check_depth(raw: bytes) -> None:
    """Refuses nesting beyond MAX_DEPTH before decoding, naming the top-level field it happens under."""
    depth = 0
    field = "body"
    for token in _TOKEN.finditer(raw):
        text = token.group()
        if text in (b"[", b"{"):
            depth += 1
            if depth > MAX_DEPTH:
                raise ValidationFailed(
                    [FieldError(field, "depth", f"nests deeper than {MAX_DEPTH} levels; send flatter JSON")]
                )
        elif text in (b"]", b"}"):
            depth -= 1
        elif depth == 1:
            # At the top level the last string before a nested value is that member's name.
            try:
                field = str(json.loads(text))
            except ValueError:
                field = "body"


def _problems(body: dict[str, Any]) -> list[FieldError]:
    errors: list[FieldError] = []
    pending: list[tuple[str, Any]] = [(name, value) for name, value in body.items()]
    for name in body:
        if _BAD_TEXT.search(name):
            errors.append(FieldError(ascii(name), "text", _TEXT_MESSAGE))
    while pending and len(errors) < MAX_REPORTED:
        path, value = pending.pop()
        if isinstance(value, str):
            if _BAD_TEXT.search(value):
                errors.append(FieldError(path, "text", _TEXT_MESSAGE))
        elif isinstance(value, _OutOfRange):
            errors.append(
                FieldError(
                    path,
                    "range",
                    f"{value.text[:40]} is out of range: send whole numbers from {INT_MIN} to {INT_MAX} "
                    "and finite decimals",
                )
            )
        elif isinstance(value, dict):
            for key, item in value.items():
                if _BAD_TEXT.search(key):
                    errors.append(FieldError(f"{path}.{key!a}", "text", _TEXT_MESSAGE))
                pending.append((f"{path}.{key}", item))
        elif isinstance(value, list):
            pending.extend((f"{path}[{index}]", item) for index, item in enumerate(value))
    return sorted(errors, key=lambda error: error.field)


_TEXT_MESSAGE = (
    "holds U+0000 or a lone UTF-16 surrogate (\\ud800-\\udfff), which no text can store; send valid Unicode"
)
