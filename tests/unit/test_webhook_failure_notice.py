"""The notification a failed reminder webhook leaves: its wording for one try and for a URL without a host."""

from __future__ import annotations

import json

import sqlalchemy as sa

from doable.adapters.repositories.notifications import Notifications
from doable.domain.model import User
from doable.services import notifications


def notice(engine: sa.Engine, user: User, url: str, attempts: int) -> str:
    row = {
        "user_id": user.id,
        "task_id": "task-1",
        "event_id": f"evt-{attempts}-{len(url)}",
        "url": url,
        "payload": json.dumps({"task": {"title": "Call"}}),
    }
    with engine.begin() as connection:
        notifications._notify_failure(connection, row, attempts, "HTTP 500")
    with engine.connect() as connection:
        listed = Notifications(connection).for_user(user.id, unread_only=False)
    (latest,) = [n for n in listed if n["event_id"] == f"webhook:{row['event_id']}"]
    assert (latest["kind"], latest["task_id"], latest["title"]) == ("webhook_failed", "task-1", "Call")
    return str(latest["body"])


def test_one_try_is_one_try_and_a_url_without_a_host_is_named_whole(engine: sa.Engine, user: User) -> None:
    assert notice(engine, user, "https://hooks.example.com/doable", 1) == (
        "The reminder webhook to hooks.example.com failed after 1 try (HTTP 500); check the URL in settings"
    )
    assert notice(engine, user, "mailto:me", 2) == (
        "The reminder webhook to mailto:me failed after 2 tries (HTTP 500); check the URL in settings"
    )
