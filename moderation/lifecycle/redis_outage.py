"""A worker process's Redis client waits out an outage of any length instead of failing.

RQ's worker loop treats a Redis error outside its blocking pop as fatal: it logs "found an
unhandled exception, quitting", then fails again registering its death and the process exits
(issue 21). Every thread of a worker (RQ's loop and its command listener, the heartbeat, the
analyze lane, reconcile) talks to Redis, so the waiting is done once, where all of them pass:
redis-py's retry policy, which reconnects and re-sends a command (and re-subscribes a pubsub
connection) after a connection error. `WaitForRedis` is that policy with no retry limit and a
jittered backoff of up to `BACKOFF_CAP` seconds; RQ's code never sees the outage, and the work
goes on where it stopped when Redis is back. What Redis lost meanwhile (a restart without
persistence) reconcile finds in the database.

`RedisOutage` is the one record of the process: it logs the outage once when a call fails
twice in a row (a stale pooled connection that reconnects at once is not an outage) and once
when Redis answers again, and it ends the waiting when the process is stopping, so a shutdown
during an outage is not held up by Redis. Web processes keep redis-py's default (a few quick
retries): a request must not wait for Redis, and intake already survives a lost enqueue.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from redis import Redis
from redis.backoff import EqualJitterBackoff
from redis.retry import Retry

log = logging.getLogger(__name__)

T = TypeVar("T")

# Waits between attempts grow from BACKOFF_BASE to between half and all of BACKOFF_CAP (equal
# jitter, so many workers do not reconnect in step): a worker resumes within about
# BACKOFF_CAP seconds of Redis coming back.
BACKOFF_BASE = 0.25
BACKOFF_CAP = 5.0
# A dead host (no answer at all) fails a connection attempt after this long, not the OS's
# minutes.
CONNECT_TIMEOUT = 5.0


class RedisOutage:
    """Whether Redis is away for this process, said once each way; and whether to keep waiting.

    Signal handlers reach it (`stop`, and Redis calls that RQ makes inside its handlers), so it
    uses no lock that a handler could find held by the code it interrupted: a plain flag for
    stopping, polled while pausing, and a reentrant lock around the outage record.
    """

    POLL_SECONDS = 0.25

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._stopping = False
        self.down_since: float | None = None
        # How many outages have ended; a thread that re-registers after one compares it.
        self.recoveries = 0
        self.recovered_at: float | None = None

    @property
    def stopping(self) -> bool:
        return self._stopping

    def stop(self) -> None:
        """The process is stopping: no more waiting for Redis (one reconnect, then fail)."""
        self._stopping = True

    def keep_waiting(self, error: Exception, failures: int) -> bool:
        """After the `failures`-th failure in a row of one call: try again?"""
        if failures >= 2 and self.down_since is None:
            with self._lock:
                declared = self.down_since is None
                if declared:
                    self.down_since = time.monotonic()
            if declared:
                log.warning(
                    "Redis is unreachable (%s); waiting for it, retrying every few seconds", error
                )
        return not (self._stopping and failures >= 2)

    def pause(self, seconds: float) -> None:
        """Sleep before the next attempt; cut short when the process starts stopping."""
        deadline = time.monotonic() + seconds
        while not self._stopping:
            left = deadline - time.monotonic()
            if left <= 0:
                return
            time.sleep(min(left, self.POLL_SECONDS))

    def settled(self, seconds: float) -> bool:
        """Whether Redis has answered for at least `seconds` since the last outage (or ever)."""
        if self.down_since is not None:
            return False
        return self.recovered_at is None or time.monotonic() - self.recovered_at >= seconds

    def reachable(self) -> None:
        """A call got through after failing: if an outage was declared, it is over."""
        if self.down_since is None:
            return
        with self._lock:
            since = self.down_since
            self.down_since = None
            if since is not None:
                self.recoveries += 1
                self.recovered_at = time.monotonic()
        if since is not None:
            log.warning("Redis is reachable again after %.1fs; going on", time.monotonic() - since)


class WaitForRedis(Retry):
    """redis-py's retry policy with no limit: every call waits for Redis while it is away."""

    def __init__(self, outage: RedisOutage) -> None:
        super().__init__(EqualJitterBackoff(cap=BACKOFF_CAP, base=BACKOFF_BASE), retries=-1)
        self.outage = outage

    def __deepcopy__(self, memo: dict[int, Any]) -> WaitForRedis:
        # redis-py deep-copies the policy into every connection: they must all share the one
        # outage record (logged once, stopped at once). The policy itself holds no call state.
        return self

    def call_with_retry(  # type: ignore[override]  # redis-py's signature, typed loosely there
        self,
        do: Callable[[], T],
        fail: Callable[..., Any],
        is_retryable: Callable[[Exception], bool] | None = None,
        with_failure_count: bool = False,
    ) -> T:
        failures = 0
        while True:
            try:
                result = do()
            except self._supported_errors as error:
                failures += 1
                # Close the broken connection (and, for a pipeline under WATCH, raise WatchError).
                if with_failure_count:
                    fail(error, failures)
                else:
                    fail(error)
                if is_retryable is not None and not is_retryable(error):
                    raise
                if not self.outage.keep_waiting(error, failures):
                    raise
                self.outage.pause(self._backoff.compute(failures))
                continue
            if failures:
                # Only a call that got through after failing proves Redis is back: one on an
                # old connection may still be answered by a server that is shutting down.
                self.outage.reachable()
            return result


def waiting_redis(url: str, outage: RedisOutage) -> Redis:
    """A client for a worker process: every call waits for Redis through an outage."""
    return Redis.from_url(url, retry=WaitForRedis(outage), socket_connect_timeout=CONNECT_TIMEOUT)
