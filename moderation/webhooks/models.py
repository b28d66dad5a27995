"""Webhook tables: endpoints, the deliveries owed to them, and each HTTP attempt."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from moderation.db.base import Base, Id, utcnow
from moderation.events.models import OutboxEvent


class WebhookEndpoint(Base):
    """A receiver of signed events: its URL, what it wants, its secrets and its health."""

    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    url: Mapped[str] = mapped_column(String(2000))
    # The site whose events it receives; None: every site's (only an admin of all sites).
    site_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    description: Mapped[str] = mapped_column(String(500), default="")
    event_types: Mapped[list[str]] = mapped_column(JSON)
    # None: every article; else only events about comments under these articles.
    article_ids: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    # Fernet tokens (moderation/secrets.py), never the secret itself: HMAC signing needs the secret,
    # so it cannot be hashed; it is encrypted with a key that is not in the database.
    secret: Mapped[str] = mapped_column(String(500))
    previous_secret: Mapped[str | None] = mapped_column(String(500), nullable=True)
    previous_secret_expires_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    dead_letter_streak: Mapped[int] = mapped_column(Integer, default=0)
    disabled_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    disabled_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    # The delivery job that may send to this endpoint now; one at a time keeps event order.
    lease_owner: Mapped[str | None] = mapped_column(String(200), nullable=True)
    lease_until: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    last_success_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    last_failure_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class WebhookDelivery(Base):
    """One outbox event owed to one endpoint: pending, delivered or dead (dead-lettered)."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint(
            "endpoint_id", "outbox_event_id", name="uq_webhook_deliveries_endpoint_event"
        ),
        Index("ix_webhook_deliveries_endpoint_status", "endpoint_id", "status", "outbox_event_id"),
        Index("ix_webhook_deliveries_status_next", "status", "next_attempt_at"),
        Index("ix_webhook_deliveries_event_id", "event_id"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    endpoint_id: Mapped[int] = mapped_column(Id, ForeignKey("webhook_endpoints.id"))
    outbox_event_id: Mapped[int] = mapped_column(Id, ForeignKey(OutboxEvent.id))
    event_id: Mapped[str] = mapped_column(String(40))
    event_type: Mapped[str] = mapped_column(String(50))
    status: Mapped[str] = mapped_column(String(20), default="pending")
    # Attempts in the current round; a redelivery starts a new round at 0.
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    round_started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    last_attempt_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    last_status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    delivered_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    dead_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class WebhookAttempt(Base):
    """One HTTP attempt of a delivery: when, the answer's status, how long, what went wrong."""

    __tablename__ = "webhook_attempts"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    delivery_id: Mapped[int] = mapped_column(Id, ForeignKey("webhook_deliveries.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    attempted_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    succeeded: Mapped[bool] = mapped_column(Boolean)
    status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    latency_ms: Mapped[int] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    response_body: Mapped[str | None] = mapped_column(Text, nullable=True)


class CdnPurge(Base):
    """A CDN purge by surrogate key (webhooks/purges.py): one row per key, due again after each
    change to the article's thread; `generation` counts the changes, so a purge sent before the
    latest change never marks that change purged."""

    __tablename__ = "cdn_purges"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    generation: Mapped[int] = mapped_column(Integer, default=1)
    due_at: Mapped[dt.datetime | None] = mapped_column(nullable=True, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    changed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    purged_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
