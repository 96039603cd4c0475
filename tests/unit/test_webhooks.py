"""Webhook targets: one check after resolution, the POST pinned to the checked address, and the outbox."""

from __future__ import annotations

import dataclasses
import json
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from doable.adapters import db, webhooks
from doable.adapters.unit_of_work import UnitOfWork
from doable.adapters.webhook_outbox import DELIVERED, FAILED, PENDING, WebhookDeliveries
from doable.domain.events import Event, EventType
from doable.domain.model import User, new_id, utcnow
from doable.services import notifications, users
from doable.services.consumers import Outcome, consume

UoW = Callable[[], UnitOfWork]
PUBLIC = "93.184.215.14"


@dataclass
class FakeDNS:
    """Answers per host name, in turn (the last answer repeats); unknown names do not resolve."""

    answers: dict[str, list[list[str]]] = field(default_factory=dict)
    asked: list[str] = field(default_factory=list)

    def __call__(self, host: str, port: int) -> Sequence[str]:
        self.asked.append(host)
        if host not in self.answers:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        turns = self.answers[host]
        return turns[min(self.asked.count(host), len(turns)) - 1]


def no_network(host: str, port: int) -> Sequence[str]:
    raise AssertionError(f"{host} should have been refused without asking DNS")


DNS = {
    "hooks.example.com": [[PUBLIC]],
    "v6.example.com": [["2606:4700::1111"]],
    "mapped.example.com": [[f"::ffff:{PUBLIC}"]],
    "half-private.example.com": [[PUBLIC, "10.0.0.7"]],
    "ula.example.com": [["fd00::1"]],
    "mapped-loopback.example.com": [["::ffff:127.0.0.1"]],
}


@pytest.mark.parametrize(
    ("url", "addresses"),
    [
        ("https://hooks.example.com/doable", (PUBLIC,)),
        ("https://HOOKS.example.com.:8443/in?x=1", (PUBLIC,)),
        (f"http://{PUBLIC}/hook", (PUBLIC,)),
        (f"http://{PUBLIC}./hook", (PUBLIC,)),
        ("https://[2606:4700::1111]/hook", ("2606:4700::1111",)),
        (f"https://[::ffff:{PUBLIC}]/hook", (PUBLIC,)),
        ("https://v6.example.com/", ("2606:4700::1111",)),
        ("https://mapped.example.com/", (PUBLIC,)),
    ],
)
def test_public_targets_are_allowed_and_connect_to_what_was_checked(url: str, addresses: tuple[str]) -> None:
    assert webhooks.check_target(url, allow_private=False, resolver=FakeDNS(DNS)).addresses == addresses


SPELLINGS = [
    "http://2130706433/",
    "http://0x7f.1/",
    "http://0x7f000001/",
    "http://127.1/",
    "http://017700000001/",
    "http://127.000.000.001/",
    "http://0/",
    "http://hooks.example.com:0/",
    "http://hooks.example.com:65536/",
    "http://hooks.example.com:+443/",
    "http://hooks.example.com:8o/",
    "http://user:secret@hooks.example.com/",
    "http://hooks.example.com@127.0.0.1/",
    "http://hooks.example.com\\@127.0.0.1/",
    "http://%31%32%37.0.0.1/",
    "http://hooks example.com/",
    "ftp://hooks.example.com/",
    "javascript:alert(1)",
    "http:///no-host",
    "http://[::1/",
    "http://[fe80::1%25eth0]/",
    "http://::1/",
]
PRIVATE_LITERALS_AND_NAMES = [
    "http://127.0.0.1:3500/v1.0/state",
    "http://[::1]/",
    "http://[::ffff:127.0.0.1]/",
    "http://[::ffff:7f00:1]/",
    "http://[::127.0.0.1]/",  # IPv4-compatible
    "http://[2002:7f00:1::]/",  # 6to4
    "http://[64:ff9b::7f00:1]/",  # NAT64
    "http://[64:ff9b::a9fe:a9fe]/",  # NAT64 of the metadata service
    "http://localhost/",
    "http://localhost./",
    "http://api.localhost/",
    "http://metadata.google.internal/computeMetadata/v1/",
    "http://printer.local/",
    "http://kafka:9092/",
    "http://10.1.2.3/",
    "http://172.16.0.1/",
    "http://192.168.1.1/",
    "http://169.254.169.254/latest",
    "http://100.64.0.1/",
    "http://224.0.0.251/",
    "http://240.0.0.1/",
    "http://255.255.255.255/",
    "http://0.0.0.0/",
    "http://[::]/",
    "http://[fc00::1]/",
    "http://[fe80::1]/",
    "http://[ff02::1]/",
    "http://[fec0::1]/",
]


