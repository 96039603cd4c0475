"""In-app notifications from reminders and completions, and webhook delivery of reminders."""

from __future__ import annotations

import ipaddress
import logging
import socket
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlparse

import httpx
from sqlalchemy import Engine

from doable.adapters.repositories import AuditLog, UserRepository
from doable.adapters.unit_of_work import UnitOfWork
from doable.domain.errors import NotFound
from doable.domain.events import Event, EventType
from doable.domain.model import format_time, new_id, parse_time, utcnow
from doable.domain.recurrence import load_zone

log = logging.getLogger(__name__)
WEBHOOK_RETRIES = 3
WEBHOOK_TIMEOUT = 5.0


def concerns(event: Event) -> bool:
    return event.type in (EventType.REMINDER_DUE, EventType.TASK_COMPLETED)


def record(uow: UnitOfWork, event: Event) -> None:
    """The notify effect: a reminder or a completion becomes one notification (unique per event)."""
    task = event.data.get("task") or {}
    if event.type == EventType.REMINDER_DUE:
        user = uow.users.get(event.user_id)
        when = _local(task.get("due_at"), user.timezone if user else "UTC")
        kind, body = "reminder", f"Due {when}" if when else "Reminder"
    elif event.type == EventType.TASK_COMPLETED:
        kind, body = "completed", "Completed"
    else:
        return
    uow.notifications.add(
        {
            "id": new_id(),
            "user_id": event.user_id,
            "kind": kind,
            "task_id": event.subject,
            "title": str(task.get("title", ""))[:200],
            "body": body,
            "event_id": event.id,
            "created_at": utcnow(),
            "read_at": None,
        }
    )


def _local(value: str | None, timezone: str) -> str | None:
    if not value:
        return None
    return parse_time(value).astimezone(load_zone(timezone)).strftime("%a %d %b %Y %H:%M %Z")


def listing(uow: UnitOfWork, user_id: str, unread_only: bool) -> dict[str, Any]:
    with uow:
        items = uow.notifications.for_user(user_id, unread_only)
        unread = uow.notifications.unread_count(user_id)
    return {"items": [_public(item) for item in items], "unread": unread}


def mark_read(uow: UnitOfWork, user_id: str, notification_id: str) -> dict[str, Any]:
    with uow:
        row = uow.notifications.mark_read(user_id, notification_id, utcnow())
        if row is None:
            raise NotFound(f"no notification {notification_id!r} among yours")
        uow.commit()
    return _public(row)


def _public(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "kind": row["kind"],
        "task_id": row["task_id"],
        "title": row["title"],
        "body": row["body"],
        "created_at": format_time(row["created_at"]),
        "read_at": format_time(row["read_at"]),
    }


def deliver_webhook(
    engine: Engine,
    event: Event,
    allow_private: bool = False,
    sleep: Callable[[float], None] = time.sleep,
) -> bool:
    """POSTs a reminder to the user's webhook_url: 1 try plus 3 retries with exponential backoff.

    The final failure is recorded in the audit log, so the user can see why nothing arrived. A URL
    that resolves to a loopback, private or link-local address is refused (unless `allow_private`):
    the webhook must not become a way into the cluster's own network.
    """
    if event.type != EventType.REMINDER_DUE:
        return False
    with engine.connect() as connection:
        user = UserRepository(connection).get(event.user_id)
    if user is None or not user.webhook_url:
        return False
    body = {
        "type": event.type,
        "id": event.id,
        "time": format_time(event.time),
        "task": event.data.get("task"),
        "reminder_at": event.data.get("reminder_at"),
    }
    error = webhook_target_problem(user.webhook_url, allow_private, resolve=True) or ""
    attempts = 0 if error else WEBHOOK_RETRIES + 1
    for attempt in range(attempts):
        if attempt:
            sleep(0.5 * 2 ** (attempt - 1))
        try:
            response = httpx.post(
                user.webhook_url,
                json=body,
                timeout=WEBHOOK_TIMEOUT,
                headers={"User-Agent": "Doable-Webhook/1", "X-Doable-Event": event.id},
            )
            if response.status_code < 300:
                return True
            error = f"HTTP {response.status_code}"
        except httpx.HTTPError as failure:
            error = f"{type(failure).__name__}: {failure}"
    log.warning("webhook for %s failed after %d attempts: %s", event.id, attempts, error)
    now = utcnow()
    with engine.begin() as connection:
        AuditLog(connection).append(
            {
                "event_id": f"webhook:{event.id}",
                "user_id": event.user_id,
                "action": "webhook.failed",
                "resource_type": "task",
                "resource_id": event.subject,
                "occurred_at": now,
                "recorded_at": now,
                "correlation_id": event.correlation_id,
                "data": {"url": user.webhook_url, "attempts": attempts, "error": error},
            }
        )
    return False


def webhook_target_problem(url: str, allow_private: bool, *, resolve: bool) -> str | None:
    """Why `url` may not receive webhooks, or None. Without `resolve`, only literal hosts are judged."""
    host = urlparse(url).hostname or ""
    if allow_private:
        return None
    if host == "localhost" or host.endswith(".localhost"):
        return f"{host} is not a public address"
    try:
        addresses = [ipaddress.ip_address(host)]
    except ValueError:
        if not resolve:
            return None
        try:
            infos = socket.getaddrinfo(host, urlparse(url).port or 443, proto=socket.IPPROTO_TCP)
        except socket.gaierror as failure:
            return f"cannot resolve {host}: {failure}"
        addresses = [ipaddress.ip_address(info[4][0]) for info in infos]
    for address in addresses:
        if not address.is_global:
            return f"{host} is not a public address ({address})"
    return None
