"""Authors' edits: who may edit a comment, for how long, and what an edit does.

Who: the author, proved the way the comment was posted. A verified comment (its author came
with a commenter session, sites/commenters.py) is edited with a session of the same reader on
the same site. An anonymous comment's author id proves nothing (anyone may send it), so its
author gets an edit token once, in the answer that took the comment; only its SHA-256 is
stored (`comments.edit_token_hash`), as a password would be.

What: the new text is moderated like a new comment. The comment goes back to `pending`, out of
the public list until the scoring worker (and, under pre-moderation, a person) decides the new
text; the text it replaces stays in `comment_versions` with the state and verdict it had, for
the review detail and the audit trail. One transaction writes the version, the new state
(`version` + 1), the audit record (actor: the author) and a `comment.edited` event; scoring is
enqueued after the commit. Decision record 0024 says why the old text is not kept published.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import hmac
import secrets

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from moderation.comments.counts import is_visible
from moderation.comments.models import AuditRecord, Comment, CommentVersion
from moderation.comments.priority import queue_columns
from moderation.comments.thread_cache import mark_thread_changed
from moderation.comments.transitions import add_event_row, event_row
from moderation.comments.work_queue import WorkQueue
from moderation.db.base import utcnow
from moderation.errors import (
    ConflictError,
    ForbiddenError,
    InvalidRequestError,
    NotFoundError,
    UnauthorizedError,
)

# A published, pending or held comment may be edited. A rejected one stays rejected (a new
# comment is the way back), and a comment readers reported waits for the moderator's call on
# the text they reported.
EDITABLE = frozenset({"pending", "approved", "held"})
EDITED_EVENT = "comment.edited"
EDIT_TOKEN_PREFIX = "cet_"


def new_edit_token() -> tuple[str, str]:
    """A fresh edit token (256 random bits) and the digest that is stored instead of it."""
    token = EDIT_TOKEN_PREFIX + secrets.token_urlsafe(32)
    return token, token_digest(token)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def editable_until(comment: Comment, window_seconds: int) -> dt.datetime | None:
    """Until when its author may edit the comment; None when they may not (any more). A
    reported comment reads as the published one it was (the public status never tells of
    reports), though an edit waits for the moderator's call."""
    if window_seconds <= 0 or comment.status not in EDITABLE | {"reported"}:
        return None
    until = aware(comment.created_at) + dt.timedelta(seconds=window_seconds)
    return until if until > utcnow() else None


@dataclasses.dataclass(frozen=True)
class Editor:
    """Who asks to edit: a verified reader's id (from their session), an edit token, or both."""

    reader_id: str | None = None
    edit_token: str | None = None


@dataclasses.dataclass(frozen=True)
class Edit:
    """An author's new text for a comment, at the version they saw."""

    comment_id: int
    site_id: str
    text: str
    version: int
    editor: Editor
    window_seconds: int
    request_id: str | None = None


class CommentEdits:
    """Edit a comment as its author; the new text is scored again."""

    def __init__(self, sessions: sessionmaker[Session], queue: WorkQueue) -> None:
        self.sessions = sessions
        self.queue = queue

    def edit(self, edit: Edit) -> Comment:
        """Replace the text at `edit.version`, keep the old one, and ask for a new verdict."""
        with self.sessions.begin() as session:
            comment = session.get(Comment, edit.comment_id, with_for_update=True)
            if comment is None or comment.site_id != edit.site_id:
                raise NotFoundError(f"no comment with id {edit.comment_id}")
            check_author(comment, edit.editor)
            _check_window(comment, edit.window_seconds)
            if comment.status not in EDITABLE:
                raise ConflictError(_not_editable(comment), current_version=comment.text_revision)
            if comment.text_revision != edit.version:
                raise ConflictError(
                    f"comment {comment.id} is at version {comment.text_revision}, not "
                    f"{edit.version}: reload it and edit again",
                    current_version=comment.text_revision,
                )
            if edit.text == comment.text:
                raise InvalidRequestError("is the comment's text already", field="text")
            edited = _replace_text(session, comment, edit)
        self.queue.enqueue_scoring([edited.id], edit.request_id)
        return edited


