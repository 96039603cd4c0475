"""relay-outbox: on each cron tick, publishes the outbox rows the request path did not get out,
and delivers the reminder webhooks notify did not get out (a crash or restart between commit and POST)."""

import logging
import threading

from flask import Response

from doable.adapters.outbox import relay
from doable.http.events import EventFunction
from doable.http.function import Request
from doable.http.problem import json_response
from doable.observability import OUTBOX_BACKLOG
from doable.services import notifications

log = logging.getLogger(__name__)
_webhook_sweep = threading.Lock()


def sweep(request: Request) -> Response:
    published, failed = relay(request.app.engine, request.app.publisher)
    with request.app.uow() as uow:
        backlog = uow.outbox.backlog()
    OUTBOX_BACKLOG.set(backlog)
    sweep_webhooks(request)
    return json_response({"published": published, "failed": failed, "backlog": backlog})


def sweep_webhooks(request: Request) -> None:
    # POSTs with retries take seconds: off the tick, and one sweep at a time in this process (rows
    # are leased, so sweeps in other processes cannot take the same row either).
    if not _webhook_sweep.acquire(blocking=False):
        return
    engine, allow_private = request.app.engine, request.app.settings.allow_private_webhooks

    def run() -> None:
        try:
            notifications.sweep_webhooks(engine, allow_private)
        except Exception:
            log.exception("webhook sweep failed; the next tick tries again")
        finally:
            _webhook_sweep.release()

    threading.Thread(target=run, name="webhook-sweep", daemon=True).start()


function = EventFunction("relay-outbox", sweep=sweep)
handler = function.handler
