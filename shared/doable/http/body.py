"""Reading request bodies within the configured limit, the same way at the gateway and in every function."""

from __future__ import annotations

import flask

from doable.domain.errors import DomainError

try:  # the stack serves functions with gunicorn, whose body reader has its own errors
    from gunicorn.http.errors import ParseException as _GunicornBodyError
except ImportError:  # pragma: no cover - no gunicorn on Windows; werkzeug's errors are caught anyway

    class _GunicornBodyError(Exception):  # type: ignore[no-redef]
        pass


# What an HTTP server's reader raises on a chunked body with a bad size line or one that breaks off:
# werkzeug's an OSError or ValueError, gunicorn's a ParseException. Each is the caller's malformed
# request, not our failure.
_UNREADABLE = (OSError, ValueError, _GunicornBodyError)


def read_body(raw: flask.Request, limit: int) -> bytes:
    """The request body, refused with 413 past `limit` bytes (declared or actually sent)."""
    if raw.content_length is not None and raw.content_length > limit:
        raise DomainError(f"the body is larger than {limit} bytes", 413, "Payload too large")
    try:
        body = raw.get_data(cache=True)
    except _UNREADABLE as error:
        raise DomainError(
            f"the body could not be read ({error}); send it whole, with a Content-Length or valid chunks",
            400,
            "Malformed body",
        ) from None
    if len(body) > limit:
        raise DomainError(f"the body is larger than {limit} bytes", 413, "Payload too large")
    return body
