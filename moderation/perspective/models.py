"""Labelled feedback from the Perspective-compatible API: material for calibrating thresholds."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Float, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from moderation.db.base import Base, Id, utcnow
from moderation.sites.models import DEFAULT_SITE


class ScoreFeedback(Base):
    """One attribute's score for one text: suggested by a client, or (if enabled) analyzed."""

    __tablename__ = "score_feedback"
    __table_args__ = (Index("ix_score_feedback_created", "created_at", "id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    # "suggestscore" (a client's suggested label) or "analyze" (our model's score, kept only
    # when perspective.store_analyzed_text is on and the call allowed storing).
    site_id: Mapped[str] = mapped_column(String(64), default=DEFAULT_SITE)
    source: Mapped[str] = mapped_column(String(20))
    api_key_name: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    attribute: Mapped[str] = mapped_column(String(64))
    score: Mapped[float] = mapped_column(Float)
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    community_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    session_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    client_token: Mapped[str | None] = mapped_column(String(200), nullable=True)
    spans: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
