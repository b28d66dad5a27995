"""The training jobs: train one site's model, and (on the scheduler's timetable) enqueue
training for every site with enough new decisions.

Jobs take ids and return JSON-able results, as RQ's own examples do. A second request for a
site whose training is queued or running gets that job back instead of a second one.
"""

from __future__ import annotations

import logging
from typing import Any

from redis import Redis

from moderation.config import Settings
from moderation.learning.service import LearningService
from moderation.scoring.context import current

log = logging.getLogger(__name__)

RESULT_TTL = 7 * 24 * 3600
# Statuses of a job that has not finished: a new request joins it.
UNFINISHED = {"queued", "started", "deferred", "scheduled"}


def job_id(site_id: str) -> str:
    """The one training job a site may have at a time."""
    return f"moderation-learning-train-{site_id}"


def train_site_model(site_id: str, requested_by: str) -> dict[str, Any]:
    """Train, measure, record and (if better) propose a model for `site_id`."""
    context = current()
    result = LearningService(context.sessions, context.settings).train(site_id, requested_by)
    return {key: result[key] for key in ("id", "site_id", "status", "checkpoint", "reason")}


def train_due_sites() -> dict[str, Any]:
    """Enqueue training for each site with `learning.new_decisions` new decisions."""
    context = current()
    due = LearningService(context.sessions, context.settings).due_sites()
    enqueued = [
        enqueue_training(context.settings, context.redis, site, "scheduler") for site in due
    ]
    log.info("training due for %d sites", len(due))
    return {"enqueued": enqueued}


def enqueue_training(settings: Settings, redis: Redis, site_id: str, requested_by: str) -> str:
    """Enqueue training of `site_id` (or find the one queued or running); its job id."""
    from rq import Queue
    from rq.exceptions import NoSuchJobError
    from rq.job import Job

    identifier = job_id(site_id)
    try:
        existing = Job.fetch(identifier, connection=redis)
        if existing.get_status(refresh=True) in UNFINISHED:
            return identifier
    except NoSuchJobError:
        pass
    queue = Queue(settings.learning.queue, connection=redis)
    queue.enqueue(
        train_site_model,
        site_id,
        requested_by,
        job_id=identifier,
        job_timeout=settings.learning.job_timeout_seconds,
        result_ttl=RESULT_TTL,
        failure_ttl=RESULT_TTL,
        description=f"train a model for site {site_id} from its decisions",
    )
    return identifier
