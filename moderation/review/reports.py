"""Reader reports: one per reader per comment, weighted by how often moderators agreed before.

A published comment moves to `reported` when its summed report weight reaches the report
threshold, and is hidden from the public list at the higher hide threshold. When a moderator
decides it, its open reports are upheld (rejected) or dismissed (approved), and each reporter's
weight moves with that outcome.
"""

from __future__ import annotations

import dataclasses
import logging
import time

from redis import Redis
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from moderation.comments.models import Comment
from moderation.comments.priority import queue_columns
from moderation.comments.transitions import transition
from moderation.config import ReviewSettings
from moderation.errors import ConflictError, NotFoundError, RateLimitedError
from moderation.review.models import Reader, ReaderReport

log = logging.getLogger(__name__)

REPORT_REASONS = ("abusive", "spam", "off_topic", "personal_data", "illegal", "other")
# A new reader's report counts 1.0; each upheld report adds a quarter, each dismissed one takes
# half away (false reports cost more than true ones earn), within these bounds.
MIN_WEIGHT, MAX_WEIGHT = 0.1, 3.0


def reader_weight(upheld: int, dismissed: int) -> float:
    return max(MIN_WEIGHT, min(MAX_WEIGHT, 1.0 + 0.25 * upheld - 0.5 * dismissed))


@dataclasses.dataclass(frozen=True)
class NewReport:
    comment_id: int
    reader_id: str
    reason: str
    note: str | None = None
    client: str = ""
    request_id: str | None = None
    # The reader came with a commenter session (sites/commenters.py): the site vouches for them.
    verified: bool = False


class ReportLimiter:
    """At most `per_minute` reports per client address, counted in Redis across processes."""

    def __init__(self, connection: Redis, per_minute: int) -> None:
        self.connection = connection
        self.per_minute = per_minute

    def check(self, client: str) -> None:
        now = time.time()
        minute = int(now // 60)
        key = f"reports:rate:{client}:{minute}"
        try:
            pipe = self.connection.pipeline()
            pipe.incr(key)
            pipe.expire(key, 120)
            count, _ = pipe.execute()
        except Exception as error:  # Redis away: reports still count; the limit is a courtesy
            log.warning("report rate limit not checked: %s", error)
            return
        if int(count) > self.per_minute:
            raise RateLimitedError(
                f"more than {self.per_minute} reports a minute from this address",
                retry_after=max(1, int((minute + 1) * 60 - now)),
            )


class ReportService:
    """Take reader reports and move comments to `reported` or hide them by weight."""

    def __init__(
        self, sessions: sessionmaker[Session], limiter: ReportLimiter, settings: ReviewSettings
    ) -> None:
        self.sessions = sessions
        self.limiter = limiter
        self.settings = settings

    def report(self, new: NewReport) -> Comment:
        """Record the report; the comment as it stands after it (maybe reported or hidden)."""
        self.limiter.check(new.client)
        with self.sessions.begin() as session:
            comment = session.get(Comment, new.comment_id)
            if comment is None or comment.status not in {"approved", "reported"}:
                raise NotFoundError(f"no published comment with id {new.comment_id}")
            reader = self._reader(session, comment.site_id, new.reader_id)
            try:
                with session.begin_nested():
                    session.add(
                        ReaderReport(
                            comment_id=comment.id,
                            reader_id=new.reader_id,
                            reason=new.reason,
                            note=new.note,
                            weight=reader.weight,
                        )
                    )
            except IntegrityError as error:
                raise ConflictError(
                    f"reader {new.reader_id} already reported comment {comment.id}"
                ) from error
            # An atomic increment: concurrent reports on one comment queue on its row lock.
            session.execute(
                update(Comment)
                .where(Comment.id == comment.id)
                .values(report_weight=Comment.report_weight + reader.weight)
                .execution_options(synchronize_session=False)
            )
            fresh = session.get(Comment, comment.id, populate_existing=True)
            assert fresh is not None
            return self._apply_weight(session, fresh, new.request_id)

    def _reader(self, session: Session, site_id: str, reader_id: str) -> Reader:
        reader = session.get(Reader, (site_id, reader_id))
        if reader is not None:
            return reader
        try:
            with session.begin_nested():
                reader = Reader(
                    site_id=site_id, reader_id=reader_id, weight=1.0, upheld=0, dismissed=0
                )
                session.add(reader)
            return reader
        except IntegrityError:  # the same reader's first two reports raced
            found = session.get(Reader, (site_id, reader_id), populate_existing=True)
            assert found is not None
            return found

    def _apply_weight(self, session: Session, comment: Comment, request_id: str | None) -> Comment:
        weight = comment.report_weight
        if comment.status == "approved" and weight >= self.settings.report_threshold:
            comment = transition(
                session,
                comment,
                "reported",
                comment.version,
                actor_type="system",
                actor="reader-reports",
                reason_code=None,
                reason=f"reader reports weigh {weight:.2f} >= {self.settings.report_threshold}",
                request_id=request_id,
            )
        values = queue_columns(comment.verdict, comment.created_at, weight)
        values["hidden"] = weight >= self.settings.hide_threshold
        session.execute(
            update(Comment)
            .where(Comment.id == comment.id)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        fresh = session.get(Comment, comment.id, populate_existing=True)
        assert fresh is not None
        return fresh


def resolve_reports(session: Session, comment: Comment, to_status: str, version: int) -> int:
    """A moderator decided `comment`: uphold or dismiss its open reports; how many there were."""
    outcome = "upheld" if to_status == "rejected" else "dismissed"
    reports = list(
        session.scalars(
            select(ReaderReport).where(
                ReaderReport.comment_id == comment.id, ReaderReport.outcome.is_(None)
            )
        )
    )
    for report in reports:
        report.outcome = outcome
        report.decided_version = version
        _adjust_reader(session, comment.site_id, report.reader_id, outcome, +1)
    if to_status == "approved":
        # Approved over its reports: it starts afresh, visible, and earlier reporters stay counted.
        _reset_weight(session, comment, 0.0, hidden=False)
    return len(reports)


def revert_reports(session: Session, comment: Comment, version: int, hide_at: float) -> None:
    """Undo of the decision at `version`: reopen the reports it settled, restore the weight."""
    reports = list(
        session.scalars(
            select(ReaderReport).where(
                ReaderReport.comment_id == comment.id, ReaderReport.decided_version == version
            )
        )
    )
    dismissed = [report for report in reports if report.outcome == "dismissed"]
    for report in reports:
        _adjust_reader(session, comment.site_id, report.reader_id, report.outcome or "", -1)
        report.outcome = None
        report.decided_version = None
    if dismissed:
        # The approval had cleared their weight; reports sent since then still count too.
        weight = comment.report_weight + sum(report.weight for report in dismissed)
        _reset_weight(session, comment, weight, hidden=weight >= hide_at)


def _adjust_reader(session: Session, site_id: str, reader_id: str, outcome: str, step: int) -> None:
    reader = session.get(Reader, (site_id, reader_id))
    if reader is None:
        return
    if outcome == "upheld":
        reader.upheld = max(0, reader.upheld + step)
    elif outcome == "dismissed":
        reader.dismissed = max(0, reader.dismissed + step)
    reader.weight = reader_weight(reader.upheld, reader.dismissed)


def _reset_weight(session: Session, comment: Comment, weight: float, hidden: bool) -> None:
    values = queue_columns(comment.verdict, comment.created_at, weight)
    session.execute(
        update(Comment)
        .where(Comment.id == comment.id)
        .values(report_weight=weight, hidden=hidden, **values)
        .execution_options(synchronize_session=False)
    )
