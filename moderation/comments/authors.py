"""An author's standing (normal, banned, trusted, pre-moderated) and track record, read as plain
values for the scoring rules and the review detail. Moderators change it in review/authors.py."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from moderation.comments.models import Author, Comment


def author_state(session: Session, site_id: str, author_id: str) -> dict[str, Any]:
    """An author's standing and track record on a site as plain values, for the scoring rules."""
    author = session.get(Author, (site_id, author_id))
    return _state(
        author.status if author is not None else "normal",
        status_counts(session, site_id, author_id),
    )


def author_states(
    session: Session, authors: Sequence[tuple[str, str]]
) -> dict[tuple[str, str], dict[str, Any]]:
    """`author_state` for a scoring batch's (site, author) pairs, in two queries."""
    wanted = sorted(set(authors))
    if not wanted:
        return {}
    ids = {author for _, author in wanted}
    standing = {
        (row.site_id, row.author_id): row.status
        for row in session.scalars(select(Author).where(Author.author_id.in_(ids)))
    }
    counts: dict[tuple[str, str], dict[str, int]] = {pair: {} for pair in wanted}
    rows = session.execute(
        select(Comment.site_id, Comment.author_id, Comment.status, func.count())
        .where(Comment.author_id.in_(ids))
        .group_by(Comment.site_id, Comment.author_id, Comment.status)
    )
    for site, author, status, count in rows:
        if (site, author) in counts:
            counts[(str(site), str(author))][str(status)] = int(count)
    return {pair: _state(standing.get(pair, "normal"), counts[pair]) for pair in wanted}


def _state(status: str, counts: dict[str, int]) -> dict[str, Any]:
    return {
        "banned": status == "banned",
        "trusted": status == "trusted",
        "premoderated": status == "premoderated",
        "approved_count": counts.get("approved", 0),
        "rejected_count": counts.get("rejected", 0),
    }


def status_counts(session: Session, site_id: str, author_id: str) -> dict[str, int]:
    rows = session.execute(
        select(Comment.status, func.count())
        .where(Comment.site_id == site_id, Comment.author_id == author_id)
        .group_by(Comment.status)
    )
    return {str(status): int(count) for status, count in rows}
