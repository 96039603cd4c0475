"""create-task: stores a new task; its task.created event commits in the same transaction."""

from flask import Response

from doable.http.function import HttpFunction, Request
from doable.http.problem import json_response
from doable.services import tasks

function = HttpFunction("create-task")


@function.post("/tasks")
def create(request: Request) -> Response:
    task = tasks.create_task(request.app.uow(), request.ctx, request.json())
    return json_response(
        task.to_dict(), 201, {"Location": f"/api/tasks/{task.id}", "ETag": f'"{task.version}"'}
    )


handler = function.handler
