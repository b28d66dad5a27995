"""The review queues: which comments need a human, in what order, with counts per queue."""

from __future__ import annotations

import base64
import binascii
import dataclasses
import datetime as dt
import threading
import time
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session, sessionmaker

from moderation.comments.models import Comment
from moderation.errors import InvalidRequestError
from moderation.policies import spot_checks
from moderation.review.claims import live_claims
from moderation.review.models import ReviewClaim
from moderation.surge.service import SurgeService

# In the order the review page shows them: those waiting for someone, then the finished ones.
QUEUES: dict[str, tuple[str, ...] | None] = {
    "held": ("held",),
    "reported": ("reported",),
    "pending": ("pending",),
    "approved": ("approved",),
    "rejected": ("rejected",),
    # Published comments sampled for a person to look at (policies/spot_checks.py).
    "spot_check": ("approved",),
    "all": None,
}
SORTS = ("severity", "oldest", "newest")
# Queues that wait for someone, counted exactly on every page; and the finished ones.
WORKING = ("pending", "held", "reported")
FINISHED = ("approved", "rejected")
FINISHED_COUNT_SECONDS = 30.0


@dataclasses.dataclass(frozen=True)
class QueueFilter:
    """What narrows a queue; every field is optional."""

    site_id: str | None = None
    # The sites a moderator may see (None: every site), from their roles, not from the request.
    site_ids: tuple[str, ...] | list[str] | None = None
    article_id: str | None = None
    author_id: str | None = None
    rule_id: str | None = None
    label: str | None = None
    min_score: float | None = None
    max_score: float | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None

    def clauses(self) -> list[ColumnElement[bool]]:
        found: list[ColumnElement[bool]] = []
        if self.site_id:
            found.append(Comment.site_id == self.site_id)
        if self.site_ids is not None:
            found.append(Comment.site_id.in_(list(self.site_ids)))
        if self.article_id:
            found.append(Comment.article_id == self.article_id)
        if self.author_id:
            found.append(Comment.author_id == self.author_id)
        if self.rule_id:
            found.append(Comment.rule_ids.contains(f",{self.rule_id},", autoescape=True))
        if self.label:
            score = Comment.verdict[("scores", self.label)].as_float()
            found.append(score.is_not(None))
            if self.min_score is not None:
                found.append(score >= self.min_score)
            if self.max_score is not None:
                found.append(score <= self.max_score)
        elif self.min_score is not None or self.max_score is not None:
            raise InvalidRequestError("min_score and max_score need a label", field="label")
        if self.since:
            found.append(Comment.created_at >= self.since)
        if self.until:
            found.append(Comment.created_at < self.until)
        return found


@dataclasses.dataclass(frozen=True)
class QueueEntry:
    comment: Comment
    claim: ReviewClaim | None
    # The surge in force on the comment's article (surge/), as `SurgeService.active` gives it.
    article_surge: dict[str, Any] | None = None


@dataclasses.dataclass(frozen=True)
class QueuePage:
    items: list[QueueEntry]
    next_cursor: str | None
    counts: dict[str, int]
    total: int


def _encode(sort: str, comment: Comment) -> str:
    key = (
        f"{sort}:{comment.priority!r}:{comment.id}"
        if sort == "severity"
        else f"{sort}:{comment.id}"
    )
    return base64.urlsafe_b64encode(key.encode()).decode().rstrip("=")


