"""Authors' appeals against a restriction of their comment (DSA art. 20, the internal
complaint-handling system): once per decision, in their own queue, decided by a person (another
moderator than the one who decided, unless `dsa.appeals_by_other_moderator` is off), the outcome
recorded in the appeal's history and announced; a reversal publishes the comment through
review/decisions.py, as any moderator's decision would.

Who may appeal: the comment's author, proven the way they posted. A verified commenter proves
it with a commenter session of the comment's site whose reader is the comment's author. An
anonymous comment carries no proof of authorship (comments/api.py hands its author nothing to
keep), so it cannot be appealed here: its statement of reasons says so and where to write.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from moderation.comments.models import Comment
from moderation.config import DsaSettings
from moderation.db.base import utcnow
from moderation.dsa.events import add_event, appeal_data
from moderation.dsa.models import DsaAppeal, DsaHistory
from moderation.dsa.notices import Actor
from moderation.dsa.statements import current_restriction
from moderation.dsa.vocabulary import AWAITING_REVIEW, DECIDED, DECISION_MADE, RECEIVED
from moderation.errors import ConflictError, ForbiddenError, NotFoundError
from moderation.review.decisions import human_decision


@dataclasses.dataclass(frozen=True)
class NewAppeal:
    comment_id: int
    site_id: str
    author_id: str  # the session's reader
    explanation: str
    request_id: str | None = None


@dataclasses.dataclass(frozen=True)
class AppealDetail:
    appeal: DsaAppeal
    comment: Comment
    history: list[DsaHistory]


class AppealService:
    """Take appeals from authors and have moderators decide them."""

    def __init__(self, sessions: sessionmaker[Session], settings: DsaSettings) -> None:
        self.sessions = sessions
        self.settings = settings

    def appeal(self, new: NewAppeal) -> DsaAppeal:
        """Record the author's appeal against the decision restricting the comment now."""
        try:
            with self.sessions.begin() as session:
                comment = session.get(Comment, new.comment_id)
                if comment is None or comment.site_id != new.site_id:
                    raise NotFoundError(f"no comment with id {new.comment_id}")
                if not comment.author_verified or comment.author_id != new.author_id:
                    raise ForbiddenError("only the comment's author, signed in, may appeal it")
                restriction = current_restriction(session, comment)
                if restriction is None:
                    raise ConflictError(
                        f"comment {comment.id} is {comment.status}: there is no restriction "
                        "to appeal",
                        comment.version,
                    )
                record = restriction.record
                decided = record.created_at
                if decided.tzinfo is None:
                    decided = decided.replace(tzinfo=dt.UTC)
                window = dt.timedelta(days=self.settings.appeal_window_days)
                if utcnow() > decided + window:
                    raise ConflictError(
                        f"the time to appeal this decision ended on {(decided + window).date()} "
                        f"(dsa.appeal_window_days: {self.settings.appeal_window_days})"
                    )
                appeal = DsaAppeal(
                    site_id=comment.site_id,
                    comment_id=comment.id,
                    audit_record_id=record.id,
                    restriction=comment.status,
                    original_actor_type=record.actor_type,
                    original_actor=record.actor,
                    original_actor_id=record.actor_id,
                    author_id=new.author_id,
                    explanation=new.explanation,
                    status=AWAITING_REVIEW,
                    request_id=new.request_id,
                )
                session.add(appeal)
                session.flush()
                session.add(
                    DsaHistory(
                        appeal_id=appeal.id,
                        type=RECEIVED,
                        status=AWAITING_REVIEW,
                        actor_type="author",
                        actor=new.author_id,
                    )
                )
                add_event(
                    session, "appeal.received", appeal.site_id, comment.id, appeal_data(appeal)
                )
        except IntegrityError as error:  # the unique decision: a second appeal, or a race
            raise ConflictError(
                f"comment {new.comment_id}'s decision was already appealed: once per decision"
            ) from error
        return appeal

    def queue(
        self, site_ids: Sequence[str] | None, statuses: Sequence[str], after: int, limit: int
    ) -> list[DsaAppeal]:
        """Appeals in `statuses`, oldest first, on `site_ids` (None: every site)."""
        query = select(DsaAppeal).where(DsaAppeal.status.in_(list(statuses)), DsaAppeal.id > after)
        if site_ids is not None:
            query = query.where(DsaAppeal.site_id.in_(list(site_ids)))
        with self.sessions() as session:
            return list(session.scalars(query.order_by(DsaAppeal.id).limit(limit)))

    def detail(self, appeal_id: int) -> AppealDetail:
        with self.sessions() as session:
            appeal = session.get(DsaAppeal, appeal_id)
            if appeal is None:
                raise NotFoundError(f"no appeal {appeal_id}")
            comment = session.get(Comment, appeal.comment_id)
            assert comment is not None  # a foreign key
            history = list(
                session.scalars(
                    select(DsaHistory)
                    .where(DsaHistory.appeal_id == appeal.id)
                    .order_by(DsaHistory.id)
                )
            )
            return AppealDetail(appeal, comment, history)

    def decide(self, appeal_id: int, outcome: str, explanation: str, actor: Actor) -> DsaAppeal:
        """Uphold or reverse the decision appealed. A reversal publishes the comment if the
        appealed decision still stands (a moderator may have changed it meanwhile)."""
        with self.sessions.begin() as session:
            appeal = session.get(DsaAppeal, appeal_id, with_for_update=True)
            if appeal is None:
                raise NotFoundError(f"no appeal {appeal_id}")
            if appeal.status == DECIDED:
                raise ConflictError(f"appeal {appeal.id} was already decided ({appeal.outcome})")
            if self._same_person(appeal, actor):
                raise ForbiddenError(
                    f"you decided the comment's restriction yourself: another moderator decides "
                    f"appeal {appeal.id} (dsa.appeals_by_other_moderator)"
                )
            if outcome == "reversed":
                comment = session.get(Comment, appeal.comment_id, populate_existing=True)
                assert comment is not None
                restriction = current_restriction(session, comment)
                if restriction is not None and restriction.record.id == appeal.audit_record_id:
                    human_decision(
                        session,
                        comment,
                        "approved",
                        comment.version,
                        moderator=actor.name,
                        moderator_id=actor.account_id,
                        reason_code=None,
                        reason=f"appeal {appeal.id} reversed the decision",
                        request_id=actor.request_id,
                    )
            appeal.status = DECIDED
            appeal.outcome = outcome
            appeal.decision_explanation = explanation
            appeal.decided_by, appeal.decided_by_id, appeal.decided_at = (
                actor.name,
                actor.account_id,
                utcnow(),
            )
            session.add(
                DsaHistory(
                    appeal_id=appeal.id,
                    type=DECISION_MADE,
                    status=DECIDED,
                    decision=outcome,
                    actor_type="moderator",
                    actor=actor.name,
                    actor_id=actor.account_id,
                )
            )
            add_event(
                session, "appeal.decided", appeal.site_id, appeal.comment_id, appeal_data(appeal)
            )
        return appeal

    def _same_person(self, appeal: DsaAppeal, actor: Actor) -> bool:
        if not self.settings.appeals_by_other_moderator or appeal.original_actor_type == "system":
            return False
        if appeal.original_actor_id is not None and actor.account_id is not None:
            return appeal.original_actor_id == actor.account_id
        return appeal.original_actor == actor.name
