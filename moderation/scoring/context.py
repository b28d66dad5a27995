"""What a worker process holds for its whole life: settings, sessions, rules and the models.

Built once per process (by `moderation worker` before it starts taking jobs, or lazily by the
first job when RQ's own `rq worker` runs them) and never per job: loading a model costs
seconds, scoring a comment milliseconds. The models are the default one and one per
`[model.languages.<code>]` entry, each distinct model loaded once (`pipeline/routing.py`).
"""

from __future__ import annotations

import dataclasses
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

from redis import Redis
from sqlalchemy.orm import Session, sessionmaker

from moderation.comments.thread_cache import ThreadCache
from moderation.config import Settings, load_settings
from moderation.db.session import make_engine, make_session_factory
from moderation.pipeline.language import preload as preload_language_identifier
from moderation.pipeline.model import ModelUnavailableError, Scorer, load_scorer
from moderation.pipeline.routing import load_router
from moderation.pipeline.rules import build_rules
from moderation.pipeline.scoring import ScoringPipeline
from moderation.scoring.policy_runs import PolicyModels
from moderation.scoring.queue import RQWorkQueue
from moderation.scoring.registry import WorkerRegistry
from moderation.scoring.service import ScoringService
from moderation.sites.service import SiteService
from moderation.surge.counters import SurgeCounters
from moderation.surge.service import SurgeService

log = logging.getLogger(__name__)


@dataclasses.dataclass
class WorkerContext:
    settings: Settings
    name: str
    sessions: sessionmaker[Session]
    redis: Redis
    scoring: ScoringService
    pipeline: ScoringPipeline
    registry: WorkerRegistry
    queue: RQWorkQueue
    model_loads: int
    load_seconds: float
    # Raises an article's thread version after a batch published comments there, so the
    # readers' cached pages go stale at once (comments/thread_cache.py).
    threads: ThreadCache | None = None
    # The models sites' policies name, loaded when a live or shadow policy first needs one.
    policy_models: PolicyModels = dataclasses.field(init=False)
    # Called before each batch is scored. The worker process adds the Perspective feature's
    # `make_room_for_calls` here (worker/runner.py), so scoring knows no feature.
    before_batch: list[Callable[[WorkerContext], None]] = dataclasses.field(default_factory=list)

    def __post_init__(self) -> None:
        self.policy_models = PolicyModels(self.settings.model)

    def status(self) -> dict[str, Any]:
        """What the heartbeat publishes: the models, and which languages each serves."""
        scorer = self.pipeline.scorer
        router = self.pipeline.router
        status: dict[str, Any] = {
            "pid": os.getpid(),
            "model_loaded": scorer is not None,
            "model": scorer.description if scorer else None,
            "labels": list(scorer.labels) if scorer else [],
            "model_error": self.pipeline.model_error,
            "model_loads": self.model_loads,
            "load_seconds": round(self.load_seconds, 3),
            # Models sites' policies named, loaded on first use (docs/policies.md).
            "policy_models": self.policy_models.loaded(),
        }
        if router is not None:
            # Per language whose model is loaded: that model's labels (Perspective's analyze
            # serves exactly these languages), and the default model's languages.
            status["languages"] = {
                code: {"model": model.description, "labels": list(model.scorer.labels)}
                for code, model in router.served().items()
                if model.scorer is not None
            }
            status["default_languages"] = [
                code for code, route in router.routes.items() if route.model is router.default.model
            ]
            status["model_errors"] = {
                code: route.model.error
                for code, route in router.routes.items()
                if route.model.error
            }
        return status


_lock = threading.Lock()
_context: WorkerContext | None = None


def build_context(
    settings: Settings, scorer: Scorer | None = None, redis: Redis | None = None
) -> WorkerContext:
    """Load rules and model, connect to the database and Redis. Called once per process.

    `moderation worker` passes a Redis client that waits out outages (lifecycle/).
    """
    name = f"{socket.gethostname()}.{os.getpid()}.{uuid.uuid4().hex[:6]}"
    error: str | None = None
    started = time.perf_counter()
    given = scorer is not None
    if scorer is None:
        try:
            scorer = load_scorer(settings.model)
            log.info("model loaded: %s in %.1fs", scorer.description, time.perf_counter() - started)
        except ModelUnavailableError as failure:
            error = str(failure)
            log.error("no model: %s", error)
    router = load_router(settings.model, scorer, error, load_default=False)
    preload_language_identifier()  # the first batch would load it otherwise
    # Models this process loaded itself: the default (unless handed in) and each language's.
    loads = sum(
        model.scorer is not None and (model is not router.default.model or not given)
        for model in router.models()
    )
    sessions = make_session_factory(make_engine(settings.database.url))
    redis = redis or Redis.from_url(settings.redis.url)
    sites = SiteService(sessions, settings)
    surge = SurgeService(sessions, settings.surge, sites, SurgeCounters(redis))
    return WorkerContext(
        settings=settings,
        name=name,
        sessions=sessions,
        redis=redis,
        scoring=ScoringService(sessions, settings.worker.claim_seconds, sites, surge),
        pipeline=ScoringPipeline.routed(build_rules(settings.rules), router),
        registry=WorkerRegistry(redis, settings.worker.heartbeat_seconds),
        queue=RQWorkQueue(redis, settings.redis.score_queue),
        model_loads=loads,
        load_seconds=time.perf_counter() - started,
        # Its own client with short timeouts: a commit never waits out a Redis outage here.
        threads=ThreadCache(
            Redis.from_url(settings.redis.url, socket_timeout=2, socket_connect_timeout=2),
            settings.reads.cache_seconds,
        ).watch(sessions),
    )


def install(context: WorkerContext) -> None:
    global _context
    with _lock:
        _context = context


def current() -> WorkerContext:
    """This process's context, built from the environment's settings on first use."""
    global _context
    with _lock:
        if _context is None:
            _context = build_context(load_settings())
        return _context
