"""Worker processes for end-to-end tests of their life and death: start many at once, know when
each is waiting for jobs, stop them, and read the comments' claims in one query."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from redis import Redis
from sqlalchemy import select

from moderation.comments.models import Comment
from moderation.db.session import make_engine
from moderation.lifecycle.redis_outage import RedisOutage
from moderation.lifecycle.rq_worker import ModerationWorker
from moderation.scoring.registry import PREFIX

# Takes its whole time budget on a long run of "a" (the `regex` package stops it at the limit).
SLOW_PATTERNS = """
[[pattern]]
id = "slow_test_pattern"
pattern = '(a|aa)+\\d'
requires = ["slowpoke"]
text = "original"
message = "a pattern that uses its whole time budget (test)"
"""
SLOW_TEXT = "slowpoke " + "a" * 60


def burst(queues: Sequence[Any], redis: Redis) -> bool:
    """Run the service's RQ worker in burst mode, in this process: what RQ's `SimpleWorker`
    does, without its teardown waiting up to a minute for RQ's command listener (issue 21)."""
    worker = ModerationWorker(
        list(queues), connection=redis, outage=RedisOutage(), grace_seconds=25
    )
    try:
        return worker.work(burst=True, logging_level="WARNING")
    finally:
        worker.watchdog.close()


def wait_until(check: Callable[[], Any], what: str, timeout: float = 120.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@dataclass
class WorkerProcess:
    """One `moderation worker` (or `webhook-worker`) process and its log."""

    process: subprocess.Popen[bytes]
    log: Path
    name: str = ""  # its heartbeat name, which is also its RQ name and what its claims carry
    signalled_at: float | None = None
    exited_after: float | None = field(default=None)

    @property
    def pid(self) -> int:
        return self.process.pid

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def signal(self, sig: int = signal.SIGTERM) -> None:
        if self.signalled_at is None:
            self.signalled_at = time.monotonic()
        self.process.send_signal(sig)

    def poll_exit(self) -> bool:
        """Whether it has exited; notes how long after the first signal."""
        if self.process.poll() is None:
            return False
        if self.exited_after is None and self.signalled_at is not None:
            self.exited_after = time.monotonic() - self.signalled_at
        return True

    def kill(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()


def spawn(env: dict[str, str], log: Path, *command: str) -> WorkerProcess:
    with open(log, "ab") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "moderation.cli", *(command or ("worker",))],
            env={**os.environ, **env},
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return WorkerProcess(process, log)


def wait_idle(redis: Redis, workers: Sequence[WorkerProcess], timeout: float = 240.0) -> None:
    """Until every scoring worker has its model loaded and RQ says it waits for jobs."""

    def names() -> dict[int, str]:
        found = {}
        for key in redis.scan_iter(match=PREFIX + "*", count=100):
            raw = redis.get(key)
            if raw:
                record = json.loads(raw)
                found[int(record["pid"])] = str(record["name"])
        return found

    def all_idle() -> bool:
        known = names()
        for worker in workers:
            assert worker.process.poll() is None, worker.log_text()[-3000:]
            worker.name = worker.name or known.get(worker.pid, "")
        return all(
            worker.name and redis.hget("rq:worker:" + worker.name, "state") == b"idle"
            for worker in workers
        )

    wait_until(all_idle, "the workers to wait for jobs", timeout)


def wait_exits(workers: Sequence[WorkerProcess], timeout: float) -> None:
    """Until every signalled worker has exited, or `timeout` seconds (then it is killed)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not all(worker.poll_exit() for worker in workers):
        time.sleep(0.05)
    for worker in workers:
        if not worker.poll_exit():
            worker.kill()


def claims(database_url: str, ids: Sequence[int]) -> dict[int, tuple[str, str | None]]:
    """Each comment's (status, claimed_by), in one query."""
    engine = make_engine(database_url)
    with engine.connect() as connection:
        rows = connection.execute(
            select(Comment.id, Comment.status, Comment.claimed_by).where(Comment.id.in_(ids))
        ).all()
    engine.dispose()
    return {row.id: (row.status, row.claimed_by) for row in rows}
