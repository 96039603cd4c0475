"""spawn-recurrence: spawns each recurring task's next instance once, on completion or at its due time."""

from flask import Response

from doable.bootstrap import Container
from doable.domain.events import Event, SeriesDue
from doable.http.events import EventFunction
from doable.http.function import Request
from doable.http.problem import json_response
from doable.services import series
from doable.services.ports import UnitOfWork


def follow_series(app: Container, uow: UnitOfWork, event: Event) -> None:
    series.on_task_event(uow, event, app.jobs)


function = EventFunction("spawn-recurrence", follow_series, wants=series.concerns)


@function.on_job
def due(request: Request, name: str, data: dict[str, object]) -> Response:
    return json_response({"spawned": series.on_due(request.app.uow(), SeriesDue.decode(data))})


handler = function.handler
