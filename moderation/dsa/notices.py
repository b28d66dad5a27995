"""Notices of illegal content (DSA art. 16): taken from anyone, one per comment named, in their
own queue with a status history; the reporter reads the status with the secret given at once,
and a person decides each: ILLEGAL (the comment is removed, through review/decisions.py) or LEGAL.

The fields are Coral Talk's DSA report's (server/src/core/server/models/dsaReport/report.ts):
`lawBrokenDescription` is `law_broken`, `additionalInformation` is `explanation`, comments
reported together share a `submissionID` (`submission_id`), `referenceID` is `reference`, and
the statuses and the decision (legality, legal grounds, explanation) are its own.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import secrets
import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from moderation.comments.models import AuditRecord, Comment
from moderation.db.base import utcnow
from moderation.dsa.events import add_event, notice_data
from moderation.dsa.models import DsaHistory, DsaNotice
from moderation.dsa.vocabulary import (
    AWAITING_REVIEW,
    COMPLETED,
    DECISION_MADE,
    NOTE,
    RECEIVED,
    STATUS_CHANGED,
    UNDER_REVIEW,
    VOID,
)
from moderation.errors import ConflictError, InvalidRequestError, NotFoundError
from moderation.review.decisions import human_decision

# Where a moderator may move a notice by hand; COMPLETED comes only with a decision.
MOVES = {AWAITING_REVIEW: {UNDER_REVIEW, VOID}, UNDER_REVIEW: {AWAITING_REVIEW, VOID}}
# Reference letters: no 0/O or 1/I/L to misread when a reporter types one into an e-mail.
_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


@dataclasses.dataclass(frozen=True)
class NewNotice:
    """A notice as the public endpoint received it, already checked for shape."""

    site_id: str
    comment_ids: Sequence[int]
    law_broken: str
    explanation: str
    good_faith: bool
    reporter_name: str | None = None
    reporter_email: str | None = None
    reporter_id: str | None = None  # a verified commenter's id, from a session
    request_id: str | None = None


@dataclasses.dataclass(frozen=True)
class Receipt:
    """The acknowledgment: the notices made and the secret that reads them (shown once)."""

    submission_id: str
    secret: str
    notices: list[DsaNotice]


@dataclasses.dataclass(frozen=True)
class NoticeDetail:
    notice: DsaNotice
    history: list[DsaHistory]


@dataclasses.dataclass(frozen=True)
class Actor:
    """The moderator acting (g.moderator, g.moderator_id) and the request."""

    name: str
    account_id: int | None = None
    request_id: str | None = None


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _reference() -> str:
    letters = "".join(secrets.choice(_ALPHABET) for _ in range(10))
    return f"DSA-{letters[:5]}-{letters[5:]}"


class NoticeService:
    """Take notices, show them to their reporter and to moderators, and decide them."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    # ---- the reporter's side ----

    def submit(self, new: NewNotice) -> Receipt:
        """One notice per comment named, sharing a submission id and a secret; 422 naming the
        field when a comment is not this site's."""
        if not new.good_faith:
            raise InvalidRequestError(
                "a notice needs the statement that it is made in good faith (art. 16(2)(d))",
                field="good_faith",
            )
        secret = secrets.token_urlsafe(24)
        submission = uuid.uuid4().hex
        with self.sessions.begin() as session:
            comments = self._comments(session, new)
            notices = []
            for comment in comments:
                notice = DsaNotice(
                    reference=_reference(),
                    submission_id=submission,
                    site_id=new.site_id,
                    comment_id=comment.id,
                    comment_text=comment.text,
                    law_broken=new.law_broken,
                    explanation=new.explanation,
                    good_faith=True,
                    reporter_name=new.reporter_name,
                    reporter_email=new.reporter_email,
                    reporter_id=new.reporter_id,
                    secret_hash=_hash(secret),
                    status=AWAITING_REVIEW,
                    request_id=new.request_id,
                )
                session.add(notice)
                session.flush()
                session.add(
                    DsaHistory(
                        notice_id=notice.id,
                        type=RECEIVED,
                        status=AWAITING_REVIEW,
                        actor_type="reporter",
                    )
                )
                add_event(
                    session, "dsa_notice.received", new.site_id, comment.id, notice_data(notice)
                )
                notices.append(notice)
        return Receipt(submission, secret, notices)

    @staticmethod
    def _comments(session: Session, new: NewNotice) -> list[Comment]:
        ids = list(dict.fromkeys(new.comment_ids))  # once each, in the order given
        found = {
            comment.id: comment
            for comment in session.scalars(select(Comment).where(Comment.id.in_(ids)))
        }
        for position, comment_id in enumerate(ids):
            comment = found.get(comment_id)
            if comment is None or comment.site_id != new.site_id:
                field = "comment_id" if position == 0 else "additional_comment_ids"
                raise InvalidRequestError(
                    f"no comment {comment_id} on site {new.site_id}", field=field
                )
        if new.reporter_id is not None:
            # A signed-in reader notifies a comment once (Coral refuses a duplicate the same
            # way); anonymous reporters cannot be told apart, so they are not checked.
            earlier = session.scalar(
                select(DsaNotice.reference).where(
                    DsaNotice.comment_id.in_(ids),
                    DsaNotice.site_id == new.site_id,
                    DsaNotice.reporter_id == new.reporter_id,
                )
            )
            if earlier is not None:
                raise ConflictError(f"you already sent a notice about this comment: {earlier}")
        return [found[comment_id] for comment_id in ids]

    def for_reporter(self, reference: str, secret: str | None) -> NoticeDetail:
        """The notice, if `secret` is its reporter's; else NotFoundError, the same answer as for
        an unknown reference, so references cannot be tried."""
        with self.sessions() as session:
            notice = session.scalar(select(DsaNotice).where(DsaNotice.reference == reference))
            if (
                notice is None
                or secret is None
                or not hmac.compare_digest(notice.secret_hash, _hash(secret))
            ):
                raise NotFoundError(f"no notice {reference} with this secret")
            return NoticeDetail(notice, self._history(session, notice.id))

    # ---- the moderators' side ----

    def queue(
        self,
        site_ids: Sequence[str] | None,
        statuses: Sequence[str],
        after: int,
        limit: int,
    ) -> list[DsaNotice]:
        """Notices in `statuses`, oldest first (the order art. 16(6) asks them to be handled
        in: timely), on `site_ids` (None: every site), after id `after`."""
        query = select(DsaNotice).where(DsaNotice.status.in_(list(statuses)), DsaNotice.id > after)
        if site_ids is not None:
            query = query.where(DsaNotice.site_id.in_(list(site_ids)))
        with self.sessions() as session:
            return list(session.scalars(query.order_by(DsaNotice.id).limit(limit)))

    def detail(self, notice_id: int) -> NoticeDetail:
        with self.sessions() as session:
            notice = session.get(DsaNotice, notice_id)
            if notice is None:
                raise NotFoundError(f"no notice {notice_id}")
            return NoticeDetail(notice, self._history(session, notice.id))

    def site_of(self, notice_id: int) -> str:
        return self.detail(notice_id).notice.site_id

    def change_status(self, notice_id: int, status: str, note: str | None, actor: Actor) -> None:
        """Take a notice under review, put it back, or void it (a note says why)."""
        if status == VOID and not note:
            raise InvalidRequestError("say why the notice is void", field="note")
        with self.sessions.begin() as session:
            notice = self._locked(session, notice_id)
            if status not in MOVES.get(notice.status, set()):
                raise ConflictError(
                    f"notice {notice.reference} is {notice.status}: not to {status}"
                )
            notice.status = status
            self._step(session, notice, STATUS_CHANGED, actor, status=status, body=note)
            add_event(
                session,
                "dsa_notice.status_changed",
                notice.site_id,
                notice.comment_id,
                notice_data(notice),
            )

    def add_note(self, notice_id: int, body: str, actor: Actor) -> None:
        with self.sessions.begin() as session:
            notice = self._locked(session, notice_id)
            self._step(session, notice, NOTE, actor, body=body)

    def decide(
        self,
        notice_id: int,
        legality: str,
        legal_grounds: str | None,
        explanation: str,
        actor: Actor,
    ) -> DsaNotice:
        """Decide the notice. ILLEGAL removes the comment (a moderator's rejection with the reason
        code `illegal`, claims and reports settled as in review); LEGAL leaves it as it is."""
        if legality == "ILLEGAL" and not legal_grounds:
            raise InvalidRequestError(
                "name the law the comment breaks (art. 17(3)(d))", field="legal_grounds"
            )
        with self.sessions.begin() as session:
            notice = self._locked(session, notice_id)
            if notice.status in {COMPLETED, VOID}:
                raise ConflictError(f"notice {notice.reference} is already {notice.status}")
            comment = session.get(Comment, notice.comment_id, populate_existing=True)
            assert comment is not None  # a foreign key
            if legality == "ILLEGAL" and comment.status != "rejected":
                decided = human_decision(
                    session,
                    comment,
                    "rejected",
                    comment.version,
                    moderator=actor.name,
                    moderator_id=actor.account_id,
                    reason_code="illegal",
                    reason=f"DSA notice {notice.reference}: {legal_grounds}",
                    request_id=actor.request_id,
                )
                session.flush()
                notice.restriction_audit_id = session.scalar(
                    select(AuditRecord.id)
                    .where(AuditRecord.comment_id == decided.id)
                    .order_by(AuditRecord.id.desc())
                    .limit(1)
                )
            now = utcnow()
            notice.status = COMPLETED
            notice.legality = legality
            notice.legal_grounds = legal_grounds if legality == "ILLEGAL" else None
            notice.decision_explanation = explanation
            notice.decided_by, notice.decided_by_id, notice.decided_at = (
                actor.name,
                actor.account_id,
                now,
            )
            self._step(session, notice, STATUS_CHANGED, actor, status=COMPLETED)
            self._step(session, notice, DECISION_MADE, actor, decision=legality)
            add_event(
                session,
                "dsa_notice.decided",
                notice.site_id,
                notice.comment_id,
                notice_data(notice),
            )
        return notice

    # ---- shared ----

    @staticmethod
    def _locked(session: Session, notice_id: int) -> DsaNotice:
        notice = session.get(DsaNotice, notice_id, with_for_update=True)
        if notice is None:
            raise NotFoundError(f"no notice {notice_id}")
        return notice

    @staticmethod
    def _step(
        session: Session,
        notice: DsaNotice,
        kind: str,
        actor: Actor,
        *,
        status: str | None = None,
        decision: str | None = None,
        body: str | None = None,
    ) -> None:
        session.add(
            DsaHistory(
                notice_id=notice.id,
                type=kind,
                status=status,
                decision=decision,
                body=body,
                actor_type="moderator",
                actor=actor.name,
                actor_id=actor.account_id,
            )
        )

    @staticmethod
    def _history(session: Session, notice_id: int) -> list[DsaHistory]:
        return list(
            session.scalars(
                select(DsaHistory).where(DsaHistory.notice_id == notice_id).order_by(DsaHistory.id)
            )
        )
