"""auth: registration, sign-in (JWT), the signed-in user's profile and their personal access tokens."""

from flask import Response

from doable.adapters.tokens import Identity
from doable.http.function import HttpFunction, Request
from doable.http.problem import json_response
from doable.services import access_tokens, throttle, users

function = HttpFunction("auth")
# The gateway sets this to the one address it saw the caller at, and never passes on a caller's own;
# Dapr service invocation appends its sidecar's address after it, so the first entry is the gateway's.
CLIENT_HEADER = "X-Forwarded-For"


def client(request: Request) -> str:
    """The caller's address as the gateway saw it; this request's own peer when no gateway stood between."""
    forwarded = request.raw.headers.get(CLIENT_HEADER, "").split(",")[0]
    return throttle.client_key(forwarded or request.raw.remote_addr)


@function.serve("register")
def register(request: Request) -> Response:
    settings = request.app.settings
    signup = users.Signup(
        open=settings.signup == "open",
        domains=settings.signup_domains,
        per_address_per_hour=settings.signup_per_address_per_hour,
    )
    user, token = users.register(
        request.app.uow(), request.app.tokens, request.json(), signup=signup, client=client(request)
    )
    return json_response({"user": user.to_dict(), "token": token}, 201)


@function.serve("login")
def login(request: Request) -> Response:
    user, token = users.login(request.app.uow(), request.app.tokens, request.json(), client=client(request))
    return json_response({"user": user.to_dict(), "token": token})


@function.serve("me")
def me(request: Request) -> Response:
    return json_response(users.current_user(request.app.uow(), Identity(request.user_id)).to_dict())


@function.serve("updateMe")
def update_me(request: Request) -> Response:
    allow_private = request.app.settings.allow_private_webhooks
    user = users.update_profile(request.app.uow(), request.user_id, request.json(), allow_private)
    return json_response(user.to_dict())


@function.serve("listAccessTokens")
def list_tokens(request: Request) -> Response:
    return json_response(access_tokens.listing(request.app.uow(), request.user_id))


@function.serve("createAccessToken")  # no access token may create one, read-only or not
def create_token(request: Request) -> Response:
    return json_response(access_tokens.create(request.app.uow(), request.identity, request.json()), 201)


@function.serve("revokeAccessToken")
def revoke_token(request: Request) -> Response:
    access_tokens.revoke(request.app.uow(), request.user_id, request.params["token_id"])
    return Response(status=204)


handler = function.handler
