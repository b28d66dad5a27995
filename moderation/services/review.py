"""Moderators' side: the review queue, a comment's full detail, and human decisions."""

from __future__ import annotations

import dataclasses

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from moderation.services.comments import Page, decode_cursor, encode_cursor
from moderation.services.errors import ConflictError, InvalidRequestError, NotFoundError
from moderation.services.transitions import transition
from moderation.store.models import AuditRecord, Comment

# Why a moderator approved or rejected; the author sees the code of a rejection.
REASON_CODES = ("abusive", "spam", "off_topic", "personal_data", "illegal", "other")
ACTIONS = {"approve": "approved", "reject": "rejected"}


@dataclasses.dataclass(frozen=True)
class Detail:
    comment: Comment
    audit: list[AuditRecord]


@dataclasses.dataclass(frozen=True)
class Decision:
    comment_id: int
    action: str
    version: int
    moderator: str
    reason_code: str | None = None
    note: str | None = None
    request_id: str | None = None


class ReviewService:
    """The held-comment queue and the decisions moderators take on it."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def queue(self, article_id: str | None, cursor: str | None, limit: int) -> tuple[Page, int]:
        """Held comments, oldest first, and how many are held in all (for this filter)."""
        after = decode_cursor(cursor)
        filters = [Comment.status == "held"]
        if article_id:
            filters.append(Comment.article_id == article_id)
        with self.sessions() as session:
            rows = list(
                session.scalars(
                    select(Comment)
                    .where(*filters, Comment.id > after)
                    .order_by(Comment.id)
                    .limit(limit + 1)
                )
            )
            total = session.scalar(select(func.count()).select_from(Comment).where(*filters))
        more = len(rows) > limit
        rows = rows[:limit]
        return Page(rows, encode_cursor(rows[-1].id) if more and rows else None), int(total or 0)

    def detail(self, comment_id: int) -> Detail:
        with self.sessions() as session:
            comment = session.get(Comment, comment_id)
            if comment is None:
                raise NotFoundError(f"no comment with id {comment_id}")
            audit = list(
                session.scalars(
                    select(AuditRecord)
                    .where(AuditRecord.comment_id == comment_id)
                    .order_by(AuditRecord.id)
                )
            )
        return Detail(comment, audit)

    def decide(self, decision: Decision) -> Comment:
        """Approve or reject a comment at the version the moderator saw; 409 if it moved on."""
        if decision.action not in ACTIONS:
            raise InvalidRequestError(f"action must be one of {', '.join(ACTIONS)}", field="action")
        if decision.action == "reject" and decision.reason_code is None:
            raise InvalidRequestError("a rejection needs a reason_code", field="reason_code")
        to_status = ACTIONS[decision.action]
        with self.sessions.begin() as session:
            comment = session.get(Comment, decision.comment_id)
            if comment is None:
                raise NotFoundError(f"no comment with id {decision.comment_id}")
            if comment.version != decision.version:
                raise ConflictError(
                    f"comment {comment.id} is at version {comment.version} ({comment.status}), "
                    f"not {decision.version}: reload it and decide again",
                    current_version=comment.version,
                )
            if comment.status == to_status:
                raise ConflictError(
                    f"comment {comment.id} is already {to_status}", current_version=comment.version
                )
            return transition(
                session,
                comment,
                to_status,
                decision.version,
                actor_type="moderator",
                actor=decision.moderator,
                reason_code=decision.reason_code,
                reason=f"moderator {decision.action}",
                note=decision.note,
                request_id=decision.request_id,
            )
