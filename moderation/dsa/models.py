"""Tables: notices of illegal content, authors' appeals, and the history of both."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from moderation.db.base import Base, Id, utcnow
from moderation.dsa.vocabulary import AWAITING_REVIEW


class DsaNotice(Base):
    """One notice that one comment is illegal (art. 16). Notices sent together share a
    `submission_id` and one reporter secret; each has its own reference."""

    __tablename__ = "dsa_notices"
    __table_args__ = (
        Index("ix_dsa_notices_site_status_created", "site_id", "status", "created_at"),
        Index("ix_dsa_notices_submission", "submission_id"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    submission_id: Mapped[str] = mapped_column(String(32))
    site_id: Mapped[str] = mapped_column(String(64))
    comment_id: Mapped[int] = mapped_column(Id, ForeignKey("comments.id"), index=True)
    # The comment's text when the notice came: the evidence, whatever happens to it later.
    comment_text: Mapped[str] = mapped_column(Text)
    law_broken: Mapped[str] = mapped_column(String(500))
    explanation: Mapped[str] = mapped_column(Text)
    good_faith: Mapped[bool] = mapped_column(Boolean)
    # Personal data: the reporter's name and address (art. 16(2)(c)), and a verified
    # commenter's id when the notice came with a commenter session.
    reporter_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    reporter_email: Mapped[str | None] = mapped_column(String(320), nullable=True)
    reporter_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    # SHA-256 of the reporter's secret (shown once), which reads the notice's status.
    secret_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(20), default=AWAITING_REVIEW)
    legality: Mapped[str | None] = mapped_column(String(10), nullable=True)
    legal_grounds: Mapped[str | None] = mapped_column(Text, nullable=True)
    decision_explanation: Mapped[str | None] = mapped_column(Text, nullable=True)
    decided_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    decided_by_id: Mapped[int | None] = mapped_column(Id, nullable=True)
    decided_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    # The audit record of the removal this notice's ILLEGAL decision made (None: none made).
    restriction_audit_id: Mapped[int | None] = mapped_column(Id, nullable=True)
    request_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class DsaAppeal(Base):
    """An author's complaint against one restriction of their comment (art. 20): once per
    decision (the audit record that restricted the comment)."""

    __tablename__ = "dsa_appeals"
    __table_args__ = (
        UniqueConstraint("audit_record_id", name="uq_dsa_appeals_decision"),
        Index("ix_dsa_appeals_site_status_created", "site_id", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    site_id: Mapped[str] = mapped_column(String(64))
    comment_id: Mapped[int] = mapped_column(Id, ForeignKey("comments.id"), index=True)
    audit_record_id: Mapped[int] = mapped_column(Id)
    # What was appealed: the restriction (held or rejected) and who decided it.
    restriction: Mapped[str] = mapped_column(String(20))
    original_actor_type: Mapped[str] = mapped_column(String(20))
    original_actor: Mapped[str] = mapped_column(String(200))
    original_actor_id: Mapped[int | None] = mapped_column(Id, nullable=True)
    # Personal data: the appealing author's id and what they wrote.
    author_id: Mapped[str] = mapped_column(String(200))
    explanation: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default=AWAITING_REVIEW)
    outcome: Mapped[str | None] = mapped_column(String(10), nullable=True)
    decision_explanation: Mapped[str | None] = mapped_column(Text, nullable=True)
    decided_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    decided_by_id: Mapped[int | None] = mapped_column(Id, nullable=True)
    decided_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    request_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class DsaHistory(Base):
    """One step in a notice's or an appeal's life: received, status changed, note, decided."""

    __tablename__ = "dsa_history"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    notice_id: Mapped[int | None] = mapped_column(
        Id, ForeignKey("dsa_notices.id"), nullable=True, index=True
    )
    appeal_id: Mapped[int | None] = mapped_column(
        Id, ForeignKey("dsa_appeals.id"), nullable=True, index=True
    )
    # RECEIVED, STATUS_CHANGED, NOTE, DECISION_MADE (Coral's DSAReportHistoryType, plus RECEIVED).
    type: Mapped[str] = mapped_column(String(20))
    status: Mapped[str | None] = mapped_column(String(20), nullable=True)
    decision: Mapped[str | None] = mapped_column(String(20), nullable=True)
    # A moderator's note: internal, never shown to the reporter or the author.
    body: Mapped[str | None] = mapped_column(Text, nullable=True)
    actor_type: Mapped[str] = mapped_column(String(20))  # reporter, author, moderator
    actor: Mapped[str | None] = mapped_column(String(200), nullable=True)
    actor_id: Mapped[int | None] = mapped_column(Id, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
