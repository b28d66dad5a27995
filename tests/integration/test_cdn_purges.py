"""CDN purges by surrogate key from the outbox (webhooks/purges.py): made due by the fan-out in
the same transaction, one per article however many changes, sent to the configured template,
retried after a failure, and never marked done for a change that came after the purge left."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from moderation.app import create_app
from moderation.comments.thread_cache import thread_key
from moderation.config import Settings
from moderation.review.service import Decision, ReviewService
from moderation.web.context import service_of
from moderation.webhooks.jobs import WebhookRuntime
from moderation.webhooks.models import CdnPurge
from tests.support.receiver import Receiver, running
from tests.support.settings import make_settings


def purge_settings(
    database_url: str, redis_url: str, model: tuple[Path, Path], url: str
) -> Settings:
    return make_settings(
        database_url,
        redis_url,
        model,
        reads={
            "purge_url": url.replace("/hooks", "/purge/{key}"),
            "purge_method": "POST",
            "purge_headers": ["Fastly-Key: secret-token", "X-Purged: {key}"],
            "purge_retry_schedule": ["0s", "0s"],
        },
    )


def publish(app: Any, text: str, article: str = "a-1") -> int:
    client = app.test_client()
    body = {"author": {"id": "r1", "name": "Reader"}, "text": text}
    comment_id = int(client.post(f"/v1/articles/{article}/comments", json=body).json["id"])
    review = service_of(app, ReviewService)
    version = review.detail(comment_id).comment.version
    review.decide(Decision(comment_id, "approve", version, "test-moderator"))
    return comment_id


def rows(runtime: WebhookRuntime) -> dict[str, CdnPurge]:
    with runtime.purges.sessions() as session:
        return {row.key: row for row in session.query(CdnPurge)}


def test_changes_purge_each_article_once_with_the_configured_request(
    database_url: str, redis_url: str, tiny_model: tuple[Path, Path], clean_state: None
) -> None:
    with running(Receiver()) as receiver:
        settings = purge_settings(database_url, redis_url, tiny_model, receiver.url)
        app = create_app(settings)
        runtime = WebhookRuntime.build(settings)
        for text in ("One.", "Two.", "Three."):
            publish(app, text)
        publish(app, "Elsewhere.", article="a-2")
        fanned = runtime.fan_out.fan_out()
        assert fanned.purges == 2  # a-1 and a-2; a comment.created alone purges nothing
        outcome = runtime.purges.send_due()
        assert (outcome.sent, outcome.failed) == (2, 0)
        sent = receiver.wait_for(2)
        keys = {thread_key("default", "a-1"), thread_key("default", "a-2")}
        assert {request.path for request in sent} == {f"/purge/{key}" for key in keys}
        for request in sent:
            assert request.headers["fastly-key"] == "secret-token"
            assert request.path == "/purge/" + request.headers["x-purged"]
        assert all(row.due_at is None and row.purged_at for row in rows(runtime).values())
        assert runtime.purges.send_due().sent == 0  # nothing due any more


def test_a_failed_purge_is_retried_until_the_cdn_takes_it(
    database_url: str, redis_url: str, tiny_model: tuple[Path, Path], clean_state: None
) -> None:
    with running(Receiver(script=[503])) as receiver:
        settings = purge_settings(database_url, redis_url, tiny_model, receiver.url)
        app = create_app(settings)
        runtime = WebhookRuntime.build(settings)
        publish(app, "One.")
        runtime.fan_out.fan_out()
        first = runtime.purges.send_due()
        assert (first.sent, first.failed) == (0, 1)
        row = rows(runtime)[thread_key("default", "a-1")]
        assert row.attempts == 1 and "HTTP 503" in (row.last_error or "")
        assert first.next_due is not None  # the job comes back for it
        second = runtime.purges.send_due()
        assert (second.sent, second.failed) == (1, 0)
        assert len(receiver.wait_for(2)) == 2


def test_a_change_during_a_purge_is_purged_again(
    database_url: str, redis_url: str, tiny_model: tuple[Path, Path], clean_state: None
) -> None:
    with running(Receiver()) as receiver:
        settings = purge_settings(database_url, redis_url, tiny_model, receiver.url)
        app = create_app(settings)
        runtime = WebhookRuntime.build(settings)
        publish(app, "One.")
        runtime.fan_out.fan_out()
        service = runtime.purges
        sent_key = service.send

        def send_then_change(key: str) -> str | None:
            result = sent_key(key)
            publish(app, "Two, published while the purge was on its way.")
            runtime.fan_out.fan_out()
            return result

        service.send = send_then_change  # type: ignore[method-assign]
        assert service.send_due().sent == 1
        service.send = sent_key  # type: ignore[method-assign]
        row = rows(runtime)[thread_key("default", "a-1")]
        assert row.generation == 2 and row.due_at is not None
        assert row.due_at <= dt.datetime.now(dt.UTC)
        assert service.send_due().sent == 1
        assert len(receiver.wait_for(2)) == 2
