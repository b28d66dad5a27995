"""The outbox: events for other systems, one row per event."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from moderation.db.base import Base, Id, utcnow


class OutboxEvent(Base):
    """An event for other systems, written in the same transaction as the change it reports."""

    __tablename__ = "outbox_events"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(40), unique=True)
    type: Mapped[str] = mapped_column(String(50))
    comment_id: Mapped[int | None] = mapped_column(Id, nullable=True, index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    dispatched_at: Mapped[dt.datetime | None] = mapped_column(nullable=True, index=True)
