"""People's decisions as labels: what moderators said of comments, read from the audit trail.

A comment's label is its moderator's last decision: rejected (unhealthy) or approved (fine).
That covers held comments decided, machine decisions overturned (approved, then rejected by a
person, or the reverse), reader reports upheld (reported, then rejected) or dismissed
(reported, then approved), and comments a moderator decided before the machine. A spot-checked
comment left published (`kept`) is a "fine" label for a comment the machine published: without
those, every label would come from comments the machine already doubted (selection bias).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from moderation.comments.models import AuditRecord, Comment
from moderation.policies.models import SpotCheck

# Where a label comes from, by the status the moderator's decision moved the comment from.
SOURCE_FOR_STATUS = {
    "held": "held",
    "reported": "report",
    "approved": "overturned",
    "rejected": "overturned",
    "pending": "before_machine",
}
CHUNK = 5000


@dataclasses.dataclass(frozen=True)
class HumanLabel:
    comment_id: int
    unhealthy: bool
    source: str  # held, report, overturned, before_machine, spot_check


def human_labels(
    session: Session,
    site_id: str,
    comment_ids: Sequence[int] | None = None,
    since: dt.datetime | None = None,
) -> dict[int, HumanLabel]:
    """Each labelled comment of the site (of `comment_ids`, when given), by id."""
    labels: dict[int, HumanLabel] = {}
    for chunk in _chunks(comment_ids):
        query = (
            select(AuditRecord.comment_id, AuditRecord.from_status, AuditRecord.to_status)
            .join(Comment, Comment.id == AuditRecord.comment_id)
            .where(Comment.site_id == site_id, AuditRecord.actor_type == "moderator")
            .order_by(AuditRecord.id)
        )
        if chunk is not None:
            query = query.where(AuditRecord.comment_id.in_(chunk))
        if since is not None:
            query = query.where(Comment.created_at >= since)
        last: dict[int, tuple[str | None, str]] = {}
        for comment_id, from_status, to_status in session.execute(query):
            last[comment_id] = (from_status, to_status)
        for comment_id, (from_status, to_status) in last.items():
            if to_status in ("approved", "rejected"):
                labels[comment_id] = HumanLabel(
                    comment_id,
                    to_status == "rejected",
                    SOURCE_FOR_STATUS.get(from_status or "", "other"),
                )
        kept = select(SpotCheck.comment_id).where(
            SpotCheck.site_id == site_id, SpotCheck.outcome == "kept"
        )
        if chunk is not None:
            kept = kept.where(SpotCheck.comment_id.in_(chunk))
        if since is not None:
            kept = kept.where(SpotCheck.sampled_at >= since)
        for comment_id in session.scalars(kept):
            labels.setdefault(comment_id, HumanLabel(comment_id, False, "spot_check"))
    return labels


def labelled_scores(
    session: Session, site_id: str, since: dt.datetime | None = None
) -> Iterator[tuple[dict[str, float], HumanLabel]]:
    """The model's scores of each labelled comment (as its verdict stored them), with its label."""
    labels = human_labels(session, site_id, since=since)
    ids = sorted(labels)
    for chunk in _chunks(ids):
        assert chunk is not None
        rows = session.execute(select(Comment.id, Comment.verdict).where(Comment.id.in_(chunk)))
        for comment_id, verdict in rows:
            scores: Any = (verdict or {}).get("scores") or {}
            if scores:
                yield {k: float(v) for k, v in scores.items()}, labels[comment_id]


def _chunks(ids: Sequence[int] | None) -> Iterator[list[int] | None]:
    if ids is None:
        yield None
        return
    listed = list(ids)
    for start in range(0, len(listed), CHUNK):
        yield listed[start : start + CHUNK]
