"""CDN purges by surrogate key, sent from the outbox and retried until they go through.

A CDN keeps the published thread for `reads.s_maxage` seconds; a purge by the article's
surrogate key (comments/thread_cache.py `surrogate_keys`) makes its next read fresh. When
`reads.purge_url` is set, each fan-out pass (webhooks/fanout.py) turns the outbox events that can
change what readers see into a due row of `cdn_purges`, in the same transaction that marks the
events dispatched: one row per key, so a burst of changes to one article is one purge. The
`purge_cdn` job (webhooks/jobs.py) sends due purges; a failed one waits
`reads.purge_retry_schedule` and is tried again, and the webhook reconcile finds due rows a lost
job left behind. A purge given up is logged: the CDN's copy then ages out by `s_maxage`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Iterable

import requests
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from moderation.comments.thread_cache import thread_key
from moderation.config import ReadSettings
from moderation.db.base import utcnow
from moderation.events.models import OutboxEvent
from moderation.webhooks.models import CdnPurge
from moderation.webhooks.retry import RetrySchedule

log = logging.getLogger(__name__)

# Events that never change what readers see: a new comment waits for its decision.
NOT_PURGED = frozenset({"comment.created", "author.banned", "author.erased"})
# A claimed purge is not taken by another job for this long (a killed job's purge comes back).
LEASE = dt.timedelta(seconds=60)


def note_purges(session: Session, events: Iterable[OutboxEvent], now: dt.datetime) -> int:
    """Make the purges these events call for due, in the caller's transaction; how many keys."""
    keys = set()
    for event in events:
        if event.type in NOT_PURGED:
            continue
        data = event.payload.get("data")
        comment = data.get("comment") if isinstance(data, dict) else None
        if isinstance(comment, dict) and comment.get("article_id") is not None:
            keys.add(thread_key(str(comment.get("site_id")), str(comment["article_id"])))
    for key in sorted(keys):  # in order: two dispatchers lock rows the same way
        row = session.get(CdnPurge, key, with_for_update=True)
        if row is None:
            session.add(CdnPurge(key=key, generation=1, due_at=now, attempts=0, changed_at=now))
        else:
            row.generation += 1
            row.due_at, row.attempts, row.changed_at = now, 0, now
    return len(keys)


@dataclasses.dataclass(frozen=True)
class PurgeOutcome:
    sent: int
    failed: int
    next_due: dt.datetime | None  # when the job should run again, if anything waits


class PurgeService:
    """Sends due purges to the configured URL template."""

    def __init__(self, sessions: sessionmaker[Session], reads: ReadSettings) -> None:
        self.sessions = sessions
        self.reads = reads
        self.schedule = RetrySchedule.of(reads.purge_retry_intervals)

    @property
    def enabled(self) -> bool:
        return bool(self.reads.purge_url)

    def request(self, key: str) -> tuple[str, str, dict[str, str]]:
        """The method, URL and headers of the purge of `key`."""
        headers = {}
        for header in self.reads.purge_headers:
            name, _, value = header.partition(":")
            headers[name.strip()] = value.strip().replace("{key}", key)
        return self.reads.purge_method, self.reads.purge_url.replace("{key}", key), headers

    def send(self, key: str) -> str | None:
        """Purge `key` once; None when the CDN took it, else what went wrong."""
        method, url, headers = self.request(key)
        try:
            answer = requests.request(
                method, url, headers=headers, timeout=self.reads.purge_timeout_seconds
            )
        except requests.RequestException as error:
            return f"{type(error).__name__}: {error}"
        if 200 <= answer.status_code < 300:
            return None
        return f"HTTP {answer.status_code}: {answer.text[:200]}"

    def send_due(self, limit: int = 100) -> PurgeOutcome:
        """Claim up to `limit` due purges, send each, record the outcome."""
        now = utcnow()
        with self.sessions.begin() as session:
            rows = list(
                session.scalars(
                    select(CdnPurge)
                    .where(CdnPurge.due_at <= now)
                    .order_by(CdnPurge.due_at)
                    .limit(limit)
                    .with_for_update(skip_locked=True)
                )
            )
            claimed = [(row.key, row.generation, row.attempts + 1) for row in rows]
            for row in rows:
                row.due_at, row.attempts = now + LEASE, row.attempts + 1
        sent = failed = 0
        for key, generation, attempts in claimed:
            error = self.send(key)
            sent, failed = (sent + 1, failed) if error is None else (sent, failed + 1)
            self._record(key, generation, attempts, error)
        return PurgeOutcome(sent, failed, self.next_due())

    def _record(self, key: str, generation: int, attempts: int, error: str | None) -> None:
        now = utcnow()
        with self.sessions.begin() as session:
            row = session.get(CdnPurge, key, with_for_update=True)
            if row is None or row.generation != generation:
                return  # changed again meanwhile: due now, sent again
            if error is None:
                row.due_at, row.purged_at, row.attempts, row.last_error = None, now, 0, None
                return
            row.last_error = error
            age = (now - row.changed_at).total_seconds()
            delay = self.schedule.next_delay(attempts, age)
            if delay is None:
                row.due_at = None
                log.warning("CDN purge of %s given up after %d attempts: %s", key, attempts, error)
            else:
                row.due_at = now + dt.timedelta(seconds=delay)
                log.info("CDN purge of %s failed (attempt %d): %s", key, attempts, error)

    def next_due(self) -> dt.datetime | None:
        """When the next purge is due (a retry, or a claim's lease running out); None if none."""
        with self.sessions() as session:
            found: dt.datetime | None = session.scalar(
                select(CdnPurge.due_at)
                .where(CdnPurge.due_at.is_not(None))
                .order_by(CdnPurge.due_at)
                .limit(1)
            )
        return found
