"""What the outbox holds about a comment author, and how an erasure removes it
(moderation/db/personal.py says what a declaration is).

An event's payload is the body every webhook delivery of it sends: about one of the subject's
comments (their id, and the text once published) or about them (`author.banned`). Erased, the
event keeps its id, type, time and what it is about (comment, site, article), so deliveries still
pending send the stub, and a CDN purge still finds the article; the rest goes. Copies already
delivered to other systems are theirs to erase: the `author.erased` event names the comments.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, and_, or_, select, update
from sqlalchemy.orm import Session

from moderation.db.personal import Declaration, PersonalTable, Subject
from moderation.events.models import OutboxEvent


def about_subject(subject: Subject) -> Any:
    """The condition for the events about the subject or one of their comments."""
    data = OutboxEvent.payload["data"]
    return or_(
        OutboxEvent.comment_id.in_(subject.comment_ids),
        and_(
            OutboxEvent.comment_id.is_(None),
            data["author"]["id"].as_string() == subject.author_id,
            data["site_id"].as_string() == subject.site_id,
        ),
    )


def _events(subject: Subject) -> Select[Any]:
    return select(OutboxEvent).where(about_subject(subject)).order_by(OutboxEvent.id)


def erased_payload(payload: dict[str, Any], subject: Subject) -> dict[str, Any]:
    """The envelope kept: id, type, time, and which comment (site, article) or which pseudonym."""
    data = payload.get("data")
    comment = data.get("comment") if isinstance(data, dict) else None
    kept: dict[str, Any]
    if isinstance(comment, dict):
        kept = {
            "comment": {
                "id": comment.get("id"),
                "site_id": comment.get("site_id"),
                "article_id": comment.get("article_id"),
                "status": "erased",
            }
        }
    else:
        kept = {"author": {"id": subject.pseudonym}, "site_id": subject.site_id}
    envelope: dict[str, Any] = {
        key: payload[key] for key in ("id", "type", "timestamp") if key in payload
    }
    return {**envelope, "data": {**kept, "erased": True}}


def _erase_events(session: Session, subject: Subject) -> int:
    """Each payload reduced, in one executemany UPDATE by primary key."""
    events = session.execute(
        select(OutboxEvent.id, OutboxEvent.payload).where(about_subject(subject))
    ).all()
    if events:
        session.execute(
            update(OutboxEvent),
            [{"id": row.id, "payload": erased_payload(row.payload, subject)} for row in events],
        )
    return len(events)


PERSONAL_DATA: tuple[Declaration, ...] = (
    PersonalTable(
        "outbox_events",
        "the events about them and their comments: the body of every webhook delivery",
        _events,
        _erase_events,
    ),
)
