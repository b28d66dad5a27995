"""Comment authors: ban, unban, trust, require pre-moderation; each with a reason, audited.

`author_state(session, author_id)` (or `author_states` for a batch) gives the scoring side what it
needs about an author as plain values (banned, trusted, premoderated, approved_count,
rejected_count), for the rules to use.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from moderation.services.decisions import human_decision
from moderation.services.errors import ClaimedError, ConflictError
from moderation.store.models import Comment, OutboxEvent, utcnow
from moderation.store.workbench import Author, AuthorAction

AUTHOR_STATUSES = ("normal", "banned", "trusted", "premoderated")
# What a ban rejects when asked to clean up: everything not already rejected.
BAN_REJECTS = ("pending", "held", "approved", "reported")


@dataclasses.dataclass(frozen=True)
class AuthorHistory:
    author_id: str
    status: str
    reason: str | None
    counts: dict[str, int]
    recent: list[Comment]
    actions: list[AuthorAction]


@dataclasses.dataclass(frozen=True)
class AuthorChange:
    author_id: str
    status: str
    rejected_ids: list[int]
    skipped_ids: list[int]


def author_state(session: Session, author_id: str) -> dict[str, Any]:
    """An author's standing and track record as plain values, for the scoring rules."""
    author = session.get(Author, author_id)
    return _state(author.status if author is not None else "normal", _counts(session, author_id))


def author_states(session: Session, author_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """`author_state` for a scoring batch's authors, in two queries."""
    wanted = sorted(set(author_ids))
    if not wanted:
        return {}
    standing = {
        row.author_id: row.status
        for row in session.scalars(select(Author).where(Author.author_id.in_(wanted)))
    }
    counts: dict[str, dict[str, int]] = {author: {} for author in wanted}
    rows = session.execute(
        select(Comment.author_id, Comment.status, func.count())
        .where(Comment.author_id.in_(wanted))
        .group_by(Comment.author_id, Comment.status)
    )
    for author, status, count in rows:
        counts[str(author)][str(status)] = int(count)
    return {author: _state(standing.get(author, "normal"), counts[author]) for author in wanted}


def _state(status: str, counts: dict[str, int]) -> dict[str, Any]:
    return {
        "banned": status == "banned",
        "trusted": status == "trusted",
        "premoderated": status == "premoderated",
        "approved_count": counts.get("approved", 0),
        "rejected_count": counts.get("rejected", 0),
    }


def _counts(session: Session, author_id: str) -> dict[str, int]:
    rows = session.execute(
        select(Comment.status, func.count())
        .where(Comment.author_id == author_id)
        .group_by(Comment.status)
    )
    return {str(status): int(count) for status, count in rows}


def author_history(session: Session, author_id: str, recent: int = 10) -> AuthorHistory:
    """Counts by outcome, the latest comments and the latest standing changes of an author."""
    author = session.get(Author, author_id)
    comments = list(
        session.scalars(
            select(Comment)
            .where(Comment.author_id == author_id)
            .order_by(Comment.id.desc())
            .limit(recent)
        )
    )
    actions = list(
        session.scalars(
            select(AuthorAction)
            .where(AuthorAction.author_id == author_id)
            .order_by(AuthorAction.id.desc())
            .limit(recent)
        )
    )
    return AuthorHistory(
        author_id=author_id,
        status=author.status if author is not None else "normal",
        reason=author.reason if author is not None else None,
        counts=_counts(session, author_id),
        recent=comments,
        actions=actions,
    )


class AuthorService:
    """Changes of an author's standing, and the comments a ban rejects."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def history(self, author_id: str) -> AuthorHistory:
        with self.sessions() as session:
            return author_history(session, author_id)

    def set_status(
        self,
        author_id: str,
        status: str,
        reason: str,
        moderator: str,
        *,
        reject_existing: bool = False,
        reason_code: str = "other",
        request_id: str | None = None,
    ) -> AuthorChange:
        """Give the author `status`; a ban may also reject their pending and published comments."""
        rejected: list[int] = []
        skipped: list[int] = []
        with self.sessions.begin() as session:
            author = session.get(Author, author_id, with_for_update=True)
            if author is None:
                author = Author(author_id=author_id, status="normal")
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
                    .where(Comment.author_id == author_id, Comment.status.in_(BAN_REJECTS))
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
                                reason_code=reason_code,
                                reason=f"author banned: {reason}",
                                request_id=request_id,
                            )
                        rejected.append(comment.id)
                    except (ConflictError, ClaimedError):  # decided or claimed meanwhile
                        skipped.append(comment.id)
            session.add(
                AuthorAction(
                    author_id=author_id,
                    from_status=previous,
                    to_status=status,
                    reason=reason,
                    actor=moderator,
                    comments_rejected=len(rejected),
                    request_id=request_id,
                )
            )
            if status == "banned":
                _author_event(session, "author.banned", author, len(rejected))
        return AuthorChange(author_id, status, rejected, skipped)


def _author_event(session: Session, event_type: str, author: Author, rejected: int) -> None:
    """An outbox event about an author (no comment), in the outbox's usual envelope."""
    event_id = "evt_" + uuid.uuid4().hex
    data = {
        "author": {"id": author.author_id, "status": author.status, "reason": author.reason},
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
