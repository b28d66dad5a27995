"""What the DSA's tables hold about a comment author, and how an erasure removes it
(moderation/db/personal.py says what a declaration is).

A notice or appeal stays as a row, so the transparency report keeps counting it (DSA art. 15
and 24 ask for the numbers, not the people): the subject's words and identity go. Notices the
subject sent as a signed-in reader lose their name, e-mail and explanation and carry the
pseudonym; notices about the subject's comments lose the copy of the comment and the
reporter's explanation (which may quote it); the subject's appeals lose their explanation and
carry the pseudonym; the history of those notices and appeals loses its notes, and the subject's
own steps in it carry the pseudonym.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, or_, select, update
from sqlalchemy.orm import Session

from moderation.db.personal import Declaration, PersonalTable, Subject, execute
from moderation.dsa.models import DsaAppeal, DsaHistory, DsaNotice


def _notices_where(subject: Subject) -> ColumnElement[bool]:
    sent = (DsaNotice.site_id == subject.site_id) & (DsaNotice.reporter_id == subject.author_id)
    if not subject.comment_ids:
        return sent
    return or_(sent, DsaNotice.comment_id.in_(subject.comment_ids))


def _notices(subject: Subject) -> Select[Any]:
    return select(DsaNotice).where(_notices_where(subject)).order_by(DsaNotice.id)


def _erase_notices(session: Session, subject: Subject) -> int:
    changed = execute(
        session,
        update(DsaNotice)
        .where(DsaNotice.site_id == subject.site_id, DsaNotice.reporter_id == subject.author_id)
        .values(
            reporter_id=subject.pseudonym, reporter_name=None, reporter_email=None, explanation=""
        ),
    )
    if subject.comment_ids:
        changed += execute(
            session,
            update(DsaNotice)
            .where(DsaNotice.comment_id.in_(subject.comment_ids))
            .values(comment_text="", explanation=""),
        )
    return changed


def _appeals_where(subject: Subject) -> ColumnElement[bool]:
    return (DsaAppeal.site_id == subject.site_id) & (DsaAppeal.author_id == subject.author_id)


def _appeals(subject: Subject) -> Select[Any]:
    return select(DsaAppeal).where(_appeals_where(subject)).order_by(DsaAppeal.id)


def _erase_appeals(session: Session, subject: Subject) -> int:
    return execute(
        session,
        update(DsaAppeal)
        .where(_appeals_where(subject))
        .values(author_id=subject.pseudonym, explanation=""),
    )


def _history_where(subject: Subject) -> ColumnElement[bool]:
    notices = select(DsaNotice.id).where(_notices_where(subject))
    appeals = select(DsaAppeal.id).where(_appeals_where(subject))
    return or_(DsaHistory.notice_id.in_(notices), DsaHistory.appeal_id.in_(appeals))


def _history(subject: Subject) -> Select[Any]:
    return select(DsaHistory).where(_history_where(subject)).order_by(DsaHistory.id)


def _erase_history(session: Session, subject: Subject) -> int:
    """Runs before the notices and appeals lose the ids that find these rows."""
    where = _history_where(subject)
    changed = execute(
        session,
        update(DsaHistory)
        .where(where, DsaHistory.actor == subject.author_id)
        .values(actor=subject.pseudonym),
    )
    return changed + execute(session, update(DsaHistory).where(where).values(body=None))


PERSONAL_DATA: tuple[Declaration, ...] = (
    PersonalTable(
        "dsa_history",
        "the status history of the subject's notices and appeals, and of notices about their "
        "comments: notes, and the subject as the actor of their own steps",
        _history,
        _erase_history,
    ),
    PersonalTable(
        "dsa_notices",
        "notices the subject sent as a signed-in reader (name, e-mail, explanation) and notices "
        "about their comments (a copy of the comment, the reporter's explanation)",
        _notices,
        _erase_notices,
    ),
    PersonalTable(
        "dsa_appeals",
        "the subject's appeals against decisions on their comments (their explanation)",
        _appeals,
        _erase_appeals,
    ),
)
