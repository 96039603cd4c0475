"""Consumers' effects on a real (SQLite) unit of work: recurrence, reminders, notifications, audit."""

from __future__ import annotations

import dataclasses
import json
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
import sqlalchemy as sa

from doable.adapters import webhooks
from doable.adapters.unit_of_work import UnitOfWork
from doable.domain.events import Context, Event, EventType, ReminderJob, SeriesDue
from doable.domain.model import User
from doable.services import audit, notifications, reminders, series, tasks
from doable.services.consumers import Outcome, consume

UoW = Callable[[], UnitOfWork]
NOW = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)


class RecordedJobs:
    """The job port as a ledger: these tests run at a fixed past NOW, so a real timer would fire at once."""

    def __init__(self) -> None:
        self.jobs: dict[str, tuple[datetime, dict[str, Any]]] = {}

    def schedule(self, name: str, due_at: datetime, data: dict[str, Any]) -> None:
        self.jobs[name] = (due_at, data)

    def cancel(self, name: str) -> None:
        self.jobs.pop(name, None)

    def pending(self) -> list[str]:
        return sorted(self.jobs)


@pytest.fixture
def jobs() -> RecordedJobs:
    return RecordedJobs()


def reminded_task(uow: UoW, ctx: Context, title: str) -> tasks.Task:
    """Due at noon on NOW's day, reminded 30 minutes before (11:30 UTC)."""
    fields = {"title": title, "due_at": "2026-11-28T12:00:00Z", "reminder_minutes_before": 30}
    return tasks.create_task(uow(), ctx, fields, now=NOW)


def full_events(published: list[Event]) -> list[Event]:
    return [e for e in published if e.topic == "task-events"]


def run(uow: UoW, consumer: str, effect: Callable[[UnitOfWork, Event], None], event: Event) -> Outcome:
    return consume(uow(), consumer, event, effect)


def test_completing_the_current_instance_spawns_the_next_once(
    uow: UoW, user: User, published: list[Event], jobs: RecordedJobs
) -> None:
    ctx = Context(user.id)
    first = tasks.create_task(
        uow(),
        ctx,
        {"title": "Standup", "recurrence": "daily", "due_at": "2026-11-30T08:00:00Z", "tags": ["work"]},
        now=NOW,
    )
    follow = lambda work, event: series.on_task_event(work, event, jobs, NOW)  # noqa: E731
    run(uow, "spawn-recurrence", follow, full_events(published)[-1])
    assert jobs.pending() == [series.job_name(first.series_id or "")]

    tasks.complete_task(uow(), ctx, first.id, now=NOW)
    completed = full_events(published)[-1]
    assert run(uow, "spawn-recurrence", follow, completed) is Outcome.PROCESSED
    assert run(uow, "spawn-recurrence", follow, completed) is Outcome.DUPLICATE
    spawned_event = full_events(published)[-1]
    assert spawned_event.type == EventType.TASK_CREATED
    assert spawned_event.correlation_id == completed.correlation_id
    spawned = spawned_event.data["task"]
    assert spawned["due_at"] == "2026-12-01T08:00:00.000Z"  # 09:00 in Paris, the next day
    assert (spawned["series_id"], spawned["tags"], spawned["title"]) == (first.id, ["work"], "Standup")

    # The due-time job of the completed instance fires later: it is no longer current, nothing spawns.
    assert (
        series.on_due(
            uow(),
            SeriesDue.decode(
                {"series_id": first.id, "task_id": first.id, "due_at": "2026-11-30T08:00:00.000Z"}
            ),
            now=NOW,
        )
        is None
    )
    assert tasks.search_tasks(uow(), ctx, tasks.TaskQuery(), NOW).total == 2


def test_the_due_time_passing_spawns_the_next_and_overdue_series_resume_in_the_future(
    uow: UoW, user: User, published: list[Event], jobs: RecordedJobs
) -> None:
    ctx = Context(user.id)
    first = tasks.create_task(
        uow(),
        ctx,
        {"title": "Water plants", "recurrence": "weekly", "due_at": "2026-11-02T08:00:00Z"},
        now=NOW,
    )
    run(
        uow,
        "spawn-recurrence",
        lambda w, e: series.on_task_event(w, e, jobs, NOW),
        full_events(published)[-1],
    )
    data = SeriesDue.decode(
        {"series_id": first.id, "task_id": first.id, "due_at": "2026-11-02T08:00:00.000Z"}
    )
    spawned_id = series.on_due(uow(), data, now=NOW)
    assert spawned_id is not None
    assert series.on_due(uow(), data, now=NOW) is None, "the job firing twice spawns once"
    spawned = tasks.get_task(uow(), ctx, spawned_id)
    assert spawned.due_at == datetime(2026, 11, 30, 8, 0, tzinfo=UTC), "first weekly occurrence after now"


