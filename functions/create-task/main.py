"""create-task: stores a new task; its task.created event commits in the same transaction.

It also reads a quick-add line (POST /tasks/parse) into the fields it would store, since reading a
task is the first half of creating one and needs nothing this function does not already have.
"""

from flask import Response

from doable.http.function import HttpFunction, Request
from doable.http.problem import json_response
from doable.services import quick_add, tasks

function = HttpFunction("create-task")


@function.serve("createTask")
def create(request: Request) -> Response:
    task = tasks.create_task(request.app.uow(), request.ctx, request.json())
    return json_response(
        task.to_dict(), 201, {"Location": f"/api/tasks/{task.id}", "ETag": f'"{task.version}"'}
    )


@function.serve("parseTask")
def parse(request: Request) -> Response:
    return json_response(quick_add.read_task(request.app.uow(), request.ctx, request.json()).to_dict())


handler = function.handler
