"""The transparency report (DSA art. 15, and art. 24(1) on complaints) of one site for a date
range: restrictions by ground and by automated or human decision, notices by status and
legality, appeals and their outcomes, and the median time to decide notices and appeals.
JSON (`report`) and CSV (`as_csv`), for the admin API and `moderation dsa transparency`.

Restrictions are counted from the audit trail (every hold and removal is one record); an undo
back to `held` is not a new decision and is not counted.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import statistics
from collections.abc import Iterable
from typing import Any

from sqlalchemy import and_, func, not_, select
from sqlalchemy.orm import Session, sessionmaker

from moderation.comments.models import AuditRecord, Comment
from moderation.db.base import utcnow
from moderation.dsa.grounds import ground_for
from moderation.dsa.models import DsaAppeal, DsaNotice
from moderation.dsa.vocabulary import DECIDED, LEGALITIES, NOTICE_STATUSES, OUTCOMES
from moderation.review.decisions import UNDO_REASON_PREFIX

AUTOMATED_MEANS = (
    "Every comment is checked by automatic rules (word lists, links, personal data, threats, "
    "posting rate) and a toxicity model before it is published; they publish, hold for a "
    "person or remove. Notices of illegal content and appeals are decided only by people. "
    "How the rules and the model perform: docs/quality.md."
)


def _hours(pairs: Iterable[tuple[dt.datetime, dt.datetime]]) -> float | None:
    durations = [(end - start).total_seconds() / 3600 for start, end in pairs]
    return round(statistics.median(durations), 2) if durations else None


def day_range(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[the first day's midnight, the midnight after the last day), in UTC."""
    first = dt.datetime.combine(start, dt.time(), dt.UTC)
    return first, dt.datetime.combine(end, dt.time(), dt.UTC) + dt.timedelta(days=1)


