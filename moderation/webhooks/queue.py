"""Webhook jobs on the RQ "webhooks" queue, sent only after the database commit.

As with scoring, Redis is a work list and the database the truth: outbox rows wait with
`dispatched_at` empty and deliveries wait `pending` until a job sends them, so a lost enqueue
only delays an event until the worker's periodic reconcile finds it.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

from redis import Redis
from sqlalchemy.orm import Session, sessionmaker

from moderation.events.outbox import on_events_committed

log = logging.getLogger(__name__)

# A job nobody takes within a day (no webhook worker running) expires; reconcile remakes it.
QUEUED_TTL = 24 * 3600
# If a queued fan-out job is lost, the flag that suppresses more of them lapses after this.
DISPATCH_FLAG_TTL = 30


class WebhookQueue:
    """Enqueues fan-out and per-endpoint delivery jobs. Jobs carry ids, never rows."""

    def __init__(self, connection: Redis, queue_name: str, job_timeout: int = 600) -> None:
        from rq import Queue

        self.connection = connection
        self.queue = Queue(queue_name, connection=connection)
        self.job_timeout = job_timeout
        self.dispatch_flag = f"moderation:webhooks:{queue_name}:fan-out-queued"

    def _enqueue(
        self,
        function: Callable[..., Any],
        *args: Any,
        at: dt.datetime | None = None,
        job_id: str | None = None,
    ) -> bool:
        options: dict[str, Any] = {
            "job_id": job_id,
            "job_timeout": self.job_timeout,
            "ttl": QUEUED_TTL,
            "result_ttl": 60,
            "failure_ttl": 7 * 24 * 3600,
        }
        try:
            if at is not None and at > dt.datetime.now(dt.UTC):
                self.queue.enqueue_at(at, function, *args, **options)
            else:
                self.queue.enqueue(function, *args, **options)
        except Exception as error:  # Redis away: the database still holds the work
            log.warning("could not enqueue %s%s: %s", function, args, error)
            return False
        return True

    def enqueue_dispatch(self) -> bool:
        """Ask a worker to fan new outbox events out to endpoints.

        Coalesced: while a fan-out job is queued and not yet started, further commits add no
        job (one SET NX instead of an RQ enqueue). The job clears the flag before it reads the
        outbox, so an event committed after that read always gets a job of its own.
        """
        try:
            wanted = self.connection.set(self.dispatch_flag, "1", nx=True, ex=DISPATCH_FLAG_TTL)
        except Exception as error:
            log.warning("could not reach Redis to ask for a webhook fan-out: %s", error)
            return False
        if not wanted:
            return True
        # Imported here, not at the top: the job's module imports this one.
        from moderation.webhooks import jobs

        return self._enqueue(jobs.dispatch_outbox)

    def dispatch_started(self) -> None:
        """Called by the fan-out job before it reads the outbox (see enqueue_dispatch)."""
        self.connection.delete(self.dispatch_flag)

    def enqueue_endpoint(self, endpoint_id: int, at: dt.datetime | None = None) -> bool:
        """Ask a worker to send an endpoint's due deliveries, now or at `at`."""
        # Imported here, not at the top: the job's module imports this one.
        from moderation.webhooks import jobs

        if at is None:
            return self._enqueue(jobs.deliver_endpoint, endpoint_id)
        # One wake-up per endpoint and moment: every job that finds the same failed delivery
        # waiting (one per new event, say) schedules the same job instead of another.
        wake = f"moderation-webhooks-{endpoint_id}-at-{int(at.timestamp())}"
        return self._enqueue(jobs.deliver_endpoint, endpoint_id, at=at, job_id=wake)

    def enqueue_purge(self, at: dt.datetime | None = None) -> bool:
        """Ask a worker to send the due CDN purges (webhooks/purges.py), now or at `at`."""
        from moderation.webhooks import jobs

        if at is None:
            return self._enqueue(jobs.purge_cdn)
        wake = f"moderation-cdn-purge-at-{int(at.timestamp())}"
        return self._enqueue(jobs.purge_cdn, at=at, job_id=wake)


def notify_outbox_commits(sessions: sessionmaker[Session], queue: WebhookQueue) -> None:
    """After any commit that wrote outbox events, enqueue a fan-out job."""
    on_events_committed(sessions, queue.enqueue_dispatch)
