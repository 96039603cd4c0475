"""auth: registration, sign-in (JWT) and the signed-in user's profile."""

from flask import Response

from doable.adapters.tokens import Identity
from doable.http.function import HttpFunction, Request
from doable.http.problem import json_response
from doable.services import users

function = HttpFunction("auth")


@function.post("/auth/register", auth=False)
def register(request: Request) -> Response:
    user, token = users.register(request.app.uow(), request.app.tokens, request.json())
    return json_response({"user": user.to_dict(), "token": token}, 201)


@function.post("/auth/login", auth=False)
def login(request: Request) -> Response:
    user, token = users.login(request.app.uow(), request.app.tokens, request.json())
    return json_response({"user": user.to_dict(), "token": token})


@function.get("/me")
def me(request: Request) -> Response:
    return json_response(users.current_user(request.app.uow(), Identity(request.user_id)).to_dict())


@function.patch("/me")
def update_me(request: Request) -> Response:
    allow_private = request.app.settings.allow_private_webhooks
    user = users.update_profile(request.app.uow(), request.user_id, request.json(), allow_private)
    return json_response(user.to_dict())


handler = function.handler
