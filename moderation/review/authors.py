"""Comment authors: ban, unban, trust, require pre-moderation; each with a reason, audited.

The standing these actions set is read, as plain values for the scoring rules, by
comments/authors.py.
"""

from __future__ import annotations

import dataclasses
import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from moderation.comments.authors import status_counts
from moderation.comments.models import Author, AuthorAction, Comment
from moderation.db.base import utcnow
from moderation.errors import ClaimedError, ConflictError
from moderation.events.models import OutboxEvent
from moderation.review.decisions import human_decision

AUTHOR_STATUSES = ("normal", "banned", "trusted", "premoderated")
# What a ban rejects when asked to clean up: everything not already rejected.
BAN_REJECTS = ("pending", "held", "approved", "reported")


@dataclasses.dataclass(frozen=True)
class AuthorHistory:
    site_id: str
    author_id: str
    status: str
    reason: str | None
    counts: dict[str, int]
    recent: list[Comment]
    actions: list[AuthorAction]


@dataclasses.dataclass(frozen=True)
class AuthorChange:
    site_id: str
    author_id: str
    status: str
    rejected_ids: list[int]
    skipped_ids: list[int]


def author_history(
    session: Session, site_id: str, author_id: str, recent: int = 10
) -> AuthorHistory:
    """Counts by outcome, the latest comments and the latest standing changes of an author."""
    author = session.get(Author, (site_id, author_id))
    comments = list(
        session.scalars(
            select(Comment)
            .where(Comment.site_id == site_id, Comment.author_id == author_id)
            .order_by(Comment.id.desc())
            .limit(recent)
        )
    )
    actions = list(
        session.scalars(
            select(AuthorAction)
            .where(AuthorAction.site_id == site_id, AuthorAction.author_id == author_id)
            .order_by(AuthorAction.id.desc())
            .limit(recent)
        )
    )
    return AuthorHistory(
        site_id=site_id,
        author_id=author_id,
        status=author.status if author is not None else "normal",
        reason=author.reason if author is not None else None,
        counts=status_counts(session, site_id, author_id),
        recent=comments,
        actions=actions,
    )


class AuthorService:
    """Changes of an author's standing, and the comments a ban rejects."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def history(self, site_id: str, author_id: str) -> AuthorHistory:
        with self.sessions() as session:
            return author_history(session, site_id, author_id)

    def set_status(
        self,
        site_id: str,
        author_id: str,
        status: str,
        reason: str,
        moderator: str,
        *,
        reject_existing: bool = False,
        reason_code: str = "other",
        request_id: str | None = None,
        moderator_id: int | None = None,
    ) -> AuthorChange:
        """Give the author `status`; a ban may also reject their pending and published comments."""
        rejected: list[int] = []
        skipped: list[int] = []
        with self.sessions.begin() as session:
            author = session.get(Author, (site_id, author_id), with_for_update=True)
            if author is None:
                author = Author(site_id=site_id, author_id=author_id, status="normal")
                session.add(author)
            previous = author.status
            if previous == status and not reject_existing:
                raise ConflictError(f"author {author_id} is already {status}")
            author.status = status
            author.reason = reason
            author.updated_by = moderator
            author.updated_at = utcnow()
            if status == "banned" and reject_existing:
                comments = session.scalars(
                    select(Comment)
                    .where(
                        Comment.site_id == site_id,
                        Comment.author_id == author_id,
                        Comment.status.in_(BAN_REJECTS),
                    )
                    .order_by(Comment.id)
                )
                for comment in list(comments):
                    try:
                        with session.begin_nested():
                            human_decision(
                                session,
                                comment,
                                "rejected",
                                comment.version,
                                moderator=moderator,
                                moderator_id=moderator_id,
                                reason_code=reason_code,
                                reason=f"author banned: {reason}",
                                request_id=request_id,
                            )
                        rejected.append(comment.id)
                    except (ConflictError, ClaimedError):  # decided or claimed meanwhile
                        skipped.append(comment.id)
            session.add(
                AuthorAction(
                    site_id=site_id,
                    author_id=author_id,
                    from_status=previous,
                    to_status=status,
                    reason=reason,
                    actor=moderator,
                    actor_id=moderator_id,
                    comments_rejected=len(rejected),
                    request_id=request_id,
                )
            )
            if status == "banned":
                _author_event(session, "author.banned", author, len(rejected))
        return AuthorChange(site_id, author_id, status, rejected, skipped)


def _author_event(session: Session, event_type: str, author: Author, rejected: int) -> None:
    """An outbox event about an author (no comment), in the outbox's usual envelope."""
    event_id = "evt_" + uuid.uuid4().hex
    data = {
        "author": {"id": author.author_id, "status": author.status, "reason": author.reason},
        "site_id": author.site_id,
        "comments_rejected": rejected,
    }
    session.add(
        OutboxEvent(
            event_id=event_id,
            type=event_type,
            comment_id=None,
            payload={
                "id": event_id,
                "type": event_type,
                "timestamp": utcnow().isoformat(),
                "data": data,
            },
        )
    )
