"""RQ's in-process worker, made to stop on time and to outlive Redis.

`ModerationWorker` is RQ's `SimpleWorker` (jobs run in this process: the model is loaded once,
worker/runner.py) with these changes, each for a failure seen in issues 17 and 21:

- **RQ's command listener polls every second, not every 60 s.** RQ stops its pubsub thread at
  teardown, and redis-py 8 joins that thread without a timeout. When the UNSUBSCRIBE answer
  reached the thread before the stop flag did, the thread went back to waiting for a
  subscription for its whole `sleep_time`: one SIGTERM in four left an idle worker alive for up
  to a minute, and a worker cut short by a second SIGTERM never seemed to exit while its
  heartbeat went on re-enqueueing comments (rq/rq#1613).
- **Shutdown is bounded** by `ShutdownWatchdog` (watchdog.py), armed by the first SIGTERM or
  SIGINT. After a cold shutdown began, further signals are only noted: a third signal must not
  raise SystemExit again inside the code that gives claims back.
- **Redis outages** are waited out by the connection's retry policy (redis_outage.py); a stop
  ends that waiting, and a teardown that cannot reach Redis is logged in one line, not raised
  (the worker's record expires on its own).
- **Scheduled jobs are moved to their queues by a thread (`Upkeep`), not by RQ's scheduler
  process.** RQ forks that process from this one while other threads run, and joins it without
  a timeout, even inside its SIGTERM handler; the thread composes the same `RQScheduler` calls
  as RQ's burst mode (locks, heartbeat, enqueue what is due). The same thread keeps the worker's
  RQ record fresh: RQ writes it only between jobs and every `worker_ttl - 15` s while idle, and
  a Redis that restarted empty has none until it is written again.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from types import FrameType
from typing import Any

from redis import Redis
from redis.client import PubSub, PubSubWorkerThread
from redis.exceptions import RedisError
from rq import SimpleWorker, worker_registration
from rq.scheduler import RQScheduler
from rq.utils import now

from moderation.lifecycle.redis_outage import RedisOutage
from moderation.lifecycle.watchdog import ShutdownWatchdog

log = logging.getLogger(__name__)

# How long RQ's command listener waits for a message before it looks at its stop flag.
PUBSUB_POLL_SECONDS = 1.0
# Upkeep: how often due scheduled jobs are moved to their queues (RQ's scheduler interval).
UPKEEP_SECONDS = 1.0
# How often a worker that holds no scheduler lock tries to take one (a dead holder's lock
# expires 61 s after its last refresh).
LOCK_RETRY_SECONDS = 10.0
# How often the worker's RQ record is refreshed while it waits for jobs.
RECORD_REFRESH_SECONDS = 30.0


class ModerationWorker(SimpleWorker):  # type: ignore[misc]  # rq is untyped here (pyproject)
    """A `SimpleWorker` that stops within its grace period and waits out Redis outages."""

    def __init__(
        self,
        queues: Any,
        *,
        connection: Redis,
        outage: RedisOutage,
        grace_seconds: float,
        name: str | None = None,
        last_rites: Callable[[], None] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(queues, connection=connection, name=name, **kwargs)
        self.outage = outage
        self.watchdog = ShutdownWatchdog(grace_seconds, last_rites)
        self.upkeep: Upkeep | None = None

    def work(self, burst: bool = False, **kwargs: Any) -> bool:
        """RQ's work loop, with `Upkeep` in place of RQ's forked scheduler."""
        kwargs["with_scheduler"] = False
        self.watchdog.start()
        self.upkeep = Upkeep(self)
        if burst:
            self.upkeep.enqueue_due_jobs_once()  # what RQ's burst mode does with its scheduler
        else:
            self.upkeep.start()
        try:
            return bool(super().work(burst=burst, **kwargs))
        finally:
            self.upkeep.stop()

    # -- signals ---------------------------------------------------------------------------

    def request_stop(self, signum: int, frame: FrameType | None) -> None:
        """First SIGTERM or SIGINT: RQ's warm shutdown, bounded by the watchdog."""
        self.watchdog.warm()
        self.outage.stop()
        log.info(
            "worker %s: stopping; the current job may finish within %.0fs",
            self.name,
            self.watchdog.grace - self.watchdog.unwind,
        )
        super().request_stop(signum, frame)

    def request_force_stop(self, signum: int, frame: FrameType | None) -> None:
        """A later signal, or the watchdog: RQ's cold shutdown (SystemExit where the job is)."""
        requested = self._shutdown_requested_date
        if requested is not None and now() - requested < timedelta(seconds=1):
            return  # RQ's rule: a duplicate of the first signal (a pool, a terminal's Ctrl-C)
        self.watchdog.cold()
        self.outage.stop()
        signal.signal(signal.SIGTERM, self._already_stopping)
        signal.signal(signal.SIGINT, self._already_stopping)
        super().request_force_stop(signum, frame)

    def _already_stopping(self, signum: int, frame: FrameType | None) -> None:
        log.info("worker %s: already stopping (cold); signal %s noted", self.name, signum)

    # -- RQ's command listener ---------------------------------------------------------------

    def subscribe(self) -> None:
        """RQ's listener for its commands (stop a job, shut down), polling every second."""
        pubsub: PubSub = self.connection.pubsub()
        pubsub.subscribe(**{self.pubsub_channel_name: self.handle_payload})
        self.pubsub = pubsub
        self.pubsub_thread = pubsub.run_in_thread(
            sleep_time=PUBSUB_POLL_SECONDS,
            daemon=True,
            exception_handler=self._listener_failed,
        )

    def _listener_failed(
        self, error: BaseException, pubsub: PubSub, thread: PubSubWorkerThread
    ) -> None:
        # Connection errors reach here only once the process is stopping (before that, the
        # connection waits for Redis): the listener ends.
        if not isinstance(error, RedisError):
            raise error
        self.log.debug("Worker %s: command listener: %s", self.name, error)
        if self.outage.stopping:
            thread.stop()
        else:
            time.sleep(PUBSUB_POLL_SECONDS)

    # -- Redis outages ---------------------------------------------------------------------

    def teardown(self) -> None:
        if self.upkeep is not None:
            self.upkeep.stop()  # before RQ records the death, so nothing writes the record again
        try:
            super().teardown()
        except RedisError as error:
            log.warning(
                "worker %s: could not record its stop in Redis (%s); its record expires on its own",
                self.name,
                error,
            )

    def write_record(self) -> None:
        """Write this worker's RQ record again (after an outage, Redis may have lost it)."""
        if self.birth_date is None:
            return  # not registered yet: RQ's own registration comes first
        self.last_heartbeat = now()
        with self.connection.pipeline() as pipeline:
            pipeline.hset(self.key, mapping=self.serialize())
            worker_registration.register(self, pipeline)
            pipeline.expire(self.key, self.worker_ttl + 60)
            pipeline.execute()


