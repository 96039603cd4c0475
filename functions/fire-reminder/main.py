"""fire-reminder: one Dapr job per reminder, in step with its task; a fired job publishes reminder.due."""

from flask import Response

from doable.bootstrap import Container
from doable.domain.events import Event, ReminderJob
from doable.http.events import EventFunction
from doable.http.function import Request
from doable.http.problem import json_response
from doable.services import reminders
from doable.services.ports import UnitOfWork


def schedule_reminder(app: Container, uow: UnitOfWork, event: Event) -> None:
    reminders.on_task_event(uow, event, app.jobs)


function = EventFunction("fire-reminder", schedule_reminder, wants=reminders.concerns)


@function.on_job
def fire(request: Request, name: str, data: dict[str, object]) -> Response:
    return json_response({"published": reminders.fire(request.app.uow(), ReminderJob.decode(data))})


handler = function.handler
