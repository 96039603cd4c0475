"""Errors the domain raises; the HTTP layer turns each into an RFC 9457 problem with its status."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class DomainError(Exception):
    """A failure the caller can act on: `detail` says what went wrong and what to do."""

    detail: str
    status: int = 400
    title: str = "Bad request"
    extra: dict[str, object] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.detail


@dataclass
class FieldError:
    field: str
    rule: str
    message: str


class ValidationFailed(DomainError):
    def __init__(self, errors: list[FieldError]) -> None:
        detail = "; ".join(f"{e.field}: {e.message}" for e in errors)
        super().__init__(
            detail=detail,
            status=422,
            title="Invalid input",
            extra={"errors": [{"field": e.field, "rule": e.rule, "message": e.message} for e in errors]},
        )
        self.errors = errors


def invalid(field_name: str, rule: str, message: str) -> ValidationFailed:
    return ValidationFailed([FieldError(field_name, rule, message)])


class NotFound(DomainError):
    def __init__(self, detail: str) -> None:
        super().__init__(detail=detail, status=404, title="Not found")


class Conflict(DomainError):
    def __init__(self, detail: str) -> None:
        super().__init__(detail=detail, status=409, title="Conflict")


class PreconditionFailed(DomainError):
    def __init__(self, detail: str) -> None:
        super().__init__(detail=detail, status=412, title="Precondition failed")


class Unauthorized(DomainError):
    def __init__(self, detail: str) -> None:
        super().__init__(detail=detail, status=401, title="Unauthorized")
