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

# 1.5 heartbeats of 1 s (the test settings), plus a second.
SILENT_AFTER = jobs.silent_after(1)


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


def test_claims_of_silent_workers_are_released_and_enqueued_and_others_are_kept(
    client: Any, context: WorkerContext, settings: Settings, redis_url: str
) -> None:
    ids = [post(client, f"A comment, number {n}.", f"reader-{n}") for n in range(8)]
    Queue("score", connection=Redis.from_url(redis_url)).empty()
    scoring, registry = context.scoring, context.registry
    # Claimed long ago by a worker with no heartbeat record (it never beat, or died long ago).
    assert [c.id for c in scoring.claim(ids[:2], "worker-gone")] == ids[:2]
    registry.beat("worker-dead", {"pid": 1})  # beats once, then never again
    registry.beat("worker-alive", {"pid": 2})
    time.sleep(SILENT_AFTER + 0.5)
    registry.beat("worker-alive", {"pid": 2})
    # Claimed just now: by a worker whose heartbeat went silent (dead however young the claim)
    # and by one with no record (it may be starting up, or run by RQ's own `rq worker`).
    assert [c.id for c in scoring.claim(ids[2:4], "worker-dead")] == ids[2:4]
    assert [c.id for c in scoring.claim(ids[4:6], "worker-alive")] == ids[4:6]
    assert [c.id for c in scoring.claim(ids[6:], "worker-new")] == ids[6:]

    holders = scoring.claim_holders()
    assert holders == ["worker-alive", "worker-dead", "worker-gone", "worker-new"]
    ages = registry.beat_ages(holders)
    assert ages["worker-gone"] is None and ages["worker-new"] is None
    assert ages["worker-dead"] is not None and ages["worker-dead"] > SILENT_AFTER
    assert ages["worker-alive"] is not None and ages["worker-alive"] < SILENT_AFTER

    # One worker looks per heartbeat: while another worker's turn runs, this one does not.
    context.redis.set(jobs.ORPHAN_CHECK_KEY, "another-worker", ex=60)
    assert jobs.release_orphaned_claims(once_per=1) == 0
    assert claims(settings.database.url, ids)[ids[0]] == ("pending", "worker-gone")
    context.redis.delete(jobs.ORPHAN_CHECK_KEY)
    assert jobs.release_orphaned_claims(once_per=1) == 4

    state = claims(settings.database.url, ids)
    assert [state[i] for i in ids] == [
        ("pending", None),
        ("pending", None),
        ("pending", None),
        ("pending", None),
        ("pending", "worker-alive"),
        ("pending", "worker-alive"),
        ("pending", "worker-new"),
        ("pending", "worker-new"),
    ]
    queued = Queue("score", connection=Redis.from_url(redis_url)).get_jobs()
    assert [job.args[0] for job in queued] == [ids[2:4] + ids[:2]]
    assert jobs.release_orphaned_claims() == 0  # nothing left to release
