"""One webhook delivery's tries, with the network replaced at the adapter's edge: which answers count
as delivered, how tries are counted, what is sent and what the row keeps."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from doable.adapters import webhooks
from doable.adapters.unit_of_work import UnitOfWork
from doable.adapters.webhook_outbox import WebhookDeliveries
from doable.domain.model import User, utcnow
from doable.services import notifications
from tests.unit.test_webhooks import DNS, FakeDNS, delivery, no_sleep, reminder, with_webhook

UoW = Callable[[], UnitOfWork]
URL = "https://hooks.example.com/doable"
TARGET = webhooks.Target(URL, "https", "hooks.example.com", 443, "/doable", ("93.184.216.34",))


class Network:
    """Answers each try in turn: an HTTP status, PostFailed, or a refusal of the target."""

    def __init__(
        self, answers: Sequence[int | Exception], during_post: Callable[[], None] = lambda: None
    ) -> None:
        self.answers = list(answers)
        self.during_post = during_post
        self.posts: list[tuple[bytes, list[tuple[str, str]], float]] = []

    def check_target(self, url: str, *, allow_private: bool, resolver: object = None) -> webhooks.Target:
        if isinstance(self.answers[0], webhooks.TargetRefused):
            raise self.answers.pop(0)
        return TARGET

    def post(
        self, target: webhooks.Target, body: bytes, headers: list[tuple[str, str]], timeout: float
    ) -> int:
        self.posts.append((body, headers, timeout))
        self.during_post()
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


def deliver(
    engine: sa.Engine,
    uow: UoW,
    user: User,
    monkeypatch: pytest.MonkeyPatch,
    answers: Sequence[int | Exception],
    during_post: Callable[[], None] = lambda: None,
) -> tuple[bool, Network, dict[str, Any]]:
    monkeypatch.setattr(webhooks, "system_resolver", FakeDNS(DNS))  # no real DNS in unit tests
    with_webhook(uow, user, URL)  # saved while the real target check still stands
    network = Network(answers, during_post)
    monkeypatch.setattr(webhooks, "check_target", network.check_target)
    monkeypatch.setattr(webhooks, "post", network.post)
    event = reminder(user)
    _record(uow, event)
    delivered = notifications.deliver_webhook(engine, event, sleep=no_sleep)
    row = delivery(engine, event.id)
    assert row is not None
    return delivered, network, row


def _record(uow: UoW, event: Any) -> None:
    with uow() as work:
        notifications.record(work, event)
        work.commit()


@pytest.mark.parametrize(("status", "delivered"), [(200, True), (299, True), (300, False), (199, False)])
def test_only_a_2xx_answer_delivers(
    engine: sa.Engine, uow: UoW, user: User, monkeypatch: pytest.MonkeyPatch, status: int, delivered: bool
) -> None:
    ok, network, row = deliver(engine, uow, user, monkeypatch, [status] * 4)
    assert ok is delivered
    assert len(network.posts) == (1 if delivered else 4)
    assert (row["status"], row["attempts"]) == (("delivered", 1) if delivered else ("failed", 4))
    assert row["last_error"] == (None if delivered else f"HTTP {status}")
    assert row["leased_until"] is None and row["finished_at"] is not None


def test_each_post_says_who_sends_it_and_which_event_it_carries(
    engine: sa.Engine, uow: UoW, user: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, network, _ = deliver(engine, uow, user, monkeypatch, [204])
    ((body, headers, timeout),) = network.posts
    assert headers == [("User-Agent", "Doable-Webhook/1"), ("X-Doable-Event", "evt-hook")]
    assert timeout == notifications.WEBHOOK_TIMEOUT == 5.0
    assert b'"id": "evt-hook"' in body


def test_a_name_that_does_not_resolve_yet_and_a_failed_connection_each_count_as_a_try(
    engine: sa.Engine, uow: UoW, user: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    answers: list[int | Exception] = [
        webhooks.TargetRefused("resolve", "hooks.example.com does not resolve"),
        webhooks.PostFailed("connection refused"),
        webhooks.TargetRefused("resolve", "hooks.example.com does not resolve"),
        204,
    ]
    ok, network, row = deliver(engine, uow, user, monkeypatch, answers)
    assert ok is True and len(network.posts) == 2
    assert (row["status"], row["attempts"], row["last_error"]) == ("delivered", 4, None)


def test_the_last_failure_is_what_the_row_keeps(
    engine: sa.Engine, uow: UoW, user: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    answers: list[int | Exception] = [503, 503, 503, webhooks.PostFailed("TLS handshake failed")]
    ok, _, row = deliver(engine, uow, user, monkeypatch, answers)
    assert ok is False
    assert (row["status"], row["attempts"], row["last_error"]) == ("failed", 4, "TLS handshake failed")


def test_a_target_refused_for_its_address_is_never_posted_to(
    engine: sa.Engine, uow: UoW, user: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    ok, network, row = deliver(
        engine, uow, user, monkeypatch, [webhooks.TargetRefused("public", "10.0.0.1 is a private address")]
    )
    assert ok is False and network.posts == []
    assert (row["status"], row["attempts"], row["last_error"]) == (
        "failed",
        0,
        "10.0.0.1 is a private address",
    )


def test_a_deliverer_holds_its_row_for_the_lease_while_it_posts(
    engine: sa.Engine, uow: UoW, user: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    rivals: list[dict[str, Any] | None] = []

    def rival_claims() -> None:
        now = utcnow()
        with engine.begin() as connection:
            rivals.append(WebhookDeliveries(connection).claim("evt-hook", now, now + timedelta(minutes=1)))
        with engine.connect() as connection:
            row = WebhookDeliveries(connection).get("evt-hook")
        assert row is not None and row["leased_until"] >= now + timedelta(minutes=4)

    ok, _, _ = deliver(engine, uow, user, monkeypatch, [204], during_post=rival_claims)
    assert ok is True and rivals == [None], "nobody else may take the row mid-delivery"
    assert timedelta(minutes=5) == notifications.WEBHOOK_LEASE
