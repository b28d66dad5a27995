"""Readers' side: submit a comment, read its status, list an article's published comments."""

from __future__ import annotations

import base64
import binascii
import dataclasses
import hashlib
import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import exists, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased, sessionmaker

from moderation.comments.counts import VisibleCounts, is_visible, visible_to_readers
from moderation.comments.edits import new_edit_token
from moderation.comments.intake import insert_comment
from moderation.comments.models import Comment
from moderation.comments.seeding import Seed, seed_published
from moderation.comments.since import SINCE_PREFIX, latest_published, published_after
from moderation.comments.transitions import event_row, insert_audit_rows, insert_events
from moderation.comments.work_queue import WorkQueue
from moderation.errors import InvalidRequestError, NotFoundError
from moderation.sites.models import DEFAULT_SITE


@dataclasses.dataclass(frozen=True)
class NewComment:
    """A comment as a reader sent it, already checked for shape by the API."""

    article_id: str
    author_id: str
    author_name: str
    text: str
    parent_id: int | None = None
    idempotency_key: str | None = None
    request_id: str | None = None
    site_id: str = DEFAULT_SITE
    # The author id and name came from a commenter session, not from the request body.
    author_verified: bool = False

    def fingerprint(self) -> str:
        body = [self.article_id, self.author_id, self.author_name, self.text, self.parent_id]
        if self.site_id != DEFAULT_SITE:
            body.append(self.site_id)
        return hashlib.sha256(json.dumps(body).encode()).hexdigest()

    def scoped_key(self) -> str | None:
        """The idempotency key, scoped to its author so two clients' keys never collide."""
        if self.idempotency_key is None:
            return None
        raw = f"{self.site_id}\x1f{self.author_id}\x1f{self.idempotency_key}"
        if self.site_id == DEFAULT_SITE:  # keys given before sites keep their meaning
            raw = f"{self.author_id}\x1f{self.idempotency_key}"
        return hashlib.sha256(raw.encode()).hexdigest()


@dataclasses.dataclass(frozen=True)
class Submitted:
    comment: Comment
    created: bool  # False when an Idempotency-Key retry returned the earlier comment
    # An anonymous author's capability to edit the comment (comments/edits.py), shown once.
    edit_token: str | None = None


@dataclasses.dataclass(frozen=True)
class Thread:
    comment: Comment
    replies: list[Thread]
    # A top-level comment readers no longer see (erased at its author's request, removed by a
    # moderator, hidden by reports, an edit under review) shown as a placeholder because
    # other readers' replies under it are still published: their words stay where they were.
    removed: bool = False


@dataclasses.dataclass(frozen=True)
class Page:
    items: list[Any]
    next_cursor: str | None
    total: int | None = None
    # The comment published last on or before this page, for the next `since` (comments/since.py).
    latest_id: int | None = None


