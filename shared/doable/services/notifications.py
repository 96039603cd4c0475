"""In-app notifications of what the user did not just do (reminders, spawned instances, failed webhooks),
and reminder webhooks through their outbox."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Connection, Engine

from doable.adapters import webhooks
from doable.adapters.repositories.audit import AuditLog
from doable.adapters.repositories.notifications import Notifications
from doable.adapters.repositories.users import UserRepository
from doable.adapters.webhook_outbox import WebhookDeliveries
from doable.domain.errors import NotFound
from doable.domain.events import Event, EventType
from doable.domain.model import NotificationKind, format_time, new_id, utcnow
from doable.domain.recurrence import load_zone
from doable.services.ports import UnitOfWork

log = logging.getLogger(__name__)
WEBHOOK_RETRIES = 3
WEBHOOK_TIMEOUT = 5.0
# Longer than one delivery's tries can take, so a live deliverer keeps its row; a dead one's row
# goes back to the sweep when this runs out.
WEBHOOK_LEASE = timedelta(minutes=5)
# Rows younger than this are left to notify's own after-commit step, so the two rarely race.
WEBHOOK_SWEEP_AFTER = timedelta(seconds=30)


def concerns(event: Event) -> bool:
    """A fired reminder, or a series' next instance; the user's own edits and completions are not news.

    Whatever client or agent made a change did so with the user's own credentials, so it is the
    user's own change too: open clients learn of it from the live channel, not from the inbox.
    """
    return event.type == EventType.REMINDER_DUE or _spawned(event)


def _spawned(event: Event) -> bool:
    # The full event's changes are a dict and the compact twin's a list of names: `in` reads both.
    return event.type == EventType.TASK_CREATED and "spawned_from" in event.changed


def record(uow: UnitOfWork, event: Event) -> None:
    """The notify effect: a reminder or a spawned instance becomes one notification (unique per event),
    unless the user turned that kind off; a reminder's webhook is queued either way."""
    if not concerns(event):
        return
    task = event.task
    user = uow.users.get(event.user_id)
    if user is None:
        return
    when = _local(task.due_at, user.timezone)
    if event.type == EventType.REMINDER_DUE:
        kind, body = NotificationKind.REMINDER, f"Due {when}" if when else "Reminder"
        if user.webhook_url:
            # Queued in the same transaction: if the process dies before the POST, the sweep still has it.
            uow.webhooks.add(_webhook_delivery(event, user.webhook_url))
    else:
        kind, body = NotificationKind.SPAWNED, f"Next one due {when}" if when else "Next one added"
    if user.wants(kind):
        uow.notifications.add(_notification(event.user_id, kind, event.subject, task.title, body, event.id))


def _notification(
    user_id: str, kind: NotificationKind, task_id: str, title: str | None, body: str, event_id: str
) -> dict[str, Any]:
    return {
        "id": new_id(),
        "user_id": user_id,
        "kind": kind.value,
        "task_id": task_id,
        "title": (title or "")[:200],
        "body": body,
        "event_id": event_id,
        "created_at": utcnow(),
        "read_at": None,
    }


def _webhook_delivery(event: Event, url: str) -> dict[str, Any]:
    body = {
        "type": event.type,
        "id": event.id,
        "time": format_time(event.time),
        "task": dict(event.task.fields) or None,  # as the event sent it
        "reminder_at": format_time(event.reminder_at),
    }
    return {
        "id": new_id(),
        "event_id": event.id,
        "user_id": event.user_id,
        "task_id": event.subject,
        "correlation_id": event.correlation_id,
        "url": url,
        "payload": json.dumps(body),
        "created_at": utcnow(),
    }


def _local(value: datetime | None, timezone: str) -> str | None:
    if value is None:
        return None
    return value.astimezone(load_zone(timezone)).strftime("%a %d %b %Y %H:%M %Z")


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


def mark_all_read(uow: UnitOfWork, user_id: str) -> dict[str, Any]:
    """Marks every unread notification of the user read; says how many that was."""
    with uow:
        count = uow.notifications.mark_all_read(user_id, utcnow())
        uow.commit()
    return {"marked": count, "unread": 0}


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
    resolver: webhooks.Resolver | None = None,
) -> bool:
    """Delivers the reminder's queued webhook now (notify's after-commit step); True once a 2xx came back.

    False when it failed, or when there is nothing to do: no queued delivery, already delivered, or
    held by another deliverer.
    """
    now = utcnow()
    with engine.begin() as connection:
        row = WebhookDeliveries(connection).claim(event.id, now, now + WEBHOOK_LEASE)
    return row is not None and _deliver(engine, row, allow_private, sleep, resolver)


