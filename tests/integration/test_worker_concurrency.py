"""Several worker processes share one queue and never score a comment twice."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from redis import Redis
from sqlalchemy import func, select

from moderation.comments.models import AuditRecord, Comment
from moderation.config import Settings
from moderation.db.session import make_engine, make_session_factory
from moderation.scoring.queue import RQWorkQueue
from tests.support.settings import service_env


def test_two_workers_decide_each_comment_exactly_once(
    client: Any, settings: Settings, tiny_model: tuple[Path, Path]
) -> None:
    ids = []
    for number in range(24):
        answer = client.post(
            "/v1/articles/a-1/comments",
            json={"author": {"id": f"r{number}", "name": "R"}, "text": f"Comment {number}."},
        )
        ids.append(answer.json["id"])
    # One job per comment (not coalesced), so both workers race for the same comments.
    work = RQWorkQueue(Redis.from_url(settings.redis.url), settings.redis.score_queue)
    for comment_id in ids:
        work.enqueue_scoring([comment_id], coalesce=False)
    env = {
        **os.environ,
        **service_env(
            settings.database.url,
            settings.redis.url,
            tiny_model,
            MODERATION_WORKER_BATCH_SIZE="4",
        ),
    }
    command = [sys.executable, "-m", "moderation.cli", "worker", "--burst"]
    workers = [subprocess.Popen(command, env=env, stderr=subprocess.PIPE) for _ in range(2)]
    for worker in workers:
        _, errors = worker.communicate(timeout=180)
        assert worker.returncode == 0, errors.decode()[-2000:]

    sessions = make_session_factory(make_engine(settings.database.url))
    with sessions() as session:
        pending = session.scalar(
            select(func.count()).select_from(Comment).where(Comment.status == "pending")
        )
        per_comment = dict(
            session.execute(
                select(AuditRecord.comment_id, func.count())
                .where(AuditRecord.actor_type == "system")
                .group_by(AuditRecord.comment_id)
            ).all()
        )
    assert pending == 0
    assert sorted(per_comment) == sorted(ids)
    assert set(per_comment.values()) == {1}


def test_concurrent_claims_neither_block_nor_deadlock(client: Any, settings: Settings) -> None:
    """Claimers racing over overlapping id lists take disjoint comments, none waits on another.

    Each claimer names a few comments of its own choosing (as a job carries ids) and fills up
    from the waiting line, so their id lists overlap: the pattern that, now and then, deadlocked
    two workers' claim UPDATEs on PostgreSQL (found by `make bench`) before candidates were
    locked with SKIP LOCKED. A claim returns only what it newly claimed, never a comment the
    same worker holds already.
    """
    import random
    import threading

    from moderation.scoring.service import ScoringService

    ids = []
    for number in range(300):
        answer = client.post(
            "/v1/articles/a-1/comments",
            json={"author": {"id": f"r{number}", "name": "R"}, "text": f"Line {number}."},
        )
        ids.append(int(answer.json["id"]))
    taken: dict[str, list[int]] = {}
    failures: list[BaseException] = []

    def claimer(name: str, seed: int) -> None:
        scoring = ScoringService(make_session_factory(make_engine(settings.database.url)))
        chooser = random.Random(seed)
        mine: list[int] = []
        try:
            while True:
                named = chooser.sample(ids, 6)
                started = time.monotonic()
                claimed = scoring.claim(named, name, fill_to=12)
                assert time.monotonic() - started < 0.5, "a claim waited on another"
                if not claimed and not scoring.waiting():
                    break
                mine += [comment.id for comment in claimed]
        except BaseException as error:  # reported below, with the claimer's name
            failures.append(error)
        taken[name] = mine

    threads = [threading.Thread(target=claimer, args=(f"claimer-{n}", n)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not failures, failures
    every = [comment_id for mine in taken.values() for comment_id in mine]
    assert sorted(every) == sorted(ids)  # each comment claimed exactly once
