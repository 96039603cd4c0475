"""search-tasks: get one task, or list, search, filter and sort them with cursor pages; tag counts."""

from flask import Response

from doable.domain.query import parse_task_query
from doable.http.function import HttpFunction, Request
from doable.http.problem import json_response
from doable.services import tasks

function = HttpFunction("search-tasks")


@function.serve("listTasks")
def search(request: Request) -> Response:
    page = tasks.search_tasks(request.app.uow(), request.ctx, parse_task_query(request.args))
    return json_response(
        {
            "items": [t.to_dict() for t in page.items],
            "next_cursor": page.next_cursor,
            "total": page.total,
            "total_exact": page.total_exact,
        }
    )


@function.serve("getTask")
def get(request: Request) -> Response:
    task = tasks.get_task(request.app.uow(), request.ctx, request.params["task_id"])
    return json_response(task.to_dict(), headers={"ETag": f'"{task.version}"'})


@function.serve("tags")
def tags(request: Request) -> Response:
    return json_response(tasks.tag_counts(request.app.uow(), request.ctx))


handler = function.handler