def _decode(sort: str, cursor: str) -> tuple[float | None, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        parts = raw.split(":")
        if parts[0] != sort:
            raise ValueError(raw)
        if sort == "severity":
            return float(parts[1]), int(parts[2])
        return None, int(parts[1])
    except (ValueError, IndexError, binascii.Error, UnicodeDecodeError) as error:
        raise InvalidRequestError(
            f"cursor is not one this API gave out for sort={sort}", field="cursor"
        ) from error


def _after(sort: str, cursor: str | None) -> list[ColumnElement[bool]]:
    if not cursor:
        return []
    priority, last_id = _decode(sort, cursor)
    if sort == "oldest":
        return [Comment.id > last_id]
    if sort == "newest":
        return [Comment.id < last_id]
    assert priority is not None
    return [
        or_(Comment.priority < priority, and_(Comment.priority == priority, Comment.id > last_id))
    ]


_ORDER: dict[str, Any] = {
    "severity": (Comment.priority.desc(), Comment.id),
    "oldest": (Comment.id,),
    "newest": (Comment.id.desc(),),
}


class QueueService:
    """Pages of a queue, most in need of a human first (or oldest or newest first)."""

    def __init__(self, sessions: sessionmaker[Session], surges: SurgeService | None = None) -> None:
        self.sessions = sessions
        self.surges = surges
        self._lock = threading.Lock()
        self._finished: tuple[float, dict[str, int]] = (-FINISHED_COUNT_SECONDS, {})

    def page(
        self,
        queue: str,
        where: QueueFilter,
        sort: str = "severity",
        cursor: str | None = None,
        limit: int = 20,
    ) -> QueuePage:
        if queue not in QUEUES:
            raise InvalidRequestError(f"queue must be one of {', '.join(QUEUES)}", field="queue")
        if sort not in SORTS:
            raise InvalidRequestError(f"sort must be one of {', '.join(SORTS)}", field="sort")
        clauses = where.clauses()
        statuses = QUEUES[queue]
        in_queue: list[ColumnElement[bool]] = [Comment.status.in_(statuses)] if statuses else []
        if queue == "spot_check":
            in_queue.append(spot_checks.waiting())
        with self.sessions() as session:
            rows = list(
                session.scalars(
                    select(Comment)
                    .where(*clauses, *in_queue, *_after(sort, cursor))
                    .order_by(*_ORDER[sort])
                    .limit(limit + 1)
                )
            )
            more = len(rows) > limit
            rows = rows[:limit]
            claims = live_claims(session, [row.id for row in rows])
            counts = self._counts(session, clauses)
        surges = (
            self.surges.active({(row.site_id, row.article_id) for row in rows})
            if self.surges is not None
            else {}
        )
        items = [
            QueueEntry(row, claims.get(row.id), surges.get((row.site_id, row.article_id)))
            for row in rows
        ]
        total = counts["all"] if statuses is None else sum(counts.get(s, 0) for s in statuses)
        if queue == "spot_check":
            total = counts["spot_check"]
        return QueuePage(items, _encode(sort, rows[-1]) if more and rows else None, counts, total)

    def _counts(self, session: Session, clauses: list[ColumnElement[bool]]) -> dict[str, int]:
        """Comments per queue for this filter. Unfiltered, the big finished queues (approved,
        rejected) come from a count at most `FINISHED_COUNT_SECONDS` old: counting most of the
        table on every page of a busy queue costs more than it tells a moderator."""
        counts = dict.fromkeys(QUEUES, 0)
        if clauses:
            counts.update(_count(session, clauses))
        else:
            counts.update(_count(session, [Comment.status.in_(WORKING)]))
            counts.update(self._finished_counts(session))
        counts["all"] = sum(counts[status] for status in (*WORKING, *FINISHED))
        counts["spot_check"] = int(
            session.scalar(
                select(func.count())
                .select_from(Comment)
                .where(*clauses, Comment.status == "approved", spot_checks.waiting())
            )
            or 0
        )
        return counts

    def _finished_counts(self, session: Session) -> dict[str, int]:
        with self._lock:
            taken, found = self._finished
            if time.monotonic() - taken < FINISHED_COUNT_SECONDS:
                return found
        found = _count(session, [Comment.status.in_(FINISHED)])
        with self._lock:
            self._finished = (time.monotonic(), found)
        return found


def _count(session: Session, clauses: list[ColumnElement[bool]]) -> dict[str, int]:
    rows = session.execute(
        select(Comment.status, func.count()).where(*clauses).group_by(Comment.status)
    )
    return {str(status): int(count) for status, count in rows}
