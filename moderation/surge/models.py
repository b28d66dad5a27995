"""The surge trail: every start, end, pin and unpin of an article's surge, by whom and why."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from moderation.db.base import Base, Id, utcnow


class SurgeAction(Base):
    """One change of an article's surge state (the article's row holds the current state)."""

    __tablename__ = "article_surge_actions"
    __table_args__ = (Index("ix_article_surge_actions_article", "site_id", "article_id", "id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    site_id: Mapped[str] = mapped_column(String(64))
    article_id: Mapped[str] = mapped_column(String(200))
    # started, ended, pinned, unpinned
    action: Mapped[str] = mapped_column(String(20))
    actor_type: Mapped[str] = mapped_column(String(20))  # "system" or "moderator"
    actor: Mapped[str] = mapped_column(String(200))
    actor_id: Mapped[int | None] = mapped_column(Id, nullable=True)
    # The measurement that started it, or why it ended ({"cause": "cooled_down"}).
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    request_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
