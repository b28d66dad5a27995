"""What the metrics scrape reads from shared state: queue depths, live workers, waiting comments.

Read at scrape time, not counted by any one process, so these stay right across many web
replicas and workers on many machines (each replica reports the same cluster-wide values).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from redis import Redis
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from moderation.comments.models import Comment
from moderation.db.base import utcnow
from moderation.observability.metrics import ClusterCollector
from moderation.scoring.registry import WorkerRegistry


def queue_depths(redis: Redis, queue_names: Sequence[str]) -> dict[str, int]:
    """Jobs waiting in each RQ queue."""
    from rq import Queue

    return {name: int(Queue(name, connection=redis).count) for name in queue_names}


def workers_alive(redis: Redis, registry: WorkerRegistry) -> dict[str, int]:
    """Scoring workers with a fresh heartbeat (by model loaded or not) and all RQ workers."""
    from rq import Worker

    scoring = registry.alive()
    loaded = sum(1 for worker in scoring if worker.get("model_loaded"))
    return {
        "scoring": loaded,
        "scoring_without_model": len(scoring) - loaded,
        "rq": int(Worker.count(connection=redis)),
    }


def pending_summary(sessions: sessionmaker[Session]) -> tuple[int, float]:
    """How many comments wait for a decision, and the oldest one's age in seconds."""
    with sessions() as session:
        count, oldest = session.execute(
            select(func.count(Comment.id), func.min(Comment.created_at)).where(
                Comment.status == "pending"
            )
        ).one()
    if oldest is None:
        return int(count), 0.0
    if oldest.tzinfo is None:  # SQLite hands back naive UTC
        oldest = oldest.replace(tzinfo=dt.UTC)
    return int(count), max(0.0, (utcnow() - oldest).total_seconds())


def cluster_collector(
    sessions: sessionmaker[Session],
    redis: Redis,
    registry: WorkerRegistry,
    queue_names: Sequence[str],
) -> ClusterCollector:
    """A collector over this deployment's Redis and database."""
    return ClusterCollector(
        queue_depths=lambda: queue_depths(redis, queue_names),
        workers_alive=lambda: workers_alive(redis, registry),
        pending=lambda: pending_summary(sessions),
    )
