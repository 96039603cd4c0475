"""write-audit: records each task event exactly once in the append-only, hash-chained audit log."""

from doable.bootstrap import Container
from doable.domain.events import Event, EventType
from doable.http.events import EventFunction
from doable.services import audit
from doable.services.ports import UnitOfWork

TASK_EVENTS = frozenset(t.value for t in EventType if t is not EventType.REMINDER_DUE)


def write(app: Container, uow: UnitOfWork, event: Event) -> None:
    audit.record(uow, event)


function = EventFunction("write-audit", write, wants=lambda event: event.type in TASK_EVENTS)
handler = function.handler
