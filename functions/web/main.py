"""web: the public gateway; serves the web app and forwards /api/* to the functions."""

from pathlib import Path

from flask import Response, send_from_directory

from doable.http.function import HttpFunction, Request
from doable.http.gateway import forward
from doable.http.openapi import document
from doable.http.problem import json_response

STATIC = Path(__file__).resolve().parent / "static"
OPENAPI = document()

function = HttpFunction("web", public=True)


@function.get("/api/openapi.json", auth=False)
def openapi(request: Request) -> Response:
    return json_response(OPENAPI)


@function.route("*", "/api/{rest*}", auth=False)
def api(request: Request) -> Response:
    assert request.app.invoker is not None, "the gateway needs an invoker"
    return forward(request.app.invoker, request.raw, request.ctx, request.app.settings)


@function.get("/{asset*}", auth=False)
def web_app(request: Request) -> Response:
    asset = request.params["asset"]
    if asset and (STATIC / asset).is_file():
        return send_from_directory(STATIC, asset)
    return send_from_directory(STATIC, "index.html")  # the single-page app routes everything else


handler = function.handler