@pytest.mark.parametrize("url", SPELLINGS)
def test_malformed_urls_are_refused_without_the_network_even_when_private_is_allowed(url: str) -> None:
    for allow_private in (False, True):
        with pytest.raises(webhooks.TargetRefused) as refused:
            webhooks.check_target(url, allow_private=allow_private, resolver=no_network)
        assert refused.value.rule == "url"


@pytest.mark.parametrize("url", PRIVATE_LITERALS_AND_NAMES)
def test_private_addresses_and_names_are_refused_without_the_network(url: str) -> None:
    with pytest.raises(webhooks.TargetRefused, match="not a public address") as refused:
        webhooks.check_target(url, allow_private=False, resolver=no_network)
    assert refused.value.rule == "public"
    # DOABLE_WEBHOOK_ALLOW_PRIVATE lifts exactly this rule.
    webhooks.check_target(url, allow_private=True, resolver=lambda host, port: ["127.0.0.1"])


@pytest.mark.parametrize(
    "url",
    ["http://half-private.example.com/", "http://ula.example.com/", "http://mapped-loopback.example.com/"],
)
def test_a_name_is_refused_when_any_of_its_addresses_is_private(url: str) -> None:
    with pytest.raises(webhooks.TargetRefused, match="resolves to") as refused:
        webhooks.check_target(url, allow_private=False, resolver=FakeDNS(DNS))
    assert refused.value.rule == "public"


def test_a_name_that_does_not_resolve_is_its_own_refusal() -> None:
    with pytest.raises(webhooks.TargetRefused, match=r"could not resolve nowhere\.example\.com") as refused:
        webhooks.check_target("https://nowhere.example.com/", allow_private=False, resolver=FakeDNS(DNS))
    assert refused.value.rule == "resolve"


