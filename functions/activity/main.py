"""activity: the notifications inbox and each task's history (its audit trail)."""

from flask import Response

from doable.domain.errors import invalid
from doable.http.function import HttpFunction, Request
from doable.http.problem import json_response
from doable.services import audit, notifications

function = HttpFunction("activity")


@function.serve("notifications")
def inbox(request: Request) -> Response:
    given = request.raw.args.getlist("unread")
    if given not in ([], ["true"], ["false"]):
        raise invalid("unread", "enum", "give it at most once, as true or false")
    unread_only = given == ["true"]
    return json_response(notifications.listing(request.app.uow(), request.user_id, unread_only))


@function.serve("readNotification")
def read(request: Request) -> Response:
    notification_id = request.params["notification_id"]
    return json_response(notifications.mark_read(request.app.uow(), request.user_id, notification_id))


@function.serve("readAllNotifications")
def read_all(request: Request) -> Response:
    return json_response(notifications.mark_all_read(request.app.uow(), request.user_id))


@function.serve("taskHistory")
def history(request: Request) -> Response:
    return json_response(audit.history(request.app.uow(), request.user_id, request.params["task_id"]))


handler = function.handler
