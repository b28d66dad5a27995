"""An author's standing (normal, banned, trusted, pre-moderated) and track record, read as plain
values for the scoring rules and the review detail. Moderators change it in review/authors.py."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from moderation.comments.models import Author, Comment


def author_state(session: Session, author_id: str) -> dict[str, Any]:
    """An author's standing and track record as plain values, for the scoring rules."""
    author = session.get(Author, author_id)
    return _state(
        author.status if author is not None else "normal", status_counts(session, author_id)
    )


def author_states(session: Session, author_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """`author_state` for a scoring batch's authors, in two queries."""
    wanted = sorted(set(author_ids))
    if not wanted:
        return {}
    standing = {
        row.author_id: row.status
        for row in session.scalars(select(Author).where(Author.author_id.in_(wanted)))
    }
    counts: dict[str, dict[str, int]] = {author: {} for author in wanted}
    rows = session.execute(
        select(Comment.author_id, Comment.status, func.count())
        .where(Comment.author_id.in_(wanted))
        .group_by(Comment.author_id, Comment.status)
    )
    for author, status, count in rows:
        counts[str(author)][str(status)] = int(count)
    return {author: _state(standing.get(author, "normal"), counts[author]) for author in wanted}


def _state(status: str, counts: dict[str, int]) -> dict[str, Any]:
    return {
        "banned": status == "banned",
        "trusted": status == "trusted",
        "premoderated": status == "premoderated",
        "approved_count": counts.get("approved", 0),
        "rejected_count": counts.get("rejected", 0),
    }


def status_counts(session: Session, author_id: str) -> dict[str, int]:
    rows = session.execute(
        select(Comment.status, func.count())
        .where(Comment.author_id == author_id)
        .group_by(Comment.status)
    )
    return {str(status): int(count) for status, count in rows}
