"""Retention: the purge job, run by a real RQ worker in burst mode with a given "now", blanks or
deletes exactly what is older than its period (the service's, or a site's own), in batches, and
records what it did; nothing newer, nothing published or waiting for a person, no webhook body
still owed to a receiver."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from redis import Redis
from rq import Queue
from sqlalchemy import func, insert, select

from moderation.comments.models import AuditRecord, AuthorAction, Comment
from moderation.config import Settings
from moderation.db.session import make_engine, make_session_factory
from moderation.events.models import OutboxEvent
from moderation.perspective.models import ScoreFeedback
from moderation.privacy import jobs as privacy_jobs
from moderation.privacy.models import PrivacyRequest
from moderation.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from moderation.worker.runner import run_worker
from tests.support.settings import ADMIN_TOKEN, bearer, make_settings
from tests.support.workbench import comment_row, insert_comments

NOW = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)
PERIOD = 30
ADMIN = bearer(ADMIN_TOKEN)


def ago(days: float) -> dt.datetime:
    return NOW - dt.timedelta(days=days)


@pytest.fixture
def settings(database_url: str, redis_url: str, tiny_model: tuple[Path, Path]) -> Settings:
    return make_settings(
        database_url,
        redis_url,
        tiny_model,
        retention={
            "comment_text_days": PERIOD,
            "audit_detail_days": PERIOD,
            "delivery_days": PERIOD,
            "feedback_days": PERIOD,
            # Several batches for every kind: each its own transaction, the loop must end.
            "purge_batch_size": 2,
        },
        # The outbox rows stay as made: no webhook jobs in this worker to fan them out.
        webhooks={"serve_in_worker": False},
    )


def comments(database_url: str) -> dict[str, int]:
    """Named comments: status, site and age in days (its decision as old as it)."""
    plan = {
        "rejected_31": ("rejected", "default", 31),
        "rejected_40": ("rejected", "default", 40),
        "rejected_50": ("rejected", "default", 50),
        "rejected_30": ("rejected", "default", PERIOD),  # exactly the period: kept
        "rejected_29": ("rejected", "default", 29),
        "approved_100": ("approved", "default", 100),
        "held_100": ("held", "default", 100),
        "b_rejected_20": ("rejected", "paper-b", 20),  # paper-b keeps text 10 days
        "b_rejected_5": ("rejected", "paper-b", 5),
        "c_rejected_100": ("rejected", "paper-c", 100),  # paper-c keeps text for ever
    }
    rows = []
    for name, (status, site, days) in plan.items():
        row = comment_row(status=status, text=f"text of {name}", created_at=ago(days))
        rows.append({**row, "site_id": site})
    return dict(zip(plan, insert_comments(database_url, rows), strict=True))


def outbox(settings: Settings) -> dict[str, int]:
    """Events with their deliveries: ended, still owed, not yet fanned out, recent."""
    sessions = make_session_factory(make_engine(settings.database.url))
    ids = {}
    with sessions.begin() as session:
        endpoint = WebhookEndpoint(url="http://127.0.0.1:9/h", event_types=["*"], secret="x")
        session.add(endpoint)
        session.flush()
        plan = {
            "delivered_31": (31, "delivered"),
            "dead_40": (40, "dead"),
            "delivered_32": (32, "delivered"),
            "pending_40": (40, "pending"),
            "undispatched_40": (40, None),
            "delivered_29": (29, "delivered"),
        }
        for name, (days, status) in plan.items():
            event = OutboxEvent(
                event_id=f"evt_{name}",
                type="comment.approved",
                payload={"data": {"comment": {"text": f"body of {name}"}}},
                created_at=ago(days),
                dispatched_at=ago(days) if status else None,
            )
            session.add(event)
            session.flush()
            ids[name] = event.id
            if status:
                delivery = WebhookDelivery(
                    endpoint_id=endpoint.id,
                    outbox_event_id=event.id,
                    event_id=event.event_id,
                    event_type=event.type,
                    status=status,
                    created_at=ago(days),
                )
                session.add(delivery)
                session.flush()
                session.add(
                    WebhookAttempt(
                        delivery_id=delivery.id,
                        number=1,
                        succeeded=status == "delivered",
                        latency_ms=5,
                        response_body=f"echo of {name}",
                        attempted_at=ago(days),
                    )
                )
    return ids


def test_the_scheduled_purge_takes_exactly_what_is_past_its_period(
    client: Any, settings: Settings, database_url: str
) -> None:
    for site, retention in (
        ("paper-b", {"comment_text_days": 10}),
        ("paper-c", {"comment_text_days": 0}),
    ):
        assert client.post("/v1/sites", json={"id": site}, headers=ADMIN).status_code == 201
        changed = client.patch(
            f"/v1/sites/{site}", json={"settings": {"retention": retention}}, headers=ADMIN
        )
        assert changed.status_code == 200, changed.json
    named = comments(database_url)
    events = outbox(settings)
    engine = make_engine(database_url)
    with engine.begin() as connection:
        connection.execute(
            insert(AuthorAction),
            [
                {
                    "author_id": "a",
                    "from_status": "normal",
                    "to_status": "banned",
                    "reason": f"reason {days}",
                    "actor": "mod",
                    "created_at": ago(days),
                }
                for days in (31, 29)
            ],
        )
        connection.execute(
            insert(ScoreFeedback),
            [
                {
                    "source": "suggestscore",
                    "api_key_name": "k",
                    "text": f"feedback {days}",
                    "attribute": "TOXICITY",
                    "score": 0.5,
                    "languages": [],
                    "created_at": ago(days),
                }
                for days in (31, 45, 60, 29)
            ],
        )

    redis = Redis.from_url(settings.redis.url)
    job = Queue(settings.redis.score_queue, connection=redis).enqueue(
        privacy_jobs.purge_expired, NOW.isoformat()
    )
    run_worker(settings, burst=True)
    job.refresh()
    assert job.get_status() == "finished", job.exc_info
    # Audit: the records of comments older than 30 days (two each but for pending), and one
    # standing change; deliveries: three ended events with a delivery and an attempt each.
    assert job.return_value() == {
        "comment_text": 4,
        "audit_details": 2 * 6 + 1,
        "feedback": 3,
        "deliveries": 3,
    }

    sessions = make_session_factory(engine)
    with sessions() as session:
        texts = {row.id: row.text for row in session.execute(select(Comment.id, Comment.text))}
        purged = {name for name, id_ in named.items() if texts[id_] == ""}
        assert purged == {"rejected_31", "rejected_40", "rejected_50", "b_rejected_20"}
        for name in purged:
            assert session.get(Comment, named[name]).verdict is None
        assert texts[named["approved_100"]] == "text of approved_100"

        old_enough = {
            named[name]
            for name in ("rejected_31", "rejected_40", "rejected_50", "approved_100", "held_100")
        }
        for record in session.scalars(select(AuditRecord)):
            blanked = record.reason is None
            # paper-c keeps comment text for ever, not its audit details: the service's period.
            expected = record.comment_id in old_enough | {named["c_rejected_100"]}
            assert blanked == expected, (record.comment_id, record.reason)
            assert record.to_status and record.actor  # who and what stay
        assert sorted(session.scalars(select(AuthorAction.reason))) == ["", "reason 29"]
        assert sorted(session.scalars(select(ScoreFeedback.text))) == ["feedback 29"]
        left = set(session.scalars(select(OutboxEvent.id)))
        assert left == {events["pending_40"], events["undispatched_40"], events["delivered_29"]}
        assert session.scalar(select(func.count()).select_from(WebhookDelivery)) == 2
        assert sorted(session.scalars(select(WebhookAttempt.response_body))) == [
            "echo of delivered_29",
            "echo of pending_40",
        ]
        records = session.scalars(select(PrivacyRequest)).all()
        assert [(r.kind, r.actor, r.subject, r.counts) for r in records] == [
            ("purge", "scheduler", None, job.return_value())
        ]

    # Run again: nothing left to purge, and nothing recorded.
    again = Queue(settings.redis.score_queue, connection=redis).enqueue(
        privacy_jobs.purge_expired, NOW.isoformat()
    )
    run_worker(settings, burst=True)
    again.refresh()
    assert again.return_value() == {
        "comment_text": 0,
        "audit_details": 0,
        "feedback": 0,
        "deliveries": 0,
    }
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(PrivacyRequest)) == 1
    engine.dispose()


def test_a_sites_retention_is_checked_like_a_setting(client: Any) -> None:
    assert client.post("/v1/sites", json={"id": "paper-b"}, headers=ADMIN).status_code == 201
    for retention, field in (
        ({"delivery_days": 5}, "settings.retention.delivery_days"),
        ({"comment_text_days": -1}, "settings.retention.comment_text_days"),
        ({"feedback_days": 1.5}, "settings.retention.feedback_days"),
        ({"audit_detail_days": True}, "settings.retention.audit_detail_days"),
        ({"feedback_days": 10**6}, "settings.retention.feedback_days"),
    ):
        answer = client.patch(
            "/v1/sites/paper-b", json={"settings": {"retention": retention}}, headers=ADMIN
        )
        assert answer.status_code == 422, (retention, answer.json)
        assert field in str(answer.json), answer.json
