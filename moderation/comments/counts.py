"""What readers can see under an article: the condition, and its count for the widget's
heading, reused for a few seconds per process."""

from __future__ import annotations

import threading
import time

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import AliasedClass

from moderation.comments.models import Comment

# The first page of a busy thread is read on every page view, and counting an article of
# 20,000 comments costs ten times the page itself (docs/benchmarks.md, "The public list"); a
# count a few seconds old tells a reader as much.
COUNT_SECONDS = 10.0
COUNTS_KEPT = 1024


def visible_to_readers(
    comment: type[Comment] | AliasedClass[Comment] = Comment,
) -> ColumnElement[bool]:
    """Published, or reported by readers but not yet past the hide threshold."""
    return or_(
        comment.status == "approved",
        and_(comment.status == "reported", comment.hidden.is_(False)),
    )


def is_visible(comment: Comment) -> bool:
    """`visible_to_readers` for one loaded comment: whether it shows in the public list."""
    return comment.status == "approved" or (comment.status == "reported" and not comment.hidden)


def public_status(comment: Comment) -> str:
    """The status its author and the widget see: `reported` is the moderators' business.

    Readers' reports decide nothing about a comment, so a reported comment still reads
    `approved` (its `decided_at` stays too, comments/transitions.py); whether the reports hid it
    from the list is `is_visible`.
    """
    return "approved" if comment.status == "reported" else comment.status


def count_visible(session: Session, site_id: str, article_id: str) -> int:
    """What the public pages show: every visible comment, top-level or reply (a reply whose own
    parent is not published shows under the top of its thread; one whose top is not visible
    shows under a placeholder, comments/service.py `Thread.removed`)."""
    return int(
        session.scalar(
            select(func.count())
            .select_from(Comment)
            .where(
                Comment.site_id == site_id,
                Comment.article_id == article_id,
                visible_to_readers(),
            )
        )
        or 0
    )


class VisibleCounts:
    """`count_visible` per article, each reused for `seconds`; at most `kept` articles.

    Given the article's version (comments/thread_cache.py), a count taken at another version is
    not reused: a page rendered after a change counts afresh.
    """

    def __init__(self, seconds: float = COUNT_SECONDS, kept: int = COUNTS_KEPT) -> None:
        self.seconds = seconds
        self.kept = kept
        self._lock = threading.Lock()
        self._counts: dict[tuple[str, str], tuple[float, int, str | None]] = {}

    def get(
        self, session: Session, site_id: str, article_id: str, version: str | None = None
    ) -> int:
        now = time.monotonic()
        key = (site_id, article_id)
        with self._lock:
            found = self._counts.get(key)
        if found is not None and now - found[0] < self.seconds and found[2] == version:
            return found[1]
        count = count_visible(session, site_id, article_id)
        with self._lock:
            self._counts.pop(key, None)
            if len(self._counts) >= self.kept:
                self._counts.pop(next(iter(self._counts)))  # the one counted longest ago
            self._counts[key] = (now, count, version)
        return count
