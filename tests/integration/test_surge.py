"""Surge protection end to end in one process: comments posted through the app, scored by a
burst RQ worker on the real PostgreSQL and Redis, a heated article switching to pre-moderation
by itself with its signed `article.surge_started` delivered to a real receiver, the next comment
held with `article_surge`, and the cool-down ending it. Time is driven through the service's
injectable clock, never slept."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import REGISTRY
from redis import Redis
from rq import Queue
from sqlalchemy import select
from standardwebhooks.webhooks import Webhook

from moderation.config import Settings
from moderation.db.base import utcnow
from moderation.db.session import make_engine, make_session_factory
from moderation.events.models import OutboxEvent
from moderation.scoring import jobs
from moderation.scoring.context import WorkerContext, build_context, install
from moderation.surge.service import SurgeService
from moderation.web.context import service_of
from tests.support.receiver import Receiver, running
from tests.support.settings import ADMIN_TOKEN, MODERATOR_TOKEN, bearer, make_settings
from tests.support.webhooks import FAST_RETRIES, deliver_until, subscribe
from tests.support.workers import burst

HEATED = "kill yourself"  # a banned term: rejected by the rules, whatever the model says
CALM = "Thanks for the clear report on the council vote."
LEVELS = {
    "enabled": True,
    "held_share": 0.3,
    "min_comments": 4,
    "reports": 0.2,
    "window_seconds": 900,
    "cool_down_seconds": 1800,
}


class Clock:
    """The surge service's clock, moved on by the test."""

    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


@pytest.fixture
def settings(database_url: str, redis_url: str, tiny_model: tuple[Path, Path]) -> Settings:
    # Sites read afresh each time: a site's change through the app reaches the worker at once.
    return make_settings(
        database_url,
        redis_url,
        tiny_model,
        webhooks=FAST_RETRIES,
        surge=LEVELS,
        sites={"cache_seconds": 0},
    )


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def worker(settings: Settings, app: Any, clock: Clock) -> Iterator[WorkerContext]:
    """The scoring worker's context (its model loaded once); it and the app on the test clock."""
    service_of(app, SurgeService).clock = clock
    context = build_context(settings)
    assert context.scoring.surge is not None
    context.scoring.surge.clock = clock
    install(context)
    yield context
    context.sessions.kw["bind"].dispose()


def score(settings: Settings) -> None:
    """Run the queued scoring jobs with a burst RQ worker on the installed context."""
    redis = Redis.from_url(settings.redis.url)
    burst([Queue(settings.redis.score_queue, connection=redis)], redis)


def post(client: Any, text: str, author: str, article: str = "a-1") -> int:
    answer = client.post(
        f"/v1/articles/{article}/comments",
        json={"author": {"id": author, "name": "R"}, "text": text},
    )
    assert answer.status_code == 202, answer.json
    return int(answer.json["id"])


def status(client: Any, comment_id: int) -> tuple[str, str | None]:
    found = client.get(f"/v1/comments/{comment_id}").json
    return found["status"], found["reason_code"]


def heat(client: Any, settings: Settings, article: str = "a-1") -> None:
    """Three of five comments rejected for what they say: 60% > 30% of at least 4."""
    for n, text in enumerate([HEATED, CALM, HEATED, "A second calm view.", HEATED]):
        post(client, text, f"reader-{article}-{n}", article)
    score(settings)


def article_settings(client: Any, article: str = "a-1") -> Any:
    answer = client.get(f"/v1/articles/{article}/settings", headers=bearer(MODERATOR_TOKEN))
    assert answer.status_code == 200, answer.json
    return answer.json


def events(settings: Settings, kind: str) -> list[dict[str, Any]]:
    sessions = make_session_factory(make_engine(settings.database.url))
    with sessions() as session:
        rows = session.scalars(
            select(OutboxEvent).where(OutboxEvent.type == kind).order_by(OutboxEvent.id)
        )
        return [row.payload for row in rows]


def surges_counted(change: str, cause: str) -> float:
    labels = {"change": change, "cause": cause}
    return REGISTRY.get_sample_value("moderation_surges_total", labels) or 0.0


def surge_call(client: Any, path: str, body: dict[str, Any], token: str = MODERATOR_TOKEN) -> Any:
    return client.post(f"/v1/articles/a-1/surge/{path}", json=body, headers=bearer(token))


