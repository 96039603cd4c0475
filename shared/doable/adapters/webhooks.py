"""Where a webhook may go: one check of a URL after resolution, and a POST pinned to the checked address.

A webhook URL is user input that makes this service open connections, so it must not become a way
into the cluster's own network (the Dapr sidecar on loopback, the database, the cloud metadata
service). `check_target` is the only judge, at save and at delivery: it parses the URL strictly,
resolves the host, and refuses if any address is not public. `post` then connects to those checked
addresses and never resolves the name again, so a DNS answer that changes between the check and the
connection (rebinding) cannot move the request; the Host header, SNI and certificate check still use
the name in the URL.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import ssl
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

import httpcore

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Sequence[str]]

MAX_URL_LENGTH = 2000
DEFAULT_PORTS = {"http": 80, "https": 443}
# Names that only ever mean this machine or a private network (RFC 6761, RFC 8375, mDNS, cloud DNS).
PRIVATE_NAMES = ("localhost", "localdomain", "local", "internal", "home.arpa")
_LABEL = re.compile(r"^(?!-)[a-z0-9_-]{1,63}(?<!-)$")
# A host whose last label is a number is an IPv4 address in some spelling (WHATWG URL "ends in a number").
_NUMERIC_LABEL = re.compile(r"^(\d+|0x[0-9a-f]*)$")
_FORBIDDEN_CHARACTERS = re.compile(r"[\x00-\x20\x7f\\]")
_CGNAT = ipaddress.IPv4Network("100.64.0.0/10")
_IPV4_TRANSLATED = ipaddress.IPv6Network("::ffff:0:0:0/96")
_IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.IPv6Network("64:ff9b:1::/48")


class PostFailed(Exception):
    """No HTTP response: the connection, TLS, the timeout or the protocol failed (the message says which)."""


class TargetRefused(Exception):
    """Why a URL may not receive webhooks; `rule` is "url" (spelling), "public" (address) or "resolve"."""

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(message)
        self.rule = rule


@dataclass(frozen=True)
class Target:
    """A checked webhook URL: where to connect (`addresses`) and what to say there (host, port, path)."""

    url: str
    scheme: str
    host: str  # ASCII, lower case, IPv6 without brackets: what SNI and the certificate check use
    port: int
    path: str  # path and query, percent-encoded
    addresses: tuple[str, ...]

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == DEFAULT_PORTS[self.scheme] else f"{host}:{self.port}"


def system_resolver(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def check_target(url: str, *, allow_private: bool, resolver: Resolver | None = None) -> Target:
    """The target `url` names, once its host resolved only to public addresses; TargetRefused otherwise.

    `allow_private` (DOABLE_WEBHOOK_ALLOW_PRIVATE, for local tests) lifts the address rule only: the
    URL must still be well formed. Spellings that are refused need no network: the resolver (the
    system's unless given) is only asked about host names that are otherwise acceptable.
    """
    scheme, host, port, path, literal = _parse(url)
    if literal is not None:
        addresses: list[IPAddress] = [literal]
    else:
        if not allow_private:
            _judge_name(host)
        try:
            answers = (resolver or system_resolver)(host, port)
        except (OSError, UnicodeError) as failure:
            raise TargetRefused("resolve", f"could not resolve {host}: {failure}") from None
        try:
            addresses = [ipaddress.ip_address(answer.split("%")[0]) for answer in answers]
        except ValueError as failure:
            raise TargetRefused(
                "resolve", f"{host} resolved to something not an address: {failure}"
            ) from None
        if not addresses:
            raise TargetRefused("resolve", f"{host} resolved to no address")
    if not allow_private:
        for address in addresses:
            kind = refused_kind(address)
            if kind:
                where = kind if literal is not None else f"it resolves to {address}, {kind}"
                raise TargetRefused("public", f"{host} is not a public address ({where})")
    connect_to = tuple(dict.fromkeys(str(_unmapped(address)) for address in addresses))
    return Target(url, scheme, host, port, path, connect_to)


def spelling_problem(url: str) -> str | None:
    """What is wrong with how `url` is written, or None: the part of `check_target` that needs no settings."""
    try:
        _parse(url)
    except TargetRefused as refused:
        return str(refused)
    return None


def refused_kind(address: IPAddress) -> str | None:
    """What kind of non-public address this is, or None for a public one.

    IPv6 forms that carry an IPv4 address (mapped, translated, compatible, 6to4, NAT64) are judged
    by that IPv4 address, since that is where the packets end up.
    """
    if isinstance(address, ipaddress.IPv6Address) and not (address.is_loopback or address.is_unspecified):
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            kind = refused_kind(embedded)
            return f"a form of {embedded}, {kind}" if kind else None
        if address in _NAT64_LOCAL:
            return "a local-use NAT64 address"
        if address.is_site_local:
            return "a site-local address"
    checks = (
        (address.is_unspecified, "the unspecified address"),
        (address.is_loopback, "a loopback address"),
        (address.is_link_local, "a link-local address"),
        (address.is_multicast, "a multicast address"),
        (isinstance(address, ipaddress.IPv4Address) and address in _CGNAT, "a shared (CGNAT) address"),
        (address.is_private, "a private address"),
        (address.is_reserved, "a reserved address"),
        (not address.is_global, "not a globally routable address"),
    )
    return next((kind for refused, kind in checks if refused), None)


def post(
    target: Target,
    body: bytes,
    headers: Iterable[tuple[str, str]],
    timeout: float,
    ssl_context: ssl.SSLContext | None = None,
) -> int:
    """POSTs `body` to the target's checked addresses (first that connects); returns the HTTP status.

    PostFailed when no response arrives. Redirects are not followed: a 3xx is an answer, not a
    success. The response body is not read.
    """
    pool = httpcore.ConnectionPool(
        ssl_context=ssl_context, max_connections=1, network_backend=_PinnedBackend(target)
    )
    url = httpcore.URL(
        scheme=target.scheme.encode(),
        host=target.host.encode(),
        port=target.port,
        target=target.path.encode(),
    )
    with (
        pool,
        _post_errors(),
        pool.stream(
            "POST",
            url,
            headers=[("Host", target.host_header), ("Content-Type", "application/json"), *headers],
            content=body,
            extensions={"timeout": dict.fromkeys(("connect", "read", "write", "pool"), timeout)},
        ) as response,
    ):
        return response.status


@contextmanager
def _post_errors() -> Iterator[None]:
    try:
        yield
    except (
        httpcore.TimeoutException,
        httpcore.NetworkError,
        httpcore.ProtocolError,
        httpcore.UnsupportedProtocol,
    ) as failure:
        raise PostFailed(f"{type(failure).__name__}: {failure}") from failure


class _PinnedBackend(httpcore.SyncBackend):
    """Opens the TCP connection to a checked address whatever host name the request carries."""

    def __init__(self, target: Target) -> None:
        self.target = target

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        last: Exception | None = None
        for address in self.target.addresses:
            try:
                return super().connect_tcp(address, self.target.port, timeout, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as failure:
                last = failure
        assert last is not None  # a Target always has at least one address
        raise last


def _parse(url: str) -> tuple[str, str, int, str, IPAddress | None]:
    """(scheme, host, port, path, literal address or None) of a sound http(s) URL; else TargetRefused."""
    if len(url) > MAX_URL_LENGTH or _FORBIDDEN_CHARACTERS.search(url):
        raise _malformed(f"must be at most {MAX_URL_LENGTH} characters with no spaces or backslashes")
    try:
        parts = urlsplit(url)
    except ValueError as failure:
        raise _malformed(f"cannot be read: {failure}") from None
    if parts.scheme not in DEFAULT_PORTS:
        raise _malformed("must start with http:// or https://")
    if "@" in parts.netloc:
        raise _malformed("must not carry a user name or password before the host")
    host, port_text = _split_netloc(parts.netloc)
    if not host:
        raise _malformed("has no host")
    if port_text and not (port_text.isascii() and port_text.isdigit() and 1 <= int(port_text) <= 65535):
        raise _malformed(f"has port {port_text!r}; a port is a number from 1 to 65535")
    port = int(port_text) if port_text else DEFAULT_PORTS[parts.scheme]
    path = quote(parts.path or "/", safe="/%!$&'()*+,;=:@-._~")
    if parts.query:
        path += "?" + quote(parts.query, safe="/%!$&'()*+,;=:@-._~?")
    literal: IPAddress | None
    if host.startswith("["):
        literal = _ipv6_literal(host)
        return parts.scheme, str(literal), port, path, literal
    host = _ascii_host(host)
    literal = None
    if _NUMERIC_LABEL.match(host.rsplit(".", 1)[-1]):
        try:
            literal = ipaddress.IPv4Address(host)
        except ValueError:
            raise _malformed(
                f"has host {host!r}, an unusual spelling of an IPv4 address; write it as four decimal numbers"
            ) from None
    return parts.scheme, host, port, path, literal


def _split_netloc(netloc: str) -> tuple[str, str]:
    if netloc.startswith("["):
        end = netloc.find("]")
        if end < 0 or (netloc[end + 1 :] and not netloc[end + 1 :].startswith(":")):
            raise _malformed("has a bracketed IPv6 host that does not close")
        return netloc[: end + 1], netloc[end + 2 :]
    host, _, port = netloc.partition(":")
    if ":" in port:
        raise _malformed("has an IPv6 host without brackets; write it as [2001:db8::1]")
    return host, port


def _ipv6_literal(host: str) -> ipaddress.IPv6Address:
    inside = host[1:-1]
    if "%" in inside:
        raise _malformed("has an IPv6 zone; webhook hosts are public addresses")
    try:
        return ipaddress.IPv6Address(inside)
    except ValueError:
        raise _malformed(f"has host {host!r}, which is not an IPv6 address") from None


def _ascii_host(host: str) -> str:
    host = host.lower()
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            raise _malformed(f"has host {host!r}, which is not a valid international domain name") from None
    # One trailing dot only says the name is absolute; without it, it is the same name everywhere.
    host = host.removesuffix(".")
    if len(host) > 253 or not all(_LABEL.match(label) for label in host.split(".")):
        raise _malformed(f"has host {host!r}, which is not a host name")
    return host


def _judge_name(host: str) -> None:
    for private in PRIVATE_NAMES:
        if host == private or host.endswith("." + private):
            raise TargetRefused("public", f"{host} is not a public address (a name for a private network)")
    if "." not in host:
        raise TargetRefused("public", f"{host} is not a public address (public host names have a dot)")


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _IPV4_TRANSLATED or address in _IPV4_COMPATIBLE or address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def _unmapped(address: IPAddress) -> IPAddress:
    """An IPv4-mapped IPv6 address is connected to as the IPv4 address it maps."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _malformed(problem: str) -> TargetRefused:
    return TargetRefused("url", f"the URL {problem}")
