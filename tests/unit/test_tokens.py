"""Access tokens: Doable's own, and an external OIDC provider's verified through its JWKS."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from doable.adapters.tokens import Identity, TokenService
from doable.adapters.unit_of_work import UnitOfWork
from doable.domain.errors import Unauthorized
from doable.services import users

KEY = "k" * 48
ISSUER = "https://idp.example.test"


@pytest.fixture(scope="module")
def signing_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def jwks_url(signing_key: rsa.RSAPrivateKey) -> Iterator[str]:
    public = json.loads(RSAAlgorithm.to_jwk(signing_key.public_key()))
    body = json.dumps({"keys": [{**public, "kid": "test-key", "use": "sig", "alg": "RS256"}]}).encode()

    class Jwks(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Jwks)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/jwks"
    server.shutdown()


def external_token(key: rsa.RSAPrivateKey, **claims: object) -> str:
    now = int(time.time())
    payload = {
        "iss": ISSUER,
        "aud": "doable",
        "sub": "ext-42",
        "email": "ext@example.com",
        "iat": now,
        "exp": now + 300,
        **claims,
    }
    return jwt.encode(payload, key, algorithm="RS256", headers={"kid": "test-key"})


def test_own_tokens_round_trip_and_tampering_or_expiry_is_refused() -> None:
    tokens = TokenService(KEY, 60)
    token = tokens.issue("user-1", "a@example.com")
    assert tokens.verify(token) == Identity(user_id="user-1", email="a@example.com")
    with pytest.raises(Unauthorized):
        TokenService("x" * 48, 60).verify(token)
    with pytest.raises(Unauthorized, match="expired"):
        TokenService(KEY, -10).verify(TokenService(KEY, -10).issue("user-1", "a@example.com"))
    with pytest.raises(ValueError, match="at least 32"):
        TokenService("short", 60)


def test_external_tokens_verify_through_jwks_and_create_the_account_once(
    jwks_url: str, signing_key: rsa.RSAPrivateKey, uow: Callable[[], UnitOfWork]
) -> None:
    tokens = TokenService(KEY, 60, oidc_jwks_url=jwks_url, oidc_issuer=ISSUER, oidc_audience="doable")
    identity = tokens.verify(external_token(signing_key))
    assert identity.external and identity.email == "ext@example.com"
    assert identity == tokens.verify(external_token(signing_key)), "a stable user id per subject"
    first = users.current_user(uow(), identity)
    again = users.current_user(uow(), identity)
    assert first.id == again.id == identity.user_id
    assert first.email == "ext@example.com"


@pytest.mark.parametrize(
    "claims", [{"iss": "https://evil.example"}, {"aud": "someone-else"}, {"exp": int(time.time()) - 5}]
)
def test_external_tokens_with_the_wrong_issuer_audience_or_expiry_are_refused(
    jwks_url: str, signing_key: rsa.RSAPrivateKey, claims: dict[str, object]
) -> None:
    tokens = TokenService(KEY, 60, oidc_jwks_url=jwks_url, oidc_issuer=ISSUER, oidc_audience="doable")
    with pytest.raises(Unauthorized):
        tokens.verify(external_token(signing_key, **claims))


def test_external_tokens_are_refused_when_no_provider_is_configured(signing_key: rsa.RSAPrivateKey) -> None:
    with pytest.raises(Unauthorized, match="not accepted"):
        TokenService(KEY, 60).verify(external_token(signing_key))