def test_a_heated_article_surges_holds_the_next_comment_and_cools_down(
    client: Any, settings: Settings, worker: WorkerContext, clock: Clock
) -> None:
    with running(Receiver()) as receiver:
        endpoint = subscribe(
            client,
            receiver.url,
            event_types=["article.surge_started", "article.surge_ended"],
            article_ids=["a-1"],
        )
        calm_elsewhere = post(client, CALM, "reader-b", "b-1")
        started_before = surges_counted("started", "held_share")
        heat(client, settings)
        assert surges_counted("started", "held_share") == started_before + 1

        shown = article_settings(client)["surge"]
        assert shown["active"] is True and shown["pinned"] is False
        assert shown["reason"] == "held share 60% of 5 comments in 15 min > 30%"
        assert shown["summary"].startswith("surge: since ")
        assert shown["summary"].endswith("because held share 60% of 5 comments in 15 min > 30%")
        assert shown["measurement"]["comments"] == 5 and shown["measurement"]["heated"] == 3
        assert article_settings(client, "b-1")["surge"] is None
        assert status(client, calm_elsewhere) == ("approved", None)

        # The next comment on the article waits for a person, with its own reason code.
        held = post(client, CALM, "reader-new")
        score(settings)
        assert status(client, held) == ("held", "article_surge")
        detail = client.get(f"/v1/review/comments/{held}", headers=bearer(MODERATOR_TOKEN)).json
        assert "article_surge" in {reason["id"] for reason in detail["reasons"]}
        assert detail["article_surge"]["summary"] == shown["summary"]
        # The moderators' queue says why every comment of the article waits.
        queue = client.get("/v1/review/queue?queue=held", headers=bearer(MODERATOR_TOKEN)).json
        item = next(entry for entry in queue["comments"] if entry["id"] == held)
        assert item["article_surge"]["reason"] == shown["reason"]
        assert item["article_surge"]["since"] == shown["since"]
        # A calm comment on another article is not held.
        other = post(client, CALM, "reader-c", "b-1")
        score(settings)
        assert status(client, other) == ("approved", None)

        # Before the cool-down nothing ends; after it, reconcile ends the surge.
        clock.advance(1700)
        assert jobs.reconcile()["surges_ended"] == 0
        clock.advance(200)
        assert jobs.reconcile()["surges_ended"] == 1
        assert article_settings(client)["surge"] is None
        detail = client.get(f"/v1/review/comments/{held}", headers=bearer(MODERATOR_TOKEN)).json
        assert detail["article_surge"] is None
        after = post(client, CALM, "reader-after")
        score(settings)
        assert status(client, after) == ("approved", None)

        deliver_until(settings, lambda: len(receiver.requests) >= 2)
        verifier = Webhook(endpoint["secret"])
        payloads = [verifier.verify(r.body, r.headers) for r in receiver.requests]

    assert [p["type"] for p in payloads] == ["article.surge_started", "article.surge_ended"]
    started, ended = (p["data"] for p in payloads)
    assert (started["site_id"], started["article_id"]) == ("default", "a-1")
    assert started["surge"]["reason"] == "held share 60% of 5 comments in 15 min > 30%"
    assert started["surge"]["measurement"]["cause"] == "held_share"
    assert ended["surge"]["cause"] == "cooled_down" and ended["surge"]["by"] == "surge"
    assert [p["id"] for p in events(settings, "article.surge_started")] == [payloads[0]["id"]]

    trail = client.get("/v1/articles/a-1/surge", headers=bearer(MODERATOR_TOKEN)).json["trail"]
    assert [(a["action"], a["actor_type"]) for a in trail] == [
        ("ended", "system"),
        ("started", "system"),
    ]


