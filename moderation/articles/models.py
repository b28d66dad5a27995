"""Per-article moderation settings: closed to comments, pre-moderated, rule overrides."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, String
from sqlalchemy.orm import Mapped, mapped_column

from moderation.db.base import Base, utcnow
from moderation.sites.models import DEFAULT_SITE


class ArticleSettings(Base):
    """An article's own settings; articles without a row use the site's defaults."""

    __tablename__ = "article_settings"

    site_id: Mapped[str] = mapped_column(String(64), primary_key=True, default=DEFAULT_SITE)
    article_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    closed: Mapped[bool] = mapped_column(Boolean, default=False)
    premoderate: Mapped[bool] = mapped_column(Boolean, default=False)
    # Values for [rules] settings that this article overrides, by setting name.
    rules: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_by: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # Surge protection (moderation/surge/): the article pre-moderates itself since `surge_since`,
    # until `surge_until` (moved on each time it passes a level again) unless pinned; why, as
    # the measurement that started it. Written only by surge/service.py; the trail is there.
    surge_since: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    surge_until: Mapped[dt.datetime | None] = mapped_column(nullable=True, index=True)
    surge_pinned: Mapped[bool] = mapped_column(Boolean, default=False)
    surge_reason: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    # A moderator ended the surge early: it does not start again by itself before this.
    surge_quiet_until: Mapped[dt.datetime | None] = mapped_column(nullable=True)
