"""The record of privacy requests: who asked for an export, an erasure or a purge, when, and how
many rows of which table it touched; never the data itself, and never an author's id."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from moderation.db.base import Base, Id, utcnow


class PrivacyRequest(Base):
    """One export, erasure or retention purge, as the accountability record of it."""

    __tablename__ = "privacy_requests"
    __table_args__ = (
        Index("ix_privacy_requests_subject", "subject"),
        Index("ix_privacy_requests_created", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    # "export", "erasure" or "purge".
    kind: Mapped[str] = mapped_column(String(20))
    # None for a purge (every site).
    site_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # The author's pseudonym (privacy/pseudonyms.py), the same before and after an erasure, so an
    # author's exports and their erasure are linked without naming them. None for a purge.
    subject: Mapped[str | None] = mapped_column(String(64), nullable=True)
    actor: Mapped[str] = mapped_column(String(200))
    actor_id: Mapped[int | None] = mapped_column(Id, nullable=True)
    # Why, as the requester put it (a ticket number); refused when it names the subject.
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    # Rows per table: exported, erased, or purged.
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    request_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
