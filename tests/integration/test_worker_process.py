"""The worker as a real process: it loads the model once and runs every job without forking."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from redis import Redis
from rq import Queue

from moderation.config import Settings
from moderation.scoring.queue import RQWorkQueue
from tests.support.settings import service_env


def post(client: Any, text: str) -> int:
    answer = client.post(
        "/v1/articles/a-1/comments", json={"author": {"id": "r1", "name": "R"}, "text": text}
    )
    return int(answer.json["id"])


def test_jobs_run_in_the_process_that_loaded_the_model(
    client: Any, settings: Settings, tiny_model: tuple[Path, Path]
) -> None:
    connection = Redis.from_url(settings.redis.url)
    work = RQWorkQueue(connection, settings.redis.score_queue)
    first, second = post(client, "First comment."), post(client, "Second comment.")
    # Two more jobs, one per comment (not coalesced): each its own RQ job.
    work.enqueue_scoring([first], coalesce=False)
    work.enqueue_scoring([second], coalesce=False)
    env = {
        **os.environ,
        **service_env(
            settings.database.url,
            settings.redis.url,
            tiny_model,
            MODERATION_WORKER_BATCH_SIZE="1",
        ),
    }
    finished = subprocess.run(
        [sys.executable, "-m", "moderation.cli", "worker", "--burst"],
        env=env,
        capture_output=True,
        timeout=120,
    )
    assert finished.returncode == 0, finished.stderr.decode()[-2000:]

    queue = Queue(settings.redis.score_queue, connection=connection)
    results = []
    for job_id in queue.finished_job_registry.get_job_ids():
        result = queue.fetch_job(job_id).latest_result()  # type: ignore[union-attr]
        results.append(result.return_value)
    # Three enqueued, plus follow-ups that a full batch (of 1 here) starts for what may wait.
    assert len(results) >= 3
    pids = {result["pid"] for result in results}
    assert len(pids) == 1 and pids != {os.getpid()}
    assert {result["model_loads"] for result in results} == {1}
    assert sum(result["scored"] for result in results) == 2
    assert client.get(f"/v1/comments/{first}").json["status"] == "approved"
    assert client.get(f"/v1/comments/{second}").json["status"] == "approved"
