"""Reader reports: one per reader per comment, weighted; what they do to a published comment.

Who a reader is and what their reports weigh: review/readers.py. Reports move a published
comment to the moderators' `reported` queue when their summed weight (anonymous reports
included) reaches the site's report threshold. That changes nothing readers see: the comment
stays in the list and its public status reads `approved` (comments/counts.py). Letting anonymous
reports do this costs little and keeps reports useful on sites with few signed-in readers: it
only asks a moderator to look, each address counts once per comment at a tenth of a verified
reader's weight, and the number of reports an address may send is limited.

Hiding a comment from readers before a moderator looks is the one thing reports can do to
readers, so it takes `review.hide_min_verified_readers` distinct verified readers whose open
reports together weigh the site's hide threshold; anonymous reports never hide, however many
addresses send them. When a moderator decides the comment, its open reports are upheld
(rejected) or dismissed (approved), and each verified reporter's weight moves with that outcome.
"""

from __future__ import annotations

import dataclasses
import logging

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from moderation.comments.models import Comment
from moderation.comments.priority import queue_columns
from moderation.comments.thread_cache import mark_thread_changed
from moderation.comments.transitions import THREAD_CHANGED_EVENT, add_event, transition
from moderation.config import ReviewSettings
from moderation.errors import ConflictError, InvalidRequestError, NotFoundError
from moderation.review.models import Reader, ReaderReport
from moderation.review.readers import ReportRules, anonymous_reader_id, reader_weight
from moderation.sites.service import SiteService
from moderation.surge.service import SurgeService

log = logging.getLogger(__name__)

REPORT_REASONS = ("abusive", "spam", "off_topic", "personal_data", "illegal", "other")


@dataclasses.dataclass(frozen=True)
class NewReport:
    """One report as the endpoint received it.

    `verified` only when the site vouched for the reader (a valid commenter token); then
    `reader_id` is the site's id of that reader. Otherwise the reader is the client at `client`
    (its address) and `reader_id` is ignored: a client can claim any id.
    """

    comment_id: int
    reason: str
    reader_id: str | None = None
    note: str | None = None
    client: str = ""
    request_id: str | None = None
    # The reader came with a commenter session (sites/commenters.py): the site vouches for them.
    verified: bool = False


