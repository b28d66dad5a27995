"""Webhook delivery end to end in one process: the app, the outbox, a burst RQ worker on the
"webhooks" queue, and a real HTTP receiver on loopback. Signatures are checked with the
`standardwebhooks` library, never with our own code."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pytest
from redis import Redis
from rq import Queue
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from moderation.comments.models import Comment
from moderation.comments.transitions import add_event
from moderation.config import Settings
from moderation.db.session import make_engine, make_session_factory
from moderation.webhooks import jobs as webhook_jobs
from moderation.webhooks.queue import WebhookQueue, notify_outbox_commits
from moderation.webhooks.subscriptions import EVENT_TYPES
from tests.support.receiver import Receiver, running
from tests.support.settings import ADMIN_TOKEN, bearer
from tests.support.webhooks import (
    admin_get,
    decide,
    deliver_until,
    deliveries,
    emit,
    post_comment,
    subscribe,
    webhook_settings,
)
from tests.support.workers import burst


@pytest.fixture
def settings(database_url: str, redis_url: str, tiny_model: tuple[Path, Path]) -> Settings:
    return webhook_settings(database_url, redis_url, tiny_model)


def test_every_event_type_reaches_the_receiver_signed_and_in_order(
    client: Any, settings: Settings
) -> None:
    with running(Receiver()) as receiver:
        endpoint = subscribe(client, receiver.url)
        first = post_comment(client)  # comment.created
        decide(settings, first, "held")
        decide(settings, first, "approved")
        emit(settings, first, "comment.reported")
        emit(settings, first, "comment.decision_reversed")
        second = post_comment(client, "Another view.")
        decide(settings, second, "rejected")
        emit(settings, second, "author.banned")
        emit(settings, second, "author.erased")
        emit(settings, second, "comment.edited")

        deliver_until(settings, lambda: len(receiver.requests) >= 10)

        verifier = Webhook(endpoint["secret"])
        payloads = [verifier.verify(r.body, r.headers) for r in receiver.requests]
    assert [p["type"] for p in payloads] == [
        "comment.created",
        "comment.held",
        "comment.approved",
        "comment.reported",
        "comment.decision_reversed",
        "comment.created",
        "comment.rejected",
        "author.banned",
        "author.erased",
        "comment.edited",
    ]
    # Surge protection's article events come from its own job: tests/integration/test_surge.py.
    surge = {"article.surge_started", "article.surge_ended"}
    assert {p["type"] for p in payloads} == set(EVENT_TYPES) - surge
    for request, payload in zip(receiver.requests, payloads, strict=True):
        assert request.headers["webhook-id"] == payload["id"]
        assert request.headers["content-type"] == "application/json"
        assert set(payload) == {"id", "type", "timestamp", "data"}
    approved = next(p for p in payloads if p["type"] == "comment.approved")
    assert approved["data"]["comment"]["id"] == first
    assert approved["data"]["comment"]["status"] == "approved"
    assert approved["data"]["comment"]["text"] == "A fair point about the budget."
    assert {d["status"] for d in deliveries(client, endpoint["id"])} == {"delivered"}


def test_a_receiver_failing_three_times_gets_the_event_once_after_four_attempts(
    client: Any, settings: Settings
) -> None:
    with running(Receiver(script=[500, 500, 500])) as receiver:
        endpoint = subscribe(client, receiver.url, event_types=["comment.created"])
        post_comment(client)
        deliver_until(settings, lambda: deliveries(client, endpoint["id"], "delivered") != [])
        verifier = Webhook(endpoint["secret"])
        for request in receiver.requests:
            verifier.verify(request.body, request.headers)

    assert len(receiver.requests) == 4
    assert len({r.headers["webhook-id"] for r in receiver.requests}) == 1
    [delivery] = deliveries(client, endpoint["id"])
    assert delivery["status"] == "delivered" and delivery["attempts"] == 4
    detail = admin_get(client, f"/v1/webhooks/{endpoint['id']}/deliveries/{delivery['id']}")
    log = detail["attempt_log"]
    assert [a["status_code"] for a in log] == [500, 500, 500, 200]
    assert [a["succeeded"] for a in log] == [False, False, False, True]
    assert [a["number"] for a in log] == [1, 2, 3, 4]
    assert all(a["latency_ms"] >= 0 for a in log)
    assert log[0]["error"] == "HTTP 500" and log[0]["response_body"] == "nope"


def test_during_a_secret_rotation_both_secrets_verify(client: Any, settings: Settings) -> None:
    with running(Receiver()) as receiver:
        endpoint = subscribe(client, receiver.url, event_types=["comment.created"])
        rotated = client.post(
            f"/v1/webhooks/{endpoint['id']}/rotate-secret",
            json={"grace_seconds": 3600},
            headers=bearer(ADMIN_TOKEN),
        )
        assert rotated.status_code == 200 and rotated.json["secret"] != endpoint["secret"]
        post_comment(client)
        deliver_until(settings, lambda: len(receiver.requests) >= 1)
        cut = client.post(
            f"/v1/webhooks/{endpoint['id']}/rotate-secret",
            json={"grace_seconds": 0},
            headers=bearer(ADMIN_TOKEN),
        )
        post_comment(client, "Second.")
        deliver_until(settings, lambda: len(receiver.requests) >= 2)
    during, after = receiver.requests
    assert len(during.headers["webhook-signature"].split(" ")) == 2
    Webhook(endpoint["secret"]).verify(during.body, during.headers)
    Webhook(rotated.json["secret"]).verify(during.body, during.headers)
    Webhook(cut.json["secret"]).verify(after.body, after.headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(rotated.json["secret"]).verify(after.body, after.headers)


def test_the_article_filter_and_event_types_choose_what_an_endpoint_gets(
    client: Any, settings: Settings
) -> None:
    with running(Receiver()) as receiver:
        subscribe(client, receiver.url, event_types=["comment.created"], article_ids=["a-2"])
        post_comment(client, article="a-1")
        wanted = post_comment(client, article="a-2")
        decide(settings, wanted, "approved")
        deliver_until(settings, lambda: len(receiver.requests) >= 1)
        deliver_until(settings, lambda: True)
    [only] = [json.loads(body) for body in receiver.bodies()]
    assert only["type"] == "comment.created" and only["data"]["comment"]["id"] == wanted


def test_an_endpoint_of_a_site_hears_only_that_sites_events(
    client: Any, settings: Settings
) -> None:
    made = client.post("/v1/sites", json={"id": "paper-b"}, headers=bearer(ADMIN_TOKEN))
    assert made.status_code == 201, made.json
    unknown = client.post(
        "/v1/webhooks",
        json={"url": "http://127.0.0.1:9/x", "site_id": "nowhere"},
        headers=bearer(ADMIN_TOKEN),
    )
    assert unknown.status_code == 404 and "nowhere" in unknown.json["message"]
    with running(Receiver()) as site_receiver, running(Receiver()) as all_receiver:
        endpoint = subscribe(
            client, site_receiver.url, event_types=["comment.created"], site_id="paper-b"
        )
        assert endpoint["site_id"] == "paper-b"
        subscribe(client, all_receiver.url, event_types=["comment.created"])
        post_comment(client, article="a-1")
        wanted = post_comment(client, article="a-1", site="paper-b")
        deliver_until(
            settings,
            lambda: len(site_receiver.requests) >= 1 and len(all_receiver.requests) >= 2,
        )
        deliver_until(settings, lambda: True)
    [only] = [json.loads(body) for body in site_receiver.bodies()]
    assert only["data"]["comment"]["id"] == wanted
    assert only["data"]["comment"]["site_id"] == "paper-b"
    sites = sorted(json.loads(body)["data"]["comment"]["site_id"] for body in all_receiver.bodies())
    assert sites == ["default", "paper-b"]


def test_addresses_are_checked_again_at_delivery_time(
    client: Any, database_url: str, redis_url: str, tiny_model: tuple[Path, Path]
) -> None:
    with running(Receiver()) as receiver:
        endpoint = subscribe(client, receiver.url, event_types=["comment.created"])
        post_comment(client)
        strict = webhook_settings(
            database_url, redis_url, tiny_model, allow_private=False, retry_schedule=[]
        )
        deliver_until(strict, lambda: deliveries(client, endpoint["id"], "dead") != [])
    assert receiver.requests == []
    [dead] = deliveries(client, endpoint["id"])
    assert "non-public address" in dead["last_error"]


def test_an_event_whose_enqueue_was_lost_is_delivered_by_reconcile(
    client: Any, settings: Settings
) -> None:
    redis = Redis.from_url(settings.redis.url)
    queue = Queue(settings.webhooks.queue, connection=redis)
    with running(Receiver()) as receiver:
        subscribe(client, receiver.url, event_types=["comment.created"])
        post_comment(client)
        assert queue.count == 1  # the after-commit hook asked for a fan-out
        redis.flushdb()  # ... and Redis forgot it
        burst([queue], redis)
        assert receiver.requests == []
        deliver_until(settings, lambda: len(receiver.requests) >= 1)
    assert json.loads(receiver.requests[0].body)["type"] == "comment.created"


def test_racing_delivery_jobs_keep_event_order_and_send_each_event_once(
    client: Any, settings: Settings
) -> None:
    with running(Receiver()) as receiver:
        endpoint = subscribe(client, receiver.url, event_types=["comment.created"])
        ids = [post_comment(client, f"Comment {n}.") for n in range(12)]
        webhook_jobs.install(webhook_jobs.WebhookRuntime.build(settings))
        webhook_jobs.dispatch_outbox()
        racers = [
            threading.Thread(target=webhook_jobs.deliver_endpoint, args=(endpoint["id"],))
            for _ in range(4)
        ]
        for racer in racers:
            racer.start()
        for racer in racers:
            racer.join(60)
        deliver_until(settings, lambda: len(receiver.requests) >= 12)
    comments = [json.loads(body)["data"]["comment"]["id"] for body in receiver.bodies()]
    assert comments == ids


def test_fan_out_is_asked_for_once_the_outermost_transaction_commits(
    settings: Settings, clean_state: None
) -> None:
    redis = Redis.from_url(settings.redis.url)
    queue = Queue(settings.webhooks.queue, connection=redis)
    sessions = make_session_factory(make_engine(settings.database.url))
    notify_outbox_commits(sessions, WebhookQueue(redis, settings.webhooks.queue))

    with sessions.begin() as session:
        comment = Comment(article_id="a-1", author_id="r1", author_name="R", text="Hi.")
        session.add(comment)
        session.flush()
        with session.begin_nested():
            add_event(session, "comment.created", comment)
        assert queue.count == 0  # a released savepoint is not a commit
        try:
            with session.begin_nested():
                add_event(session, "comment.rejected", comment)
                raise RuntimeError("one item of a bulk change fails")
        except RuntimeError:
            pass
    assert queue.count == 1
    with sessions.begin() as session:
        session.add(Comment(article_id="a-1", author_id="r1", author_name="R", text="No event."))
    assert queue.count == 1


def test_racing_fan_outs_give_each_event_one_delivery_per_endpoint(
    client: Any, settings: Settings
) -> None:
    first = subscribe(client, "http://127.0.0.1:9/a", event_types=["comment.created"])
    second = subscribe(client, "http://127.0.0.1:9/b")
    for n in range(30):
        post_comment(client, f"Comment {n}.")
    webhook_jobs.install(webhook_jobs.WebhookRuntime.build(settings))
    racers = [threading.Thread(target=webhook_jobs.dispatch_outbox) for _ in range(3)]
    for racer in racers:
        racer.start()
    for racer in racers:
        racer.join(60)
    webhook_jobs.current().fan_out.fan_out()  # whatever a loser left, as reconcile would
    for endpoint in (first, second):
        found = deliveries(client, endpoint["id"], None)
        assert len(found) == 30
        assert len({d["event_id"] for d in found}) == 30
