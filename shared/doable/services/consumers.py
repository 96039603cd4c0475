"""Exactly-once effects over at-least-once delivery: ledger entry and effect commit together or not at all."""

from __future__ import annotations

import logging
from collections.abc import Callable
from enum import StrEnum

from doable.adapters.unit_of_work import UnitOfWork
from doable.domain.events import Event
from doable.domain.model import utcnow

log = logging.getLogger(__name__)

Effect = Callable[[UnitOfWork, Event], None]


class Outcome(StrEnum):
    PROCESSED = "processed"
    DUPLICATE = "duplicate"
    IGNORED = "ignored"
    DEAD_LETTER = "dead_letter"


def consume(uow: UnitOfWork, consumer: str, event: Event, effect: Effect) -> Outcome:
    """Runs `effect` once per (consumer, event id); a redelivery finds the ledger entry and does nothing."""
    with uow:
        if not uow.ledger.first_delivery(consumer, event.id, utcnow()):
            return Outcome.DUPLICATE
        effect(uow, event)
        uow.commit()
    return Outcome.PROCESSED


def dead_letter(uow: UnitOfWork, consumer: str, event_id: str | None, reason: str, payload: str) -> Outcome:
    """Parks a delivery the consumer cannot understand, so it never blocks the partition behind it."""
    log.warning("dead letter for %s (event %s): %s", consumer, event_id, reason)
    with uow:
        uow.ledger.dead_letter(consumer, event_id, reason, payload[:100_000], utcnow())
        uow.commit()
    return Outcome.DEAD_LETTER