# -- at save -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://2130706433/",
        "http://0x7f.1/",
        "http://127.1/",
        "http://[::ffff:127.0.0.1]/",
        "http://localhost./",
        "http://0/",
        "http://hooks.example.com:99999/",
    ],
)
def test_profile_refuses_spellings_of_private_targets(
    uow: UoW, user: User, url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(webhooks, "system_resolver", no_network)
    with pytest.raises(users.ValidationFailed) as refused:
        users.update_profile(uow(), user.id, {"webhook_url": url})
    assert [error.field for error in refused.value.errors] == ["webhook_url"]


def test_profile_judges_names_by_their_addresses_and_keeps_names_that_do_not_resolve_yet(
    uow: UoW, user: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(webhooks, "system_resolver", FakeDNS(DNS))
    with pytest.raises(users.ValidationFailed) as refused:
        users.update_profile(uow(), user.id, {"webhook_url": "https://half-private.example.com/"})
    assert refused.value.errors[0].rule == "public"
    # Delivery checks again before every POST, so a name whose DNS is not set up yet may be saved.
    saved = users.update_profile(uow(), user.id, {"webhook_url": "https://soon.example.com/hook"})
    assert saved.webhook_url == "https://soon.example.com/hook"


# -- the connection goes to the checked address ----------------------------------------------------


@dataclass
class Received:
    host: str
    path: str
    event: str
    body: dict[str, Any]


class Receiver:
    """An HTTP server on 127.0.0.1 that records each POST and answers with `status`."""

    def __init__(self, wrap: Callable[[socket.socket], socket.socket] | None = None) -> None:
        self.received: list[Received] = []
        self.status = 204
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                event = self.headers.get("X-Doable-Event", "")
                receiver.received.append(Received(self.headers["Host"], self.path, event, body))
                self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        if wrap is not None:
            self.server.socket = wrap(self.server.socket)
        self.port = self.server.server_port
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = Receiver()
    yield running
    running.close()


def test_the_post_goes_to_the_checked_address_whatever_dns_says_later(receiver: Receiver) -> None:
    # A rebinding name: checked as 127.0.0.1 (allowed here), then it answers 127.0.0.2, where nothing listens.
    dns = FakeDNS({"hooks.example.test": [["127.0.0.1"], ["127.0.0.2"]]})
    url = f"http://hooks.example.test:{receiver.port}/in?x=1"
    target = webhooks.check_target(url, allow_private=True, resolver=dns)
    assert dns("hooks.example.test", receiver.port) == ["127.0.0.2"], "the name has moved since the check"

    status = webhooks.post(target, b'{"n": 1}', [("X-Doable-Event", "evt-9")], timeout=5)

    assert status == 204
    assert receiver.received == [
        Received(f"hooks.example.test:{receiver.port}", "/in?x=1", "evt-9", {"n": 1})
    ]
    assert dns.asked == ["hooks.example.test", "hooks.example.test"], "post itself never asks DNS"


def test_the_post_tries_the_checked_addresses_in_turn(receiver: Receiver) -> None:
    dns = FakeDNS({"hooks.example.test": [["127.0.0.2", "127.0.0.1"]]})
    target = webhooks.check_target(
        f"http://hooks.example.test:{receiver.port}/", allow_private=True, resolver=dns
    )
    assert webhooks.post(target, b"{}", [], timeout=5) == 204


def _certificate(tmp_path: Path, name: str) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=1))
        .not_valid_after(now + timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / f"{name}.pem", tmp_path / f"{name}.key"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_file, key_file


def test_https_to_the_checked_address_still_verifies_the_certificate_for_the_url_name(tmp_path: Path) -> None:
    cert_file, key_file = _certificate(tmp_path, "hooks.example.test")
    server_side = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_side.load_cert_chain(cert_file, key_file)
    names: list[str | None] = []
    server_side.sni_callback = lambda _sock, name, _context: names.append(name)
    receiver = Receiver(lambda sock: server_side.wrap_socket(sock, server_side=True))
    trusting = ssl.create_default_context(cafile=str(cert_file))
    try:
        dns = FakeDNS({"hooks.example.test": [["127.0.0.1"]], "other.example.test": [["127.0.0.1"]]})
        good = webhooks.check_target(
            f"https://hooks.example.test:{receiver.port}/", allow_private=True, resolver=dns
        )
        assert webhooks.post(good, b"{}", [], timeout=5, ssl_context=trusting) == 204
        assert names == ["hooks.example.test"], "SNI carries the URL's name, not the address"

        wrong = webhooks.check_target(
            f"https://other.example.test:{receiver.port}/", allow_private=True, resolver=dns
        )
        with pytest.raises(webhooks.PostFailed, match="certificate"):
            webhooks.post(wrong, b"{}", [], timeout=5, ssl_context=trusting)
    finally:
        receiver.close()


# -- the outbox -------------------------------------------------------------------------------------


def reminder(user: User, event_id: str = "evt-hook") -> Event:
    return Event(
        id=event_id,
        type=EventType.REMINDER_DUE,
        topic="reminders",
        subject="task-1",
        user_id=user.id,
        time=utcnow(),
        correlation_id="corr-hook",
        data={"task": {"title": "Call the dentist"}, "reminder_at": "2026-11-28T11:30:00Z"},
    )


def with_webhook(uow: UoW, user: User, url: str) -> None:
    users.update_profile(uow(), user.id, {"webhook_url": url}, allow_private_webhooks=True)


def delivery(engine: sa.Engine, event_id: str) -> dict[str, Any] | None:
    with engine.connect() as connection:
        return WebhookDeliveries(connection).get(event_id)


def no_sleep(_: float) -> None:
    pass


def test_a_reminder_queues_its_webhook_in_the_notifications_transaction(
    engine: sa.Engine, uow: UoW, user: User
) -> None:
    with_webhook(uow, user, "http://127.0.0.1:9/hook")
    event = reminder(user)

    with uow() as work:  # the process dies before this transaction commits
        notifications.record(work, event)
        assert work.webhooks.get(event.id) is not None
    assert delivery(engine, event.id) is None, "no delivery without its notification"
    assert notifications.listing(uow(), user.id, unread_only=True)["unread"] == 0

    assert consume(uow(), "notify", event, notifications.record) is Outcome.PROCESSED
    queued = delivery(engine, event.id)
    assert queued is not None and queued["status"] == PENDING
    assert queued["url"] == "http://127.0.0.1:9/hook"
    assert json.loads(queued["payload"])["task"] == {"title": "Call the dentist"}
    assert notifications.listing(uow(), user.id, unread_only=True)["unread"] == 1

    completed = dataclasses.replace(reminder(user, "evt-done"), type=EventType.TASK_COMPLETED)
    consume(uow(), "notify", completed, notifications.record)
    assert delivery(engine, "evt-done") is None, "only reminders go to the webhook"


def test_a_webhook_lost_to_a_crash_before_the_post_is_delivered_by_the_sweep_once(
    engine: sa.Engine, uow: UoW, user: User, receiver: Receiver
) -> None:
    with_webhook(uow, user, f"http://127.0.0.1:{receiver.port}/hook")
    event = reminder(user)
    consume(uow(), "notify", event, notifications.record)  # committed; notify's after-commit step never ran

    assert notifications.sweep_webhooks(engine, allow_private=True, sleep=no_sleep) == (0, 0), (
        "a fresh row is left to notify's own after-commit step"
    )
    swept = notifications.sweep_webhooks(engine, allow_private=True, sleep=no_sleep, older_than=timedelta(0))

    assert swept == (1, 0)
    assert [(r.event, r.body["id"]) for r in receiver.received] == [(event.id, event.id)]
    done = delivery(engine, event.id)
    assert done is not None and done["status"] == DELIVERED and done["attempts"] == 1

    # Delivered is final: neither the sweep nor a late after-commit step posts it again.
    assert notifications.sweep_webhooks(engine, allow_private=True, older_than=timedelta(0)) == (0, 0)
    assert notifications.deliver_webhook(engine, event, allow_private=True) is False
    assert len(receiver.received) == 1


def test_a_row_being_delivered_is_not_swept_until_its_lease_runs_out(
    engine: sa.Engine, uow: UoW, user: User, receiver: Receiver
) -> None:
    with_webhook(uow, user, f"http://127.0.0.1:{receiver.port}/hook")
    event = reminder(user)
    consume(uow(), "notify", event, notifications.record)
    now = utcnow()
    with engine.begin() as connection:  # notify's after-commit step has it, and is still at work
        assert WebhookDeliveries(connection).claim(event.id, now, now + timedelta(minutes=5)) is not None
    assert notifications.sweep_webhooks(engine, allow_private=True, older_than=timedelta(0)) == (0, 0)
    assert notifications.deliver_webhook(engine, event, allow_private=True) is False, (
        "one deliverer at a time"
    )

    with engine.begin() as connection:  # …then it died: its lease runs out
        connection.execute(
            sa.text("UPDATE webhook_deliveries SET leased_until = :past"), {"past": "2000-01-01"}
        )
    assert notifications.sweep_webhooks(engine, allow_private=True, older_than=timedelta(0)) == (1, 0)
    assert len(receiver.received) == 1


def test_an_answer_that_is_not_2xx_leaves_the_row_undelivered_and_audited(
    engine: sa.Engine, uow: UoW, user: User, receiver: Receiver
) -> None:
    receiver.status = 302  # a redirect is not followed, and is not a delivery
    with_webhook(uow, user, f"http://127.0.0.1:{receiver.port}/hook")
    event = reminder(user)
    consume(uow(), "notify", event, notifications.record)
    waits: list[float] = []

    assert notifications.deliver_webhook(engine, event, allow_private=True, sleep=waits.append) is False

    assert len(receiver.received) == 4 and waits == [0.5, 1.0, 2.0]
    failed = delivery(engine, event.id)
    assert failed is not None and failed["status"] == FAILED and failed["last_error"] == "HTTP 302"
    with uow() as work:
        [entry] = [e for e in work.audit.chain(user.id) if e["action"] == "webhook.failed"]
    assert entry["data"] == {"url": failed["url"], "attempts": 4, "error": "HTTP 302"}


def test_a_stored_url_with_an_impossible_port_fails_visibly_instead_of_crashing(
    engine: sa.Engine, uow: UoW, user: User
) -> None:
    with uow() as work:  # saved before ports were checked
        work.users.save(User(**{**user.__dict__, "webhook_url": "http://hooks.example.com:99999/hook"}))
        work.commit()
    event = reminder(user)
    consume(uow(), "notify", event, notifications.record)

    assert notifications.deliver_webhook(engine, event, sleep=no_sleep, resolver=no_network) is False

    with uow() as work:
        [entry] = [e for e in work.audit.chain(user.id) if e["action"] == "webhook.failed"]
    assert entry["data"]["attempts"] == 0 and "port" in entry["data"]["error"]


# -- the functions: notify delivers after commit, relay-outbox sweeps what a crash left ---------------


def eventually(check: Callable[[], bool], timeout: float = 20) -> bool:
    """Waits for a fact (a background thread's POST), not for time to pass."""
    deadline = time.monotonic() + timeout
    while not check() and time.monotonic() < deadline:
        time.sleep(0.02)
    return check()


def test_notify_posts_after_commit_and_relay_outbox_sweeps_what_a_crash_left(
    tmp_path: Path, receiver: Receiver
) -> None:
    from doable.config import Settings
    from doable.embedded import Embedded

    embedded = Embedded(Settings(mode="embedded", data_dir=tmp_path, allow_private_webhooks=True))
    engine = embedded.container.engine
    try:
        person = User(
            id=new_id(),
            email=f"{new_id()}@example.com",
            name="Hook",
            timezone="UTC",
            password_hash="!",
            created_at=utcnow(),
            webhook_url=f"http://127.0.0.1:{receiver.port}/hook",
        )
        with UnitOfWork(engine) as work:
            work.users.add(person)
            work.commit()

        event = reminder(person, "evt-notify")
        assert embedded.deliver("notify", "/events", event.to_json().encode()) == 200
        assert eventually(lambda: [r.event for r in receiver.received] == ["evt-notify"])
        assert eventually(lambda: (delivery(engine, "evt-notify") or {}).get("status") == DELIVERED)

        left = reminder(person, "evt-left")
        consume(UnitOfWork(engine), "notify", left, notifications.record)  # …and notify died before its POST
        with engine.begin() as connection:  # a minute ago
            connection.execute(
                sa.update(db.webhook_deliveries).values(created_at=utcnow() - timedelta(minutes=1))
            )
        assert embedded.deliver("relay-outbox", "/events", b"") == 200
        assert eventually(lambda: [r.event for r in receiver.received] == ["evt-notify", "evt-left"])
    finally:
        embedded.stop()
