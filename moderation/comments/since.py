"""What readers have not seen yet: the comments published under an article after a given one.

The widget loads an article's first page once, then asks only for what is new: `since` is the
id of the newest comment it has (the page's `latest_id`). "Newer" means *published* later, not
posted later: a comment a moderator approves an hour after it was written has an old id, and an
id cursor would never bring it to the readers already on the page. So comments are ordered by
when they were published (`decided_at`, the last decision; the comment's id breaks ties), and
`since` stands for its comment's place in that order.

Every reader who is up to date asks with the same `since` (the article's newest published
comment), so a CDN keeps one copy for all of them; docs/api.md ("Only what is new") says why
the service neither rounds nor redirects `since`.

Known limits, for the page view only (a reload shows the truth): a comment shown again after
its reports were settled keeps its old `decided_at` and is not sent as new; a comment removed
after a reader saw it stays on that reader's screen; a reply under a top-level comment that was
removed before the reader's page loaded, with no published reply then, waits for a reload (the
first page brings the top as a placeholder with its replies).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from moderation.comments.counts import visible_to_readers
from moderation.comments.models import Comment
from moderation.errors import InvalidRequestError

# The cursor of a `since` page's continuation (comments/service.py's encode_cursor prefix).
SINCE_PREFIX = "since"


def published_at() -> ColumnElement[dt.datetime]:
    """When a comment was published: its last decision; its posting time if none was recorded."""
    return func.coalesce(Comment.decided_at, Comment.created_at)


def _position(
    session: Session, site_id: str, article_id: str, comment_id: int
) -> tuple[dt.datetime, int]:
    found = session.execute(
        select(published_at(), Comment.id).where(
            Comment.id == comment_id,
            Comment.site_id == site_id,
            Comment.article_id == article_id,
        )
    ).first()
    if found is None:
        raise InvalidRequestError(
            f"{comment_id} is not a comment under article {article_id}", field="since"
        )
    return found[0], found[1]


def published_after(
    session: Session, site_id: str, article_id: str, after_id: int, limit: int
) -> tuple[list[Comment], bool]:
    """Up to `limit` comments readers see, published after comment `after_id`, oldest first,
    top-level comments and replies alike; and whether more are waiting."""
    when, after = _position(session, site_id, article_id, after_id)
    moment = published_at()
    rows = list(
        session.scalars(
            select(Comment)
            .where(
                Comment.site_id == site_id,
                Comment.article_id == article_id,
                visible_to_readers(),
                or_(moment > when, and_(moment == when, Comment.id > after)),
            )
            .order_by(moment, Comment.id)
            .limit(limit + 1)
        )
    )
    return rows[:limit], len(rows) > limit


def latest_published(session: Session, site_id: str, article_id: str) -> int | None:
    """The id of the comment published last under the article (what `since` starts from)."""
    return session.scalar(
        select(Comment.id)
        .where(
            Comment.site_id == site_id,
            Comment.article_id == article_id,
            visible_to_readers(),
        )
        .order_by(published_at().desc(), Comment.id.desc())
        .limit(1)
    )
