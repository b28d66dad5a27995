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
from collections.abc import Mapping, Sequence
from typing import Any

from redis import Redis
from redis.exceptions import RedisError

from moderation.errors import ServiceError

log = logging.getLogger(__name__)

PENDING_KEY = "perspective:pending"
DRAIN_QUEUED_KEY = "perspective:drain-queued"
REPLY_PREFIX = "perspective:reply:"
# Seconds a worker needs per call (a moving average the workers keep): capacity = deadline / it.
COST_KEY = "perspective:seconds-per-call"
DEFAULT_SECONDS_PER_CALL = 0.03
# Calls each worker is scoring now ("count:until" per worker name): they are ahead in the line.
IN_FLIGHT_KEY = "perspective:in-flight"
# Admit a call only if the line ahead of it is expected to clear within this share of the
# deadline: the measure is an average, batches vary.
ADMISSION_SHARE = 0.8
REPLY_TTL_SECONDS = 10
# Wakes a worker's analyze lane (at most one token waits; the lane drains all calls).
WAKE_KEY = "perspective:wake"
# Live analyze lanes (worker name -> until when): while one lives, no drain jobs are queued, so
# the workers' main threads keep to their comments and calls are batched in the lanes.
LANES_KEY = "perspective:lanes"
LANE_TTL_SECONDS = 3.0
# Set by every analyze call: while it lives, scoring workers score comments in small model
# calls and answer waiting analyze calls between them (perspective/jobs.py).
ACTIVE_KEY = "perspective:active"
ACTIVE_SECONDS = 30


# Drops calls whose deadline has passed from the head of the line (their callers were answered
# 503 already), then counts the calls waiting and those being scored, atomically.
_LINE_AHEAD = """
local now = tonumber(ARGV[1])
while true do
  local head = redis.call('LINDEX', KEYS[1], 0)
  if not head then break end
  if tonumber(cjson.decode(head)['expires']) > now then break end
  redis.call('LPOP', KEYS[1])
end
local busy = 0
local flights = redis.call('HGETALL', KEYS[2])
for i = 1, #flights, 2 do
  local count, till = string.match(flights[i + 1], '(%d+):([%d.]+)')
  if count and tonumber(till) > now then busy = busy + tonumber(count) end
end
local lanes = 0
local alive = redis.call('HGETALL', KEYS[4])
for i = 1, #alive, 2 do
  if tonumber(alive[i + 1]) > now then lanes = lanes + 1 end
end
return {redis.call('LLEN', KEYS[1]), busy, redis.call('GET', KEYS[3]), lanes}
"""


def ensure_drain(connection: Redis, queue: Any, flag_ms: int) -> bool:
    """Queue a drain job unless one is queued already; True if this call queued it."""
    if connection.set(DRAIN_QUEUED_KEY, 1, nx=True, px=max(1, flag_ms)):
        # Imported here, not at the top: the job's module imports this one.
        from moderation.perspective.jobs import drain_analysis

        queue.enqueue(drain_analysis, job_timeout=60, result_ttl=0, failure_ttl=3600)
        return True
    return False


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
        self._line_ahead_script = connection.register_script(_LINE_AHEAD)

    def score(
        self,
        texts: Sequence[str],
        language: str = "",
        deadline_seconds: float | None = None,
        shifts: Sequence[Mapping[str, Sequence[float]]] = (),
    ) -> list[dict[str, float]]:
        """Scores for `texts`, in order, by the model of `language` ("": the default model);
        AnalysisUnavailableError past capacity or deadline (`deadline_seconds`, else the
        queue's own: the synchronous decisions of decisions/ bring theirs). `shifts[i]`, per
        label, the logits an adjustment will take off text i's score (the identity
        correction), so the worker's model confirms in float near the adjusted levels too
        (`DetoxifyScorer.score_shifted`), as it does for the comments it scores itself."""
        started = time.monotonic()
        deadline = self.deadline_seconds if deadline_seconds is None else deadline_seconds
        reply_key = REPLY_PREFIX + uuid.uuid4().hex
        call: dict[str, Any] = {
            "reply": reply_key,
            "expires": time.time() + deadline,
            "texts": list(texts),
            "language": language,
        }
        if any(shifts):
            call["shifts"] = [{label: list(v) for label, v in s.items()} for s in shifts]
        payload = json.dumps(call)
        try:
            waiting, cost, lanes = self._line_ahead()
            # A call that finds none waiting always gets its chance (and renews the measure).
            if waiting >= self.max_pending or (
                waiting and (waiting + 1) * cost > deadline * ADMISSION_SHARE
            ):
                raise AnalysisUnavailableError(
                    f"The service is over capacity ({waiting} calls ahead); retry later."
                )
            pipe = self.connection.pipeline()
            pipe.rpush(PENDING_KEY, payload)
            pipe.expire(PENDING_KEY, 60)
            pipe.rpush(WAKE_KEY, 1)
            pipe.ltrim(WAKE_KEY, -1, -1)
            pipe.expire(WAKE_KEY, 60)
            pipe.set(ACTIVE_KEY, 1, ex=ACTIVE_SECONDS)
            pipe.execute()
            if not lanes:
                # One queued drain job serves every call that waits. The flag outlives a job's
                # wait in the queue (else every call would queue another); a lost one expires.
                flag_ms = max(2000, int(deadline * 2000))
                ensure_drain(self.connection, self.queue, flag_ms)
            remaining = deadline - (time.monotonic() - started)
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
                f"No scoring worker answered within {int(deadline * 1000)} ms; retry later."
            )
        reply: dict[str, Any] = json.loads(answer[1])
        if "error" in reply:
            raise AnalysisFailedError(str(reply["error"]))
        scores: list[dict[str, float]] = reply["scores"]
        return scores

    def _line_ahead(self) -> tuple[int, float, int]:
        """Calls waiting or being scored now, the workers' seconds per call, live lanes."""
        waiting, busy, cost, lanes = self._line_ahead_script(
            keys=[PENDING_KEY, IN_FLIGHT_KEY, COST_KEY, LANES_KEY], args=[time.time()]
        )
        return int(waiting) + int(busy), float(cost or DEFAULT_SECONDS_PER_CALL), int(lanes)

    def depth(self) -> int:
        """Calls waiting for a worker now."""
        return int(self.connection.llen(PENDING_KEY))
