"""The work list: scoring jobs on an RQ queue, sent only after the database commit.

Redis is a work list, not the truth: when an enqueue is lost (Redis down, flushed), the comment
stays `pending` in the database and reconcile enqueues it again. So a failed enqueue is logged
and swallowed here, never turned into an error for the reader who posted.

Jobs are coalesced: a scoring job does not score "its" comment but claims every waiting comment
(up to a batch) from the database. So while one job is queued and not yet started, another
adds nothing, and intake skips it. A short-lived Redis key ("wake") marks that such a job is
waiting: intake sets it (SET NX) and enqueues only when it was not set; the job deletes it
before it claims. Any comment committed before a failed SET NX is therefore seen by the claim
of the job that owns the key. RQ then runs one job per batch instead of one per comment, which
is most of the per-comment cost outside the model (docs/benchmarks.md). The key expires on its own,
so a lost job blocks nothing for long, and reconcile covers the rest.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from redis import Redis

log = logging.getLogger(__name__)


WAKE_SECONDS = 30


def wake_key(queue_name: str) -> str:
    return f"moderation:{queue_name}:wake"


class RQWorkQueue:
    """Scoring jobs on an RQ queue. Jobs carry comment ids, never rows."""

    def __init__(self, connection: Redis, queue_name: str, job_timeout: int = 600) -> None:
        from rq import Queue

        self.connection = connection
        self.queue = Queue(queue_name, connection=connection)
        self.job_timeout = job_timeout

    def enqueue_scoring(
        self, comment_ids: Sequence[int], request_id: str | None = None, coalesce: bool = True
    ) -> bool:
        """Enqueue a scoring job, unless (with `coalesce`) one is already waiting to start."""
        from rq import Retry

        # Imported here, not at the top: the job's module imports this one.
        from moderation.scoring.jobs import score_comments

        key = wake_key(self.queue.name)
        try:
            if coalesce and not self.connection.set(key, "1", nx=True, ex=WAKE_SECONDS):
                return True  # a queued job will claim these comments when it starts
            self.queue.enqueue(
                score_comments,
                list(comment_ids),
                request_id,
                job_timeout=self.job_timeout,
                result_ttl=300,
                failure_ttl=7 * 24 * 3600,
                retry=Retry(max=3, interval=[5, 30, 120]),
            )
        except Exception as error:  # Redis down: the comment waits in the database for reconcile
            log.warning("could not enqueue scoring for %s: %s", list(comment_ids), error)
            try:
                self.connection.delete(key)
            except Exception:
                log.debug("could not clear the wake key", exc_info=True)
            return False
        return True

    def job_started(self) -> None:
        """Called by a scoring job before it claims: later comments need a new job."""
        self.connection.delete(wake_key(self.queue.name))