def check_author(comment: Comment, editor: Editor) -> None:
    """Refuse anyone but the comment's author: 401 without a credential, 403 with another's."""
    if comment.author_verified:
        if editor.reader_id is None:
            raise UnauthorizedError(
                "send the commenter session of the reader who wrote it", "token_required"
            )
        if editor.reader_id != comment.author_id:
            raise ForbiddenError(f"comment {comment.id} was written by another reader")
        return
    if editor.edit_token is None:
        if editor.reader_id is not None:
            raise ForbiddenError(f"comment {comment.id} was written by another reader")
        raise UnauthorizedError(
            "send the edit_token the comment's author was given when it was posted",
            "edit_token_required",
        )
    stored = comment.edit_token_hash or ""
    if not hmac.compare_digest(stored, token_digest(editor.edit_token)):
        raise ForbiddenError(f"the edit token is not comment {comment.id}'s")


def _check_window(comment: Comment, window_seconds: int) -> None:
    if window_seconds <= 0:
        raise InvalidRequestError(
            "comments on this site cannot be edited (comments.edit_window_seconds is 0)",
            field="edit_window_seconds",
        )
    age = (utcnow() - aware(comment.created_at)).total_seconds()
    if age > window_seconds:
        raise InvalidRequestError(
            f"a comment can be edited for {window_seconds} s after it is posted "
            f"(comments.edit_window_seconds); comment {comment.id} was posted {int(age)} s ago",
            field="edit_window_seconds",
        )


def _not_editable(comment: Comment) -> str:
    if comment.status == "rejected":
        return f"comment {comment.id} was rejected and cannot be edited: post a new comment"
    return f"comment {comment.id} is waiting for a moderator and cannot be edited now"


def _replace_text(session: Session, comment: Comment, edit: Edit) -> Comment:
    """The version row, the new state, the audit record and the event, in `session`."""
    now = utcnow()
    revision, old_version = comment.text_revision, comment.version  # of the text replaced
    last = session.scalar(
        select(CommentVersion.replaced_at)
        .where(CommentVersion.comment_id == comment.id)
        .order_by(CommentVersion.revision.desc())
        .limit(1)
    )
    session.add(
        CommentVersion(
            comment_id=comment.id,
            revision=revision,
            text=comment.text,
            status=comment.status,
            public_reason=comment.public_reason,
            verdict=comment.verdict,
            comment_version=comment.version,
            written_at=last or comment.created_at,
            replaced_at=now,
            request_id=edit.request_id,
        )
    )
    from_status, was_visible = comment.status, is_visible(comment)
    fresh = session.scalars(
        update(Comment)
        .where(Comment.id == comment.id, Comment.version == old_version)
        .values(
            text=edit.text,
            text_revision=revision + 1,
            status="pending",
            version=old_version + 1,
            public_reason=None,
            verdict=None,
            decided_at=None,
            edited_at=now,
            updated_at=now,
            claimed_by=None,
            claimed_until=None,
            **queue_columns(None, comment.created_at, comment.report_weight),
        )
        .returning(Comment),
        execution_options={"synchronize_session": False, "populate_existing": True},
    ).one()
    if was_visible:  # it leaves the public list until the new text is decided
        mark_thread_changed(session, fresh.site_id, fresh.article_id)
    session.add(
        AuditRecord(
            comment_id=fresh.id,
            actor_type="author",
            actor=fresh.author_id,
            from_status=from_status,
            to_status="pending",
            reason=f"edited by its author (text revision {revision + 1})",
            request_id=edit.request_id,
            version=fresh.version,
        )
    )
    row = event_row(EDITED_EVENT, fresh)
    row["payload"]["data"]["edit"] = {
        "revision": revision + 1,
        "previous_status": from_status,
        "previous_version": old_version,
    }
    add_event_row(session, row)
    return fresh