def test_deleting_the_series_deactivates_it_and_cancels_its_job(
    uow: UoW, user: User, published: list[Event], jobs: RecordedJobs
) -> None:
    ctx = Context(user.id)
    first = tasks.create_task(
        uow(), ctx, {"title": "Rent", "recurrence": "monthly", "due_at": "2027-01-31T08:00:00Z"}, now=NOW
    )
    follow = lambda work, event: series.on_task_event(work, event, jobs, NOW)  # noqa: E731
    run(uow, "spawn-recurrence", follow, full_events(published)[-1])
    deleted = tasks.delete_task(uow(), ctx, first.id, scope="series", now=NOW)
    assert [t.id for t in deleted] == [first.id]
    run(uow, "spawn-recurrence", follow, full_events(published)[-1])
    assert jobs.pending() == []
    with uow() as work:
        assert work.schedules.get(first.id)["active"] is False  # type: ignore[index]


def test_reminder_jobs_follow_the_task(
    uow: UoW, user: User, published: list[Event], jobs: RecordedJobs
) -> None:
    ctx = Context(user.id)
    task = reminded_task(uow, ctx, "Call")
    remind = lambda work, event: reminders.on_task_event(work, event, jobs, NOW)  # noqa: E731
    run(uow, "fire-reminder", remind, full_events(published)[-1])
    assert jobs.pending() == [reminders.job_name(task.id)]
    tasks.update_task(uow(), ctx, task.id, {"reminder_minutes_before": None}, now=NOW)
    run(uow, "fire-reminder", remind, full_events(published)[-1])
    assert jobs.pending() == []
    tasks.update_task(
        uow(), ctx, task.id, {"reminder_minutes_before": 600}, now=NOW
    )  # already past: fires now
    run(uow, "fire-reminder", remind, full_events(published)[-1])
    assert jobs.pending() == [reminders.job_name(task.id)]
    assert jobs.jobs[reminders.job_name(task.id)][0] == NOW, (
        "a passed reminder for a task not yet due fires now"
    )
    tasks.complete_task(uow(), ctx, task.id, now=NOW)
    run(uow, "fire-reminder", remind, full_events(published)[-1])
    assert jobs.pending() == []


def test_a_fired_reminder_publishes_once_and_stale_jobs_publish_nothing(
    uow: UoW, user: User, published: list[Event]
) -> None:
    ctx = Context(user.id)
    task = reminded_task(uow, ctx, "Call")
    data = ReminderJob.decode(
        {"task_id": task.id, "user_id": user.id, "reminder_at": "2026-11-28T11:30:00.000Z"}
    )
    assert reminders.fire(uow(), data, NOW) is True
    assert reminders.fire(uow(), data, NOW) is False
    due = [e for e in published if e.type == EventType.REMINDER_DUE]
    assert len(due) == 1 and due[0].topic == "reminders"
    moved = dataclasses.replace(data, reminder_at=datetime(2026, 11, 28, 11, 0, tzinfo=UTC))
    assert reminders.fire(uow(), moved, NOW) is False, "the task's reminder moved since this job was set"


