"""What the webhook tables hold about a comment author, and how an erasure removes it
(moderation/db/personal.py says what a declaration is).

A delivery's body is its outbox event's payload (events/personal_data.py); what the delivery
tables add is the receivers' answers, which may echo the body back.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select, update
from sqlalchemy.orm import Session

from moderation.db.personal import Declaration, NoAuthorData, PersonalTable, Subject, execute
from moderation.events.models import OutboxEvent
from moderation.events.personal_data import about_subject
from moderation.webhooks.models import WebhookAttempt, WebhookDelivery


def _their_events(subject: Subject) -> Select[int]:
    return select(OutboxEvent.id).where(about_subject(subject))


def _deliveries(subject: Subject) -> Select[Any]:
    return (
        select(WebhookDelivery)
        .where(WebhookDelivery.outbox_event_id.in_(_their_events(subject)))
        .order_by(WebhookDelivery.id)
    )


def _erase_deliveries(session: Session, subject: Subject) -> int:
    """Nothing of the subject in the row itself (the body is the event's): counted, kept."""
    return len(list(session.scalars(_deliveries(subject).with_only_columns(WebhookDelivery.id))))


def _their_deliveries(subject: Subject) -> Select[int]:
    return select(WebhookDelivery.id).where(
        WebhookDelivery.outbox_event_id.in_(_their_events(subject))
    )


def _attempts(subject: Subject) -> Select[Any]:
    return (
        select(WebhookAttempt)
        .where(WebhookAttempt.delivery_id.in_(_their_deliveries(subject)))
        .order_by(WebhookAttempt.id)
    )


def _erase_attempts(session: Session, subject: Subject) -> int:
    return execute(
        session,
        update(WebhookAttempt)
        .where(WebhookAttempt.delivery_id.in_(_their_deliveries(subject)))
        .values(response_body=None),
    )


PERSONAL_DATA: tuple[Declaration, ...] = (
    PersonalTable(
        "webhook_deliveries",
        "each delivery of an event about them to a receiver",
        _deliveries,
        _erase_deliveries,
    ),
    PersonalTable(
        "webhook_attempts",
        "each attempt of those deliveries, with the receiver's answer",
        _attempts,
        _erase_attempts,
    ),
    NoAuthorData(
        "webhook_endpoints", "receivers an admin configured: URL, description, sealed secrets"
    ),
    NoAuthorData("cdn_purges", "surrogate keys (digests of site and article) and the CDN's errors"),
)
