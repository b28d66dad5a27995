"""One change of a comment's state: the new state, a version bump, an audit record and the
outbox event, all in the caller's transaction. Machine and human decisions both come here."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import bindparam, insert, update
from sqlalchemy.orm import Session

from moderation.comments.counts import is_visible
from moderation.comments.models import AuditRecord, Comment
from moderation.comments.priority import queue_columns
from moderation.comments.thread_cache import mark_thread_changed
from moderation.db.base import utcnow
from moderation.errors import ConflictError
from moderation.events.models import OutboxEvent
from moderation.events.outbox import note_outbox_written

# `erased`: the author was erased (comments/personal_data.py); no reader or work queue sees it.
STATUSES = ("pending", "approved", "held", "rejected", "reported", "erased")
EVENT_FOR_STATUS = {
    "pending": "comment.created",
    "approved": "comment.approved",
    "held": "comment.held",
    "rejected": "comment.rejected",
    "reported": "comment.reported",
}
# Readers' view of an article changed without a change of status (verified readers' reports hid
# a comment): no webhook endpoint subscribes to it; the CDN purge (webhooks/purges.py) does.
THREAD_CHANGED_EVENT = "thread.changed"


def comment_payload(comment: Comment) -> dict[str, Any]:
    """What other systems are told about a comment (never internal scores or rule detail)."""
    return {
        "id": comment.id,
        "site_id": comment.site_id,
        "article_id": comment.article_id,
        "author_id": comment.author_id,
        "status": comment.status,
        "reason_code": comment.public_reason,
        "parent_id": comment.parent_id,
        "text": comment.text if comment.status == "approved" else None,
        "version": comment.version,
    }


def event_row(event_type: str, comment: Comment) -> dict[str, Any]:
    """The outbox row for one event about `comment`: its columns, the envelope in `payload`."""
    event_id = "evt_" + uuid.uuid4().hex
    return {
        "event_id": event_id,
        "type": event_type,
        "comment_id": comment.id,
        "payload": {
            "id": event_id,
            "type": event_type,
            "timestamp": utcnow().isoformat(),
            "data": {"comment": comment_payload(comment)},
        },
    }


def add_event(session: Session, event_type: str, comment: Comment) -> None:
    """Queue an event in the outbox, inside the current transaction."""
    add_event_row(session, event_row(event_type, comment))


def add_event_row(session: Session, row: dict[str, Any]) -> None:
    """Queue an outbox row made by `event_row` (its payload extended, perhaps)."""
    session.add(OutboxEvent(**row))


def _new_state(
    comment: Comment,
    to_status: str,
    expected_version: int,
    reason_code: str | None,
    verdict: dict[str, Any] | None,
    now: dt.datetime,
) -> dict[str, Any]:
    """The columns a change of state writes (the queue columns too when there is a verdict).

    `decided_at` is when the machine or a person last decided the comment, as its author sees
    it; readers' reports decide nothing, so moving to `reported` keeps it.
    """
    values: dict[str, Any] = {
        "status": to_status,
        "version": expected_version + 1,
        "public_reason": reason_code if to_status in {"held", "rejected"} else None,
        "decided_at": comment.decided_at if to_status == "reported" else now,
        "updated_at": now,
        "claimed_by": None,
        "claimed_until": None,
    }
    if verdict is not None:
        values["verdict"] = verdict
        values.update(queue_columns(verdict, comment.created_at, comment.report_weight))
    return values


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
    actor_id: int | None = None,
) -> Comment:
    """Move `comment` to `to_status` if it is still at `expected_version`, else ConflictError.

    The version check is one conditional UPDATE, so two deciders racing on the same comment
    cannot both win, on PostgreSQL or SQLite.
    """
    from_status = comment.status
    was_visible = is_visible(comment)
    values = _new_state(comment, to_status, expected_version, reason_code, verdict, utcnow())
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
    if was_visible or is_visible(comment):  # readers' page changes: cached copies go stale
        mark_thread_changed(session, comment.site_id, comment.article_id)
    session.add(
        AuditRecord(
            comment_id=comment.id,
            actor_type=actor_type,
            actor=actor,
            actor_id=actor_id,
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


@dataclasses.dataclass(frozen=True)
class MachineDecision:
    """One scored comment's new state, for `transition_many`."""

    comment: Comment
    to_status: str
    reason_code: str | None
    reason: str | None
    request_id: str | None
    verdict: dict[str, Any]


_COMMENTS = Comment.__table__
_DECIDED_COLUMNS = (
    "status",
    "version",
    "public_reason",
    "decided_at",
    "updated_at",
    "claimed_by",
    "claimed_until",
    "verdict",
    "severity",
    "priority",
    "rule_ids",
)
# Built once: one UPDATE sent for many rows (executemany), each row matched on id and version.
_DECIDE_MANY = (
    update(Comment)
    .where(Comment.id == bindparam("match_id"), Comment.version == bindparam("match_version"))
    .values(
        {name: bindparam(f"new_{name}", type_=_COMMENTS.c[name].type) for name in _DECIDED_COLUMNS}
    )
)
_INSERT_AUDIT = insert(AuditRecord)
_INSERT_EVENTS = insert(OutboxEvent)


def insert_audit_rows(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Audit records by Core INSERT (one statement for many), without the unit of work."""
    session.connection().execute(_INSERT_AUDIT, list(rows))


def insert_events(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Outbox rows (see `event_row`) by Core INSERT; the commit still asks for a fan-out."""
    session.connection().execute(_INSERT_EVENTS, list(rows))
    note_outbox_written(session)  # the flush hook sees only rows added with session.add


def transition_many(
    session: Session, decisions: Sequence[MachineDecision], actor: str = "scoring"
) -> bool:
    """Record a scored batch: every comment's new state, audit record and event, in bulk.

    Three statements for the whole batch (one UPDATE sent for every row, then the audit rows
    and the outbox rows) instead of four round trips per comment. Each row is still matched on
    its version, as `transition` does; if any comment moved on meanwhile (a moderator was
    faster), False is returned and the caller must roll the transaction back and decide the
    comments one by one. The comments passed in are updated in place to their new state.
    """
    if not decisions:
        return True
    now = utcnow()
    states = [
        _new_state(d.comment, d.to_status, d.comment.version, d.reason_code, d.verdict, now)
        for d in decisions
    ]
    connection = session.connection()
    result = connection.execute(
        _DECIDE_MANY,
        [
            {
                "match_id": d.comment.id,
                "match_version": d.comment.version,
                **{f"new_{name}": state.get(name) for name in _DECIDED_COLUMNS},
            }
            for d, state in zip(decisions, states, strict=True)
        ],
    )
    if result.rowcount != len(decisions):
        return False
    audits: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    for decision, state in zip(decisions, states, strict=True):
        comment = decision.comment
        if is_visible(comment) or decision.to_status == "approved":
            mark_thread_changed(session, comment.site_id, comment.article_id)
        audits.append(
            {
                "comment_id": comment.id,
                "actor_type": "system",
                "actor": actor,
                "from_status": comment.status,
                "to_status": decision.to_status,
                "reason_code": decision.reason_code,
                "reason": decision.reason,
                "note": None,
                "request_id": decision.request_id,
                "version": state["version"],
            }
        )
        for name, value in state.items():
            setattr(comment, name, value)
        events.append(event_row(EVENT_FOR_STATUS[decision.to_status], comment))
    insert_audit_rows(session, audits)
    insert_events(session, events)
    return True