class ReportService:
    """Take reader reports and move comments to `reported` or hide them, by the site's rules.
    How often an address or a reader may report is limited before this is called
    (web/limits.py)."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        settings: ReviewSettings,
        sites: SiteService,
        reader_key: bytes,
        surge: SurgeService | None = None,
    ) -> None:
        self.sessions = sessions
        self.settings = settings
        self.sites = sites
        self.reader_key = reader_key
        # Surge protection counts each report's weight on its article (moderation/surge/).
        self.surge = surge

    def rules(self, site_id: str) -> ReportRules:
        """The review settings for reports on `site_id`'s comments (its overrides applied)."""
        return ReportRules.for_site(self.settings, self.sites.get(site_id))

    def report(self, new: NewReport) -> Comment:
        """Record the report; the comment as it stands after it (maybe reported or hidden).

        After the commit, the report's weight counts towards its article's surge; a failure
        there is logged, never the report's (it is stored already)."""
        comment, weight = self._report(new)
        if self.surge is not None:
            try:
                self.surge.observe_report(comment.site_id, comment.article_id, weight)
            except Exception:
                log.warning("surge protection could not count a report", exc_info=True)
        return comment

    def _report(self, new: NewReport) -> tuple[Comment, float]:
        if new.verified and not new.reader_id:
            raise InvalidRequestError("a verified report needs the reader's id", "reader_id")
        with self.sessions.begin() as session:
            comment = session.get(Comment, new.comment_id)
            if comment is None or comment.status not in {"approved", "reported"}:
                raise NotFoundError(f"no published comment with id {new.comment_id}")
            rules = self.rules(comment.site_id)
            if new.verified:
                assert new.reader_id is not None
                reader_id = new.reader_id
                weight = self._reader(session, comment.site_id, reader_id).weight
                repeated = f"reader {reader_id} already reported comment {comment.id}"
            else:
                reader_id = anonymous_reader_id(self.reader_key, comment.site_id, new.client)
                weight = rules.anonymous_weight
                repeated = f"a report from this address already counts for comment {comment.id}"
            try:
                with session.begin_nested():
                    session.add(
                        ReaderReport(
                            comment_id=comment.id,
                            reader_id=reader_id,
                            reason=new.reason,
                            note=new.note,
                            weight=weight,
                            verified=new.verified,
                        )
                    )
            except IntegrityError as error:
                raise ConflictError(repeated) from error
            # An atomic increment: concurrent reports on one comment queue on its row lock.
            session.execute(
                update(Comment)
                .where(Comment.id == comment.id)
                .values(report_weight=Comment.report_weight + weight)
                .execution_options(synchronize_session=False)
            )
            fresh = session.get(Comment, comment.id, populate_existing=True)
            assert fresh is not None
            return self._apply_weight(session, fresh, rules, new.request_id), weight

    def _reader(self, session: Session, site_id: str, reader_id: str) -> Reader:
        reader = session.get(Reader, (site_id, reader_id))
        if reader is not None:
            return reader
        try:
            with session.begin_nested():
                reader = Reader(
                    site_id=site_id,
                    reader_id=reader_id,
                    weight=reader_weight(0, 0),
                    upheld=0,
                    dismissed=0,
                )
                session.add(reader)
            return reader
        except IntegrityError:  # the same reader's first two reports raced
            found = session.get(Reader, (site_id, reader_id), populate_existing=True)
            assert found is not None
            return found

    def _apply_weight(
        self, session: Session, comment: Comment, rules: ReportRules, request_id: str | None
    ) -> Comment:
        weight = comment.report_weight
        was_hidden, moved = comment.hidden, False
        if comment.status == "approved" and weight >= rules.report_threshold:
            moved = True
            # For the moderators' queue only: the public status and decided_at do not move.
            comment = transition(
                session,
                comment,
                "reported",
                comment.version,
                actor_type="system",
                actor="reader-reports",
                reason_code=None,
                reason=f"reader reports weigh {weight:.2f} >= {rules.report_threshold}",
                request_id=request_id,
            )
        values = queue_columns(comment.verdict, comment.created_at, weight)
        values["hidden"] = hidden_by_reports(session, comment.id, rules)
        if values["hidden"] != was_hidden:
            # Readers' page changes: cached copies go stale, and the CDN is purged (the outbox
            # event below; a move to `reported` wrote comment.reported already).
            mark_thread_changed(session, comment.site_id, comment.article_id)
            if not moved:
                add_event(session, THREAD_CHANGED_EVENT, comment)
        session.execute(
            update(Comment)
            .where(Comment.id == comment.id)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        fresh = session.get(Comment, comment.id, populate_existing=True)
        assert fresh is not None
        return fresh


def hidden_by_reports(session: Session, comment_id: int, rules: ReportRules) -> bool:
    """Whether the comment's open verified reports hide it under `rules`."""
    readers, weight = session.execute(
        select(func.count(), func.coalesce(func.sum(ReaderReport.weight), 0.0)).where(
            ReaderReport.comment_id == comment_id,
            ReaderReport.verified.is_(True),
            ReaderReport.outcome.is_(None),
        )
    ).one()
    return rules.hides(int(readers), float(weight))


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
        if report.verified:  # an anonymous reader has no standing to earn or lose
            _adjust_reader(session, comment.site_id, report.reader_id, outcome, +1)
    if to_status == "approved":
        # Approved over its reports: it starts afresh, visible, and earlier reporters stay counted.
        _reset_weight(session, comment, 0.0, hidden=False)
    return len(reports)


def revert_reports(session: Session, comment: Comment, version: int, rules: ReportRules) -> None:
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
        if report.verified:
            _adjust_reader(session, comment.site_id, report.reader_id, report.outcome or "", -1)
        report.outcome = None
        report.decided_version = None
    if dismissed:
        # The approval had cleared their weight; reports sent since then still count too.
        session.flush()
        weight = comment.report_weight + sum(report.weight for report in dismissed)
        _reset_weight(session, comment, weight, hidden_by_reports(session, comment.id, rules))


def _adjust_reader(session: Session, site_id: str, reader_id: str, outcome: str, step: int) -> None:
    reader = session.get(Reader, (site_id, reader_id))
    if reader is None:
        return
    if outcome == "upheld":
        reader.upheld = max(0, reader.upheld + step)
    elif outcome == "dismissed":
        reader.dismissed = max(0, reader.dismissed + step)
    # The only place a reader's weight changes: a moderator upheld or dismissed a report.
    reader.weight = reader_weight(reader.upheld, reader.dismissed)


def _reset_weight(session: Session, comment: Comment, weight: float, hidden: bool) -> None:
    if hidden != comment.hidden:  # the decision's own event purges the CDN
        mark_thread_changed(session, comment.site_id, comment.article_id)
    values = queue_columns(comment.verdict, comment.created_at, weight)
    session.execute(
        update(Comment)
        .where(Comment.id == comment.id)
        .values(report_weight=weight, hidden=hidden, **values)
        .execution_options(synchronize_session=False)
    )
