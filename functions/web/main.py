"""web: the public gateway; serves the web app and forwards /api/* to the functions."""

from functools import cache
from pathlib import Path
from typing import Any

from flask import Response, send_from_directory
from werkzeug.exceptions import NotFound

from doable.http.function import HttpFunction, Request
from doable.http.gateway import forward
from doable.http.problem import json_response

STATIC = Path(__file__).resolve().parent / "static"

# The app shell loads only its own script and styles, so the browser can refuse anything injected.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
        "frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}

function = HttpFunction("web", public=True, headers=SECURITY_HEADERS)


@function.route("GET", "/api/openapi.json", auth=False)
def openapi(request: Request) -> Response:
    return json_response(openapi_document())


@cache
def openapi_document() -> dict[str, Any]:
    """Built on first request: the document's limits come from the services, whose imports (SQLAlchemy
    among them) would otherwise double the gateway's start-up, and the gateway needs them nowhere else."""
    from doable.http.openapi import document

    return document()


@function.route("*", "/api/{rest*}", auth=False)
def api(request: Request) -> Response:
    assert request.app.invoker is not None, "the gateway needs an invoker"
    return forward(request.app.invoker, request.raw, request.ctx, request.app.settings)


@function.route("GET", "/{asset*}", auth=False)
def web_app(request: Request) -> Response:
    asset = request.params["asset"]
    if asset:
        # send_from_directory joins safely and answers NotFound for anything not a file inside
        # STATIC ('..', a name too long for the file system, a directory).
        try:
            return send_from_directory(STATIC, asset)
        except NotFound:
            pass
    return send_from_directory(STATIC, "index.html")  # the single-page app routes everything else


handler = function.handler
