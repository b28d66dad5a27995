"""What the Perspective-compatible endpoints need, built once per app from the settings."""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Mapping, Sequence

from redis import Redis
from sqlalchemy.orm import Session, sessionmaker

from moderation.config import PerspectiveSettings
from moderation.perspective.analysis import AnalysisQueue
from moderation.perspective.apikeys import ApiKeyTable
from moderation.perspective.feedback import FeedbackService
from moderation.scoring.registry import WorkerRegistry


@dataclasses.dataclass(frozen=True)
class Served:
    """What the running workers' models serve: per language, its model's labels."""

    languages: Mapping[str, frozenset[str]]
    # The default model's language: texts too unsure to tell go to it.
    fallback: str = ""

    def labels(self) -> frozenset[str]:
        """Every label some loaded model produces."""
        return frozenset(label for labels in self.languages.values() for label in labels)


class ServedLabels:
    """What the running workers' models serve, from their heartbeats, cached briefly."""

    def __init__(
        self, registry: WorkerRegistry, cache_seconds: float = 5.0, allowed: Sequence[str] = ()
    ) -> None:
        self.registry = registry
        self.cache_seconds = cache_seconds
        # `[perspective] languages`: when set, analyze serves only these (where a model does).
        self.allowed = frozenset(allowed)
        self._lock = threading.Lock()
        self._cached: tuple[float, Served] = (0.0, Served({}))

    def labels(self) -> frozenset[str]:
        """Empty when no worker with a loaded model is alive."""
        return self.served().labels()

    def served(self) -> Served:
        """Languages served by the live workers' loaded models, each with its model's labels."""
        with self._lock:
            seen_at, served = self._cached
            if served.languages and time.monotonic() - seen_at < self.cache_seconds:
                return served
        languages: dict[str, set[str]] = {}
        fallback = ""
        for worker in self.registry.alive():
            if not worker.get("model_loaded"):
                continue
            routes = worker.get("languages")
            if not isinstance(routes, dict):  # a worker from before per-language models
                routes = {"en": {"labels": worker.get("labels") or []}}
            for code, route in routes.items():
                labels = route.get("labels") if isinstance(route, dict) else None
                languages.setdefault(str(code), set()).update(str(x) for x in labels or [])
            defaults = worker.get("default_languages") or ["en"]
            fallback = fallback or str(defaults[0])
        if self.allowed:
            languages = {code: labels for code, labels in languages.items() if code in self.allowed}
        found = Served(
            {code: frozenset(labels) for code, labels in sorted(languages.items())}, fallback
        )
        with self._lock:
            self._cached = (time.monotonic(), found)
        return found


@dataclasses.dataclass(frozen=True)
class PerspectiveServices:
    """Keys, the analysis queue, feedback storage, and the settings they came from."""

    settings: PerspectiveSettings
    keys: ApiKeyTable
    analysis: AnalysisQueue
    feedback: FeedbackService
    served: ServedLabels


def build_perspective_services(
    settings: PerspectiveSettings,
    sessions: sessionmaker[Session],
    redis: Redis,
    workers: WorkerRegistry,
) -> PerspectiveServices:
    """Wire the services; nothing connects until first used."""
    return PerspectiveServices(
        settings=settings,
        keys=ApiKeyTable(settings.api_keys),
        analysis=AnalysisQueue(
            redis, settings.queue, settings.deadline_ms / 1000.0, settings.max_pending
        ),
        feedback=FeedbackService(sessions),
        served=ServedLabels(workers, allowed=settings.languages),
    )


def warm_analyze(settings: PerspectiveSettings) -> None:
    """Load the language identifier in a daemon thread when analyze is on (API keys are set).

    Analyze tells each text's language in the web process; loaded lazily, the identifier made a
    process's first call pay for it (about 0.3 s, seconds on a busy machine), past the timeout
    of a client such as Coral. Called by gunicorn's `post_worker_init` (web/gunicorn_conf.py),
    so tests and tools pay nothing.
    """
    if not settings.api_keys:
        return
    from moderation.pipeline.language import preload

    threading.Thread(target=preload, name="warm-analyze", daemon=True).start()
