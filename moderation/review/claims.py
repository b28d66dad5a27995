"""Claims: a moderator's short, renewable lease on a comment, so two people never work one.

A claim is one row per comment. Taking it is a conditional UPDATE (free, expired, or already
mine) or, when no row exists, an INSERT that the primary key makes exclusive: two moderators
racing for the same comment cannot both get it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Sequence

from sqlalchemy import delete, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from moderation.comments.models import Comment
from moderation.db.base import utcnow
from moderation.errors import ClaimedError, NotFoundError
from moderation.review.models import ReviewClaim

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class Claim:
    comment_id: int
    moderator: str
    expires_at: dt.datetime
    taken_over_from: str | None = None


def aware(moment: dt.datetime) -> dt.datetime:
    """SQLite hands datetimes back without their zone; they are UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def live_claims(session: Session, comment_ids: Sequence[int]) -> dict[int, ReviewClaim]:
    """The unexpired claims on these comments, by comment id."""
    if not comment_ids:
        return {}
    rows = session.scalars(
        select(ReviewClaim).where(
            ReviewClaim.comment_id.in_(list(comment_ids)), ReviewClaim.expires_at > utcnow()
        )
    )
    return {row.comment_id: row for row in rows}


def ensure_free_for(session: Session, comment_id: int, moderator: str) -> None:
    """ClaimedError unless the comment is unclaimed, claimed by `moderator`, or expired."""
    claim = live_claims(session, [comment_id]).get(comment_id)
    if claim is not None and claim.moderator != moderator:
        raise _claimed(claim)


def drop_claims(session: Session, comment_ids: Sequence[int]) -> None:
    """Forget the claims on comments that were just decided."""
    if comment_ids:
        session.execute(delete(ReviewClaim).where(ReviewClaim.comment_id.in_(list(comment_ids))))


def _claimed(claim: ReviewClaim) -> ClaimedError:
    until = aware(claim.expires_at)
    return ClaimedError(
        f"comment {claim.comment_id} is claimed by {claim.moderator} until {until.isoformat()}; "
        "claim it with takeover=true to work on it",
        claimed_by=claim.moderator,
        expires_at=until.isoformat(),
    )


class ClaimService:
    """Claim, renew, take over and release comments for review."""

    def __init__(self, sessions: sessionmaker[Session], claim_seconds: int) -> None:
        self.sessions = sessions
        self.claim_seconds = claim_seconds

    def claim(self, comment_id: int, moderator: str, takeover: bool = False) -> Claim:
        """Claim (or renew) the comment for `claim_seconds`; ClaimedError if someone else has it."""
        now = utcnow()
        until = now + dt.timedelta(seconds=self.claim_seconds)
        with self.sessions.begin() as session:
            if session.get(Comment, comment_id) is None:
                raise NotFoundError(f"no comment with id {comment_id}")
            existing = session.get(ReviewClaim, comment_id)
            previous = existing.moderator if existing is not None else None
            conditions = [ReviewClaim.comment_id == comment_id]
            if not takeover:
                conditions.append(
                    or_(ReviewClaim.moderator == moderator, ReviewClaim.expires_at <= now)
                )
            taken = session.execute(
                update(ReviewClaim)
                .where(*conditions)
                .values(moderator=moderator, claimed_at=now, expires_at=until)
                .execution_options(synchronize_session=False)
            )
            if taken.rowcount == 1:  # type: ignore[attr-defined]
                return self._granted(comment_id, moderator, until, previous, existing, now)
            if existing is None:
                try:
                    with session.begin_nested():
                        session.add(
                            ReviewClaim(
                                comment_id=comment_id,
                                moderator=moderator,
                                claimed_at=now,
                                expires_at=until,
                            )
                        )
                    return Claim(comment_id, moderator, until)
                except IntegrityError:
                    pass  # someone claimed it between our read and our insert
            holder = session.get(ReviewClaim, comment_id, populate_existing=True)
            assert holder is not None
            raise _claimed(holder)

    def _granted(
        self,
        comment_id: int,
        moderator: str,
        until: dt.datetime,
        previous: str | None,
        existing: ReviewClaim | None,
        now: dt.datetime,
    ) -> Claim:
        live = existing is not None and aware(existing.expires_at) > now
        taken_from = previous if live and previous != moderator else None
        if taken_from:
            log.info("%s took over comment %s from %s", moderator, comment_id, taken_from)
        return Claim(comment_id, moderator, until, taken_over_from=taken_from)

    def release(self, comment_id: int, moderator: str) -> None:
        """Give the claim back (only its holder can; an expired claim is simply gone)."""
        with self.sessions.begin() as session:
            claim = session.get(ReviewClaim, comment_id)
            if claim is None or aware(claim.expires_at) <= utcnow():
                return
            if claim.moderator != moderator:
                raise _claimed(claim)
            session.delete(claim)
