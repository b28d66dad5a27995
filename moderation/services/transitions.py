"""One change of a comment's state: the new state, a version bump, an audit record and the
outbox event, all in the caller's transaction. Machine and human decisions both come here."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from moderation.services.errors import ConflictError
from moderation.services.priority import queue_columns
from moderation.store.models import AuditRecord, Comment, OutboxEvent, utcnow

STATUSES = ("pending", "approved", "held", "rejected", "reported")
EVENT_FOR_STATUS = {
    "pending": "comment.created",
    "approved": "comment.approved",
    "held": "comment.held",
    "rejected": "comment.rejected",
    "reported": "comment.reported",
}


def comment_payload(comment: Comment) -> dict[str, Any]:
    """What other systems are told about a comment (never internal scores or rule detail)."""
    return {
        "id": comment.id,
        "article_id": comment.article_id,
        "author_id": comment.author_id,
        "status": comment.status,
        "reason_code": comment.public_reason,
        "parent_id": comment.parent_id,
        "text": comment.text if comment.status == "approved" else None,
        "version": comment.version,
    }


def add_event(session: Session, event_type: str, comment: Comment) -> None:
    """Queue an event in the outbox, inside the current transaction."""
    event_id = "evt_" + uuid.uuid4().hex
    session.add(
        OutboxEvent(
            event_id=event_id,
            type=event_type,
            comment_id=comment.id,
            payload={
                "id": event_id,
                "type": event_type,
                "timestamp": utcnow().isoformat(),
                "data": {"comment": comment_payload(comment)},
            },
        )
    )


def transition(
    session: Session,
    comment: Comment,
    to_status: str,
    expected_version: int,
    *,
    actor_type: str,
    actor: str,
    reason_code: str | None,
    reason: str | None,
    note: str | None = None,
    request_id: str | None = None,
    verdict: dict[str, Any] | None = None,
) -> Comment:
    """Move `comment` to `to_status` if it is still at `expected_version`, else ConflictError.

    The version check is one conditional UPDATE, so two deciders racing on the same comment
    cannot both win, on PostgreSQL or SQLite.
    """
    from_status = comment.status
    now = utcnow()
    values: dict[str, Any] = {
        "status": to_status,
        "version": expected_version + 1,
        "public_reason": reason_code if to_status in {"held", "rejected"} else None,
        "decided_at": now,
        "updated_at": now,
        "claimed_by": None,
        "claimed_until": None,
    }
    if verdict is not None:
        values["verdict"] = verdict
        values.update(queue_columns(verdict, comment.created_at, comment.report_weight))
    # UPDATE ... RETURNING: the version check and the fresh row in one round trip.
    fresh = session.scalars(
        update(Comment)
        .where(Comment.id == comment.id, Comment.version == expected_version)
        .values(**values)
        .returning(Comment),
        execution_options={"synchronize_session": False, "populate_existing": True},
    ).one_or_none()
    if fresh is None:
        current = session.get(Comment, comment.id, populate_existing=True)
        raise ConflictError(
            f"comment {comment.id} changed since version {expected_version}"
            + (f" (now version {current.version}, {current.status})" if current else ""),
            current_version=current.version if current else None,
        )
    comment = fresh
    session.add(
        AuditRecord(
            comment_id=comment.id,
            actor_type=actor_type,
            actor=actor,
            from_status=from_status,
            to_status=to_status,
            reason_code=reason_code,
            reason=reason,
            note=note,
            request_id=request_id,
            version=comment.version,
        )
    )
    add_event(session, EVENT_FOR_STATUS[to_status], comment)
    return comment