class Upkeep(threading.Thread):
    """A worker's chores beside its jobs: move due scheduled jobs (RQ `Retry` intervals,
    `enqueue_at`) to their queues under RQ's scheduler locks, and keep the worker's RQ record
    fresh, written again after a Redis outage."""

    def __init__(self, worker: ModerationWorker) -> None:
        super().__init__(name="rq-upkeep", daemon=True)
        self.worker = worker
        self.scheduler = RQScheduler(
            worker.queues,
            connection=worker.connection,
            interval=int(UPKEEP_SECONDS),
            logging_level=logging.WARNING,
        )
        self.stopping = threading.Event()
        self._next_lock_try = 0.0
        self._next_record = time.monotonic() + RECORD_REFRESH_SECONDS
        self._recoveries = worker.outage.recoveries

    def run(self) -> None:
        while not self.stopping.wait(UPKEEP_SECONDS):
            try:
                self._tick()
            except RedisError as error:  # only once stopping: the connection waits otherwise
                log.debug("upkeep: %s", error)
            except Exception:
                log.exception("worker upkeep failed; trying again in %ss", UPKEEP_SECONDS)

    def _tick(self) -> None:
        scheduler = self.scheduler
        moment = time.monotonic()
        if scheduler.should_reacquire_locks or (
            not scheduler.acquired_locks and moment >= self._next_lock_try
        ):
            self._next_lock_try = moment + LOCK_RETRY_SECONDS
            if scheduler.acquire_locks():
                scheduler.register_birth()
        if scheduler.acquired_locks:
            scheduler.heartbeat()
            scheduler.enqueue_scheduled_jobs()
        recoveries = self.worker.outage.recoveries
        if recoveries != self._recoveries or moment >= self._next_record:
            self._recoveries = recoveries
            self._next_record = moment + RECORD_REFRESH_SECONDS
            self.worker.write_record()

    def enqueue_due_jobs_once(self) -> None:
        """Burst mode: move what is due now, then let the locks go."""
        scheduler = self.scheduler
        if scheduler.acquire_locks():
            try:
                scheduler.enqueue_scheduled_jobs()
            finally:
                scheduler.release_locks()

    def stop(self) -> None:
        """Stop the thread and let the scheduler locks go (idempotent)."""
        self.stopping.set()
        if self.is_alive():
            self.join(timeout=2 * UPKEEP_SECONDS)
        if self.scheduler.acquired_locks:
            with contextlib.suppress(RedisError):
                self.scheduler.stop()  # release the locks: another worker takes over at once
