"""What the Perspective-compatible endpoints need, built once per app from the settings."""

from __future__ import annotations

import dataclasses
import threading
import time

from redis import Redis
from sqlalchemy.orm import Session, sessionmaker

from moderation.config import PerspectiveSettings
from moderation.perspective.analysis import AnalysisQueue
from moderation.perspective.apikeys import ApiKeyTable
from moderation.perspective.feedback import FeedbackService
from moderation.scoring.registry import WorkerRegistry


class ServedLabels:
    """The labels the running workers' model produces, from their heartbeats, cached briefly."""

    def __init__(self, registry: WorkerRegistry, cache_seconds: float = 5.0) -> None:
        self.registry = registry
        self.cache_seconds = cache_seconds
        self._lock = threading.Lock()
        self._cached: tuple[float, frozenset[str]] = (0.0, frozenset())

    def labels(self) -> frozenset[str]:
        """Empty when no worker with a loaded model is alive."""
        with self._lock:
            seen_at, labels = self._cached
            if labels and time.monotonic() - seen_at < self.cache_seconds:
                return labels
        found: set[str] = set()
        for worker in self.registry.alive():
            if worker.get("model_loaded"):
                found.update(str(label) for label in worker.get("labels") or [])
        with self._lock:
            self._cached = (time.monotonic(), frozenset(found))
        return frozenset(found)


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
        served=ServedLabels(workers),
    )