def sweep_webhooks(
    engine: Engine,
    allow_private: bool = False,
    sleep: Callable[[float], None] = time.sleep,
    resolver: webhooks.Resolver | None = None,
    older_than: timedelta = WEBHOOK_SWEEP_AFTER,
    limit: int = 50,
) -> tuple[int, int]:
    """Delivers queued webhooks the after-commit step never finished (crash, restart): (delivered, failed).

    Claims one row at a time, so each row's lease starts when its own delivery does.
    """
    delivered = failed = 0
    for _ in range(limit):
        now = utcnow()
        with engine.begin() as connection:
            rows = WebhookDeliveries(connection).claim_stale(now - older_than, now, now + WEBHOOK_LEASE, 1)
        if not rows:
            break
        if _deliver(engine, rows[0], allow_private, sleep, resolver):
            delivered += 1
        else:
            failed += 1
    return delivered, failed


def _deliver(
    engine: Engine,
    row: dict[str, Any],
    allow_private: bool,
    sleep: Callable[[float], None],
    resolver: webhooks.Resolver | None,
) -> bool:
    """POSTs one claimed delivery: 1 try plus 3 retries with exponential backoff, each to a checked address.

    The target is checked again before every try (addresses change, and a refused target is never
    contacted). The row is marked delivered only after a 2xx, so a crash before that means another
    POST later: receivers see each reminder at least once, and X-Doable-Event tells repeats apart.
    The final failure goes to the audit log, in the same transaction, so the user can see why.
    """
    body = row["payload"].encode()
    headers = [("User-Agent", "Doable-Webhook/1"), ("X-Doable-Event", row["event_id"])]
    error, attempts = "", 0
    for attempt in range(WEBHOOK_RETRIES + 1):
        if attempt:
            sleep(0.5 * 2 ** (attempt - 1))
        try:
            target = webhooks.check_target(row["url"], allow_private=allow_private, resolver=resolver)
        except webhooks.TargetRefused as refused:
            error = str(refused)
            if refused.rule != "resolve":
                break  # the URL or its addresses are not allowed: no request is ever sent
            attempts += 1  # a name that does not resolve now may resolve on the next try
            continue
        attempts += 1
        try:
            status = webhooks.post(target, body, headers, WEBHOOK_TIMEOUT)
        except webhooks.PostFailed as failure:
            error = str(failure)
            continue
        if 200 <= status < 300:
            with engine.begin() as connection:
                WebhookDeliveries(connection).finish(
                    row["id"], delivered=True, attempts=attempts, when=utcnow(), error=""
                )
            return True
        error = f"HTTP {status}"
    log.warning("webhook for %s failed after %d attempts: %s", row["event_id"], attempts, error)
    now = utcnow()
    with engine.begin() as connection:
        WebhookDeliveries(connection).finish(
            row["id"], delivered=False, attempts=attempts, when=now, error=error
        )
        _notify_failure(connection, row, attempts, error)
        AuditLog(connection).append(
            {
                "event_id": f"webhook:{row['event_id']}",
                "user_id": row["user_id"],
                "action": "webhook.failed",
                "resource_type": "task",
                "resource_id": row["task_id"],
                "occurred_at": now,
                "recorded_at": now,
                "correlation_id": row["correlation_id"],
                "data": {"url": row["url"], "attempts": attempts, "error": error},
            }
        )
    return False


def _notify_failure(connection: Connection, row: dict[str, Any], attempts: int, error: str) -> None:
    """A reminder that never reached the webhook is news: the user is relying on it arriving."""
    user = UserRepository(connection).get(row["user_id"])
    if user is None or not user.wants(NotificationKind.WEBHOOK_FAILED):
        return
    title = (json.loads(row["payload"]).get("task") or {}).get("title")
    host = urlsplit(row["url"]).hostname or row["url"]
    tries = "try" if attempts == 1 else "tries"
    body = (
        f"The reminder webhook to {host} failed after {attempts} {tries} ({error}); check the URL in settings"
    )
    Notifications(connection).add(
        _notification(
            row["user_id"],
            NotificationKind.WEBHOOK_FAILED,
            row["task_id"],
            title,
            body,
            f"webhook:{row['event_id']}",
        )
    )
