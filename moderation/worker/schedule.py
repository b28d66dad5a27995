"""`moderation scheduler`: RQ's cron scheduler enqueues the reconcile job every little while,
and the retention purge (privacy/jobs.py) every `retention.purge_every_seconds`.

Reconcile re-enqueues comments left `pending` longer than `worker.reconcile_after_seconds`
(a lost enqueue, a flushed Redis, a killed worker); a scoring worker runs it like any job and
its result, `{"requeued": N}`, stays in RQ for `RESULT_TTL` seconds. One scheduler per
deployment is enough: RQ's cron scheduler has no leader election, so two would run reconcile
twice as often, which is harmless (a comment claimed by one job is skipped by the other).

The scheduler holds its timetable in memory and re-registers itself after a Redis flush, so a
flush does not stop it. While no scheduler is alive (`make run`, or it crashed), every scoring
worker's heartbeat runs reconcile itself (worker/runner.py), so nothing depends on this process.

It waits out a Redis outage (its client retries until Redis is back, lifecycle/redis_outage.py)
and goes on with its timetable; a stop signal ends the waiting, so it exits at once even then.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from redis import Redis
from redis.exceptions import RedisError

from moderation.config import Settings
from moderation.lifecycle.redis_outage import RedisOutage, waiting_redis
from moderation.privacy import jobs as privacy_jobs
from moderation.scoring import jobs

log = logging.getLogger(__name__)

RESULT_TTL = 3600


def reconcile_every(settings: Settings) -> int:
    """Seconds between reconcile runs: half the pending threshold, at least one."""
    return max(1, settings.worker.reconcile_after_seconds // 2)


def build_scheduler(
    settings: Settings, connection: Redis, outage: RedisOutage | None = None
) -> Any:
    """A cron scheduler with the reconcile job registered on the scoring queue."""
    from rq.cron import CronScheduler

    class StoppableCronScheduler(CronScheduler):  # type: ignore[misc]  # rq: untyped here
        """RQ's cron scheduler whose stop signal also ends the waiting for Redis."""

        def _request_stop(self, signum: int, frame: Any) -> None:
            if outage is not None:
                outage.stop()
            super()._request_stop(signum, frame)

    scheduler = StoppableCronScheduler(connection=connection, logging_level="INFO")
    every = reconcile_every(settings)
    scheduler.register(
        jobs.reconcile,
        queue_name=settings.redis.score_queue,
        interval=every,
        job_timeout=max(60, every),
        result_ttl=RESULT_TTL,
        # A reconcile job that no worker took in time is dropped: the next one replaces it,
        # so an outage does not leave a pile of them behind.
        ttl=2 * every,
        name="moderation.reconcile",
    )
    # Always: a site may set its own periods while the service keeps everything, and a purge
    # with nothing to do is a few indexed reads.
    purge_every = settings.retention.purge_every_seconds
    scheduler.register(
        privacy_jobs.purge_expired,
        queue_name=settings.redis.score_queue,
        interval=purge_every,
        # Short transactions in batches: the first purge after a period is set may be long.
        job_timeout=max(600, purge_every),
        result_ttl=RESULT_TTL,
        ttl=purge_every,
        name="moderation.retention_purge",
    )
    if settings.learning.auto_train:
        from moderation.learning import jobs as learning_jobs

        # Enqueues training for each site with enough new decisions (docs/learning.md).
        scheduler.register(
            learning_jobs.train_due_sites,
            queue_name=settings.redis.score_queue,
            interval=settings.learning.check_every_seconds,
            job_timeout=300,
            result_ttl=RESULT_TTL,
            ttl=settings.learning.check_every_seconds,
            name="moderation.learning.train_due_sites",
        )
    return scheduler


def run_scheduler(settings: Settings) -> None:
    """Enqueue reconcile on schedule until SIGTERM or SIGINT."""
    outage = RedisOutage()
    scheduler = build_scheduler(settings, waiting_redis(settings.redis.url, outage), outage)
    log.info(
        "reconcile scheduled every %ss on queue %s",
        reconcile_every(settings),
        settings.redis.score_queue,
    )
    from rq.exceptions import SchedulerNotFound

    try:
        scheduler.start()
    except (RedisError, SchedulerNotFound) as error:
        # Stopped during an outage, or before it registered again in a Redis that restarted
        # empty: there is nothing to unregister, or no way to; its entry expires on its own.
        log.warning("scheduler stopped without unregistering from Redis: %s", error)


def scheduler_alive(connection: Redis, within_seconds: float) -> bool:
    """Whether some cron scheduler reported itself in the last `within_seconds`."""
    from rq.cron_scheduler_registry import get_registry_key

    return bool(connection.zcount(get_registry_key(), time.time() - within_seconds, "+inf"))
