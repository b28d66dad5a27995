"""Export everything about an author, or erase them, across every table that declared what it
holds (registry.py); each request recorded in `privacy_requests` without the data itself."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session, sessionmaker

from moderation.comments.models import Comment
from moderation.config import Settings
from moderation.db.base import utcnow
from moderation.db.personal import Subject
from moderation.errors import InvalidRequestError
from moderation.events.models import OutboxEvent
from moderation.privacy.models import PrivacyRequest
from moderation.privacy.pseudonyms import pseudonym, pseudonym_key
from moderation.privacy.registry import personal_tables

AUTHOR_ERASED_EVENT = "author.erased"
# What an export cannot include, said in every export so that a subject access answer is whole.
NOT_INCLUDED = (
    "Database backups keep what they held when they were taken, until they expire.",
    "Webhook receivers keep what was delivered to them; the author.erased event asks them to "
    "erase it.",
    "Redis holds per-author rate-limit counters and rendered thread pages for minutes at most.",
    "Logs hold no comment text, names or SQL parameters (moderation/db/session.py).",
)


@dataclasses.dataclass(frozen=True)
class Requester:
    """Who asked: for the record, and for the audit records an erasure writes."""

    name: str
    account_id: int | None = None
    request_id: str | None = None
    reason: str | None = None


@dataclasses.dataclass(frozen=True)
class Erasure:
    site_id: str
    pseudonym: str
    counts: dict[str, int]
    comment_ids: list[int]
    event_id: str
    record_id: int


def plain(value: Any) -> Any:
    """A column's value as JSON: times in ISO 8601, the rest as stored."""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def row_of(item: Any) -> dict[str, Any]:
    """Every column of a loaded row, by column name."""
    mapper = inspect(item).mapper
    return {attr.columns[0].name: plain(getattr(item, attr.key)) for attr in mapper.column_attrs}


class PrivacyService:
    """Exports and erasures of one author on one site."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        settings: Settings,
        clock: Callable[[], dt.datetime] = utcnow,
    ) -> None:
        self.sessions = sessions
        self.settings = settings
        self.clock = clock

    def subject(
        self,
        session: Session,
        site_id: str,
        author_id: str,
        requester: Requester | None = None,
        lock: bool = False,
    ) -> Subject:
        """The author, with their comments' ids, texts and names, read before anything changes
        (with `lock`, their comments locked until the transaction ends, as an erasure needs)."""
        requester = requester or Requester("system")
        query = (
            select(Comment.id, Comment.text, Comment.author_name)
            .where(Comment.site_id == site_id, Comment.author_id == author_id)
            .order_by(Comment.id)
        )
        rows = session.execute(query.with_for_update() if lock else query).all()
        return Subject(
            site_id=site_id,
            author_id=author_id,
            pseudonym=pseudonym(pseudonym_key(self.settings), site_id, author_id),
            comment_ids=tuple(row.id for row in rows),
            comment_texts=tuple(sorted({row.text for row in rows if row.text})),
            names=tuple(sorted({row.author_name for row in rows if row.author_name})),
            requested_by=requester.name,
            requested_by_id=requester.account_id,
            request_id=requester.request_id,
        )

    def export(self, site_id: str, author_id: str, requester: Requester) -> dict[str, Any]:
        """Every row about the author, by table, and the record of this export."""
        with self.sessions.begin() as session:
            subject = self.subject(session, site_id, author_id, requester)
            _check_reason(requester.reason, subject)
            tables: dict[str, Any] = {}
            for table in personal_tables():
                rows = [row_of(item) for item in session.scalars(table.rows(subject))]
                tables[table.table] = {"holds": table.holds, "rows": rows}
            record = self._record(session, "export", subject, requester, tables, count=len)
            return {
                "site_id": site_id,
                "author_id": author_id,
                # Who they are to the service: the names they wrote under. No e-mail address
                # is ever stored (sites/tokens.py reads none).
                "names": list(subject.names),
                "exported_at": record.created_at.isoformat(),
                "privacy_request_id": record.id,
                "tables": tables,
                "not_included": list(NOT_INCLUDED),
            }

    def erase(self, site_id: str, author_id: str, requester: Requester) -> Erasure:
        """Erase the author from every declared table in one transaction; announce it."""
        with self.sessions.begin() as session:
            subject = self.subject(session, site_id, author_id, requester, lock=True)
            _check_reason(requester.reason, subject)
            counts = {table.table: table.erase(session, subject) for table in personal_tables()}
            event_id = self._announce(session, subject)
            record = self._record(session, "erasure", subject, requester, counts, count=int)
            return Erasure(
                site_id, subject.pseudonym, counts, list(subject.comment_ids), event_id, record.id
            )

    def requests(
        self,
        sites: tuple[str, ...] | None,
        kind: str | None = None,
        subject: str | None = None,
        before_id: int | None = None,
        limit: int = 50,
    ) -> list[PrivacyRequest]:
        """The record, newest first: of these sites (None: every site, and the purges)."""
        query = select(PrivacyRequest).order_by(PrivacyRequest.id.desc()).limit(limit)
        if sites is not None:
            query = query.where(PrivacyRequest.site_id.in_(sites))
        if kind is not None:
            query = query.where(PrivacyRequest.kind == kind)
        if subject is not None:
            query = query.where(PrivacyRequest.subject == subject)
        if before_id is not None:
            query = query.where(PrivacyRequest.id < before_id)
        with self.sessions() as session:
            return list(session.scalars(query))

    def _announce(self, session: Session, subject: Subject) -> str:
        """`author.erased`: the pseudonym and the comment ids, so receivers erase their copies."""
        event_id = "evt_" + uuid.uuid4().hex
        session.add(
            OutboxEvent(
                event_id=event_id,
                type=AUTHOR_ERASED_EVENT,
                comment_id=None,
                payload={
                    "id": event_id,
                    "type": AUTHOR_ERASED_EVENT,
                    "timestamp": self.clock().isoformat(),
                    "data": {
                        "site_id": subject.site_id,
                        "author": {"id": subject.pseudonym},
                        "comment_ids": list(subject.comment_ids),
                    },
                },
            )
        )
        return event_id

    def _record(
        self,
        session: Session,
        kind: str,
        subject: Subject,
        requester: Requester,
        tables: dict[str, Any],
        count: Callable[[Any], int],
    ) -> PrivacyRequest:
        record = PrivacyRequest(
            kind=kind,
            site_id=subject.site_id,
            subject=subject.pseudonym,
            actor=requester.name,
            actor_id=requester.account_id,
            reason=requester.reason,
            counts={
                name: count(value["rows"] if isinstance(value, dict) else value)
                for name, value in tables.items()
            },
            request_id=requester.request_id,
            created_at=self.clock(),
        )
        session.add(record)
        session.flush()
        return record


def _check_reason(reason: str | None, subject: Subject) -> None:
    """The record outlives the erasure: a reason naming the subject would undo it."""
    if not reason:
        return
    folded = reason.casefold()
    for said in (subject.author_id, *subject.names):
        if len(said) >= 3 and said.casefold() in folded:
            raise InvalidRequestError(
                "reason must not name the author (their id or name): give a ticket number",
                field="reason",
            )
