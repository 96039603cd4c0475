"""Access tokens: Doable's own HS256 JWTs, and optionally tokens of an external OIDC provider (JWKS)."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

from doable.domain.errors import Unauthorized

# PyJWT (and cryptography under it) is imported where a token is issued or verified, not at start:
# it is tens of milliseconds of every function's cold start, and the probes need none of it.
if TYPE_CHECKING:
    import jwt

ISSUER = "doable"


@dataclass(frozen=True)
class Identity:
    """Who a verified token speaks for: our user id, or an external subject to map onto a user."""

    user_id: str
    external: bool = False
    email: str | None = None
    name: str | None = None
    scope: str = "write"  # a sign-in session may do anything; a personal access token may be "read"
    token_id: str | None = None  # set when a personal access token, not a sign-in, speaks

    @property
    def read_only(self) -> bool:
        return self.scope == "read"


class TokenService:
    def __init__(
        self,
        signing_key: str,
        ttl_seconds: int,
        *,
        oidc_jwks_url: str | None = None,
        oidc_issuer: str | None = None,
        oidc_audience: str | None = None,
    ) -> None:
        if len(signing_key) < 32:
            raise ValueError("the JWT signing key must be at least 32 characters; regenerate the secret")
        self.signing_key = signing_key
        self.ttl_seconds = ttl_seconds
        self.oidc_issuer = oidc_issuer
        self.oidc_audience = oidc_audience
        self.jwks: jwt.PyJWKClient | None = None
        if oidc_jwks_url:
            import jwt

            self.jwks = jwt.PyJWKClient(oidc_jwks_url, cache_keys=True)

    def issue(self, user_id: str, email: str) -> str:
        import jwt

        now = int(time.time())
        claims = {"iss": ISSUER, "sub": user_id, "email": email, "iat": now, "exp": now + self.ttl_seconds}
        return jwt.encode(claims, self.signing_key, algorithm="HS256")

    def verify(self, token: str) -> Identity:
        import jwt

        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise Unauthorized("the bearer token is not a JWT; sign in again to get a new one") from None
        if header.get("alg") == "HS256":
            return self._verify_own(token)
        if self.jwks is not None:
            return self._verify_external(token)
        raise Unauthorized(f"tokens signed with {header.get('alg')!r} are not accepted; sign in to Doable")

    def _verify_own(self, token: str) -> Identity:
        import jwt

        try:
            claims = jwt.decode(
                token,
                self.signing_key,
                algorithms=["HS256"],
                issuer=ISSUER,
                options={"require": ["exp", "sub", "iss"]},
            )
        except jwt.ExpiredSignatureError:
            raise Unauthorized("the token has expired; sign in again") from None
        except jwt.PyJWTError as error:
            raise Unauthorized(f"the token is not valid ({error}); sign in again") from None
        return Identity(user_id=str(claims["sub"]), email=claims.get("email"))

    def _verify_external(self, token: str) -> Identity:
        assert self.jwks is not None
        import jwt

        try:
            key = self.jwks.get_signing_key_from_jwt(token)
            claims = jwt.decode(
                token,
                key.key,
                algorithms=["RS256", "ES256", "PS256"],
                issuer=self.oidc_issuer,
                audience=self.oidc_audience,
                options={"require": ["exp", "sub", "iss"]},
            )
        except jwt.PyJWTError as error:
            raise Unauthorized(f"the identity provider's token is not valid ({error})") from None
        # A stable 36-character id per external subject, so it fits the users table.
        user_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{claims['iss']}#{claims['sub']}"))
        return Identity(user_id=user_id, external=True, email=claims.get("email"), name=claims.get("name"))
