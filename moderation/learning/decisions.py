"""The site's decisions as training labels: what people finally decided about which comments.

A decision is a comment whose latest change was a person's approve or reject (not an undo):
a held comment decided, a machine decision overturned, a reader report upheld (reject) or
dismissed (approve). Rejected is the positive label, approved the negative one. A decision
later undone, or a comment moved on since, is not a label.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter
from typing import TypeAlias

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from moderation.comments.models import AuditRecord, Comment
from moderation.review.decisions import UNDO_REASON_PREFIX

# Where the comment was before the person decided, as the evaluation counts them.
KINDS = {
    "held": "held comment decided",
    "reported": "reader report settled",
    "approved": "machine approval overturned",
    "rejected": "machine rejection overturned",
    "pending": "pre-moderated comment decided",
}


# comment id, text, decision, when, from which status
DecisionRows: TypeAlias = Select[int, str, str, dt.datetime, str | None]


@dataclasses.dataclass(frozen=True)
class Decision:
    """One comment's text and a person's final decision on it (True: rejected)."""

    comment_id: int
    text: str
    rejected: bool
    decided_at: dt.datetime
    kind: str


def _latest_human_decisions(site_id: str, since: dt.datetime | None = None) -> DecisionRows:
    latest = (
        select(func.max(AuditRecord.id).label("id"))
        .join(Comment, Comment.id == AuditRecord.comment_id)
        .where(Comment.site_id == site_id)
        .group_by(AuditRecord.comment_id)
        .subquery()
    )
    query: DecisionRows = (
        select(
            Comment.id,
            Comment.text,
            AuditRecord.to_status,
            AuditRecord.created_at,
            AuditRecord.from_status,
        )
        .join(latest, latest.c.id == AuditRecord.id)
        .join(Comment, Comment.id == AuditRecord.comment_id)
        .where(
            AuditRecord.actor_type == "moderator",
            AuditRecord.to_status.in_(("approved", "rejected")),
            Comment.status == AuditRecord.to_status,
            func.coalesce(AuditRecord.reason, "").not_like(UNDO_REASON_PREFIX + "%"),
        )
    )
    if since is not None:
        query = query.where(AuditRecord.created_at > since)
    return query


def load_decisions(session: Session, site_id: str, limit: int) -> list[Decision]:
    """The site's newest `limit` decisions, oldest first."""
    query = _latest_human_decisions(site_id)
    rows = session.execute(
        query.order_by(AuditRecord.created_at.desc(), AuditRecord.id.desc()).limit(limit)
    ).all()
    decisions = [
        Decision(
            comment_id=int(comment_id),
            text=str(text),
            rejected=to_status == "rejected",
            decided_at=decided_at,
            kind=str(from_status or "pending"),
        )
        for comment_id, text, to_status, decided_at, from_status in rows
    ]
    decisions.reverse()
    return decisions


def count_decisions(session: Session, site_id: str, since: dt.datetime | None = None) -> int:
    """How many decisions the site has (after `since`, when given)."""
    query = _latest_human_decisions(site_id, since).subquery()
    return int(session.scalar(select(func.count()).select_from(query)) or 0)


def kinds(decisions: list[Decision]) -> dict[str, int]:
    """How many decisions of each kind, for the evaluation."""
    return dict(Counter(decision.kind for decision in decisions))
