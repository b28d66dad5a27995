"""What the core tables hold about a comment author, and how an erasure removes it
(moderation/db/personal.py says what a declaration is).

An erased author's comments stay as rows, so threads, counts and the audit trail keep their
shape: their text and name are blanked, the id becomes the pseudonym, and their status becomes
`erased` (seen by no reader, in no work queue). Readers' pages and the CDN learn of it like of any
other removal: the articles are marked changed (comments/thread_cache.py) and a `thread.changed`
event per article makes the CDN purge due (webhooks/purges.py).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, delete, func, insert, select, update
from sqlalchemy.orm import Session

from moderation.comments.counts import visible_to_readers
from moderation.comments.models import AuditRecord, Author, AuthorAction, Comment, CommentVersion
from moderation.comments.thread_cache import mark_thread_changed
from moderation.comments.transitions import THREAD_CHANGED_EVENT, add_event
from moderation.db.base import utcnow
from moderation.db.personal import ERASED, Declaration, PersonalTable, Subject, execute

ERASED_STATUS = "erased"
ERASURE_REASON_CODE = "author_erased"


def _comments(subject: Subject) -> Select[Any]:
    return (
        select(Comment)
        .where(Comment.site_id == subject.site_id, Comment.author_id == subject.author_id)
        .order_by(Comment.id)
    )


def _erase_comments(session: Session, subject: Subject) -> int:
    """In a few statements whatever their number: the rows locked, one audit record each (in
    one INSERT), one UPDATE, then one `thread.changed` event per article readers saw them in."""
    rows = session.execute(
        select(
            Comment.id,
            Comment.status,
            Comment.version,
            Comment.article_id,
            visible_to_readers().label("visible"),
        )
        .where(Comment.site_id == subject.site_id, Comment.author_id == subject.author_id)
        .order_by(Comment.id)
        .with_for_update()
    ).all()
    if not rows:
        return 0
    now = utcnow()
    shown_in: dict[str, int] = {}
    for row in rows:
        if row.visible:
            shown_in.setdefault(row.article_id, row.id)
    session.execute(
        insert(AuditRecord),
        [
            {
                "comment_id": row.id,
                "actor_type": "privacy",
                "actor": subject.requested_by,
                "actor_id": subject.requested_by_id,
                "from_status": row.status,
                "to_status": ERASED_STATUS,
                "reason_code": ERASURE_REASON_CODE,
                "request_id": subject.request_id,
                "version": row.version + 1,
                "created_at": now,
            }
            for row in rows
        ],
    )
    session.execute(
        update(Comment)
        .where(Comment.id.in_([row.id for row in rows]))
        .values(
            author_id=subject.pseudonym,
            author_name=ERASED,
            text=ERASED,
            verdict=None,
            idempotency_key=None,
            edit_token_hash=None,
            edited_at=None,
            request_fingerprint=None,
            claimed_by=None,
            claimed_until=None,
            status=ERASED_STATUS,
            hidden=False,
            version=Comment.version + 1,
            updated_at=now,
            decided_at=func.coalesce(Comment.decided_at, now),
        )
        .execution_options(synchronize_session=False)
    )
    for article_id, comment_id in sorted(shown_in.items()):
        mark_thread_changed(session, subject.site_id, article_id)
        comment = session.get(Comment, comment_id, populate_existing=True)
        if comment is not None:
            add_event(session, THREAD_CHANGED_EVENT, comment)
    return len(rows)


def _audit(subject: Subject) -> Select[Any]:
    return (
        select(AuditRecord)
        .where(AuditRecord.comment_id.in_(subject.comment_ids))
        .order_by(AuditRecord.id)
    )


def _erase_audit(session: Session, subject: Subject) -> int:
    """Reasons and notes go (moderators quote what they decide about); an author acting on their
    own comment is named by the pseudonym. Who decided, when, from and to stay."""
    if not subject.comment_ids:
        return 0
    changed = execute(
        session,
        update(AuditRecord)
        .where(AuditRecord.comment_id.in_(subject.comment_ids))
        .values(reason=None, note=None),
    )
    session.execute(
        update(AuditRecord)
        .where(
            AuditRecord.comment_id.in_(subject.comment_ids),
            AuditRecord.actor == subject.author_id,
            AuditRecord.actor_type != "moderator",
        )
        .values(actor=subject.pseudonym)
    )
    return changed


def _standing(subject: Subject) -> Select[Any]:
    return select(Author).where(
        Author.site_id == subject.site_id, Author.author_id == subject.author_id
    )


def _erase_standing(session: Session, subject: Subject) -> int:
    """Gone: a standing is about a person the service can no longer tell (a ban lapses)."""
    return execute(
        session,
        delete(Author).where(
            Author.site_id == subject.site_id, Author.author_id == subject.author_id
        ),
    )


def _actions(subject: Subject) -> Select[Any]:
    return (
        select(AuthorAction)
        .where(AuthorAction.site_id == subject.site_id, AuthorAction.author_id == subject.author_id)
        .order_by(AuthorAction.id)
    )


def _erase_actions(session: Session, subject: Subject) -> int:
    return execute(
        session,
        update(AuthorAction)
        .where(AuthorAction.site_id == subject.site_id, AuthorAction.author_id == subject.author_id)
        .values(author_id=subject.pseudonym, reason=ERASED),
    )


def _versions(subject: Subject) -> Select[Any]:
    return (
        select(CommentVersion)
        .where(CommentVersion.comment_id.in_(subject.comment_ids))
        .order_by(CommentVersion.comment_id, CommentVersion.revision)
    )


def _erase_versions(session: Session, subject: Subject) -> int:
    """Earlier texts are the author's words like the current one: deleted, since the comment's
    own row (blanked) keeps the thread's shape and the audit trail keeps the edits' count."""
    if not subject.comment_ids:
        return 0
    return execute(
        session, delete(CommentVersion).where(CommentVersion.comment_id.in_(subject.comment_ids))
    )


PERSONAL_DATA: tuple[Declaration, ...] = (
    PersonalTable(
        "comments",
        "their comments: text, the name they gave, ids, the machine's verdict",
        _comments,
        _erase_comments,
    ),
    PersonalTable(
        "comment_versions",
        "the texts their comments had before they edited them, with those texts' verdicts",
        _versions,
        _erase_versions,
    ),
    PersonalTable(
        "audit_records",
        "every change of their comments' states, with moderators' reasons and notes",
        _audit,
        _erase_audit,
    ),
    PersonalTable(
        "authors", "their standing (banned, trusted, pre-moderated)", _standing, _erase_standing
    ),
    PersonalTable(
        "author_actions", "changes of their standing, with reasons", _actions, _erase_actions
    ),
)