class TransparencyService:
    """Counts for the transparency report."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def report(self, site_id: str, start: dt.datetime, end: dt.datetime) -> dict[str, Any]:
        """The report of `site_id` for [start, end)."""
        with self.sessions() as session:
            restrictions = self._restrictions(session, site_id, start, end)
            notices = self._notices(session, site_id, start, end)
            appeals = self._appeals(session, site_id, start, end)
        return {
            "site_id": site_id,
            "from": start.isoformat(),
            "to": end.isoformat(),
            "generated_at": utcnow().isoformat(),
            "restrictions": restrictions,
            "notices": notices,
            "appeals": appeals,
            "automated_means": AUTOMATED_MEANS,
        }

    @staticmethod
    def _restrictions(
        session: Session, site_id: str, start: dt.datetime, end: dt.datetime
    ) -> dict[str, Any]:
        in_range = and_(
            Comment.site_id == site_id,
            AuditRecord.to_status.in_(("held", "rejected")),
            AuditRecord.created_at >= start,
            AuditRecord.created_at < end,
            not_(func.coalesce(AuditRecord.reason, "").like(UNDO_REASON_PREFIX + "%")),
        )
        rows = session.execute(
            select(
                AuditRecord.reason_code,
                AuditRecord.to_status,
                AuditRecord.actor_type == "system",
                func.count(),
            )
            .join(Comment, Comment.id == AuditRecord.comment_id)
            .where(in_range)
            .group_by(AuditRecord.reason_code, AuditRecord.to_status, AuditRecord.actor_type)
        ).all()
        grounds: dict[tuple[str, str], dict[str, Any]] = {}
        total = removals = automated = 0
        for code, to_status, by_machine, count in rows:
            ground = ground_for(code)
            entry = grounds.setdefault(
                (ground.type, ground.code),
                {
                    "type": ground.type,
                    "code": ground.code,
                    "name": ground.name,
                    "automated": 0,
                    "human": 0,
                    "count": 0,
                },
            )
            entry["automated" if by_machine else "human"] += count
            entry["count"] += count
            total += count
            removals += count if to_status == "rejected" else 0
            automated += count if by_machine else 0
        following_notices = session.scalar(
            select(func.count(func.distinct(DsaNotice.restriction_audit_id)))
            .join(AuditRecord, AuditRecord.id == DsaNotice.restriction_audit_id)
            .join(Comment, Comment.id == AuditRecord.comment_id)
            .where(in_range)
        )
        return {
            "total": total,
            "removals": removals,
            "holds": total - removals,
            "automated": automated,
            "human": total - automated,
            "following_notices": following_notices or 0,
            "own_initiative": total - (following_notices or 0),
            "by_ground": sorted(grounds.values(), key=lambda g: (-g["count"], g["code"])),
        }

    @staticmethod
    def _notices(
        session: Session, site_id: str, start: dt.datetime, end: dt.datetime
    ) -> dict[str, Any]:
        received = dict(
            session.execute(
                select(DsaNotice.status, func.count())
                .where(
                    DsaNotice.site_id == site_id,
                    DsaNotice.created_at >= start,
                    DsaNotice.created_at < end,
                )
                .group_by(DsaNotice.status)
            ).all()
        )
        decided = session.execute(
            select(DsaNotice.legality, DsaNotice.created_at, DsaNotice.decided_at).where(
                DsaNotice.site_id == site_id,
                DsaNotice.decided_at >= start,
                DsaNotice.decided_at < end,
            )
        ).all()
        return {
            "received": sum(received.values()),
            "by_status": {status: received.get(status, 0) for status in NOTICE_STATUSES},
            "decided": len(decided),
            "by_legality": {
                legality: sum(1 for row in decided if row.legality == legality)
                for legality in LEGALITIES
            },
            "decided_by_automated_means": 0,
            "median_hours_to_decide": _hours((row.created_at, row.decided_at) for row in decided),
        }

    @staticmethod
    def _appeals(
        session: Session, site_id: str, start: dt.datetime, end: dt.datetime
    ) -> dict[str, Any]:
        received = session.scalar(
            select(func.count()).where(
                DsaAppeal.site_id == site_id,
                DsaAppeal.created_at >= start,
                DsaAppeal.created_at < end,
            )
        )
        decided = session.execute(
            select(DsaAppeal.outcome, DsaAppeal.created_at, DsaAppeal.decided_at).where(
                DsaAppeal.site_id == site_id,
                DsaAppeal.status == DECIDED,
                DsaAppeal.decided_at >= start,
                DsaAppeal.decided_at < end,
            )
        ).all()
        pending = session.scalar(
            select(func.count()).where(
                DsaAppeal.site_id == site_id,
                DsaAppeal.status != DECIDED,
                DsaAppeal.created_at < end,
            )
        )
        return {
            "received": received or 0,
            "decided": len(decided),
            "by_outcome": {
                outcome: sum(1 for row in decided if row.outcome == outcome) for outcome in OUTCOMES
            },
            "pending_at_end": pending or 0,
            "median_hours_to_decide": _hours((row.created_at, row.decided_at) for row in decided),
        }


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    # A cell starting with = + - @ is a formula to spreadsheets; quote it so it stays text.
    return "'" + text if text[:1] in {"=", "+", "-", "@", "\t", "\r"} else text


def as_csv(report: dict[str, Any]) -> str:
    """The report as CSV rows `section,key,value`, one figure a row (a spreadsheet's shape)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["section", "key", "value"])
    for key in ("site_id", "from", "to", "generated_at"):
        writer.writerow(["report", key, _cell(report[key])])
    for section in ("restrictions", "notices", "appeals"):
        for key, value in report[section].items():
            if key == "by_ground":
                for ground in value:
                    for part in ("count", "automated", "human"):
                        name = f"{ground['type']}:{ground['code']}:{part}"
                        writer.writerow(["restrictions_by_ground", _cell(name), ground[part]])
            elif isinstance(value, dict):
                for inner, figure in value.items():
                    writer.writerow([f"{section}_{key}", _cell(inner), _cell(figure)])
            else:
                writer.writerow([section, key, _cell(value)])
    return out.getvalue()
