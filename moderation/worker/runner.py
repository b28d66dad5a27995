"""The scoring worker process.

Decision: the worker does not fork per job. RQ's default worker forks a child for every job;
with torch loaded that fork costs ~30 ms, more than scoring a short comment, and a model loaded
inside the job would cost seconds. So the model is loaded once, in this process, before the
worker takes its first job, and an RQ `SimpleWorker` runs every job in this same process.
tests/integration/test_worker_process.py proves it: two jobs run by a real worker process
report the same pid and a single model load. Isolation comes from running several worker
processes (one per core), not from forking.

The worker outlives Redis (its client waits out an outage) and is gone within
`worker.shutdown_grace_seconds` of SIGTERM, giving its claims back on the way out, however it
ends: the job releases the claims it has not decided, `run_worker` releases any left when the
loop ends, and the watchdog's last rites do it when the main thread is stuck
(moderation/lifecycle/).
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from rq import Queue

from moderation.config import Settings
from moderation.lifecycle.redis_outage import BACKOFF_CAP, RedisOutage, waiting_redis
from moderation.lifecycle.rq_worker import ModerationWorker
from moderation.perspective import jobs as analyze_jobs
from moderation.perspective import lane as analyze_lane
from moderation.pipeline.model import Scorer
from moderation.scoring import jobs
from moderation.scoring.context import WorkerContext, build_context, install
from moderation.webhooks import jobs as webhook_jobs
from moderation.worker import schedule

log = logging.getLogger(__name__)


class Heartbeat(threading.Thread):
    """Reports this worker's model status to Redis, gives back the claims of workers that
    stopped beating, and runs reconcile now and then."""

    def __init__(self, context: WorkerContext, outage: RedisOutage) -> None:
        super().__init__(name="moderation-heartbeat", daemon=True)
        self.context = context
        self.outage = outage
        self.stopping = threading.Event()

    def run(self) -> None:
        interval = self.context.settings.worker.heartbeat_seconds
        reconcile_every = max(1, self.context.settings.worker.reconcile_after_seconds // 2)
        ticks = 0
        while not self.stopping.is_set():
            try:
                self.beat()
                # A killed worker's comments wait a few heartbeats, not the lease: one worker
                # per heartbeat looks. Not just after an outage: every heartbeat was silent, and
                # Redis may have restarted without them; each worker's next beat can take a
                # retry's backoff to come.
                if self.outage.settled(2 * interval + BACKOFF_CAP):
                    jobs.release_orphaned_claims(once_per=interval)
                if ticks * interval >= reconcile_every:
                    # `moderation scheduler` enqueues reconcile as an RQ job; while none is
                    # alive (make run, or it died), each worker runs it here instead.
                    if not schedule.scheduler_alive(self.context.redis, 4 * reconcile_every):
                        jobs.reconcile()
                    webhook_jobs.reconcile_if_served(self.context.settings)
                    ticks = 0
                # Beat again after the chores: beats are never further apart than the interval
                # (or the chores, when they take longer), and other workers judge this one by
                # them.
                self.beat()
            except Exception as error:  # the database away (Redis is waited for): next beat
                log.warning("heartbeat failed: %s", error)
            ticks += 1
            self.stopping.wait(interval)

    def beat(self) -> None:
        self.context.registry.beat(self.context.name, self.context.status())

    def stop(self) -> None:
        self.stopping.set()
        # A beat in progress would write the record again after its removal.
        self.join(timeout=2)
        try:
            self.context.registry.remove(self.context.name)
        except Exception:
            log.debug("could not remove the worker's heartbeat", exc_info=True)


def run_worker(settings: Settings, burst: bool = False, scorer: Scorer | None = None) -> Any:
    """Load the model, then take scoring jobs until stopped (or the queue is empty, in burst)."""
    outage = RedisOutage()
    context = build_context(settings, scorer, redis=waiting_redis(settings.redis.url, outage))
    # Analyze calls get in between the model calls of a comment batch while they flow.
    context.before_batch.append(analyze_jobs.make_room_for_calls)
    install(context)
    heartbeat = Heartbeat(context, outage)
    context.registry.beat(context.name, context.status())
    try:
        jobs.reconcile()  # comments that waited while no worker ran
    except Exception as error:
        log.warning("start-up reconcile failed: %s", error)
    heartbeat.start()
    lane = analyze_lane.start(context)
    queue = Queue(settings.redis.score_queue, connection=context.redis)
    # Analyze calls wait synchronously for their scores: their queue comes first.
    analyze = Queue(settings.perspective.queue, connection=context.redis)
    # Webhook deliveries (when this worker serves them) come after scoring work.
    webhooks = webhook_jobs.attach(settings, context.sessions, context.redis)
    queues = [analyze, queue] + ([webhooks] if webhooks is not None else [])
    # Bulk moderation jobs (review/jobs.py) come last: one may run for a minute.
    queues.append(Queue(settings.review.bulk_queue, connection=context.redis))
    # Training a site model (learning/jobs.py) after everything else: it runs for minutes.
    queues.append(Queue(settings.learning.queue, connection=context.redis))
    worker = ModerationWorker(
        queues,
        connection=context.redis,
        name=context.name,
        outage=outage,
        grace_seconds=settings.worker.shutdown_grace_seconds,
        last_rites=lambda: _last_rites(context),
    )
    try:
        return worker.work(burst=burst, logging_level="WARNING")
    finally:
        heartbeat.stop()
        if lane is not None:
            lane.stop()
        give_claims_back(context)
        worker.watchdog.close()


def give_claims_back(context: WorkerContext) -> None:
    """Release every claim this worker still holds (a job cut short before it could)."""
    try:
        released = context.scoring.release_held_by([context.name])
    except Exception as error:  # the database is away: the claims wait for the next heartbeat
        log.warning("could not give this worker's claims back: %s", error)
        return
    if released:
        log.info("gave back the claims on %d comments on the way out", len(released))


def _last_rites(context: WorkerContext) -> None:
    """What the watchdog runs before it ends a worker whose main thread is stuck."""
    give_claims_back(context)
    context.registry.remove(context.name)
