"""Reading request bodies within the configured limit, the same way at the gateway and in every function."""

from __future__ import annotations

import flask

from doable.domain.errors import DomainError


def read_body(raw: flask.Request, limit: int) -> bytes:
    """The request body, refused with 413 past `limit` bytes (declared or actually sent)."""
    if raw.content_length is not None and raw.content_length > limit:
        raise DomainError(f"the body is larger than {limit} bytes", 413, "Payload too large")
    body = raw.get_data(cache=True)
    if len(body) > limit:
        raise DomainError(f"the body is larger than {limit} bytes", 413, "Payload too large")
    return body