def test_reminders_and_spawned_instances_notify_once_and_the_users_own_changes_never_do(
    uow: UoW, user: User, published: list[Event], jobs: RecordedJobs
) -> None:
    ctx = Context(user.id)
    task = reminded_task(uow, ctx, "Dentist")
    reminders.fire(
        uow(),
        ReminderJob.decode(
            {"task_id": task.id, "user_id": user.id, "reminder_at": "2026-11-28T11:30:00.000Z"}
        ),
        NOW,
    )
    tasks.update_task(uow(), ctx, task.id, {"title": "Dentist at 12"}, now=NOW)
    tasks.complete_task(uow(), ctx, task.id, now=NOW)
    tasks.reopen_task(uow(), ctx, task.id, now=NOW)
    tasks.complete_task(uow(), ctx, task.id, now=NOW)
    fields = {"title": "Standup", "recurrence": "daily", "due_at": "2026-11-30T08:00:00Z"}
    standup = tasks.create_task(uow(), ctx, fields, now=NOW)
    follow = lambda work, event: series.on_task_event(work, event, jobs, NOW)  # noqa: E731
    run(uow, "spawn-recurrence", follow, full_events(published)[-1])
    tasks.complete_task(uow(), ctx, standup.id, now=NOW)
    run(uow, "spawn-recurrence", follow, full_events(published)[-1])
    assert full_events(published)[-1].data["changes"] == {"spawned_from": standup.id}

    for event in published:
        if event.topic in ("reminders", "task-updates"):  # what notify subscribes to
            run(uow, "notify", notifications.record, event)
            run(uow, "notify", notifications.record, event)
    inbox = notifications.listing(uow(), user.id, unread_only=True)
    assert sorted((n["kind"], n["title"], n["body"]) for n in inbox["items"]) == [
        ("reminder", "Dentist", "Due Sat 28 Nov 2026 13:00 CET"),  # in the user's time zone
        ("spawned", "Standup", "Next one due Tue 01 Dec 2026 09:00 CET"),
    ], "no notification for the user's own edit, completions or reopening"
    assert inbox["unread"] == 2

    notifications.mark_read(uow(), user.id, inbox["items"][0]["id"])
    assert notifications.listing(uow(), user.id, unread_only=True)["unread"] == 1
    assert notifications.mark_all_read(uow(), user.id) == {"marked": 1, "unread": 0}
    after = notifications.listing(uow(), user.id, unread_only=False)
    assert after["unread"] == 0 and all(n["read_at"] for n in after["items"]) and len(after["items"]) == 2
    assert notifications.mark_all_read(uow(), user.id) == {"marked": 0, "unread": 0}


def test_a_kind_turned_off_in_settings_is_not_notified_and_the_others_still_are(
    uow: UoW, user: User, published: list[Event], jobs: RecordedJobs
) -> None:
    from doable.services import users

    assert user.to_dict()["notify"] == {"reminder": True, "spawned": True, "webhook_failed": True}
    users.update_profile(uow(), user.id, {"notify": {"reminder": False}})
    changed = users.update_profile(uow(), user.id, {"notify": {"webhook_failed": False}, "name": "Ada"})
    assert changed.to_dict()["notify"] == {"reminder": False, "spawned": True, "webhook_failed": False}, (
        "kinds left out keep their setting"
    )
    users.update_profile(
        uow(), user.id, {"webhook_url": "http://127.0.0.1:9/hook"}, allow_private_webhooks=True
    )

    ctx = Context(user.id)
    task = reminded_task(uow, ctx, "Dentist")
    reminders.fire(
        uow(),
        ReminderJob.decode(
            {"task_id": task.id, "user_id": user.id, "reminder_at": "2026-11-28T11:30:00.000Z"}
        ),
        NOW,
    )
    fields = {"title": "Standup", "recurrence": "daily", "due_at": "2026-11-30T08:00:00Z"}
    standup = tasks.create_task(uow(), ctx, fields, now=NOW)
    follow = lambda work, event: series.on_task_event(work, event, jobs, NOW)  # noqa: E731
    run(uow, "spawn-recurrence", follow, full_events(published)[-1])
    tasks.complete_task(uow(), ctx, standup.id, now=NOW)
    run(uow, "spawn-recurrence", follow, full_events(published)[-1])
    for event in published:
        if event.topic in ("reminders", "task-updates"):
            run(uow, "notify", notifications.record, event)
    inbox = notifications.listing(uow(), user.id, unread_only=False)
    assert [n["kind"] for n in inbox["items"]] == ["spawned"]
    [reminder] = [e for e in published if e.type == EventType.REMINDER_DUE]
    with uow() as work:
        assert work.webhooks.get(reminder.id) is not None, "the webhook is its own channel: still queued"

    users.update_profile(uow(), user.id, {"notify": {"reminder": True}})
    again = dataclasses.replace(reminder, id="evt-again")
    run(uow, "notify", notifications.record, again)
    assert [n["kind"] for n in notifications.listing(uow(), user.id, unread_only=False)["items"]].count(
        "reminder"
    ) == 1


