"""Webhook jobs on the RQ "webhooks" queue: fan-out, per-endpoint delivery, reconcile.

`dispatch_outbox` turns new outbox events into deliveries (enqueued after every commit that
wrote events). `deliver_endpoint` sends one endpoint's deliveries in event order while it holds
the endpoint's lease. `reconcile` runs from the worker's heartbeat: it fans out anything a lost
enqueue left behind and re-enqueues endpoints whose retries are due or whose lease expired
(a worker killed mid-delivery), so nothing depends on Redis remembering.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import os
import socket
import threading
import time
import uuid
from typing import Any

from redis import Redis
from sqlalchemy.orm import Session, sessionmaker

from moderation.config import Settings, load_settings
from moderation.db.session import make_engine, make_session_factory
from moderation.observability import metrics
from moderation.webhooks.deliveries import DeliveryService, NotYet
from moderation.webhooks.fanout import FanOutService
from moderation.webhooks.purges import PurgeService
from moderation.webhooks.queue import WebhookQueue, notify_outbox_commits
from moderation.webhooks.sender import Sender
from moderation.webhooks.signing import signed_headers

log = logging.getLogger(__name__)


@dataclasses.dataclass
class WebhookRuntime:
    """What webhook jobs need in a process; built once, never per job."""

    settings: Settings
    fan_out: FanOutService
    delivery: DeliveryService
    purges: PurgeService
    queue: WebhookQueue
    name: str

    @classmethod
    def build(
        cls,
        settings: Settings,
        sessions: sessionmaker[Session] | None = None,
        redis: Redis | None = None,
    ) -> WebhookRuntime:
        sessions = sessions or make_session_factory(make_engine(settings.database.url))
        redis = redis or Redis.from_url(settings.redis.url)
        name = f"{socket.gethostname()}.{os.getpid()}.{uuid.uuid4().hex[:6]}"
        return cls(
            settings=settings,
            fan_out=FanOutService(sessions, purges=bool(settings.reads.purge_url)),
            delivery=DeliveryService(sessions, settings.webhooks),
            purges=PurgeService(sessions, settings.reads),
            queue=WebhookQueue(redis, settings.webhooks.queue),
            name=name,
        )


_lock = threading.Lock()
_runtime: WebhookRuntime | None = None


def install(runtime: WebhookRuntime) -> None:
    global _runtime
    with _lock:
        _runtime = runtime


def current() -> WebhookRuntime:
    """This process's runtime, built from the environment's settings on first use."""
    global _runtime
    with _lock:
        if _runtime is None:
            _runtime = WebhookRuntime.build(load_settings())
        return _runtime


def dispatch_outbox() -> dict[str, Any]:
    """Fan new outbox events out to subscribed endpoints and enqueue their delivery."""
    runtime = current()
    runtime.queue.dispatch_started()
    endpoints, purges = _fan_out_all(runtime)
    for endpoint_id in sorted(endpoints):
        runtime.queue.enqueue_endpoint(endpoint_id)
    if purges:
        runtime.queue.enqueue_purge()
    return {"endpoints": sorted(endpoints), "purges": purges}


def _fan_out_all(runtime: WebhookRuntime, limit: int = 500) -> tuple[set[int], int]:
    """Fan out every waiting event; the endpoints to wake, and how many CDN purges fell due."""
    endpoints: set[int] = set()
    purges = 0
    while True:
        batch = runtime.fan_out.fan_out(limit)
        endpoints |= batch.endpoints
        purges += batch.purges
        if batch.events < limit:
            return endpoints, purges


def purge_cdn() -> dict[str, Any]:
    """Send the due CDN purges (webhooks/purges.py); come back when a retry is due."""
    runtime = current()
    outcome = runtime.purges.send_due()
    if outcome.next_due is not None:
        runtime.queue.enqueue_purge(at=outcome.next_due)
    return {"sent": outcome.sent, "failed": outcome.failed}


def deliver_endpoint(endpoint_id: int) -> dict[str, Any]:
    """Send this endpoint's due deliveries, oldest event first, while holding its lease.

    Stops at the first failure (the failed delivery is retried later and the ones behind it
    wait), when nothing is due, or after `webhooks.job_seconds`, handing the rest to a new job.
    """
    runtime = current()
    hooks = runtime.settings.webhooks
    owner = f"{runtime.name}:{uuid.uuid4().hex[:8]}"
    deadline = time.monotonic() + hooks.job_seconds
    outcomes: dict[str, int] = {}
    sender = Sender(
        timeout=hooks.timeout_seconds,
        max_response_bytes=hooks.max_response_bytes,
        allow_private=hooks.allow_private,
    )
    with sender:
        while runtime.delivery.claim(endpoint_id, owner):
            try:
                stop = _send_due(runtime, endpoint_id, owner, sender, deadline, outcomes)
            finally:
                runtime.delivery.release(endpoint_id, owner)
            # Enqueue only after the release, or the next job could find the lease still held.
            if isinstance(stop, dt.datetime):
                runtime.queue.enqueue_endpoint(endpoint_id, at=stop)
                break
            if stop == "time up":
                runtime.queue.enqueue_endpoint(endpoint_id)
                break
            # Something may have become due between our last look and the release (a new event
            # whose job found the lease taken): look once more rather than lose that wake-up.
            if endpoint_id not in runtime.delivery.due_endpoints():
                break
    return {"endpoint": endpoint_id, "outcomes": outcomes}


def _send_due(
    runtime: WebhookRuntime,
    endpoint_id: int,
    owner: str,
    sender: Sender,
    deadline: float,
    outcomes: dict[str, int],
) -> dt.datetime | str:
    """Send due deliveries in order. Returns when the next one is due (it failed and waits),
    "idle" (nothing due, or the lease was lost) or "time up" (the job's share is used)."""
    outgoing = runtime.delivery.next_outgoing(endpoint_id, owner)
    while True:
        if outgoing is None:
            return "idle"
        if isinstance(outgoing, NotYet):
            return outgoing.at
        headers = signed_headers(
            outgoing.secrets, outgoing.message_id, int(time.time()), outgoing.body
        )
        result = sender.post(outgoing.url, outgoing.body, headers)
        time_up = time.monotonic() >= deadline
        if time_up:  # record only: picking the next would mark it in flight for nobody
            outcome, following = runtime.delivery.record(outgoing, result), None
        else:
            outcome, following = runtime.delivery.record_and_next(outgoing, result, owner)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
        metrics.record_webhook_delivery(outcome)  # delivered, retry, dead or gone
        if outcome != "delivered":
            log.info(
                "webhook %s to endpoint %s: %s (%s)",
                outgoing.message_id,
                endpoint_id,
                outcome,
                result.error,
            )
        if time_up:
            return "time up"
        outgoing = following


def reconcile() -> dict[str, Any]:
    """Fan out forgotten outbox events and re-enqueue endpoints with due or orphaned work."""
    runtime = current()
    fanned, purges = _fan_out_all(runtime)
    due = set(runtime.delivery.due_endpoints()) | fanned
    for endpoint_id in sorted(due):
        runtime.queue.enqueue_endpoint(endpoint_id)
    next_purge = runtime.purges.next_due() if runtime.purges.enabled else None
    if purges or (next_purge is not None and next_purge <= dt.datetime.now(dt.UTC)):
        runtime.queue.enqueue_purge()
    return {"enqueued": sorted(due)}


def attach(settings: Settings, sessions: sessionmaker[Session], redis: Redis) -> Any:
    """Wire webhooks into a worker process: enqueue fan-out after commits that wrote events,
    and, when `webhooks.serve_in_worker`, take webhook jobs too. Returns that RQ queue or None.
    """
    queue = WebhookQueue(redis, settings.webhooks.queue)
    notify_outbox_commits(sessions, queue)
    if not settings.webhooks.serve_in_worker:
        return None
    install(WebhookRuntime.build(settings, sessions, redis))
    try:
        reconcile()  # events and retries that waited while no worker ran
    except Exception as error:
        log.warning("start-up webhook reconcile failed: %s", error)
    return queue.queue


def reconcile_if_served(settings: Settings) -> None:
    """The heartbeat's webhook reconcile, in processes that serve the webhooks queue."""
    if settings.webhooks.serve_in_worker:
        reconcile()
