"""Every job the service can enqueue is enqueued by function reference and resolves by the name
RQ stored: a renamed or moved job fails here, not in a worker at run time."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from redis import Redis
from rq import Queue
from rq.job import Job
from rq.registry import ScheduledJobRegistry
from rq.utils import import_attribute

from moderation.config import Settings
from moderation.learning.jobs import enqueue_training
from moderation.perspective.analysis import ensure_drain
from moderation.review.bulk import RQBulkQueue
from moderation.scoring.queue import RQWorkQueue
from moderation.webhooks.queue import WebhookQueue
from moderation.worker.schedule import build_scheduler


def _enqueue_every_job(settings: Settings, redis: Redis) -> dict[str, Callable[[], object]]:
    """Each enqueue path of the service, by the queue it lands on."""
    return {
        settings.redis.score_queue: lambda: RQWorkQueue(
            redis, settings.redis.score_queue
        ).enqueue_scoring([1], "request", coalesce=False),
        settings.webhooks.queue: lambda: (
            WebhookQueue(redis, settings.webhooks.queue).enqueue_dispatch(),
            WebhookQueue(redis, settings.webhooks.queue).enqueue_endpoint(7),
        ),
        settings.review.bulk_queue: lambda: RQBulkQueue(
            redis, settings.review.bulk_queue
        ).enqueue_bulk(3),
        settings.perspective.queue: lambda: ensure_drain(
            redis, Queue(settings.perspective.queue, connection=redis), 1000
        ),
        settings.learning.queue: lambda: enqueue_training(settings, redis, "default", "test"),
    }


def _resolves(job: Job) -> None:
    assert job.func_name.startswith("moderation."), job.func_name
    function = import_attribute(job.func_name)
    assert callable(function)
    assert f"{function.__module__}.{function.__qualname__}" == job.func_name


@pytest.mark.usefixtures("clean_state")
def test_every_enqueued_job_resolves_to_a_function(settings: Settings) -> None:
    redis = Redis.from_url(settings.redis.url)
    for queue_name, enqueue in _enqueue_every_job(settings, redis).items():
        enqueue()
        jobs = Queue(queue_name, connection=redis).get_jobs()
        assert jobs, f"nothing was enqueued on {queue_name}"
        for job in jobs:
            _resolves(job)


@pytest.mark.usefixtures("clean_state")
def test_a_scheduled_delivery_and_the_cron_reconcile_resolve_too(settings: Settings) -> None:
    redis = Redis.from_url(settings.redis.url)
    later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    assert WebhookQueue(redis, settings.webhooks.queue).enqueue_endpoint(7, at=later)
    queue = Queue(settings.webhooks.queue, connection=redis)
    scheduled = ScheduledJobRegistry(queue=queue).get_job_ids()
    assert scheduled
    for job_id in scheduled:
        _resolves(Job.fetch(job_id, connection=redis))
    # With auto_train, the scheduler also enqueues training for the sites that are due.
    scheduler = build_scheduler(settings.replace(learning={"auto_train": True}), redis)
    registered = scheduler.get_jobs()
    assert {job.name for job in registered} == {
        "moderation.reconcile",
        "moderation.retention_purge",
        "moderation.learning.train_due_sites",
    }
    for cron_job in registered:
        function = cron_job.func
        name = f"{function.__module__}.{function.__qualname__}"
        assert import_attribute(name) is function
