"""Shared steps of the webhook tests: settings, an endpoint, events, a burst worker loop."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from redis import Redis
from rq import Queue

from moderation.comments.models import Comment
from moderation.comments.transitions import add_event, transition
from moderation.config import Settings
from moderation.db.session import make_engine, make_session_factory
from moderation.webhooks import jobs as webhook_jobs
from tests.support.settings import ADMIN_TOKEN, bearer, make_settings
from tests.support.workers import burst

FAST_RETRIES = {
    "allow_private": True,
    "retry_schedule": ["50ms", "50ms", "50ms"],
    "retry_jitter": 0.0,
    "timeout_seconds": 2.0,
}


def webhook_settings(
    database_url: str, redis_url: str, model: tuple[Path, Path], **webhooks: Any
) -> Settings:
    return make_settings(database_url, redis_url, model, webhooks={**FAST_RETRIES, **webhooks})


def subscribe(client: Any, url: str, **fields: Any) -> dict[str, Any]:
    answer = client.post("/v1/webhooks", json={"url": url, **fields}, headers=bearer(ADMIN_TOKEN))
    assert answer.status_code == 201, answer.json
    return dict(answer.json)


def admin_get(client: Any, path: str) -> Any:
    answer = client.get(path, headers=bearer(ADMIN_TOKEN))
    assert answer.status_code == 200, answer.json
    return answer.json


def post_comment(
    client: Any,
    text: str = "A fair point about the budget.",
    article: str = "a-1",
    site: str | None = None,
) -> int:
    prefix = f"/v1/sites/{site}" if site else "/v1"
    answer = client.post(
        f"{prefix}/articles/{article}/comments",
        json={"author": {"id": "r1", "name": "R"}, "text": text},
    )
    assert answer.status_code == 202, answer.json
    return int(answer.json["id"])


def decide(settings: Settings, comment_id: int, to_status: str) -> None:
    """A system decision through the same transition the scoring worker uses."""
    sessions = make_session_factory(make_engine(settings.database.url))
    with sessions.begin() as session:
        comment = session.get(Comment, comment_id)
        assert comment is not None
        transition(
            session,
            comment,
            to_status,
            comment.version,
            actor_type="system",
            actor="test",
            reason_code=None,
            reason=None,
        )


def emit(settings: Settings, comment_id: int, event_type: str) -> None:
    """An event other features emit (reports, reversals, bans), written to the outbox."""
    sessions = make_session_factory(make_engine(settings.database.url))
    with sessions.begin() as session:
        comment = session.get(Comment, comment_id)
        assert comment is not None
        add_event(session, event_type, comment)


def deliver_until(settings: Settings, done: Callable[[], bool], timeout: float = 30.0) -> None:
    """Run reconcile and a burst worker on the webhooks queue until `done()` or timeout.

    The burst worker is lifecycle's (tests/support/workers.burst): RQ's own SimpleWorker could
    wait up to a minute for its listener when it tore down, which made these tests time out in
    full-suite runs."""
    redis = Redis.from_url(settings.redis.url)
    webhook_jobs.install(webhook_jobs.WebhookRuntime.build(settings, redis=redis))
    queue = Queue(settings.webhooks.queue, connection=redis)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        webhook_jobs.reconcile()
        burst([queue], redis)
        if done():
            return
        time.sleep(0.05)
    raise AssertionError("webhook deliveries did not settle in time")


def deliveries(client: Any, endpoint_id: int, status: str | None = None) -> list[dict[str, Any]]:
    """The endpoint's deliveries as the admin API lists them, optionally one status."""
    query = f"?status={status}" if status else ""
    return list(admin_get(client, f"/v1/webhooks/{endpoint_id}/deliveries{query}")["items"])