@pytest.mark.parametrize(
    ("notify", "field", "rule"),
    [
        ({"reminders": False}, "notify.reminders", "unknown_field"),
        ({"reminder": "no"}, "notify.reminder", "type"),
        ({"spawned": None}, "notify.spawned", "type"),
        ([], "notify", "type"),
        (None, "notify", "type"),
    ],
)
def test_notification_preferences_take_known_kinds_and_booleans_only(
    uow: UoW, user: User, notify: Any, field: str, rule: str
) -> None:
    from doable.services import users

    with pytest.raises(users.ValidationFailed) as refused:
        users.update_profile(uow(), user.id, {"notify": notify})
    assert [(e.field, e.rule) for e in refused.value.errors] == [(field, rule)]
    with uow() as work:
        stored = work.users.get(user.id)
    assert stored is not None and stored.notify is None, "nothing saved"


class FlakyHook(BaseHTTPRequestHandler):
    failures_left = 0
    received: list[dict[str, Any]] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        FlakyHook.received.append(body)
        status = 503 if FlakyHook.failures_left > 0 else 204
        FlakyHook.failures_left -= 1
        self.send_response(status)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def hook_url() -> Iterator[str]:
    FlakyHook.received = []
    server = HTTPServer(("127.0.0.1", 0), FlakyHook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/hook"
    server.shutdown()


def reminder_event(user: User) -> Event:
    return Event(
        id="evt-1",
        type=EventType.REMINDER_DUE,
        topic="reminders",
        subject="task-1",  # type: ignore[arg-type]
        user_id=user.id,
        time=NOW,
        correlation_id="corr",
        data={"task": {"title": "x"}},
    )


@pytest.mark.parametrize(("failures", "delivered", "attempts"), [(0, True, 1), (3, True, 4), (9, False, 4)])
def test_webhooks_retry_three_times_with_backoff_and_audit_the_final_failure(
    engine: sa.Engine, uow: UoW, user: User, hook_url: str, failures: int, delivered: bool, attempts: int
) -> None:
    from doable.services import users

    users.update_profile(uow(), user.id, {"webhook_url": hook_url}, allow_private_webhooks=True)
    assert run(uow, "notify", notifications.record, reminder_event(user)) is Outcome.PROCESSED
    FlakyHook.failures_left = failures
    waits: list[float] = []
    delivered_now = notifications.deliver_webhook(
        engine, reminder_event(user), allow_private=True, sleep=waits.append
    )
    assert delivered_now is delivered
    assert len(FlakyHook.received) == attempts
    assert waits == [0.5, 1.0, 2.0][: attempts - 1]
    with uow() as work:
        failed = [e for e in work.audit.chain(user.id) if e["action"] == "webhook.failed"]
    assert len(failed) == (0 if delivered else 1)
    inbox = notifications.listing(uow(), user.id, unread_only=True)["items"]
    assert sorted(n["kind"] for n in inbox) == ["reminder", *([] if delivered else ["webhook_failed"])]
    if not delivered:
        [failure] = [n for n in inbox if n["kind"] == "webhook_failed"]
        assert (failure["task_id"], failure["title"]) == ("task-1", "x")
        assert failure["body"] == (
            "The reminder webhook to 127.0.0.1 failed after 4 tries (HTTP 503); check the URL in settings"
        )


def test_a_failed_webhook_is_not_notified_when_that_kind_is_off(
    engine: sa.Engine, uow: UoW, user: User, hook_url: str
) -> None:
    from doable.services import users

    users.update_profile(
        uow(),
        user.id,
        {"webhook_url": hook_url, "notify": {"webhook_failed": False}},
        allow_private_webhooks=True,
    )
    run(uow, "notify", notifications.record, reminder_event(user))
    FlakyHook.failures_left = 9
    assert (
        notifications.deliver_webhook(engine, reminder_event(user), allow_private=True, sleep=lambda _: None)
        is False
    )
    with uow() as work:
        assert [e["action"] for e in work.audit.chain(user.id)] == ["webhook.failed"], "still audited"
    assert [n["kind"] for n in notifications.listing(uow(), user.id, unread_only=False)["items"]] == [
        "reminder"
    ]


def test_audit_entries_chain_and_tampering_is_detected(
    engine: sa.Engine, uow: UoW, user: User, published: list[Event]
) -> None:
    ctx = Context(user.id)
    task = tasks.create_task(uow(), ctx, {"title": "audited"}, now=NOW)
    tasks.update_task(uow(), ctx, task.id, {"title": "audited twice"}, now=NOW)
    for event in full_events(published):
        assert run(uow, "write-audit", audit.record, event) is Outcome.PROCESSED
        assert run(uow, "write-audit", audit.record, event) is Outcome.DUPLICATE
    history = audit.history(uow(), user.id, task.id)
    assert [h["action"] for h in history] == ["task.created", "task.updated"]
    assert history[1]["changes"] == {"title": "audited twice"}
    assert audit.verify(uow()) == (2, None)

    with engine.begin() as connection, pytest.raises(sa.exc.DatabaseError, match="append-only"):
        connection.execute(sa.text("UPDATE audit_log SET action = 'forged'"))
    with engine.begin() as connection:  # someone with the database's keys drops the guard…
        connection.execute(sa.text("DROP TRIGGER audit_log_no_update"))
        connection.execute(sa.text("UPDATE audit_log SET data = '{}' WHERE seq = 2"))
    checked, broken = audit.verify(uow())
    assert checked == 1 and broken is not None and broken.seq == 2


def test_another_users_history_is_not_found(uow: UoW, user: User, published: list[Event]) -> None:
    task = tasks.create_task(uow(), Context(user.id), {"title": "private"}, now=NOW)
    run(uow, "write-audit", audit.record, full_events(published)[-1])
    with pytest.raises(tasks.NotFound):
        audit.history(uow(), "someone-else", task.id)


def test_consumers_skip_events_that_cannot_concern_them(uow: UoW, user: User, published: list[Event]) -> None:
    ctx = Context(user.id)
    plain = tasks.create_task(uow(), ctx, {"title": "plain", "due_at": "2026-12-01T09:00:00Z"}, now=NOW)
    assert not reminders.concerns(full_events(published)[-1])
    assert not series.concerns(full_events(published)[-1])
    tasks.update_task(uow(), ctx, plain.id, {"reminder_minutes_before": 5}, now=NOW)
    assert reminders.concerns(full_events(published)[-1])
    tasks.update_task(uow(), ctx, plain.id, {"reminder_minutes_before": None}, now=NOW)
    assert reminders.concerns(full_events(published)[-1]), "removing a reminder must cancel its job"
    tasks.update_task(uow(), ctx, plain.id, {"title": "renamed"}, now=NOW)
    assert not reminders.concerns(full_events(published)[-1])
    tasks.update_task(uow(), ctx, plain.id, {"recurrence": "weekly"}, now=NOW)
    assert series.concerns(full_events(published)[-1])
    compact = [e for e in published if e.topic == "task-updates"]
    assert not notifications.concerns(compact[-1])
    tasks.complete_task(uow(), ctx, plain.id, now=NOW)
    assert not notifications.concerns([e for e in published if e.topic == "task-updates"][-1])


def test_webhooks_to_private_addresses_are_refused_and_audited(
    engine: sa.Engine, uow: UoW, user: User, hook_url: str
) -> None:
    from doable.services import users

    with pytest.raises(users.ValidationFailed) as refused:
        users.update_profile(uow(), user.id, {"webhook_url": hook_url})
    assert refused.value.errors[0].rule == "public"
    users.update_profile(uow(), user.id, {"webhook_url": hook_url}, allow_private_webhooks=True)
    assert run(uow, "notify", notifications.record, reminder_event(user)) is Outcome.PROCESSED
    # The receiver is on this machine: without the allowance delivery refuses it before any request.
    assert notifications.deliver_webhook(engine, reminder_event(user), sleep=lambda _: None) is False
    assert FlakyHook.received == []
    with uow() as work:
        [failure] = [e for e in work.audit.chain(user.id) if e["action"] == "webhook.failed"]
    assert failure["data"]["attempts"] == 0
    assert "not a public address" in failure["data"]["error"]


@pytest.mark.parametrize(
    ("url", "refused"),
    [
        ("https://example.com/hook", False),
        ("http://10.0.0.5/hook", True),
        ("http://[::1]:8080/x", True),
        ("http://localhost/x", True),
        ("http://169.254.169.254/latest", True),
    ],
)
def test_webhook_targets_are_judged_by_address(url: str, refused: bool) -> None:
    public = lambda host, port: ["93.184.215.14"] if host == "example.com" else ["127.0.0.1"]  # noqa: E731
    verdict = lambda allow: webhooks.check_target(url, allow_private=allow, resolver=public)  # noqa: E731
    if refused:
        with pytest.raises(webhooks.TargetRefused, match="not a public address"):
            verdict(False)
    else:
        verdict(False)
    assert verdict(True).url == url
