"""A worker's analyze lane: a thread that answers analyze calls while the worker scores comments.

RQ runs one job at a time, so an analyze call queued behind a batch of comments would wait for
the whole batch and miss its deadline. The lane is a thread with its own copy of the models
(loaded in the thread; a tokenizer is not safe to share between threads) that wakes when a call
arrives and drains the line with the same code as the RQ drain job. While a lane is alive (it
registers itself every second) web processes queue no drain jobs, so workers' main threads keep
to their comments; without lanes (`[perspective] worker_lane = false`) drain jobs serve calls.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time

from moderation.perspective.analysis import LANE_TTL_SECONDS, LANES_KEY, PENDING_KEY, WAKE_KEY
from moderation.perspective.jobs import drain
from moderation.pipeline.model import ModelUnavailableError, load_scorer
from moderation.pipeline.routing import load_router
from moderation.scoring.context import WorkerContext

log = logging.getLogger(__name__)


class AnalyzeLane(threading.Thread):
    """Drains analyze calls as they arrive, with a model of its own."""

    def __init__(self, context: WorkerContext) -> None:
        super().__init__(name="perspective-analyze-lane", daemon=True)
        self.context = context
        self.stopping = threading.Event()

    def run(self) -> None:
        # Analyze clients read the scores against their own thresholds, not the service's:
        # they get the model's, never a screening model's (decision 0029).
        settings = dataclasses.replace(self.context.settings.model, screen_checkpoint="")
        try:
            default = load_scorer(settings)
        except ModelUnavailableError as error:
            log.error("analyze lane has no model, drain jobs serve analyze calls: %s", error)
            return
        # Its own copy of every language's model too, each loaded once.
        router = load_router(settings, default)
        redis = self.context.redis
        name = self.context.name
        try:
            while not self.stopping.is_set():
                try:
                    redis.hset(LANES_KEY, name, time.time() + LANE_TTL_SECONDS)
                    # Calls left from a full drain go first; else wait for the next call's token.
                    if redis.llen(PENDING_KEY) or redis.blpop([WAKE_KEY], timeout=1):
                        drain(self.context, router)
                except Exception as error:  # Redis away, a bad batch: the next call tries again
                    log.warning("analyze lane: %s", error)
                    self.stopping.wait(1)
        finally:
            try:
                redis.hdel(LANES_KEY, name)
            except Exception:
                log.debug("could not remove the lane's registration", exc_info=True)

    def stop(self) -> None:
        self.stopping.set()


def start(context: WorkerContext) -> AnalyzeLane | None:
    """Start the lane if the settings ask for one."""
    if not context.settings.perspective.worker_lane:
        return None
    lane = AnalyzeLane(context)
    lane.start()
    return lane
