"""The audit trail: every change of a comment's state, filterable, newest first or exported."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session, sessionmaker

from moderation.comments.models import AuditRecord, Comment
from moderation.comments.service import Page, decode_cursor, encode_cursor

EXPORT_COLUMNS = (
    "id",
    "comment_id",
    "created_at",
    "actor_type",
    "actor",
    "actor_id",
    "from_status",
    "to_status",
    "reason_code",
    "reason",
    "note",
    "request_id",
    "version",
)


@dataclasses.dataclass(frozen=True)
class AuditFilter:
    # The sites a moderator may see (None: every site): records of their comments only.
    site_ids: tuple[str, ...] | None = None
    comment_id: int | None = None
    actor: str | None = None
    actor_id: int | None = None
    actor_type: str | None = None
    from_status: str | None = None
    to_status: str | None = None
    reason_code: str | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None

    def clauses(self) -> list[ColumnElement[bool]]:
        found: list[ColumnElement[bool]] = []
        for name in ("comment_id", "actor", "actor_id", "actor_type", "from_status", "to_status"):
            value = getattr(self, name)
            if value is not None:
                found.append(getattr(AuditRecord, name) == value)
        if self.reason_code is not None:
            found.append(AuditRecord.reason_code == self.reason_code)
        if self.since is not None:
            found.append(AuditRecord.created_at >= self.since)
        if self.until is not None:
            found.append(AuditRecord.created_at < self.until)
        if self.site_ids is not None:
            found.append(
                AuditRecord.comment_id.in_(
                    select(Comment.id).where(Comment.site_id.in_(list(self.site_ids)))
                )
            )
        return found


class AuditService:
    """Reads of the audit trail; it is written only by state changes (comments/transitions.py)."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def page(self, where: AuditFilter, cursor: str | None, limit: int) -> Page:
        """Newest first, `limit` at a time."""
        clauses = where.clauses()
        if cursor:
            clauses.append(AuditRecord.id < decode_cursor(cursor))
        with self.sessions() as session:
            rows = list(
                session.scalars(
                    select(AuditRecord)
                    .where(*clauses)
                    .order_by(AuditRecord.id.desc())
                    .limit(limit + 1)
                )
            )
        more = len(rows) > limit
        rows = rows[:limit]
        return Page(rows, encode_cursor(rows[-1].id) if more and rows else None)

    def export(self, where: AuditFilter, limit: int = 1_000_000) -> Iterator[AuditRecord]:
        """Every matching record, oldest first, read in chunks while the caller streams them."""
        with self.sessions() as session:
            result = session.scalars(
                select(AuditRecord)
                .where(*where.clauses())
                .order_by(AuditRecord.id)
                .limit(limit)
                .execution_options(yield_per=1000)
            )
            yield from result
