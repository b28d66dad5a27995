"""`moderation webhook-worker`: a process that only delivers webhooks (no model loaded).

Run these instead of letting scoring workers deliver (`webhooks.serve_in_worker = false`) when
receivers are slow or many: a delivery can wait `webhooks.timeout_seconds` for an answer, and a
scoring worker should not. A thread reconciles now and then, like the scoring worker's
heartbeat, so retries fall due and orphaned leases are picked up without Redis's help.

Like the scoring worker, it waits out a Redis outage and is gone within
`worker.shutdown_grace_seconds` of SIGTERM (moderation/lifecycle/): a delivery cut short gives
its endpoint's lease back as it unwinds.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from rq import Queue

from moderation.config import Settings
from moderation.db.session import make_engine, make_session_factory
from moderation.lifecycle.redis_outage import RedisOutage, waiting_redis
from moderation.lifecycle.rq_worker import ModerationWorker
from moderation.webhooks import jobs as webhook_jobs

log = logging.getLogger(__name__)


class Reconciler(threading.Thread):
    """Runs webhook reconcile every `every_seconds`."""

    def __init__(self, every_seconds: float) -> None:
        super().__init__(name="webhook-reconcile", daemon=True)
        self.every = every_seconds
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.wait(self.every):
            try:
                webhook_jobs.reconcile()
            except Exception as error:  # the database away (Redis is waited for): next time
                log.warning("webhook reconcile failed: %s", error)


def run_webhook_worker(settings: Settings, burst: bool = False) -> Any:
    """Take webhook jobs until stopped (or the queue is empty, in burst mode)."""
    outage = RedisOutage()
    redis = waiting_redis(settings.redis.url, outage)
    sessions = make_session_factory(make_engine(settings.database.url))
    runtime = webhook_jobs.WebhookRuntime.build(settings, sessions, redis)
    webhook_jobs.install(runtime)
    try:
        webhook_jobs.reconcile()
    except Exception as error:
        log.warning("start-up webhook reconcile failed: %s", error)
    reconciler = Reconciler(max(1, settings.worker.reconcile_after_seconds // 2))
    reconciler.start()
    queue = Queue(settings.webhooks.queue, connection=redis)
    worker = ModerationWorker(
        [queue],
        connection=redis,
        name="webhooks." + runtime.name,
        outage=outage,
        grace_seconds=settings.worker.shutdown_grace_seconds,
    )
    try:
        return worker.work(burst=burst, logging_level="WARNING")
    finally:
        reconciler.stopping.set()
        worker.watchdog.close()
