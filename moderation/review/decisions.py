"""One human decision on one comment, in the caller's transaction.

Every human decision (one at a time, in bulk, or by banning an author) comes here, so each one
checks claims, settles reader reports, and announces when it reverses what the machine decided.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from moderation.comments.models import AuditRecord, Comment
from moderation.comments.transitions import add_event, transition
from moderation.errors import ConflictError
from moderation.policies.spot_checks import settle
from moderation.review.claims import drop_claims, ensure_free_for
from moderation.review.models import ReaderReport
from moderation.review.reports import resolve_reports

# What a person may do to a comment, and the status it leads to.
ACTIONS = {"approve": "approved", "reject": "rejected"}
# Where a person may move a comment from, for each outcome. `reported` is entered only by
# reader reports; `held` only by the machine (or by undoing a decision on a held comment).
HUMAN_FROM = {
    "approved": frozenset({"pending", "held", "reported", "rejected"}),
    "rejected": frozenset({"pending", "held", "reported", "approved"}),
}
# An undo is recorded as a moderator's change back to the earlier status; its audit reason
# starts with this, which is how the undo check and the stats tell it from a decision.
UNDO_REASON_PREFIX = "undo of the decision"


def undo_reason(version: int) -> str:
    """The audit reason of undoing the decision that produced `version`."""
    return f"{UNDO_REASON_PREFIX} at version {version}"


@dataclasses.dataclass(frozen=True)
class Prefetched:
    """What `human_decision` looks up per comment, looked up once for a chunk (bulk work).

    The caller has checked claims itself and drops the claims of what it decided.
    """

    machine: dict[int, str]
    reported: frozenset[int]

    @classmethod
    def load(cls, session: Session, comment_ids: Sequence[int]) -> Prefetched:
        machine: dict[int, str] = {}
        rows = session.execute(
            select(AuditRecord.comment_id, AuditRecord.actor_type, AuditRecord.to_status)
            .where(
                AuditRecord.comment_id.in_(list(comment_ids)),
                AuditRecord.to_status.in_(("approved", "rejected")),
            )
            .order_by(AuditRecord.id)
        )
        for comment_id, actor_type, to_status in rows:
            if actor_type == "system":
                machine[comment_id] = str(to_status)
            else:
                machine.pop(comment_id, None)
        reported = session.scalars(
            select(ReaderReport.comment_id).where(
                ReaderReport.comment_id.in_(list(comment_ids)), ReaderReport.outcome.is_(None)
            )
        )
        return cls(machine, frozenset(reported))


def human_decision(
    session: Session,
    comment: Comment,
    to_status: str,
    version: int,
    *,
    moderator: str,
    reason_code: str | None,
    reason: str,
    note: str | None = None,
    request_id: str | None = None,
    prefetched: Prefetched | None = None,
    moderator_id: int | None = None,
) -> Comment:
    """Move `comment` to approved/rejected for a person, in the caller's transaction."""
    if comment.status == to_status:
        raise ConflictError(f"comment {comment.id} is already {to_status}", comment.version)
    if comment.status not in HUMAN_FROM[to_status]:
        raise ConflictError(
            f"comment {comment.id} is {comment.status}; it cannot be moved to {to_status}",
            comment.version,
        )
    if prefetched is None:
        ensure_free_for(session, comment.id, moderator)
        machine = _machine_outcome(session, comment.id)
    else:
        machine = prefetched.machine.get(comment.id)
    decided = transition(
        session,
        comment,
        to_status,
        version,
        actor_type="moderator",
        actor=moderator,
        actor_id=moderator_id,
        reason_code=reason_code,
        reason=reason,
        note=note,
        request_id=request_id,
    )
    if prefetched is None or decided.id in prefetched.reported:
        resolve_reports(session, decided, to_status, decided.version)
    # A spot-checked comment a person decided is a label either way (policies/spot_checks.py).
    settle(session, decided.id, "rejected" if to_status == "rejected" else "kept", moderator)
    if prefetched is None:
        drop_claims(session, [decided.id])
    if machine is not None and machine != to_status:
        add_event(session, "comment.decision_reversed", decided)
    return decided


def _machine_outcome(session: Session, comment_id: int) -> str | None:
    """approved/rejected when the latest publish-or-reject decision was the machine's."""
    last = session.execute(
        select(AuditRecord.actor_type, AuditRecord.to_status)
        .where(
            AuditRecord.comment_id == comment_id,
            AuditRecord.to_status.in_(("approved", "rejected")),
        )
        .order_by(AuditRecord.id.desc())
        .limit(1)
    ).first()
    return str(last.to_status) if last is not None and last.actor_type == "system" else None
