"""The retention purge as an RQ job, enqueued by `moderation scheduler` (worker/schedule.py)
on the scoring queue and run by a scoring worker with that process's settings and sessions."""

from __future__ import annotations

import datetime as dt

from moderation.db.base import utcnow
from moderation.privacy.retention import RetentionService
from moderation.scoring.context import current


def purge_expired(now: str | None = None) -> dict[str, int]:
    """Purge what is past its retention period; `now` (ISO 8601) instead of the clock."""
    context = current()
    at = dt.datetime.fromisoformat(now) if now else utcnow()
    return RetentionService(context.sessions, context.settings).purge(at)
