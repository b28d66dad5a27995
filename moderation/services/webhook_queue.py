"""Webhook jobs on the RQ "webhooks" queue, sent only after the database commit.

As with scoring, Redis is a work list and the database the truth: outbox rows wait with
`dispatched_at` empty and deliveries wait `pending` until a job sends them, so a lost enqueue
only delays an event until the worker's periodic reconcile finds it.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from redis import Redis
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker

from moderation.store.models import OutboxEvent

log = logging.getLogger(__name__)

DISPATCH_JOB = "moderation.worker.webhook_jobs.dispatch_outbox"
DELIVER_JOB = "moderation.worker.webhook_jobs.deliver_endpoint"
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
        self, function: str, *args: Any, at: dt.datetime | None = None, job_id: str | None = None
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
        return self._enqueue(DISPATCH_JOB)

    def dispatch_started(self) -> None:
        """Called by the fan-out job before it reads the outbox (see enqueue_dispatch)."""
        self.connection.delete(self.dispatch_flag)

    def enqueue_endpoint(self, endpoint_id: int, at: dt.datetime | None = None) -> bool:
        """Ask a worker to send an endpoint's due deliveries, now or at `at`."""
        if at is None:
            return self._enqueue(DELIVER_JOB, endpoint_id)
        # One wake-up per endpoint and moment: every job that finds the same failed delivery
        # waiting (one per new event, say) schedules the same job instead of another.
        wake = f"moderation-webhooks-{endpoint_id}-at-{int(at.timestamp())}"
        return self._enqueue(DELIVER_JOB, endpoint_id, at=at, job_id=wake)


def note_outbox_written(session: Session) -> None:
    """Have this transaction's commit ask for a fan-out, for outbox rows that were written with a
    Core INSERT rather than session.add (the flush hook below sees only the latter)."""
    session.info["outbox_written"] = True


def notify_outbox_commits(sessions: sessionmaker[Session], queue: WebhookQueue) -> None:
    """After any commit that wrote outbox events, enqueue a fan-out job.

    One hook on the session factory covers every service that writes events, present and
    future, without each of them knowing about webhooks.
    """

    def before_flush(session: Session, _context: Any, _instances: Any) -> None:
        if any(isinstance(item, OutboxEvent) for item in session.new):
            note_outbox_written(session)

    def after_commit(session: Session) -> None:
        # Also called when a savepoint is released; only the outermost commit publishes.
        if session.in_nested_transaction():
            return
        if session.info.pop("outbox_written", False):
            queue.enqueue_dispatch()

    def after_soft_rollback(session: Session, previous: SessionTransaction) -> None:
        # A savepoint rolled back (one failed item of a bulk change) does not undo the events
        # written before it; only the outermost transaction's rollback does.
        if not previous.nested and previous.parent is None:
            session.info.pop("outbox_written", None)

    event.listen(sessions, "before_flush", before_flush)
    event.listen(sessions, "after_commit", after_commit)
    event.listen(sessions, "after_soft_rollback", after_soft_rollback)