def test_a_pinned_surge_outlasts_its_cool_down_until_unpinned(
    client: Any, settings: Settings, worker: WorkerContext, clock: Clock
) -> None:
    heat(client, settings)
    refused = surge_call(client, "pin", {"pinned": "yes"})
    assert refused.status_code == 422 and "pinned" in str(refused.json)
    assert surge_call(client, "pin", {"pinned": True, "note": "x" * 2001}).status_code == 422
    assert surge_call(client, "pin", {"pinned": True, "note": "elections night"}).status_code == 200

    clock.advance(3 * 3600)
    assert jobs.reconcile()["surges_ended"] == 0
    held = post(client, CALM, "reader-late")
    score(settings)
    assert status(client, held) == ("held", "article_surge")
    assert article_settings(client)["surge"]["pinned"] is True

    # Unpinned, it cools down from now: not at once, and then by reconcile.
    answer = surge_call(client, "pin", {"pinned": False})
    assert answer.status_code == 200 and answer.json["surge"]["pinned"] is False
    assert jobs.reconcile()["surges_ended"] == 0
    clock.advance(1801)
    assert jobs.reconcile()["surges_ended"] == 1

    trail = client.get("/v1/articles/a-1/surge", headers=bearer(MODERATOR_TOKEN)).json["trail"]
    assert [(a["action"], a["actor"], a["note"]) for a in trail] == [
        ("ended", "surge", None),
        ("unpinned", "alice", None),
        ("pinned", "alice", "elections night"),
        ("started", "surge", None),
    ]
    assert len(events(settings, "article.surge_ended")) == 1


def test_a_moderator_ends_a_surge_early_and_it_stays_off_for_a_window(
    client: Any, settings: Settings, worker: WorkerContext, clock: Clock
) -> None:
    assert surge_call(client, "end", {}).status_code == 409  # no surge yet
    heat(client, settings)
    answer = surge_call(client, "end", {"note": "calm enough"})
    assert answer.status_code == 200 and answer.json["surge"] is None
    ended = events(settings, "article.surge_ended")
    assert [e["data"]["surge"]["cause"] for e in ended] == ["moderator"]
    assert ended[0]["data"]["surge"]["by"] == "alice"

    # Still heated, but the moderator's word holds for one window.
    post(client, HEATED, "reader-again")
    score(settings)
    assert article_settings(client)["surge"] is None
    assert len(events(settings, "article.surge_started")) == 1

    # After the window, fresh heat starts a new surge.
    clock.advance(901)
    heat(client, settings)
    assert article_settings(client)["surge"]["active"] is True
    assert len(events(settings, "article.surge_started")) == 2


def test_reader_reports_start_a_surge(
    client: Any, settings: Settings, app: Any, worker: WorkerContext
) -> None:
    """Two anonymous reports (0.1 each) reach the level 0.2: counted by the web process."""
    comment = post(client, CALM, "reader-1")
    score(settings)
    assert status(client, comment) == ("approved", None)
    for address in ("198.51.100.1", "198.51.100.2"):
        answer = client.post(
            f"/v1/comments/{comment}/reports",
            json={"reason": "abusive"},
            environ_base={"REMOTE_ADDR": address},
        )
        assert answer.status_code == 201, answer.json
    shown = article_settings(client)["surge"]
    assert shown["active"] is True
    assert shown["reason"] == "reader reports weighing 0.2 in 15 min >= 0.2"
    assert shown["measurement"]["cause"] == "reports"
    assert service_of(app, SurgeService).active([("default", "a-1")])
    held = post(client, CALM, "reader-2")
    score(settings)
    assert status(client, held) == ("held", "article_surge")


def test_a_site_turns_surge_protection_off_and_bad_values_are_refused_by_name(
    client: Any, settings: Settings, worker: WorkerContext
) -> None:
    admin = bearer(ADMIN_TOKEN)
    answer = client.patch(
        "/v1/sites/default", json={"settings": {"surge": {"held_share": 1.5}}}, headers=admin
    )
    assert answer.status_code == 422
    assert "settings.surge.held_share" in str(answer.json)
    answer = client.patch(
        "/v1/sites/default", json={"settings": {"surge": {"cool_down": 5}}}, headers=admin
    )
    assert answer.status_code == 422 and "settings.surge.cool_down" in str(answer.json)
    answer = client.patch(
        "/v1/sites/default", json={"settings": {"surge": {"enabled": "yes"}}}, headers=admin
    )
    assert answer.status_code == 422 and "settings.surge.enabled" in str(answer.json)

    answer = client.patch(
        "/v1/sites/default", json={"settings": {"surge": {"enabled": False}}}, headers=admin
    )
    assert answer.status_code == 200, answer.json
    heat(client, settings)
    assert article_settings(client)["surge"] is None
    assert events(settings, "article.surge_started") == []
