"""Moderators' side of one comment: its full detail, a decision at the version seen, undo."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from moderation.comments.models import AuditRecord, Comment, CommentVersion
from moderation.comments.transitions import add_event, transition
from moderation.db.base import utcnow
from moderation.errors import ConflictError, InvalidRequestError, NotFoundError
from moderation.policies.notes import policy_notes
from moderation.review.authors import AuthorHistory, author_history
from moderation.review.claims import aware, ensure_free_for, live_claims
from moderation.review.decisions import ACTIONS, UNDO_REASON_PREFIX, human_decision, undo_reason
from moderation.review.models import ReaderReport, ReviewClaim
from moderation.review.readers import ReportRules
from moderation.review.reports import revert_reports
from moderation.surge.service import SurgeService

# Why a moderator approved or rejected; the author sees the code of a rejection.
REASON_CODES = ("abusive", "spam", "off_topic", "personal_data", "illegal", "other")


@dataclasses.dataclass(frozen=True)
class Detail:
    comment: Comment
    audit: list[AuditRecord]
    claim: ReviewClaim | None
    reports: list[ReaderReport]
    author: AuthorHistory
    parent: Comment | None = None
    # The surge in force on the comment's article (surge/), or None.
    article_surge: dict[str, Any] | None = None
    # The texts it had before its author's edits, oldest first (comments/edits.py).
    versions: list[CommentVersion] = dataclasses.field(default_factory=list)
    # The shadow policies' verdicts on it and its spot check (policies/notes.py).
    policy: dict[str, Any] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True)
class Decision:
    comment_id: int
    action: str
    version: int
    moderator: str
    reason_code: str | None = None
    note: str | None = None
    request_id: str | None = None
    moderator_id: int | None = None  # their account id, when they have one


class ReviewService:
    """A comment's full detail, decisions on it, and undo."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        report_rules: Callable[[str], ReportRules],
        undo_seconds: int = 300,
        surges: SurgeService | None = None,
    ) -> None:
        self.sessions = sessions
        self.surges = surges
        # A site's rules for reports (`ReportService.rules`): an undo may hide a comment again.
        self.report_rules = report_rules
        self.undo_seconds = undo_seconds

    def site_of(self, comment_id: int) -> str:
        """The site of a comment (to check a moderator's role there first); 404 when none."""
        with self.sessions() as session:
            site = session.scalar(select(Comment.site_id).where(Comment.id == comment_id))
        if site is None:
            raise NotFoundError(f"no comment with id {comment_id}")
        return str(site)

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
            reports = list(
                session.scalars(
                    select(ReaderReport)
                    .where(ReaderReport.comment_id == comment_id)
                    .order_by(ReaderReport.id)
                )
            )
            claim = live_claims(session, [comment_id]).get(comment_id)
            author = author_history(session, comment.site_id, comment.author_id)
            parent = session.get(Comment, comment.parent_id) if comment.parent_id else None
            policy = policy_notes(session, comment_id)
            versions = list(
                session.scalars(
                    select(CommentVersion)
                    .where(CommentVersion.comment_id == comment_id)
                    .order_by(CommentVersion.revision)
                )
            )
        surge = None
        if self.surges is not None:
            pair = (comment.site_id, comment.article_id)
            surge = self.surges.active([pair]).get(pair)
        return Detail(comment, audit, claim, reports, author, parent, surge, versions, policy)

    def decide(self, decision: Decision) -> Comment:
        """Approve or reject a comment at the version the moderator saw; 409 if it moved on."""
        if decision.action not in ACTIONS:
            raise InvalidRequestError(f"action must be one of {', '.join(ACTIONS)}", "action")
        if decision.action == "reject" and decision.reason_code is None:
            raise InvalidRequestError("a rejection needs a reason_code", field="reason_code")
        with self.sessions.begin() as session:
            comment = self._at_version(session, decision.comment_id, decision.version)
            return human_decision(
                session,
                comment,
                ACTIONS[decision.action],
                decision.version,
                moderator=decision.moderator,
                moderator_id=decision.moderator_id,
                reason_code=decision.reason_code,
                reason=f"moderator {decision.action}",
                note=decision.note,
                request_id=decision.request_id,
            )

    def undo(
        self,
        comment_id: int,
        version: int,
        moderator: str,
        note: str | None = None,
        request_id: str | None = None,
        any_moderator: bool = False,
        moderator_id: int | None = None,
    ) -> Comment:
        """Put back the state before the last decision, if it was this moderator's and recent."""
        with self.sessions.begin() as session:
            comment = self._at_version(session, comment_id, version)
            last, before = _last_two(session, comment_id)
            if last is None or last.actor_type != "moderator" or last.version != version:
                raise ConflictError(f"the last change to comment {comment_id} was not a decision")
            if last.reason and last.reason.startswith(UNDO_REASON_PREFIX):
                raise ConflictError(f"the last decision on comment {comment_id} was an undo")
            if last.actor != moderator and not any_moderator:
                raise ConflictError(f"only {last.actor} (or an admin) can undo their decision")
            age = utcnow() - aware(last.created_at)
            if age > dt.timedelta(seconds=self.undo_seconds):
                raise ConflictError(
                    f"the decision is {int(age.total_seconds())}s old; undo is possible for "
                    f"{self.undo_seconds}s"
                )
            ensure_free_for(session, comment_id, moderator)
            restored = transition(
                session,
                comment,
                last.from_status or "pending",
                version,
                actor_type="moderator",
                actor=moderator,
                actor_id=moderator_id,
                reason_code=before.reason_code if before is not None else None,
                reason=undo_reason(last.version),
                note=note,
                request_id=request_id,
            )
            revert_reports(session, restored, last.version, self.report_rules(restored.site_id))
            add_event(session, "comment.decision_reversed", restored)
            return restored

    @staticmethod
    def _at_version(session: Session, comment_id: int, version: int) -> Comment:
        comment = session.get(Comment, comment_id)
        if comment is None:
            raise NotFoundError(f"no comment with id {comment_id}")
        if comment.version != version:
            raise ConflictError(
                f"comment {comment.id} is at version {comment.version} ({comment.status}), "
                f"not {version}: reload it and decide again",
                current_version=comment.version,
            )
        return comment


def _last_two(session: Session, comment_id: int) -> tuple[AuditRecord | None, AuditRecord | None]:
    rows = list(
        session.scalars(
            select(AuditRecord)
            .where(AuditRecord.comment_id == comment_id)
            .order_by(AuditRecord.id.desc())
            .limit(2)
        )
    )
    return (rows[0] if rows else None, rows[1] if len(rows) > 1 else None)
