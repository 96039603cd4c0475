"""The audit log's rule: what an entry of a task event holds, and the hash that chains a user's entries."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from doable.domain.events import Event

GENESIS = "0" * 64  # the previous hash of a user's first entry
HASHED_FIELDS = (
    "event_id",
    "user_id",
    "action",
    "resource_type",
    "resource_id",
    "occurred_at",
    "correlation_id",
    "data",
)


@dataclass(frozen=True)
class AuditEntry:
    """One task event as the audit log keeps it; `data` is the event's payload exactly as it was sent."""

    event_id: str
    user_id: str
    action: str
    resource_type: str
    resource_id: str
    occurred_at: datetime
    recorded_at: datetime
    correlation_id: str
    data: Mapping[str, Any]

    @classmethod
    def of(cls, event: Event, recorded_at: datetime) -> AuditEntry:
        return cls(
            event_id=event.id,
            user_id=event.user_id,
            action=event.type,
            resource_type="task",
            resource_id=event.subject,
            occurred_at=event.time,
            recorded_at=recorded_at,
            correlation_id=event.correlation_id,
            data=event.data,
        )

    def row(self) -> dict[str, Any]:
        return {
            "event_id": self.event_id,
            "user_id": self.user_id,
            "action": self.action,
            "resource_type": self.resource_type,
            "resource_id": self.resource_id,
            "occurred_at": self.occurred_at,
            "recorded_at": self.recorded_at,
            "correlation_id": self.correlation_id,
            "data": dict(self.data),
        }


def entry_hash(prev_hash: str, entry: Mapping[str, Any]) -> str:
    """SHA-256 of the previous hash and the entry's canonical JSON: change an entry, and it and every
    later entry of the user no longer verify. `entry` is a stored row or AuditEntry.row()."""
    content = {name: entry[name] for name in HASHED_FIELDS}
    content["occurred_at"] = content["occurred_at"].isoformat()
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256((prev_hash + canonical).encode()).hexdigest()
