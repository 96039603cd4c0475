"""write-audit: records each task event exactly once in the append-only, hash-chained audit log."""

from doable.domain.events import EventType
from doable.http.events import EventFunction
from doable.services import audit

TASK_EVENTS = frozenset(t.value for t in EventType if t is not EventType.REMINDER_DUE)

function = EventFunction("write-audit", audit.record, wants=lambda event: event.type in TASK_EVENTS)
handler = function.handler
