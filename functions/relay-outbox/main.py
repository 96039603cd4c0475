"""relay-outbox: on each cron tick, publishes the outbox rows the request path did not get out."""

from flask import Response

from doable.adapters.outbox import relay
from doable.http.events import EventFunction
from doable.http.function import Request
from doable.http.problem import json_response
from doable.observability import OUTBOX_BACKLOG


def sweep(request: Request) -> Response:
    published, failed = relay(request.app.engine, request.app.publisher)
    with request.app.uow() as uow:
        backlog = uow.outbox.backlog()
    OUTBOX_BACKLOG.set(backlog)
    return json_response({"published": published, "failed": failed, "backlog": backlog})


function = EventFunction("relay-outbox", sweep=sweep)
handler = function.handler
