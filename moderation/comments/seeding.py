"""Published comments that a person wrote in advance, inserted once: the demo page's thread.

Seeds are not scored, and do not pretend to be: each is inserted and approved in one
transaction, both changes audited as the `actor` who seeded them with its `reason`, and both
events (`comment.created`, `comment.approved`) written to the outbox like any other comment's.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from moderation.comments.intake import insert_comment
from moderation.comments.models import Comment
from moderation.comments.transitions import (
    event_row,
    insert_audit_rows,
    insert_events,
    transition,
)


@dataclasses.dataclass(frozen=True)
class Seed:
    """One comment to publish. `key` makes it idempotent; `reply_to` is an earlier seed's key."""

    key: str
    article_id: str
    author_id: str
    author_name: str
    text: str
    reply_to: str | None = None


def seed_published(
    sessions: sessionmaker[Session], seeds: Sequence[Seed], actor: str, reason: str
) -> bool:
    """Publish `seeds`, in order, unless they are there already; True when this call did.

    All or nothing: two processes seeding at once both try, the unique idempotency key lets
    one commit, and the other answers False.
    """
    if not seeds:
        return False
    with sessions() as session:
        if session.scalar(select(Comment.id).where(Comment.idempotency_key == _key(seeds[0]))):
            return False
    try:
        with sessions.begin() as session:
            ids: dict[str, int] = {}
            for seed in seeds:
                ids[seed.key] = _publish(session, seed, ids, actor, reason)
    except IntegrityError:
        return False
    return True


def _key(seed: Seed) -> str:
    # Its own namespace: no reader's Idempotency-Key (scoped by author, comments/service.py)
    # can collide with a seed's.
    return f"seed:{seed.key}"


def _publish(session: Session, seed: Seed, ids: dict[str, int], actor: str, reason: str) -> int:
    parent_id = ids[seed.reply_to] if seed.reply_to else None
    root_id = None
    if parent_id is not None:
        parent = session.get(Comment, parent_id)
        assert parent is not None  # inserted earlier in this transaction
        root_id = parent.root_id or parent.id
    comment = insert_comment(
        session,
        {
            "article_id": seed.article_id,
            "author_id": seed.author_id,
            "author_name": seed.author_name,
            "text": seed.text,
            "parent_id": parent_id,
            "root_id": root_id,
            "status": "pending",
            "version": 1,
            "idempotency_key": _key(seed),
        },
    )
    insert_audit_rows(
        session,
        [
            {
                "comment_id": comment.id,
                "actor_type": "system",
                "actor": actor,
                "from_status": None,
                "to_status": "pending",
                "reason": reason,
                "version": 1,
            }
        ],
    )
    insert_events(session, [event_row("comment.created", comment)])
    transition(
        session,
        comment,
        "approved",
        1,
        actor_type="system",
        actor=actor,
        reason_code=None,
        reason=reason,
    )
    return comment.id
