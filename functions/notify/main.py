"""notify: turns reminders and completions into in-app notifications and delivers reminder webhooks."""

import threading

from doable.bootstrap import Container
from doable.domain.events import Event
from doable.http.events import EventFunction
from doable.http.function import Request
from doable.services import notifications
from doable.services.ports import UnitOfWork


def record(app: Container, uow: UnitOfWork, event: Event) -> None:
    notifications.record(uow, event)


def deliver_webhook(request: Request, event: Event) -> None:
    # Retries with backoff take seconds: off the delivery thread, so the partition keeps moving.
    threading.Thread(
        target=notifications.deliver_webhook,
        args=(request.app.engine, event, request.app.settings.allow_private_webhooks),
        daemon=True,
    ).start()


function = EventFunction("notify", record, wants=notifications.concerns, after=deliver_webhook)
handler = function.handler
