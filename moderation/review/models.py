"""Tables of the moderators' workbench: claims, readers and their reports, bulk operations.

What moderators decided about authors is kept with the comments (comments/models.py): scoring
reads it too."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, Text, false
from sqlalchemy import UniqueConstraint as Unique
from sqlalchemy.orm import Mapped, mapped_column

from moderation.comments.models import Comment
from moderation.db.base import Base, Id, utcnow
from moderation.sites.models import DEFAULT_SITE


class ReviewClaim(Base):
    """A moderator's lease on one comment: others cannot decide it until it expires."""

    __tablename__ = "review_claims"

    comment_id: Mapped[int] = mapped_column(Id, ForeignKey(Comment.id), primary_key=True)
    moderator: Mapped[str] = mapped_column(String(200))
    claimed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(index=True)


class Reader(Base):
    """A verified reader who reports comments, and how much their reports count.

    Only verified readers have a row: an anonymous report weighs `review.anonymous_report_weight`
    and earns nothing."""

    __tablename__ = "readers"

    # A reader's weight is earned on one site.
    site_id: Mapped[str] = mapped_column(String(64), primary_key=True, default=DEFAULT_SITE)
    reader_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    weight: Mapped[float] = mapped_column(Float, default=1.0)
    upheld: Mapped[int] = mapped_column(Integer, default=0)
    dismissed: Mapped[int] = mapped_column(Integer, default=0)


class ReaderReport(Base):
    """One reader's report of one comment; `outcome` is set when a moderator decides it."""

    __tablename__ = "reader_reports"
    __table_args__ = (Unique("comment_id", "reader_id", name="uq_reader_reports_comment_reader"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    comment_id: Mapped[int] = mapped_column(Id, ForeignKey(Comment.id))
    reader_id: Mapped[str] = mapped_column(String(200), index=True)
    reason: Mapped[str] = mapped_column(String(50))
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    weight: Mapped[float] = mapped_column(Float)
    # The site vouched for the reader (a commenter token); else `reader_id` is "anon:" and a keyed
    # hash of the client's address (review/reports.py), and the report can never hide a comment.
    verified: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # "upheld" or "dismissed", with the comment version of the decision (so undo can revert it).
    outcome: Mapped[str | None] = mapped_column(String(20), nullable=True)
    decided_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class BulkOperation(Base):
    """A bulk approve or reject: what was asked, how far the job got, and what changed."""

    __tablename__ = "bulk_operations"
    __table_args__ = (Index("ix_bulk_operations_created", "created_at"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    moderator: Mapped[str] = mapped_column(String(200))
    # Their account id (accounts feature), recorded on the audit records the job writes.
    moderator_id: Mapped[int | None] = mapped_column(Id, nullable=True)
    action: Mapped[str] = mapped_column(String(20))
    reason_code: Mapped[str | None] = mapped_column(String(50), nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    selection: Mapped[dict[str, Any]] = mapped_column(JSON)
    dry_run: Mapped[bool] = mapped_column(Boolean, default=False)
    state: Mapped[str] = mapped_column(String(20), default="queued")
    total: Mapped[int] = mapped_column(Integer, default=0)
    processed: Mapped[int] = mapped_column(Integer, default=0)
    changed: Mapped[int] = mapped_column(Integer, default=0)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    request_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)
