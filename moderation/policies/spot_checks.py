"""Spot checks: published comments sampled by the scoring worker for a person to look at.

A spot-checked comment stays published. A moderator either keeps it (`kept`: a "fine" label
for calibration) or rejects it through the ordinary decision (`rejected`, settled by
review/decisions.py in the decision's transaction).
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.orm import Session, sessionmaker

from moderation.comments.models import Comment
from moderation.db.base import utcnow
from moderation.errors import ConflictError, NotFoundError
from moderation.policies.models import SpotCheck


@dataclasses.dataclass(frozen=True)
class SpotCheckView:
    comment_id: int
    site_id: str
    sampled_at: dt.datetime
    outcome: str | None
    decided_by: str | None
    decided_at: dt.datetime | None


def waiting() -> ColumnElement[bool]:
    """Comments with a spot check nobody settled yet (the "spot_check" review queue)."""
    return Comment.id.in_(select(SpotCheck.comment_id).where(SpotCheck.outcome.is_(None)))


def settle(session: Session, comment_id: int, outcome: str, actor: str) -> None:
    """Close the comment's open spot check, if it has one (a moderator decided the comment)."""
    session.execute(
        update(SpotCheck)
        .where(SpotCheck.comment_id == comment_id, SpotCheck.outcome.is_(None))
        .values(outcome=outcome, decided_by=actor, decided_at=utcnow())
        .execution_options(synchronize_session=False)
    )


class SpotCheckService:
    """Look up a comment's spot check; keep a spot-checked comment published."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def get(self, comment_id: int) -> SpotCheckView:
        with self.sessions() as session:
            check = session.get(SpotCheck, comment_id)
            if check is None:
                raise NotFoundError(f"comment {comment_id} was not sampled for a spot check")
            return _view(check)

    def keep(self, comment_id: int, actor: str) -> SpotCheckView:
        """The moderator looked and leaves it published."""
        with self.sessions.begin() as session:
            check = session.get(SpotCheck, comment_id, with_for_update=True)
            if check is None:
                raise NotFoundError(f"comment {comment_id} was not sampled for a spot check")
            if check.outcome is not None:
                raise ConflictError(f"the spot check was settled already: {check.outcome}")
            status = session.scalar(select(Comment.status).where(Comment.id == comment_id))
            if status != "approved":
                raise ConflictError(
                    f"the comment is {status} now, not published: decide it in its queue"
                )
            check.outcome = "kept"
            check.decided_by = actor
            check.decided_at = utcnow()
            return _view(check)


def _view(check: SpotCheck) -> SpotCheckView:
    return SpotCheckView(
        check.comment_id,
        check.site_id,
        check.sampled_at,
        check.outcome,
        check.decided_by,
        check.decided_at,
    )
