"""Exactly-once effects over at-least-once delivery: ledger entry and effect commit together or not at all.

An effect that fails because the database or the sidecar cannot be reached is retried for as long
as the outage lasts: the error goes back to the caller, the delivery answers 500 and is redelivered.
Any other failure is the event's own (bad data, a bug it triggers) and would fail the same way on
every delivery, blocking the events behind it on its partition; so it is counted, retried a
bounded number of times, then dead-lettered with its reason.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from enum import StrEnum

from sqlalchemy import exc as db_errors

from doable.domain.events import Event
from doable.domain.model import utcnow
from doable.services.ports import PublishFailed, SidecarUnavailable, UnitOfWork

log = logging.getLogger(__name__)

Effect = Callable[[UnitOfWork, Event], None]
EVENT_ID_MAX = 64  # what the ledger tables store
FAILURES_MAX = 5  # deliveries of one event that may fail, outages aside, before it is dead-lettered
OUTAGES = (
    db_errors.OperationalError,  # connection refused or lost, lock timeouts, serialisation failures
    db_errors.InterfaceError,
    db_errors.DisconnectionError,
    db_errors.TimeoutError,  # no pooled connection came free
    SidecarUnavailable,
    PublishFailed,
)


class Outcome(StrEnum):
    PROCESSED = "processed"
    DUPLICATE = "duplicate"
    IGNORED = "ignored"
    FAILED = "failed"  # counted; the delivery is to be retried
    DEAD_LETTER = "dead_letter"


def is_outage(error: BaseException) -> bool:
    """Whether `error` says the database or the sidecar is out of reach, which heals without us."""
    if isinstance(error, db_errors.DBAPIError) and error.connection_invalidated:
        return True
    return isinstance(error, OUTAGES)


def consume(uow: UnitOfWork, consumer: str, event: Event, effect: Effect) -> Outcome:
    """Runs `effect` once per (consumer, event id); a redelivery finds the ledger entry and does nothing.

    Outages propagate. Other failures are counted (FAILED: retry the delivery) until the
    FAILURES_MAX-th, which dead-letters the event and records it as processed (DEAD_LETTER).
    """
    try:
        with uow:
            if not uow.ledger.first_delivery(consumer, event.id, utcnow()):
                return Outcome.DUPLICATE
            effect(uow, event)
            uow.commit()
    except Exception as error:
        if is_outage(error):
            raise
        return _failed(uow, consumer, event, error)
    return Outcome.PROCESSED


def consume_batch(uow: UnitOfWork, consumer: str, events: Sequence[Event], effect: Effect) -> list[Outcome]:
    """`consume` for a batch in one transaction: every ledger entry and effect commits together.

    Idempotency stays per event (a redelivered event in the batch is a DUPLICATE). If an effect fails
    for a reason of its own, the batch rolls back and each event is consumed alone, so one bad event
    costs the others a second transaction, never a retry. Outages propagate, as in `consume`.
    """
    if len(events) < 2:
        return [consume(uow, consumer, event, effect) for event in events]
    # Per user, in the order delivered; across users, in one order, so that two batches applied at once
    # (one per partition) take the users' locks (the audit chain's, say) in the same order: no deadlock.
    order = sorted(range(len(events)), key=lambda index: events[index].user_id)
    outcomes: dict[int, Outcome] = {}
    try:
        with uow:
            for index in order:
                event = events[index]
                if uow.ledger.first_delivery(consumer, event.id, utcnow()):
                    effect(uow, event)
                    outcomes[index] = Outcome.PROCESSED
                else:
                    outcomes[index] = Outcome.DUPLICATE
            uow.commit()
    except Exception as error:
        if is_outage(error):
            raise
        log.warning("%s: a batch of %d failed (%s); consuming them one by one", consumer, len(events), error)
        return [consume(uow, consumer, event, effect) for event in events]
    return [outcomes[index] for index in range(len(events))]


def _failed(uow: UnitOfWork, consumer: str, event: Event, error: Exception) -> Outcome:
    # The effect's transaction has rolled back; the count commits in a transaction of its own.
    reason = f"{type(error).__name__}: {error}"[:2000]
    countable = True
    try:
        with uow:
            failures = uow.ledger.count_failure(consumer, event.id, reason, utcnow())
            uow.commit()
    except Exception as count_error:
        if is_outage(count_error):
            raise
        # The event cannot even be counted (an id too long for the ledger, say): retrying cannot help.
        log.exception("%s could not count a failure of event %s", consumer, event.id)
        failures, countable = 1, False
    if countable and failures < FAILURES_MAX:
        log.warning(
            "%s failed on event %s (%d of %d before it is dead-lettered): %s",
            consumer,
            event.id,
            failures,
            FAILURES_MAX,
            reason,
            exc_info=error,
        )
        return Outcome.FAILED
    return dead_letter(
        uow,
        consumer,
        event.id[:EVENT_ID_MAX],
        f"failed {failures} times; the last time with {reason}",
        event.to_json(),
        processed=countable,
    )


def dead_letter(
    uow: UnitOfWork,
    consumer: str,
    event_id: str | None,
    reason: str,
    payload: str,
    *,
    processed: bool = False,
) -> Outcome:
    """Parks a delivery the consumer cannot understand or process, so it never blocks the partition behind it.

    `processed` also enters the event in the ledger, so a later redelivery is a duplicate, not a
    new round of failures.
    """
    log.warning("dead letter for %s (event %s): %s", consumer, event_id, reason)
    with uow:
        now = utcnow()
        uow.ledger.dead_letter(consumer, event_id, reason, payload[:100_000], now)
        if processed and event_id is not None:
            uow.ledger.first_delivery(consumer, event_id, now)
        uow.commit()
    return Outcome.DEAD_LETTER
