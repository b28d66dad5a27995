"""Workbench figures: queue depths, decisions per day, time to decision, machine reversals."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, select
from sqlalchemy.orm import Session, aliased, sessionmaker

from moderation.comments.models import AuditRecord, Comment
from moderation.db.base import utcnow

DECIDED = ("approved", "rejected")


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
    def _median_to_decision(
        session: Session, since: dt.datetime, actor_type: str | None
    ) -> float | None:
        """Median seconds from a comment's submission to its first approve/reject."""
        conditions = [AuditRecord.to_status.in_(DECIDED), AuditRecord.created_at >= since]
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
                    )
                )
            )
        return int(session.scalar(query) or 0)
