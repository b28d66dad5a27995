"""What the policies' tables hold about comment authors, and how an erasure removes it
(moderation/db/personal.py says what a declaration is).

A shadow verdict is the machine's second opinion on a comment: its reasons can quote the
comment (a matched term, a span), so an erasure empties it and keeps the decisions, which the
policy report counts. A spot check names a comment and the moderator who checked it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select, update
from sqlalchemy.orm import Session

from moderation.db.personal import Declaration, NoAuthorData, PersonalTable, Subject, execute
from moderation.policies.models import ShadowVerdict


def _shadow_verdicts(subject: Subject) -> Select[Any]:
    return (
        select(ShadowVerdict)
        .where(ShadowVerdict.comment_id.in_(subject.comment_ids))
        .order_by(ShadowVerdict.id)
    )


def _erase_shadow_verdicts(session: Session, subject: Subject) -> int:
    if not subject.comment_ids:
        return 0
    return execute(
        session,
        update(ShadowVerdict)
        .where(ShadowVerdict.comment_id.in_(subject.comment_ids))
        .values(verdict={}),
    )


PERSONAL_DATA: tuple[Declaration, ...] = (
    PersonalTable(
        "shadow_verdicts",
        "what a candidate policy would have decided on their comments, with its reasons",
        _shadow_verdicts,
        _erase_shadow_verdicts,
    ),
    NoAuthorData(
        "spot_checks",
        "which published comments were sampled for a person to check, and the moderator who "
        "kept or removed each; the comment's own row holds what its author wrote",
    ),
)
