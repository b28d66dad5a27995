"""Workbench figures: queue depths, decisions and undos per day, time to decision, reversals.

An undo is a moderator's change back to the earlier status (review/decisions.py); it is
counted as an undo, never as a decision, and the decision it took back does not count either:
a wrong key pressed and undone at once neither adds a decision nor reverses the machine.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, not_, or_, select
from sqlalchemy.orm import Session, aliased, sessionmaker
from sqlalchemy.orm.util import AliasedClass

from moderation.comments.models import AuditRecord, Comment
from moderation.db.base import utcnow
from moderation.review.decisions import UNDO_REASON_PREFIX

DECIDED = ("approved", "rejected")


def _is_undo(record: type[AuditRecord] | AliasedClass[AuditRecord]) -> ColumnElement[bool]:
    return and_(
        record.actor_type == "moderator",
        record.reason.startswith(UNDO_REASON_PREFIX, autoescape=True),
    )


def _stands(record: type[AuditRecord] | AliasedClass[AuditRecord]) -> ColumnElement[bool]:
    """`record` is a change that stands: not an undo, and not undone by the next change."""
    undo = aliased(AuditRecord)
    undone = exists().where(
        undo.comment_id == record.comment_id, undo.version == record.version + 1, _is_undo(undo)
    )
    # A NULL reason is no undo; `not_` alone would turn it into NULL and drop the row.
    return and_(or_(record.reason.is_(None), not_(_is_undo(record))), not_(undone))


def _seconds_between(session: Session, start: Any, end: Any) -> ColumnElement[Any]:
    """end - start in seconds, in the database's own date arithmetic."""
    if session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", end - start)
    return (func.julianday(end) - func.julianday(start)) * 86400.0


class StatsService:
    """Read-only figures over the last `days` days (queue depths are always current)."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def stats(self, days: int = 30) -> dict[str, Any]:
        since = utcnow() - dt.timedelta(days=days)
        with self.sessions() as session:
            machine = self._machine_decisions(session, since, reversed_only=False)
            reversed_ = self._machine_decisions(session, since, reversed_only=True)
            return {
                "days": days,
                "since": since,
                "queues": self._depths(session),
                "decisions_per_day": self._per_day(session, since),
                "undos_per_day": self._undos_per_day(session, since),
                "median_seconds_to_decision": self._median_to_decision(session, since, None),
                "median_seconds_to_human_decision": self._median_to_decision(
                    session, since, "moderator"
                ),
                "machine_decisions": machine,
                "machine_decisions_reversed": reversed_,
                "reversed_share": round(reversed_ / machine, 4) if machine else 0.0,
            }

    @staticmethod
    def _depths(session: Session) -> dict[str, int]:
        depths = dict.fromkeys(("pending", "held", "reported", "approved", "rejected"), 0)
        for status, count in session.execute(
            select(Comment.status, func.count()).group_by(Comment.status)
        ):
            depths[str(status)] = int(count)
        return depths

    @staticmethod
    def _per_day(session: Session, since: dt.datetime) -> list[dict[str, Any]]:
        day = func.date(AuditRecord.created_at)
        rows = session.execute(
            select(
                day.label("day"),
                AuditRecord.to_status,
                AuditRecord.reason_code,
                AuditRecord.actor_type,
                func.count().label("count"),
            )
            .where(
                AuditRecord.created_at >= since,
                AuditRecord.to_status.in_(("approved", "held", "rejected")),
                _stands(AuditRecord),
            )
            .group_by(day, AuditRecord.to_status, AuditRecord.reason_code, AuditRecord.actor_type)
            .order_by(day, AuditRecord.to_status, AuditRecord.actor_type)
        )
        return [
            {
                "day": str(row.day),
                "outcome": row.to_status,
                "reason_code": row.reason_code,
                "by": row.actor_type,
                "count": int(row[4]),
            }
            for row in rows
        ]

    @staticmethod
    def _undos_per_day(session: Session, since: dt.datetime) -> list[dict[str, Any]]:
        day = func.date(AuditRecord.created_at)
        rows = session.execute(
            select(day.label("day"), func.count().label("count"))
            .where(AuditRecord.created_at >= since, _is_undo(AuditRecord))
            .group_by(day)
            .order_by(day)
        )
        return [{"day": str(row.day), "count": int(row[1])} for row in rows]

    @staticmethod
    def _median_to_decision(
        session: Session, since: dt.datetime, actor_type: str | None
    ) -> float | None:
        """Median seconds from a comment's submission to its first approve/reject that stands."""
        conditions = [
            AuditRecord.to_status.in_(DECIDED),
            AuditRecord.created_at >= since,
            _stands(AuditRecord),
        ]
        if actor_type:
            conditions.append(AuditRecord.actor_type == actor_type)
        first = (
            select(
                AuditRecord.comment_id.label("comment_id"),
                func.min(AuditRecord.created_at).label("decided_at"),
            )
            .where(*conditions)
            .group_by(AuditRecord.comment_id)
            .subquery()
        )
        waited = _seconds_between(session, Comment.created_at, first.c.decided_at)
        base = select(waited.label("seconds")).join_from(
            first, Comment, Comment.id == first.c.comment_id
        )
        count = session.scalar(select(func.count()).select_from(base.subquery())) or 0
        if not count:
            return None
        # The middle value (or the mean of the two middle ones): portable, one indexed pass.
        ordered = base.order_by(waited).offset((count - 1) // 2).limit(2 - count % 2)
        values = [float(value) for value in session.scalars(ordered)]
        return round(sum(values) / len(values), 3)

    @staticmethod
    def _machine_decisions(session: Session, since: dt.datetime, reversed_only: bool) -> int:
        """Machine approvals and rejections since `since`; or those a person later reversed."""
        machine = aliased(AuditRecord)
        human = aliased(AuditRecord)
        query = (
            select(func.count())
            .select_from(machine)
            .where(
                machine.actor_type == "system",
                machine.to_status.in_(DECIDED),
                machine.created_at >= since,
            )
        )
        if reversed_only:
            query = query.where(
                exists().where(
                    and_(
                        human.comment_id == machine.comment_id,
                        human.id > machine.id,
                        human.actor_type == "moderator",
                        human.to_status.in_(DECIDED),
                        human.to_status != machine.to_status,
                        _stands(human),
                    )
                )
            )
        return int(session.scalar(query) or 0)
