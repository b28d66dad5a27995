"""Several worker processes share one queue and never score a comment twice."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from redis import Redis
from sqlalchemy import func, select

from moderation.config import Settings
from moderation.services.queueing import RQWorkQueue
from moderation.store.models import AuditRecord, Comment
from moderation.store.session import make_engine, make_session_factory
from tests.conftest import service_env


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
