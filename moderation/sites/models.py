"""The `sites` table: one row per site, with what it overrides of the service's settings."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from moderation.db.base import Base, utcnow

# The id existing rows belong to (migration 0007) and the site of the paths without a site.
DEFAULT_SITE = "default"


class Site(Base):
    """A site: its allowed origins, who may post, and its overrides of the service's settings.

    `settings` holds only what differs from the service's settings, by section
    (`{"thresholds": {"toxicity": {"hold": 0.6}}, "rules": {"max_links": 0}, "review": {...}}`);
    `words` adds terms to the word lists (`{"banned": [...], "suspect": [...]}`); `commenters`
    says how signed commenter tokens are verified (sites/tokens.py).
    """

    __tablename__ = "sites"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    origins: Mapped[list[str]] = mapped_column(JSON, default=list)
    # "allow": anyone may post without a token; "premoderate": they may, and a person reads
    # each such comment first; "off": a valid commenter token is required.
    anonymous: Mapped[str] = mapped_column(String(20), default="allow")
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    words: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    commenters: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by: Mapped[str] = mapped_column(String(200))
