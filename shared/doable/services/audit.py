"""The audit trail: one immutable, hash-chained entry per task event, and its verification."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from doable.domain.audit import GENESIS, AuditEntry, entry_hash
from doable.domain.errors import NotFound
from doable.domain.events import Event
from doable.domain.model import format_time, utcnow
from doable.services.ports import UnitOfWork


def record(uow: UnitOfWork, event: Event) -> None:
    """The write-audit effect; runs inside `consume`, so it shares the ledger's transaction."""
    uow.audit.append(AuditEntry.of(event, utcnow()).row())


def history(uow: UnitOfWork, user_id: str, task_id: str) -> list[dict[str, Any]]:
    with uow:
        # A deleted task's entries stay in the audit log, but like the task they are gone from the API.
        entries = uow.audit.for_resource(user_id, task_id) if uow.tasks.get(user_id, task_id) else []
    if not entries:
        raise NotFound(f"no history for task {task_id!r} among your tasks")
    return [
        {
            "id": entry["seq"],
            "event_id": entry["event_id"],
            "action": entry["action"],
            "at": format_time(entry["occurred_at"]),
            "recorded_at": format_time(entry["recorded_at"]),
            "user_id": entry["user_id"],
            "correlation_id": entry["correlation_id"],
            "task": entry["data"].get("task"),
            "changes": entry["data"].get("changes"),
        }
        for entry in entries
    ]


@dataclass(frozen=True)
class BrokenLink:
    user_id: str
    seq: int
    reason: str


def verify(uow: UnitOfWork, user_id: str | None = None) -> tuple[int, BrokenLink | None]:
    """Walks each user's chain; returns (entries checked, first broken link or None)."""
    checked = 0
    with uow:
        previous: dict[str, str] = {}
        for entry in uow.audit.chain(user_id):
            user = entry["user_id"]
            expected_prev = previous.get(user, GENESIS)
            if entry["prev_hash"] != expected_prev:
                return checked, BrokenLink(user, entry["seq"], "prev_hash does not match the entry before it")
            if entry["hash"] != entry_hash(entry["prev_hash"], entry):
                return checked, BrokenLink(user, entry["seq"], "content does not match its hash")
            previous[user] = entry["hash"]
            checked += 1
    return checked, None
