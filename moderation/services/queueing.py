"""The work list: scoring jobs on an RQ queue, sent only after the database commit.

Redis is a work list, not the truth: when an enqueue is lost (Redis down, flushed), the comment
stays `pending` in the database and reconcile enqueues it again. So a failed enqueue is logged
and swallowed here, never turned into an error for the reader who posted.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Protocol

from redis import Redis

log = logging.getLogger(__name__)

SCORE_JOB = "moderation.worker.jobs.score_comments"


class WorkQueue(Protocol):
    def enqueue_scoring(self, comment_ids: Sequence[int], request_id: str | None = None) -> bool:
        """Ask a worker to score these comments; False when the work list is unreachable."""
        ...


class RQWorkQueue:
    """Scoring jobs on an RQ queue. Jobs carry comment ids, never rows."""

    def __init__(self, connection: Redis, queue_name: str, job_timeout: int = 600) -> None:
        from rq import Queue

        self.connection = connection
        self.queue = Queue(queue_name, connection=connection)
        self.job_timeout = job_timeout

    def enqueue_scoring(self, comment_ids: Sequence[int], request_id: str | None = None) -> bool:
        from rq import Retry

        try:
            self.queue.enqueue(
                SCORE_JOB,
                list(comment_ids),
                request_id,
                job_timeout=self.job_timeout,
                result_ttl=300,
                failure_ttl=7 * 24 * 3600,
                retry=Retry(max=3, interval=[5, 30, 120]),
            )
        except Exception as error:  # Redis down: the comment waits in the database for reconcile
            log.warning("could not enqueue scoring for %s: %s", list(comment_ids), error)
            return False
        return True

    def depth(self) -> int:
        return int(self.queue.count)
