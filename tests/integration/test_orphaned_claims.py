"""Claims of a worker whose heartbeat went silent are given back early (scoring/jobs.py
`release_orphaned_claims`), against the real database and Redis."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from redis import Redis
from rq import Queue

from moderation.config import Settings
from moderation.scoring import jobs
from moderation.scoring.context import WorkerContext, build_context, install
from tests.support.workers import claims

SILENT_AFTER = 2  # two heartbeats of 1 s (the test settings)


def post(client: Any, text: str, author: str) -> int:
    answer = client.post(
        "/v1/articles/a-1/comments", json={"author": {"id": author, "name": "R"}, "text": text}
    )
    assert answer.status_code == 202, answer.json
    return int(answer.json["id"])


@pytest.fixture
def context(settings: Settings, clean_state: None) -> Iterator[WorkerContext]:
    built = build_context(settings)
    install(built)
    yield built
    built.sessions.kw["bind"].dispose()


def test_claims_of_a_silent_worker_are_released_and_enqueued_and_others_are_kept(
    client: Any, context: WorkerContext, settings: Settings, redis_url: str
) -> None:
    ids = [post(client, f"A comment, number {n}.", f"reader-{n}") for n in range(6)]
    Queue("score", connection=Redis.from_url(redis_url)).empty()
    scoring, registry = context.scoring, context.registry
    context.registry.beat("worker-dead", {"pid": 1})  # beat once, then never again
    assert [c.id for c in scoring.claim(ids[:2], "worker-dead")] == ids[:2]
    assert [c.id for c in scoring.claim(ids[2:4], "worker-alive")] == ids[2:4]
    time.sleep(SILENT_AFTER + 0.5)
    registry.beat("worker-alive", {"pid": 2})
    # Claimed just now by a worker never seen: too young to judge (it may be starting up).
    assert [c.id for c in scoring.claim(ids[4:], "worker-new")] == ids[4:]

    assert scoring.claim_holders(held_longer_than=SILENT_AFTER) == ["worker-alive", "worker-dead"]
    assert registry.silent(["worker-alive", "worker-dead", "worker-new"], SILENT_AFTER) == {
        "worker-dead",
        "worker-new",
    }

    # One worker looks per heartbeat: while another worker's turn runs, this one does not.
    context.redis.set(jobs.ORPHAN_CHECK_KEY, "another-worker", ex=60)
    assert jobs.release_orphaned_claims(once_per=1) == 0
    assert claims(settings.database.url, ids[:2])[ids[0]] == ("pending", "worker-dead")
    context.redis.delete(jobs.ORPHAN_CHECK_KEY)
    assert jobs.release_orphaned_claims(once_per=1) == 2

    state = claims(settings.database.url, ids)
    assert [state[i] for i in ids] == [
        ("pending", None),
        ("pending", None),
        ("pending", "worker-alive"),
        ("pending", "worker-alive"),
        ("pending", "worker-new"),
        ("pending", "worker-new"),
    ]
    queued = Queue("score", connection=Redis.from_url(redis_url)).get_jobs()
    assert [job.args[0] for job in queued] == [ids[:2]]
    assert jobs.release_orphaned_claims() == 0  # nothing left to release
