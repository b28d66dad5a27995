"""Tables: what a shadow policy would have decided, and the comments sampled for a spot check."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from moderation.db.base import Base, Id, utcnow


class ShadowVerdict(Base):
    """A candidate policy's decision on a comment the live policy decided; never acted on."""

    __tablename__ = "shadow_verdicts"
    __table_args__ = (Index("ix_shadow_verdicts_policy", "site_id", "policy_version", "id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    comment_id: Mapped[int] = mapped_column(Id, ForeignKey("comments.id"), index=True)
    site_id: Mapped[str] = mapped_column(String(64))
    policy_version: Mapped[int] = mapped_column(Integer)
    # The live policy's version and decision on the same comment, in the same batch.
    live_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    decision: Mapped[str] = mapped_column(String(10))
    live_decision: Mapped[str] = mapped_column(String(10))
    # {"reasons": [...], "scores": {...}, "model": ...}: as the comment's own verdict.
    verdict: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class SpotCheck(Base):
    """A published comment sampled for a person to look at; it stays published meanwhile."""

    __tablename__ = "spot_checks"
    __table_args__ = (Index("ix_spot_checks_open", "site_id", "outcome"),)

    comment_id: Mapped[int] = mapped_column(Id, ForeignKey("comments.id"), primary_key=True)
    site_id: Mapped[str] = mapped_column(String(64))
    sampled_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # None: waiting; "kept" (the moderator left it published) or "rejected".
    outcome: Mapped[str | None] = mapped_column(String(10), nullable=True)
    decided_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    decided_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)
