"""Readiness: the database and Redis answer, and some worker has a model loaded."""

from __future__ import annotations

from typing import Any

from redis import Redis
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from moderation.scoring.registry import WorkerRegistry
from moderation.web.health import ReadinessCheck


class Readiness(ReadinessCheck):
    """The database and Redis answer, and some scoring worker has its model loaded."""

    def __init__(
        self, sessions: sessionmaker[Session], redis: Redis, workers: WorkerRegistry
    ) -> None:
        self.sessions = sessions
        self.redis = redis
        self.workers = workers

    def __call__(self) -> dict[str, Any]:
        return readiness(self.sessions, self.redis, self.workers)


def readiness(
    sessions: sessionmaker[Session], redis: Redis, workers: WorkerRegistry
) -> dict[str, Any]:
    """Each check's outcome; `ready` is true only when every check passed."""
    checks: dict[str, Any] = {}
    try:
        with sessions() as session:
            session.execute(text("SELECT 1"))
        checks["database"] = {"ok": True}
    except Exception as error:
        checks["database"] = {"ok": False, "error": f"{type(error).__name__}: {error}"}
    try:
        redis.ping()
        checks["redis"] = {"ok": True}
        alive = workers.alive()
    except Exception as error:
        checks["redis"] = {"ok": False, "error": f"{type(error).__name__}: {error}"}
        alive = []
    loaded = [worker for worker in alive if worker.get("model_loaded")]
    if loaded:
        checks["model"] = {"ok": True, "workers": len(alive), "model": loaded[0].get("model")}
    elif alive:
        errors = sorted({str(worker.get("model_error")) for worker in alive})
        checks["model"] = {"ok": False, "workers": len(alive), "error": "; ".join(errors)}
    else:
        checks["model"] = {"ok": False, "workers": 0, "error": "no scoring worker is running"}
    return {"ready": all(check["ok"] for check in checks.values()), "checks": checks}
