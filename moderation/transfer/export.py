"""Export a site's comments as NDJSON lines, streamed: rows are read `CHUNK` at a time
(`yield_per`), so memory stays flat however many comments the site has."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, select
from sqlalchemy.orm import Session, sessionmaker

from moderation.comments.models import AuditRecord, Author, AuthorAction, Comment, CommentVersion
from moderation.db.base import utcnow
from moderation.transfer.identity import database_id
from moderation.transfer.records import (
    author_record,
    comment_record,
    dumps,
    end,
    external_id,
    header,
    moment,
)

CHUNK = 500


@dataclasses.dataclass(frozen=True)
class ExportFilter:
    """Which of a site's comments: one article's, those posted in [since, until), or all."""

    site_id: str
    article_id: str | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "article_id": self.article_id,
            "since": moment(self.since),
            "until": moment(self.until),
        }

    def conditions(self) -> list[ColumnElement[bool]]:
        found = [Comment.site_id == self.site_id]
        if self.article_id is not None:
            found.append(Comment.article_id == self.article_id)
        if self.since is not None:
            found.append(Comment.created_at >= self.since)
        if self.until is not None:
            found.append(Comment.created_at < self.until)
        return found


def export_lines(sessions: sessionmaker[Session], chosen: ExportFilter) -> Iterator[bytes]:
    """The header, the authors' standing, every chosen comment (oldest first), then the end."""
    database = database_id(sessions)
    yield dumps(header(chosen.site_id, chosen.as_dict(), utcnow(), database))
    with sessions() as session:
        authors = 0
        for author_chunk in _authors(session, chosen):
            actions = _actions(session, chosen.site_id, [a.author_id for a in author_chunk])
            for author in author_chunk:
                authors += 1
                yield dumps(author_record(author, actions[author.author_id]))
        comments = 0
        rows = session.execute(
            select(Comment)
            .where(*chosen.conditions())
            .order_by(Comment.id)
            .execution_options(yield_per=CHUNK)
        ).scalars()
        for chunk in rows.partitions():
            # yield_per's identity map holds rows weakly: a chunk is let go once written.
            for line in _comment_lines(session, chunk, database):
                comments += 1
                yield line
    yield dumps(end(authors, comments))


def _authors(session: Session, chosen: ExportFilter) -> Iterator[Sequence[Author]]:
    """The standing of the site's authors (with a filter: of those who wrote a chosen comment)."""
    query = select(Author).where(Author.site_id == chosen.site_id)
    if chosen.article_id or chosen.since or chosen.until:
        wrote = and_(Comment.author_id == Author.author_id, *chosen.conditions())
        query = query.where(exists().where(wrote))
    rows = session.execute(
        query.order_by(Author.author_id).execution_options(yield_per=CHUNK)
    ).scalars()
    yield from rows.partitions()


def _actions(
    session: Session, site_id: str, author_ids: list[str]
) -> dict[str, list[AuthorAction]]:
    found: dict[str, list[AuthorAction]] = defaultdict(list)
    for action in session.scalars(
        select(AuthorAction)
        .where(AuthorAction.site_id == site_id, AuthorAction.author_id.in_(author_ids))
        .order_by(AuthorAction.id)
    ):
        found[action.author_id].append(action)
    return found


def _comment_lines(session: Session, chunk: Sequence[Comment], database: str) -> Iterator[bytes]:
    ids = [comment.id for comment in chunk]
    decisions: dict[int, list[AuditRecord]] = defaultdict(list)
    for record in session.scalars(
        select(AuditRecord).where(AuditRecord.comment_id.in_(ids)).order_by(AuditRecord.id)
    ):
        decisions[record.comment_id].append(record)
    versions: dict[int, list[CommentVersion]] = defaultdict(list)
    for version in session.scalars(
        select(CommentVersion)
        .where(CommentVersion.comment_id.in_(ids))
        .order_by(CommentVersion.comment_id, CommentVersion.revision)
    ):
        versions[version.comment_id].append(version)
    parent_ids = {comment.parent_id for comment in chunk if comment.parent_id}
    parents = {
        row.id: external_id(row, database)
        for row in session.scalars(select(Comment).where(Comment.id.in_(parent_ids)))
    }
    for comment in chunk:
        parent = parents.get(comment.parent_id) if comment.parent_id else None
        line = comment_record(
            comment, database, parent, versions[comment.id], decisions[comment.id]
        )
        yield dumps(line)
