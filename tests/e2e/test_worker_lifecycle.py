"""Scoring worker processes stop on time and their claims never wait for the lease.

Real `moderation worker` processes (the tiny model) on the test database and Redis:
- SIGTERM to idle workers, twenty times: each exits at once, on its own (issue 21 saw two in
  nine still alive after 30-50 s, waiting on RQ's command listener);
- SIGTERM to busy workers, twenty times, each in a batch far longer than its grace: each is gone
  within `worker.shutdown_grace_seconds`, its batch cut short by the watchdog and its claims
  given back;
- SIGKILL to a busy worker: another worker scores its comments long before their claims'
  two-minute lease ends, because the dead worker's heartbeat went silent.

Workers start in rounds of ten at once: starting a worker (importing torch) is most of the
time this module takes.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from pathlib import Path

import pytest
from redis import Redis

from moderation.scoring.queue import RQWorkQueue
from tests.support.database import empty_state
from tests.support.settings import WEBHOOK_KEY
from tests.support.workbench import comment_row, insert_comments
from tests.support.workers import (
    SLOW_PATTERNS,
    SLOW_TEXT,
    WorkerProcess,
    claims,
    spawn,
    wait_exits,
    wait_idle,
    wait_until,
)

pytestmark = pytest.mark.e2e

GRACE = 10.0
ROUND = 10
ROUNDS = 2
# A batch of 64 comments that each take the pattern rule's whole 300 ms: about 19 s, far
# longer than the grace, so every busy worker must be stopped by its watchdog.
BATCH = 64


@pytest.fixture(scope="module")
def worker_env(
    database_url: str,
    redis_url: str,
    tiny_model: tuple[Path, Path],
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, str]:
    patterns = tmp_path_factory.mktemp("lifecycle") / "patterns.toml"
    patterns.write_text(SLOW_PATTERNS, encoding="utf-8")
    return {
        "MODERATION_DATABASE_URL": database_url,
        "MODERATION_REDIS_URL": redis_url,
        "MODERATION_MODEL_CHECKPOINT": str(tiny_model[0]),
        "MODERATION_MODEL_CONFIG_DIR": str(tiny_model[1]),
        "MODERATION_MODEL_THREADS": "1",
        "MODERATION_WEBHOOKS_SECRET_KEYS": WEBHOOK_KEY,
        "OMP_NUM_THREADS": "1",
        "MODERATION_WORKER_HEARTBEAT_SECONDS": "1",
        "MODERATION_WORKER_BATCH_SIZE": str(BATCH),
        "MODERATION_WORKER_SHUTDOWN_GRACE_SECONDS": str(GRACE),
        "MODERATION_RULES_PATTERNS_FILE": str(patterns),
        "MODERATION_RULES_PATTERN_TIME_LIMIT_MS": "300",
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
    }


def slow_comments(database_url: str, count: int) -> list[int]:
    created = dt.datetime.now(dt.UTC)
    rows = [
        comment_row(
            status="pending",
            article_id="lifecycle",
            author_id=f"reader-{n}",
            text=f"{SLOW_TEXT} {n}",
            created_at=created,
        )
        for n in range(count)
    ]
    return insert_comments(database_url, rows)


def holders(database_url: str, ids: Sequence[int]) -> set[str]:
    """Workers holding a claim on one of these comments, still pending."""
    return {
        holder
        for status, holder in claims(database_url, ids).values()
        if status == "pending" and holder
    }


def exit_report(workers: Sequence[WorkerProcess]) -> str:
    return ", ".join(
        f"{worker.pid}: rc {worker.process.returncode} after {worker.exited_after}"
        for worker in workers
    )


def test_idle_workers_exit_at_once_on_sigterm(
    worker_env: dict[str, str], database_url: str, redis_url: str, tmp_path: Path
) -> None:
    empty_state(database_url, redis_url)
    redis = Redis.from_url(redis_url)
    stopped: list[WorkerProcess] = []
    for number in range(ROUNDS):
        workers = [spawn(worker_env, tmp_path / f"idle-{number}-{n}.log") for n in range(ROUND)]
        stopped += workers
        try:
            wait_idle(redis, workers)
            for worker in workers:
                worker.signal()
            wait_exits(workers, timeout=GRACE + 20)
        finally:
            for worker in workers:
                worker.kill()

    assert len(stopped) == 20
    late = [w for w in stopped if w.exited_after is None or w.exited_after > GRACE]
    assert not late, exit_report(late)
    assert all(worker.process.returncode == 0 for worker in stopped), exit_report(stopped)
    # On their own: the watchdog never had to cut a shutdown short.
    helped = [w.pid for w in stopped if re.search("cold shutdown|not exited", w.log_text())]
    assert not helped
    print("idle exits, slowest:", max(worker.exited_after or 0 for worker in stopped))


def test_busy_workers_are_gone_within_the_grace_and_give_their_claims_back(
    worker_env: dict[str, str], database_url: str, redis_url: str, tmp_path: Path
) -> None:
    stopped: list[WorkerProcess] = []
    for number in range(ROUNDS):
        empty_state(database_url, redis_url)
        redis = Redis.from_url(redis_url)
        workers = [spawn(worker_env, tmp_path / f"busy-{number}-{n}.log") for n in range(ROUND)]
        stopped += workers
        try:
            wait_idle(redis, workers)
            ids = slow_comments(database_url, BATCH * ROUND)
            queue = RQWorkQueue(redis, "score")
            for _ in workers:  # one job each: a job claims a whole batch
                queue.enqueue_scoring([], coalesce=False)
            names = {worker.name for worker in workers}

            def all_busy(ids: list[int] = ids, names: set[str] = names) -> bool:
                return holders(database_url, ids) >= names

            wait_until(all_busy, "every worker to be busy")
            for worker in workers:
                worker.signal()
            wait_exits(workers, timeout=GRACE + 20)
            still_held = holders(database_url, ids) & names
            assert not still_held, f"claims not given back by {still_held}"
        finally:
            for worker in workers:
                worker.kill()

    assert len(stopped) == 20
    late = [w for w in stopped if w.exited_after is None or w.exited_after > GRACE]
    assert not late, exit_report(late)
    assert all(worker.process.returncode == 0 for worker in stopped), exit_report(stopped)
    # Every batch outlasted the warm phase: the watchdog stopped each one (cold shutdown).
    assert all("cold shutdown" in worker.log_text() for worker in stopped)
    print("busy exits, slowest:", max(worker.exited_after or 0 for worker in stopped))


def test_a_killed_workers_comments_are_scored_long_before_their_lease_ends(
    worker_env: dict[str, str], database_url: str, redis_url: str, tmp_path: Path
) -> None:
    empty_state(database_url, redis_url)
    redis = Redis.from_url(redis_url)
    workers = [spawn(worker_env, tmp_path / f"pair-{n}.log") for n in range(2)]
    try:
        wait_idle(redis, workers)
        ids = slow_comments(database_url, 8)
        RQWorkQueue(redis, "score").enqueue_scoring([], coalesce=False)
        holder = wait_until(lambda: holders(database_url, ids), "a batch to be claimed")
        victim = next(worker for worker in workers if worker.name in holder)
        rescuer = next(worker for worker in workers if worker is not victim)
        victim.kill()  # SIGKILL mid-batch: its claims stay, with a two-minute lease
        killed = dt.datetime.now(dt.UTC)
        assert holders(database_url, ids) == {victim.name}

        def decided() -> bool:
            return all(status != "pending" for status, _ in claims(database_url, ids).values())

        wait_until(decided, "the comments to be decided", timeout=150)
        took = (dt.datetime.now(dt.UTC) - killed).total_seconds()
        # The lease is 120 s; a heartbeat silent for 2.5 s (here) releases the claims instead.
        assert took < 30, took
        assert re.search(
            rf"released \d+ claims of workers with no heartbeat .*{victim.name}",
            rescuer.log_text(),
        )
        print(f"a killed worker's comments decided {took:.1f}s after the kill")
    finally:
        for worker in workers:
            worker.signal()
        wait_exits(workers, timeout=GRACE + 20)
