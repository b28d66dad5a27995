"""The core tables: comments, their audit records, and what moderators decided about authors."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from moderation.db.base import Base, Id, utcnow
from moderation.sites.models import DEFAULT_SITE


def priority_key(severity: float, created_at: dt.datetime) -> float:
    """The review queue's sort key: severity plus one point per day waited.

    Stored rather than computed per query: `severity + age_days` orders the same as
    `severity - posted_day_number`, which does not change as time passes.
    """
    if created_at.tzinfo is None:  # SQLite hands back naive UTC
        created_at = created_at.replace(tzinfo=dt.UTC)
    return severity - created_at.timestamp() / 86400.0


def _default_priority(context: Any) -> float:
    params = context.get_current_parameters()
    return priority_key(params.get("severity") or 0.0, params.get("created_at") or utcnow())


class Comment(Base):
    """A reader's comment under an article, and where it stands in moderation."""

    __tablename__ = "comments"
    __table_args__ = (
        Index(
            "ix_comments_site_article_status_created",
            "site_id",
            "article_id",
            "status",
            "created_at",
            "id",
        ),
        Index("ix_comments_status_created", "status", "created_at", "id"),
        Index("ix_comments_root", "root_id"),
        Index("ix_comments_status_priority", "status", "priority", "id"),
        UniqueConstraint("idempotency_key", name="uq_comments_idempotency_key"),
        Index("ix_comments_site_external_id", "site_id", "external_id", unique=True),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    # The site the article belongs to (sites/); an article id is unique within its site.
    site_id: Mapped[str] = mapped_column(String(64), default=DEFAULT_SITE)
    article_id: Mapped[str] = mapped_column(String(200))
    author_id: Mapped[str] = mapped_column(String(200), index=True)
    author_name: Mapped[str] = mapped_column(String(200))
    # The author came with a session from a commenter token the site signed (sites/commenters.py),
    # so the id is the site's own; false: the id is whatever the request said.
    author_verified: Mapped[bool] = mapped_column(Boolean, default=False)
    text: Mapped[str] = mapped_column(Text)
    parent_id: Mapped[int | None] = mapped_column(Id, ForeignKey("comments.id"), nullable=True)
    # The top of the thread this comment belongs to (itself for a top-level comment), so a page
    # of threads loads with one query.
    root_id: Mapped[int | None] = mapped_column(Id, nullable=True)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    version: Mapped[int] = mapped_column(Integer, default=1)
    public_reason: Mapped[str | None] = mapped_column(String(50), nullable=True)
    verdict: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(300), nullable=True)
    request_fingerprint: Mapped[str | None] = mapped_column(String(64), nullable=True)
    request_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    # A scoring worker's reservation: set when a worker claims the comment for a batch.
    claimed_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    claimed_until: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    decided_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    # The review queue (comments/priority.py): how severe the reasons are, the sort key, the ids
    # of the rules that matched (",id,id," so a filter is one LIKE), reader reports.
    severity: Mapped[float] = mapped_column(Float, default=0.0)
    priority: Mapped[float] = mapped_column(Float, default=_default_priority)
    rule_ids: Mapped[str] = mapped_column(String(500), default="")
    report_weight: Mapped[float] = mapped_column(Float, default=0.0)
    # Reported past the hide threshold: kept out of the public list until a moderator decides.
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    # SHA-256 of the edit token an anonymous author was given once, when posting
    # (comments/edits.py): an anonymous author id proves nothing, the token does.
    edit_token_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # The stable id an imported comment came with (transfer/); None for comments posted here.
    external_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    # When its author last edited it (comments/edits.py); readers see it, as "edited".
    edited_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    # The text's revision: 1 as posted, one more per edit by its author. It is what the author
    # sees as `version` and sends back to edit: unlike `version`, reports and moderators'
    # decisions leave it alone, so the public status says nothing of them.
    text_revision: Mapped[int] = mapped_column(Integer, default=1, server_default="1")


class AuditRecord(Base):
    """One change of a comment's state: who (system or person), from, to, why."""

    __tablename__ = "audit_records"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    comment_id: Mapped[int] = mapped_column(Id, ForeignKey("comments.id"), index=True)
    actor_type: Mapped[str] = mapped_column(String(20))  # "system" or "moderator"
    actor: Mapped[str] = mapped_column(String(200))
    # The person's account id (accounts feature) when a person with an account acted: their
    # history stays theirs whatever they are called. None for the system, authors and the
    # environment's tokens. No foreign key: the core does not depend on the accounts tables.
    actor_id: Mapped[int | None] = mapped_column(Id, nullable=True, index=True)
    from_status: Mapped[str | None] = mapped_column(String(20), nullable=True)
    to_status: Mapped[str] = mapped_column(String(20))
    reason_code: Mapped[str | None] = mapped_column(String(50), nullable=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    request_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)


class CommentVersion(Base):
    """The text a comment had before its author edited it, and where it stood then.

    Personal data: it holds what the author wrote, as `comments.text` does.
    """

    __tablename__ = "comment_versions"
    __table_args__ = (
        UniqueConstraint("comment_id", "revision", name="uq_comment_versions_revision"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    comment_id: Mapped[int] = mapped_column(Id, ForeignKey("comments.id"))
    # 1 for the text as first posted, 2 after the first edit, ...
    revision: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    # The state the text had when it was replaced: a published text, a held one, ...
    status: Mapped[str] = mapped_column(String(20))
    public_reason: Mapped[str | None] = mapped_column(String(50), nullable=True)
    verdict: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    # The comment's `version` just before the edit (the audit record's of that state).
    comment_version: Mapped[int] = mapped_column(Integer)
    written_at: Mapped[dt.datetime] = mapped_column()
    replaced_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    request_id: Mapped[str | None] = mapped_column(String(100), nullable=True)


class Author(Base):
    """What moderators decided about a comment author: normal, banned, trusted, premoderated."""

    __tablename__ = "authors"

    # A standing is per site: a ban on one site says nothing of the same id on another.
    site_id: Mapped[str] = mapped_column(String(64), primary_key=True, default=DEFAULT_SITE)
    author_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    status: Mapped[str] = mapped_column(String(20), default="normal")
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    updated_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class AuthorAction(Base):
    """One change of an author's standing, for the audit trail."""

    __tablename__ = "author_actions"
    __table_args__ = (Index("ix_author_actions_site_author", "site_id", "author_id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    site_id: Mapped[str] = mapped_column(String(64), default=DEFAULT_SITE)
    author_id: Mapped[str] = mapped_column(String(200), index=True)
    from_status: Mapped[str] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(200))
    actor_id: Mapped[int | None] = mapped_column(Id, nullable=True)  # as AuditRecord.actor_id
    comments_rejected: Mapped[int] = mapped_column(Integer, default=0)
    request_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
