"""What score feedback holds about a comment author, and how an erasure removes it
(moderation/db/personal.py says what a declaration is).

Feedback names no author: a client (Coral's Perspective slot) sends the text of a comment, with
its own community, session and client token. An author's feedback is therefore the feedback on
their site whose text is exactly one of their comments' texts.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, delete, select
from sqlalchemy.orm import Session

from moderation.db.personal import Declaration, PersonalTable, Subject, execute
from moderation.perspective.models import ScoreFeedback


def _feedback(subject: Subject) -> Select[Any]:
    return (
        select(ScoreFeedback)
        .where(
            ScoreFeedback.site_id == subject.site_id,
            ScoreFeedback.text.in_(subject.comment_texts),
        )
        .order_by(ScoreFeedback.id)
    )


def _erase_feedback(session: Session, subject: Subject) -> int:
    if not subject.comment_texts:
        return 0
    return execute(
        session,
        delete(ScoreFeedback).where(
            ScoreFeedback.site_id == subject.site_id,
            ScoreFeedback.text.in_(subject.comment_texts),
        ),
    )


PERSONAL_DATA: tuple[Declaration, ...] = (
    PersonalTable(
        "score_feedback",
        "labels and stored analyzed texts sent about their comments' texts",
        _feedback,
        _erase_feedback,
    ),
)