def encode_cursor(last_id: int, prefix: str = "id") -> str:
    return base64.urlsafe_b64encode(f"{prefix}:{last_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None, prefix: str = "id") -> int:
    """The id a page continues after; 0 for the first page. Bad cursors name the parameter.

    `prefix` tells cursors of different orders apart, so a cursor from an oldest-first page is
    refused by a newest-first request instead of silently skipping comments.
    """
    if not cursor:
        return 0
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        found, _, value = raw.partition(":")
        if found != prefix:
            raise ValueError(raw)
        return int(value)
    except (ValueError, binascii.Error, UnicodeDecodeError) as error:
        raise InvalidRequestError("cursor is not one this API gave out", field="cursor") from error


class CommentService:
    """Intake and public reads. Enqueues scoring only after the comment is committed."""

    def __init__(self, sessions: sessionmaker[Session], queue: WorkQueue) -> None:
        self.sessions = sessions
        self.queue = queue
        self.counts = VisibleCounts()

    def submit(self, new: NewComment) -> Submitted:
        """Store a pending comment and ask for it to be scored; idempotent per key."""
        key = new.scoped_key()
        if key is not None:
            existing = self._by_key(key, new)
            if existing is not None:
                return self._retried(existing)
        token, token_hash = new_edit_token() if not new.author_verified else (None, None)
        try:
            with self.sessions.begin() as session:
                root_id = self._thread_root(session, new)
                comment = insert_comment(
                    session,
                    {
                        "site_id": new.site_id,
                        "article_id": new.article_id,
                        "author_id": new.author_id,
                        "author_name": new.author_name,
                        "author_verified": new.author_verified,
                        "text": new.text,
                        "parent_id": new.parent_id,
                        "root_id": root_id,
                        "status": "pending",
                        "version": 1,
                        "idempotency_key": key,
                        "request_fingerprint": new.fingerprint(),
                        "request_id": new.request_id,
                        "edit_token_hash": token_hash,
                    },
                )
                insert_audit_rows(
                    session,
                    [
                        {
                            "comment_id": comment.id,
                            "actor_type": "author",
                            "actor": new.author_id,
                            "from_status": None,
                            "to_status": "pending",
                            "reason": "submitted",
                            "request_id": new.request_id,
                            "version": 1,
                        }
                    ],
                )
                insert_events(session, [event_row("comment.created", comment)])
        except IntegrityError:
            # Two retries with the same key raced; the first one's comment is the answer.
            if key is None:
                raise
            existing = self._by_key(key, new)
            if existing is None:
                raise
            return self._retried(existing)
        self.queue.enqueue_scoring([comment.id], new.request_id)
        return Submitted(comment, created=True, edit_token=token)

    def _retried(self, existing: Comment) -> Submitted:
        """The earlier comment, for a retry with its Idempotency-Key. An anonymous author's
        retry gets a new edit token in place of the one its lost answer carried (only digests
        are stored): the same key and body can only come from the client that posted it."""
        if existing.author_verified:
            return Submitted(existing, created=False)
        token, token_hash = new_edit_token()
        with self.sessions.begin() as session:
            session.execute(
                update(Comment)
                .where(Comment.id == existing.id)
                .values(edit_token_hash=token_hash)
                .execution_options(synchronize_session=False)
            )
        return Submitted(existing, created=False, edit_token=token)

    def _by_key(self, key: str, new: NewComment) -> Comment | None:
        with self.sessions() as session:
            existing = session.scalar(select(Comment).where(Comment.idempotency_key == key))
        if existing is not None and existing.request_fingerprint != new.fingerprint():
            raise InvalidRequestError(
                "this Idempotency-Key was already used for a different comment",
                field="Idempotency-Key",
            )
        return existing

    def _thread_root(self, session: Session, new: NewComment) -> int | None:
        if new.parent_id is None:
            return None
        parent = session.get(Comment, new.parent_id)
        if parent is None or (parent.site_id, parent.article_id) != (new.site_id, new.article_id):
            raise InvalidRequestError(
                f"parent_id {new.parent_id} is not a comment under article {new.article_id}",
                field="parent_id",
            )
        shown = parent.status == "approved" or (parent.status == "reported" and not parent.hidden)
        if not shown:
            raise InvalidRequestError(
                f"parent_id {new.parent_id} is not a published comment", field="parent_id"
            )
        return parent.root_id or parent.id

    def seed_published(self, seeds: Sequence[Seed], actor: str, reason: str) -> bool:
        """Publish comments written in advance, once (comments/seeding.py); True if this did."""
        return seed_published(self.sessions, seeds, actor, reason)

    def get(self, comment_id: int, site_id: str | None = None) -> Comment:
        """The comment; with `site_id`, only if it belongs to that site."""
        with self.sessions() as session:
            comment = session.get(Comment, comment_id)
        if comment is None or (site_id is not None and comment.site_id != site_id):
            raise NotFoundError(f"no comment with id {comment_id}")
        return comment

    def published(
        self,
        site_id: str,
        article_id: str,
        cursor: str | None,
        limit: int,
        newest_first: bool = False,
        version: str | None = None,
    ) -> Page:
        """Published top-level comments, oldest (or newest) first, each with its replies.

        Replies always read oldest first under their parent, as a conversation does. A
        top-level comment readers can no longer see but whose thread holds a published reply
        comes as a placeholder (`Thread.removed`: no text, no author) with those replies, so
        erasing or removing one comment never takes other readers' replies with it. The first
        page also counts every comment a reader can see under the article (`total`), reused for
        a few seconds unless the article's `version` (comments/thread_cache.py) moved.
        """
        prefix = "before" if newest_first else "id"
        position = decode_cursor(cursor, prefix)
        if newest_first:
            page_filter = Comment.id < position if position else Comment.id > 0
            ordering = Comment.id.desc()
        else:
            page_filter, ordering = Comment.id > position, Comment.id.asc()
        reply = aliased(Comment)
        answered = exists().where(
            reply.root_id == Comment.id,
            reply.parent_id.is_not(None),
            visible_to_readers(reply),
        )
        with self.sessions() as session:
            roots = list(
                session.scalars(
                    select(Comment)
                    .where(
                        Comment.site_id == site_id,
                        Comment.article_id == article_id,
                        or_(visible_to_readers(), answered),
                        Comment.parent_id.is_(None),
                        page_filter,
                    )
                    .order_by(ordering)
                    .limit(limit + 1)
                )
            )
            more = len(roots) > limit
            roots = roots[:limit]
            replies = []
            if roots:
                replies = list(
                    session.scalars(
                        select(Comment)
                        .where(
                            Comment.root_id.in_([root.id for root in roots]),
                            Comment.parent_id.is_not(None),
                            visible_to_readers(),
                        )
                        .order_by(Comment.id)
                    )
                )
            total, latest = None, None
            if not position:
                total = self.counts.get(session, site_id, article_id, version)
                latest = latest_published(session, site_id, article_id)
        threads = _build_threads(roots, replies)
        next_cursor = encode_cursor(roots[-1].id, prefix) if more and roots else None
        return Page(threads, next_cursor, total, latest)

    def published_since(
        self,
        site_id: str,
        article_id: str,
        since: int,
        cursor: str | None,
        limit: int,
        version: str | None = None,
    ) -> Page:
        """The comments published after comment `since`, oldest first, replies as well as
        top-level comments, each alone (its `parent_id` says where it goes); comments/since.py.

        `cursor` (a `since` page's `next_cursor`) continues a page that had more. `latest_id`
        is the last comment on the page, or `since` itself when nothing is new: the `since` of
        the next request. `total` counts the article as the first page does.
        """
        after = decode_cursor(cursor, SINCE_PREFIX) if cursor else since
        with self.sessions() as session:
            comments, more = published_after(session, site_id, article_id, after, limit)
            total = self.counts.get(session, site_id, article_id, version)
        latest = comments[-1].id if comments else after
        next_cursor = encode_cursor(latest, SINCE_PREFIX) if more else None
        return Page([Thread(comment, []) for comment in comments], next_cursor, total, latest)


def _build_threads(roots: list[Comment], replies: list[Comment]) -> list[Thread]:
    nodes = {comment.id: Thread(comment, []) for comment in replies}
    nodes.update({root.id: Thread(root, [], removed=not is_visible(root)) for root in roots})
    for reply in replies:
        # A reply whose parent is not published hangs under the top of its thread.
        parent = nodes.get(reply.parent_id or 0) or nodes.get(reply.root_id or 0)
        if parent is not None:
            parent.replies.append(nodes[reply.id])
    return [nodes[root.id] for root in roots]
