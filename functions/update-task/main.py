"""update-task: edit, complete, reopen and delete a task, each with its event in the same transaction."""

from flask import Response

from doable.http.function import HttpFunction, Request
from doable.http.problem import json_response
from doable.services import tasks

function = HttpFunction("update-task")


def _task_response(task: tasks.Task) -> Response:
    return json_response(task.to_dict(), headers={"ETag": f'"{task.version}"'})


@function.serve("updateTask")
def edit(request: Request) -> Response:
    task = tasks.update_task(
        request.app.uow(),
        request.ctx,
        request.params["task_id"],
        request.json(),
        if_match=request.raw.headers.get("If-Match"),
    )
    return _task_response(task)


@function.serve("completeTask")
def complete(request: Request) -> Response:
    return _task_response(tasks.complete_task(request.app.uow(), request.ctx, request.params["task_id"]))


@function.serve("reopenTask")
def reopen(request: Request) -> Response:
    return _task_response(tasks.reopen_task(request.app.uow(), request.ctx, request.params["task_id"]))


@function.serve("deleteTask")
def delete(request: Request) -> Response:
    scope = request.raw.args.get("scope", "one")
    tasks.delete_task(request.app.uow(), request.ctx, request.params["task_id"], scope)
    return Response(status=204)


handler = function.handler
