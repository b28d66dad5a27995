"""Synchronous analysis on the scoring workers: hand texts over, wait for scores, with a deadline.

Web processes hold no model. An analyze call pushes its texts onto a Redis list and, unless a
drain job is already queued, enqueues one on the high-priority RQ queue "analyze". A worker's
drain job takes every waiting call (up to a batch) in one model batch, so concurrent calls share
batches, and pushes each call's scores to the call's own reply key, where the web process waits
with BLPOP. Past capacity (the calls already waiting, at the workers' measured seconds per call,
would not be scored within the deadline) or past the deadline the caller gets
`AnalysisUnavailableError` at once, never a request held beyond its deadline.

The texts live in Redis only while they wait (seconds; the list expires); nothing is stored.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Sequence
from typing import Any

from redis import Redis
from redis.exceptions import RedisError

from moderation.services.errors import ServiceError

log = logging.getLogger(__name__)

PENDING_KEY = "perspective:pending"
DRAIN_QUEUED_KEY = "perspective:drain-queued"
REPLY_PREFIX = "perspective:reply:"
# Seconds a worker needs per call (a moving average the workers keep): capacity = deadline / it.
COST_KEY = "perspective:seconds-per-call"
DEFAULT_SECONDS_PER_CALL = 0.03
DRAIN_JOB = "moderation.worker.analyze_jobs.drain_analysis"
REPLY_TTL_SECONDS = 10


class AnalysisUnavailableError(ServiceError):
    """No worker can answer in time: over capacity, past the deadline, or Redis away (503)."""

    code = "unavailable"


class AnalysisFailedError(ServiceError):
    """The worker could not score the texts (no model loaded); the message says why."""

    code = "failed"


class AnalysisQueue:
    """Hands texts to the scoring workers and waits for their scores."""

    def __init__(
        self,
        connection: Redis,
        queue_name: str,
        deadline_seconds: float,
        max_pending: int,
    ) -> None:
        from rq import Queue

        self.connection = connection
        self.queue = Queue(queue_name, connection=connection)
        self.deadline_seconds = deadline_seconds
        self.max_pending = max_pending

    def score(self, texts: Sequence[str]) -> list[dict[str, float]]:
        """Scores for `texts`, in order; AnalysisUnavailableError past capacity or deadline."""
        started = time.monotonic()
        reply_key = REPLY_PREFIX + uuid.uuid4().hex
        payload = json.dumps(
            {"reply": reply_key, "expires": time.time() + self.deadline_seconds, "texts": texts}
        )
        try:
            pipe = self.connection.pipeline()
            pipe.llen(PENDING_KEY)
            pipe.get(COST_KEY)
            waiting_raw, cost_raw = pipe.execute()
            waiting = int(waiting_raw)
            cost = float(cost_raw or DEFAULT_SECONDS_PER_CALL)
            # A call that finds none waiting always gets its chance (and renews the measure).
            if waiting >= self.max_pending or (
                waiting and (waiting + 1) * cost > self.deadline_seconds
            ):
                raise AnalysisUnavailableError(
                    f"The service is over capacity ({waiting} calls waiting); retry later."
                )
            pipe = self.connection.pipeline()
            pipe.rpush(PENDING_KEY, payload)
            pipe.expire(PENDING_KEY, 60)
            # One queued drain job serves every call that waits; a lost flag expires quickly.
            pipe.set(DRAIN_QUEUED_KEY, 1, nx=True, px=max(1, int(self.deadline_seconds * 1000)))
            _, _, first = pipe.execute()
            if first:
                self.queue.enqueue(DRAIN_JOB, job_timeout=60, result_ttl=0, failure_ttl=3600)
            remaining = self.deadline_seconds - (time.monotonic() - started)
            answer = (
                self.connection.blpop([reply_key], timeout=max(remaining, 0.001))
                if remaining > 0
                else None
            )
        except RedisError as error:
            log.warning("analysis unavailable, Redis error: %s", error)
            raise AnalysisUnavailableError("The scoring service is unreachable.") from error
        if answer is None:
            raise AnalysisUnavailableError(
                f"No scoring worker answered within {int(self.deadline_seconds * 1000)} ms; "
                "retry later."
            )
        reply: dict[str, Any] = json.loads(answer[1])
        if "error" in reply:
            raise AnalysisFailedError(str(reply["error"]))
        scores: list[dict[str, float]] = reply["scores"]
        return scores

    def depth(self) -> int:
        """Calls waiting for a worker now."""
        return int(self.connection.llen(PENDING_KEY))
