"""Dead letters, redelivery, auto-disable and waiting behind a failing delivery, with a real
HTTP receiver on loopback and a burst RQ worker on the "webhooks" queue."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update
from standardwebhooks.webhooks import Webhook

from moderation.config import Settings
from moderation.db.session import make_engine, make_session_factory
from moderation.webhooks import jobs as webhook_jobs
from moderation.webhooks.deliveries import IN_FLIGHT
from moderation.webhooks.models import WebhookDelivery
from tests.support.receiver import Receiver, RefusedPort, running
from tests.support.settings import ADMIN_TOKEN, bearer
from tests.support.webhooks import (
    admin_get,
    deliver_until,
    deliveries,
    post_comment,
    subscribe,
    webhook_settings,
)


@pytest.fixture
def settings(database_url: str, redis_url: str, tiny_model: tuple[Path, Path]) -> Settings:
    return webhook_settings(database_url, redis_url, tiny_model)


@pytest.fixture
def refused() -> Iterator[RefusedPort]:
    """A port that refuses connections until released (then a receiver comes up on it)."""
    port = RefusedPort()
    yield port
    port.release()


def test_a_receiver_down_for_the_whole_schedule_is_dead_lettered_then_redelivered(
    client: Any, settings: Settings, refused: RefusedPort
) -> None:
    port = refused.port  # nothing listens here yet: connection refused
    url = f"http://127.0.0.1:{port}/hooks"
    endpoint = subscribe(client, url, event_types=["comment.created"])
    post_comment(client)
    deliver_until(settings, lambda: deliveries(client, endpoint["id"], "dead") != [])

    [dead] = deliveries(client, endpoint["id"])
    assert dead["status"] == "dead" and dead["attempts"] == 4  # 1 + 3 retries
    assert "refused" in dead["last_error"].lower()
    detail = admin_get(client, f"/v1/webhooks/{endpoint['id']}/deliveries/{dead['id']}")
    assert len(detail["attempt_log"]) == 4
    assert all(a["status_code"] is None and a["error"] for a in detail["attempt_log"])

    refused.release()
    with running(Receiver(port=port)) as receiver:
        answer = client.post(
            f"/v1/webhooks/{endpoint['id']}/deliveries/{dead['id']}/redeliver",
            json={},
            headers=bearer(ADMIN_TOKEN),
        )
        assert answer.status_code == 202, answer.json
        assert answer.json["status"] == "pending"
        deliver_until(settings, lambda: len(receiver.requests) >= 1)
        deliver_until(settings, lambda: deliveries(client, endpoint["id"], "delivered") != [])
    payload = Webhook(endpoint["secret"]).verify(
        receiver.requests[0].body, receiver.requests[0].headers
    )
    assert payload["id"] == dead["event_id"]
    detail = admin_get(client, f"/v1/webhooks/{endpoint['id']}/deliveries/{dead['id']}")
    assert detail["status"] == "delivered"
    assert [a["number"] for a in detail["attempt_log"]] == [1, 2, 3, 4, 5]


def test_an_endpoint_that_keeps_failing_is_disabled_and_replays_in_order_when_enabled(
    client: Any,
    database_url: str,
    redis_url: str,
    tiny_model: tuple[Path, Path],
    refused: RefusedPort,
) -> None:
    settings = webhook_settings(
        database_url, redis_url, tiny_model, disable_after_dead_letters=2, retry_schedule=["10ms"]
    )
    port = refused.port
    endpoint = subscribe(client, f"http://127.0.0.1:{port}/hooks", event_types=["comment.created"])
    ids = [post_comment(client, f"Comment number {n}.") for n in range(3)]
    deliver_until(
        settings,
        lambda: not admin_get(client, f"/v1/webhooks/{endpoint['id']}")["enabled"],
    )
    seen = admin_get(client, f"/v1/webhooks/{endpoint['id']}")
    assert "2 deliveries in a row were dead-lettered" in seen["disabled_reason"]
    assert seen["disabled_at"] is not None
    assert "secret" not in seen
    assert seen["deliveries"] == {"pending": 0, "delivered": 0, "dead": 3}
    assert len(deliveries(client, endpoint["id"], "dead")) == 3
    late = post_comment(client, "Written while the endpoint was disabled.")
    deliver_until(settings, lambda: len(deliveries(client, endpoint["id"], "dead")) == 4)

    refused_again = client.post(
        f"/v1/webhooks/{endpoint['id']}/redeliver-dead", json={}, headers=bearer(ADMIN_TOKEN)
    )
    assert refused_again.status_code == 409 and "disabled" in refused_again.json["message"]
    refused.release()
    with running(Receiver(port=port)) as receiver:
        enabled = client.patch(
            f"/v1/webhooks/{endpoint['id']}", json={"enabled": True}, headers=bearer(ADMIN_TOKEN)
        )
        assert enabled.json["enabled"] and enabled.json["disabled_reason"] is None
        answer = client.post(
            f"/v1/webhooks/{endpoint['id']}/redeliver-dead", json={}, headers=bearer(ADMIN_TOKEN)
        )
        assert answer.status_code == 202 and answer.json == {"redelivered": 4}
        deliver_until(settings, lambda: len(receiver.requests) >= 4)
    comments = [json.loads(body)["data"]["comment"]["id"] for body in receiver.bodies()]
    assert comments == [*ids, late]


def test_events_behind_a_failing_one_wait_for_it(
    client: Any, database_url: str, redis_url: str, tiny_model: tuple[Path, Path]
) -> None:
    settings = webhook_settings(database_url, redis_url, tiny_model, retry_schedule=["1h"])
    with running(Receiver(script=[500])) as receiver:
        endpoint = subscribe(client, receiver.url, event_types=["comment.created"])
        first = post_comment(client)
        deliver_until(settings, lambda: len(receiver.requests) >= 1)
        post_comment(client, "Second.")
        deliver_until(settings, lambda: True)
        assert len(receiver.requests) == 1  # the second waits behind the first
        assert webhook_jobs.current().delivery.due_endpoints() == []  # nothing to wake up for
    waiting = deliveries(client, endpoint["id"])
    assert [d["status"] for d in waiting] == ["pending", "pending"]
    assert json.loads(receiver.requests[0].body)["data"]["comment"]["id"] == first
    assert waiting[1]["attempts"] == 1 and waiting[0]["attempts"] == 0


def test_a_delivered_event_can_be_replayed_but_a_pending_one_is_not_doubled(
    client: Any, settings: Settings
) -> None:
    with running(Receiver()) as receiver:
        endpoint = subscribe(client, receiver.url, event_types=["comment.created"])
        post_comment(client)
        deliver_until(settings, lambda: deliveries(client, endpoint["id"], "delivered") != [])
        [delivered] = deliveries(client, endpoint["id"])
        path = f"/v1/webhooks/{endpoint['id']}/deliveries/{delivered['id']}/redeliver"
        replay = client.post(path, json={}, headers=bearer(ADMIN_TOKEN))
        assert replay.status_code == 202 and replay.json["status"] == "pending"
        again = client.post(path, json={}, headers=bearer(ADMIN_TOKEN))
        assert again.status_code == 409 and "still pending" in again.json["message"]
        deliver_until(settings, lambda: len(receiver.requests) >= 2)
    first, second = receiver.requests
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    assert first.body == second.body
    missing = client.post(
        f"/v1/webhooks/{endpoint['id']}/deliveries/999999/redeliver",
        json={},
        headers=bearer(ADMIN_TOKEN),
    )
    assert missing.status_code == 404


def test_a_delivery_whose_requests_keep_dying_with_their_worker_is_dead_lettered(
    client: Any, database_url: str, redis_url: str, tiny_model: tuple[Path, Path]
) -> None:
    settings = webhook_settings(database_url, redis_url, tiny_model, retry_schedule=["50ms"])
    with running(Receiver()) as receiver:
        endpoint = subscribe(client, receiver.url, event_types=["comment.created"])
        post_comment(client, "Its request killed a worker.")
        second = post_comment(client, "Fine.")
        webhook_jobs.install(webhook_jobs.WebhookRuntime.build(settings))
        webhook_jobs.dispatch_outbox()
        [_, first] = deliveries(client, endpoint["id"])  # newest first
        sessions = make_session_factory(make_engine(database_url))
        with sessions.begin() as session:  # as left by a worker killed during its first attempt
            session.execute(
                update(WebhookDelivery)
                .where(WebhookDelivery.id == first["id"])
                .values(attempts=1, last_error=IN_FLIGHT)
            )
        deliver_until(settings, lambda: len(receiver.requests) >= 1)
    assert json.loads(receiver.requests[0].body)["data"]["comment"]["id"] == second
    detail = admin_get(client, f"/v1/webhooks/{endpoint['id']}/deliveries/{first['id']}")
    assert detail["status"] == "dead" and detail["last_error"].startswith("interrupted")
    assert [a["error"][:11] for a in detail["attempt_log"]] == ["interrupted"]
