"""The statement of reasons of a held or rejected comment (DSA art. 17), on its public status.

Read, never stored: every restriction is already an immutable audit record (who decided: the
machine or a person; the reason code; when), the machine's verdict says what flagged it, a
notice decided ILLEGAL points at the removal it made, and an appeal at the decision it contests.
So each decision has exactly one statement (its id is the audit record's), a later decision a
new one, and the scoring worker writes nothing more.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from flask import has_request_context
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from moderation.comments.models import AuditRecord, Comment
from moderation.comments.status_details import StatusDetails
from moderation.config import DsaSettings
from moderation.dsa.grounds import flagged_by, ground_for
from moderation.dsa.models import DsaAppeal, DsaNotice
from moderation.web.context import public_base

RESTRICTIONS = {"held": "visibility_restricted", "rejected": "removal"}
OUT_OF_COURT = (
    "You may also turn to a certified out-of-court dispute settlement body (EU Digital "
    "Services Act, art. 21)."
)
JUDICIAL = "You may take the decision to court, whatever you do here."
ANONYMOUS_NOTE = (
    "This comment was posted without signing in, so this service cannot tell its author from "
    "anyone else and takes no appeal for it: write to the newsroom (its terms give the address)."
)


@dataclasses.dataclass(frozen=True)
class Restriction:
    """The decision that restricts a comment now: its audit record."""

    record: AuditRecord
    comment: Comment


def current_restriction(session: Session, comment: Comment) -> Restriction | None:
    """The audit record that put the comment in its held or rejected state; None otherwise."""
    if comment.status not in RESTRICTIONS:
        return None
    record = session.scalar(
        select(AuditRecord)
        .where(AuditRecord.comment_id == comment.id, AuditRecord.to_status == comment.status)
        .order_by(AuditRecord.id.desc())
        .limit(1)
    )
    return Restriction(record, comment) if record is not None else None


def _facts(restriction: Restriction, notice: DsaNotice | None, flagged: list[str]) -> str:
    record, comment = restriction.record, restriction.comment
    held = comment.status == "held"
    if notice is not None:
        return (
            f"A notice of illegal content (reference {notice.reference}) said this comment "
            f"breaks the law ({notice.law_broken}). A moderator read the comment and the "
            "notice and found the comment illegal, so it was removed."
        )
    if record.actor_type == "system":
        found = "; ".join(flagged) or "the site's automatic rules"
        then = "held until a moderator reads it" if held else "removed without a person"
        return f"Automatic checks flagged this comment ({found}), so it was {then}."
    prefix = f"Automatic checks flagged it ({'; '.join(flagged)}), and " if flagged else ""
    outcome = "kept it from readers" if held else "removed it"
    return f"{prefix}a moderator read this comment and {outcome}."


class StatementService(StatusDetails):
    """Statements of reasons for the public status (comments/api.py asks for StatusDetails)."""

    def __init__(self, sessions: sessionmaker[Session], settings: DsaSettings) -> None:
        self.sessions = sessions
        self.settings = settings

    def statement_of_reasons(self, comment: Comment) -> dict[str, Any] | None:
        if comment.status not in RESTRICTIONS:
            return None  # no query for the comments that are not restricted
        with self.sessions() as session:
            restriction = current_restriction(session, comment)
            if restriction is None:
                return None
            record = restriction.record
            notice = session.scalar(
                select(DsaNotice).where(DsaNotice.restriction_audit_id == record.id).limit(1)
            )
            appeal = session.scalar(select(DsaAppeal).where(DsaAppeal.audit_record_id == record.id))
        verdict = comment.verdict if isinstance(comment.verdict, dict) else None
        flagged = flagged_by(verdict)
        automated_decision = record.actor_type == "system"
        ground = ground_for(record.reason_code, notice.legal_grounds if notice else None)
        return {
            "id": f"sor-{record.id}",
            "restriction": RESTRICTIONS[comment.status],
            "decided_at": record.created_at,
            "facts": _facts(restriction, notice, flagged),
            "ground": ground.to_dict(),
            "automated": {"detection": bool(flagged), "decision": automated_decision},
            "notice_reference": notice.reference if notice else None,
            "redress": self._redress(comment, record, appeal),
        }

    def _redress(
        self, comment: Comment, record: AuditRecord, appeal: DsaAppeal | None
    ) -> dict[str, Any]:
        until = _aware(record.created_at) + dt.timedelta(days=self.settings.appeal_window_days)
        if not comment.author_verified:
            url, note, until_or_none = None, ANONYMOUS_NOTE, None
        else:
            url = _appeal_url(comment.id)
            note = (
                "You may ask for this decision to be reviewed by a person, once, signed in as "
                "the comment's author: POST your explanation to appeal_url before appeal_until."
            )
            until_or_none = until
        return {
            "appeal_url": url,
            "appeal_until": until_or_none,
            "appeal_note": note,
            "appeal": _appeal_state(appeal),
            "out_of_court": OUT_OF_COURT,
            "judicial": JUDICIAL,
        }


def _appeal_state(appeal: DsaAppeal | None) -> dict[str, Any] | None:
    if appeal is None:
        return None
    return {
        "id": appeal.id,
        "status": appeal.status,
        "outcome": appeal.outcome,
        "explanation": appeal.decision_explanation,
        "created_at": appeal.created_at,
        "decided_at": appeal.decided_at,
    }


def _appeal_url(comment_id: int) -> str:
    path = f"/v1/comments/{comment_id}/appeals"  # comment ids are unique across sites
    if not has_request_context():
        return path
    return public_base() + path.lstrip("/")


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
