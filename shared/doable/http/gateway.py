"""The public gateway: checks a request against the public routes and hands it to the function owning it."""

from __future__ import annotations

from ipaddress import IPv4Network, IPv6Network, ip_address
from typing import TYPE_CHECKING

import flask
from flask import Response

from doable.config import Settings
from doable.domain.events import Context
from doable.http.body import read_body
from doable.http.problem import problem
from doable.http.routes import UnsafePath, misfit_parameter, resolve, safe_segments

if TYPE_CHECKING:
    from doable.adapters.invokers import Invoker

# Sidecars read the request line and headers into a buffer of 32 KiB (--read-buffer-size): a query
# below half of it always fits, and any filter the API takes fits with room to spare.
MAX_QUERY_BYTES = 16 * 1024
FORWARDED_REQUEST_HEADERS = (
    "Mcp-Protocol-Version",
    "Mcp-Method",
    "Mcp-Name",
    "Mcp-Session-Id",
    "Authorization",
    "Content-Type",
    "If-Match",
    "X-Correlation-ID",
    "traceparent",
)


def client_address(raw: flask.Request, trusted: tuple[IPv4Network | IPv6Network, ...]) -> str:
    """The caller's address: the peer's, or behind trusted proxies, the nearest one they vouch for.

    Each proxy appends the address it saw to X-Forwarded-For. Walking the chain from the peer
    backwards, every hop inside a trusted network is a proxy of ours; the first one outside is the
    caller. Anything further left is the caller's own claim and is never believed.
    """
    chain = [part.strip() for part in raw.headers.get("X-Forwarded-For", "").split(",") if part.strip()]
    chain.append(raw.remote_addr or "")
    for hop in reversed(chain):
        if not _inside(hop, trusted):
            return hop
    return chain[0]


def _inside(address: str, networks: tuple[IPv4Network | IPv6Network, ...]) -> bool:
    try:
        parsed = ip_address(address)
    except ValueError:
        return False  # not an address: no proxy of ours wrote it
    return any(parsed in network for network in networks)


def forward(invoker: Invoker, raw: flask.Request, ctx: Context, settings: Settings) -> Response:
    """Forwards a request below /api to the function that declares its route, or refuses it here."""
    try:
        segments = safe_segments(raw.path, raw.environ.get("RAW_URI") or raw.environ.get("REQUEST_URI"))
    except UnsafePath as error:
        return problem(400, f"{error}; send the path as /api/openapi.json documents it", "Unsafe path")
    if len(raw.query_string) > MAX_QUERY_BYTES:
        detail = f"the query string is {len(raw.query_string)} bytes; send at most {MAX_QUERY_BYTES}"
        return problem(414, detail, "URI too long")
    route, params, allowed = resolve(raw.method, segments)
    if route is None:
        if allowed:
            response = problem(405, f"{raw.method} is not allowed on {raw.path}; use {', '.join(allowed)}")
            response.headers["Allow"] = ", ".join(allowed)
            return response
        name = misfit_parameter(segments)
        if name is not None:
            return problem(404, f"no such {name.removesuffix('_id')}: {name} is not an id Doable issues")
        return problem(404, f"no such endpoint: {raw.method} {raw.path}; see /api/openapi.json")
    if raw.headers.get("Accept", "").strip() and raw.accept_mimetypes.quality("application/json") <= 0:
        # Every answer is JSON. daprd dropped the function's reply to a request that accepted only
        # text/event-stream (a 503 "no response received from stream"): such requests stop here.
        detail = f"the API answers only in JSON, not {raw.headers['Accept'][:100]!r}; accept application/json"
        return problem(406, detail, "Not acceptable")
    read_body(raw, settings.max_body_bytes)  # refuse oversized bodies here, before they cross the network
    headers = {name: raw.headers[name] for name in FORWARDED_REQUEST_HEADERS if name in raw.headers}
    for name, value in headers.items():
        # The server decoded the header as Latin-1; an HTTP client (httpx to the sidecar) sends ASCII only.
        if not (value.isascii() and value.isprintable()):
            detail = f"the {name} header holds characters outside printable ASCII; send plain ASCII"
            return problem(400, detail, "Bad header")
    headers["Accept"] = "application/json"  # what every function answers, whatever else was accepted
    headers["X-Correlation-ID"] = ctx.correlation_id
    headers["traceparent"] = ctx.traceparent or ""
    headers["X-Forwarded-For"] = client_address(raw, settings.trusted_proxies)
    return invoker(route.app_id, raw, route.path(params), headers)
