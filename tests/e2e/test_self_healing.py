"""Stuck work heals itself, through real processes: gunicorn, scoring workers, the scheduler.

Redis flushed after submits, a worker SIGKILLed mid-batch, a worker stopped with SIGTERM mid-
batch: every comment is still decided. Claims and the reconcile threshold are short here
(seconds, not minutes) and a pattern rule that uses its whole time budget makes a batch slow
enough to be caught in the middle. /metrics parses and moves as comments are processed.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families
from redis import Redis
from rq.job import Job

from moderation.scoring.registry import WorkerRegistry
from tests.support.database import empty_state
from tests.support.live import LiveService, free_port
from tests.support.settings import ADMIN_TOKEN, MODERATOR_TOKEN, WEBHOOK_KEY, model_files
from tests.support.workbench import comment_state
from tests.support.workers import claims

pytestmark = pytest.mark.e2e

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
CLAIM_SECONDS = 4


@pytest.fixture(scope="module")
def service(
    database_url: str,
    redis_url: str,
    tiny_model: tuple[Path, Path],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[LiveService]:
    """gunicorn and one worker (with its metrics served) on short claims and reconcile."""
    empty_state(database_url, redis_url)
    folder = tmp_path_factory.mktemp("self-healing")
    patterns = folder / "patterns.toml"
    patterns.write_text(SLOW_PATTERNS, encoding="utf-8")
    checkpoint, config_dir = model_files(tiny_model)
    live = LiveService(
        {
            "MODERATION_DATABASE_URL": database_url,
            "MODERATION_REDIS_URL": redis_url,
            "MODERATION_MODEL_CHECKPOINT": str(checkpoint),
            "MODERATION_MODEL_CONFIG_DIR": str(config_dir),
            "MODERATION_MODERATOR_TOKENS": MODERATOR_TOKEN,
            "MODERATION_ADMIN_TOKENS": ADMIN_TOKEN,
            "MODERATION_WEBHOOKS_SECRET_KEYS": WEBHOOK_KEY,
            "MODERATION_MODEL_THREADS": "1",
            "MODERATION_WORKER_HEARTBEAT_SECONDS": "1",
            "MODERATION_WORKER_CLAIM_SECONDS": str(CLAIM_SECONDS),
            "MODERATION_WORKER_RECONCILE_AFTER_SECONDS": "2",
            "MODERATION_WORKER_BATCH_SIZE": "4",
            "MODERATION_WORKER_METRICS_PORT": str(free_port()),
            "MODERATION_RULES_PATTERNS_FILE": str(patterns),
            # A batch of four slow comments takes 4 s: long enough to be caught in the middle
            # even on a busy machine, where noticing the batch can take a second.
            "MODERATION_RULES_PATTERN_TIME_LIMIT_MS": "1000",
            "MODERATION_LOGGING_FORMAT": "json",
        },
        folder,
    )
    try:
        live.start(timeout=120)
        yield live
    finally:
        live.stop()


def post(service: LiveService, text: str, article: str = "healing") -> int:
    """Post as a new reader each time, so the same-author rules (duplicates, rate) stay out."""
    answer = requests.post(
        f"{service.base_url}/v1/articles/{article}/comments",
        json={"author": {"id": f"reader-{uuid.uuid4().hex[:12]}", "name": "R"}, "text": text},
        timeout=10,
    )
    assert answer.status_code == 202, answer.text
    return int(answer.json()["id"])


def wait_until(check: Callable[[], Any], what: str, timeout: float = 120.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def states(database_url: str, ids: list[int]) -> list[dict[str, Any]]:
    return [comment_state(database_url, comment_id) for comment_id in ids]


def all_decided(database_url: str, ids: list[int]) -> bool:
    return all(status != "pending" for status, _ in claims(database_url, ids).values())


def stop_workers(service: LiveService, sig: int = signal.SIGTERM) -> None:
    for name, process in service.processes.items():
        if name.startswith("worker") and process.poll() is None:
            service.stop(name, sig)


def start_worker(service: LiveService, name: str, redis_url: str) -> subprocess.Popen[bytes]:
    """A new worker process; returns once its heartbeat says the model is loaded."""
    process = service.start_worker(name)
    registry = WorkerRegistry(Redis.from_url(redis_url))

    def loaded() -> bool:
        assert process.poll() is None, service.log_tail(name)
        return any(
            entry.get("pid") == process.pid and entry.get("model_loaded")
            for entry in registry.alive()
        )

    wait_until(loaded, f"{name} to load its model")
    return process


def in_progress(database_url: str, ids: list[int]) -> Callable[[], bool]:
    """Whether a worker holds claims on some of these comments that it has not decided yet."""
    return lambda: any(
        status == "pending" and holder for status, holder in claims(database_url, ids).values()
    )


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a scrape, keyed by name and sorted labels."""
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def total(
    scrape: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str
) -> float:
    return sum(
        value
        for (sample, sample_labels), value in scrape.items()
        if sample == name and set(labels.items()) <= set(sample_labels)
    )


def test_metrics_parse_and_move_when_comments_are_processed(
    service: LiveService, database_url: str
) -> None:
    web_url = service.base_url + "/metrics"
    worker_url = f"http://127.0.0.1:{service.env['MODERATION_WORKER_METRICS_PORT']}/metrics"
    before_web = samples(requests.get(web_url, timeout=10).text)
    before_worker = samples(requests.get(worker_url, timeout=10).text)

    texts = ["Thanks for covering the council vote.", "Good article.", "I agree with the mayor."]
    ids = [post(service, text) for text in texts]
    ids.append(post(service, "Just kill yourself already"))
    wait_until(lambda: all_decided(database_url, ids), "the comments to be decided")

    web = samples(requests.get(web_url, timeout=10).text)
    posted = {"route": "/v1/articles/<article_id>/comments", "method": "POST", "status": "202"}
    # Two gunicorn processes answered; the multiprocess files add them up.
    assert (
        total(web, "moderation_http_requests_total", **posted)
        - total(before_web, "moderation_http_requests_total", **posted)
        == 4
    )
    assert total(web, "moderation_http_request_seconds_count", method="POST") >= 4
    for queue in ("analyze", "score", "webhooks", "bulk"):
        assert ("moderation_queue_depth", (("queue", queue),)) in web
    assert total(web, "moderation_workers_alive", kind="scoring") >= 1
    assert ("moderation_pending_comments", ()) in web

    worker = samples(requests.get(worker_url, timeout=10).text)

    def moved(name: str, **labels: str) -> float:
        return total(worker, name, **labels) - total(before_worker, name, **labels)

    assert moved("moderation_comments_decided_total", outcome="approved", reason="none") == 3
    assert moved("moderation_comments_decided_total", outcome="rejected") == 1
    assert moved("moderation_submit_to_decision_seconds_count") == 4
    assert moved("moderation_scoring_batch_size_sum") == 4
    assert moved("moderation_scoring_batch_seconds_count") >= 1


def test_every_comment_is_decided_after_redis_is_flushed(
    service: LiveService, database_url: str, redis_url: str
) -> None:
    stop_workers(service)
    texts = ["A fair point.", "Thanks.", "Good news.", "I disagree.", "Great.", "Agree."]
    ids = [post(service, text) for text in texts]
    redis = Redis.from_url(redis_url)
    redis.flushdb()  # every queued job is gone; the comments are pending in the database
    assert redis.llen("rq:queue:score") == 0

    service._spawn("scheduler", "scheduler")
    try:
        # The scheduler's reconcile job waits on the queue until a worker takes it.
        wait_until(lambda: redis.zcard("rq:cron_job:moderation.reconcile:jobs"), "a reconcile job")
        probe = subprocess.run(
            [sys.executable, "-m", "moderation.cli", "healthcheck", "scheduler"],
            env=service.env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert probe.returncode == 0, probe.stdout + probe.stderr
        start_worker(service, "worker-after-flush", redis_url)
        wait_until(lambda: all_decided(database_url, ids), "every comment to be decided")
        assert {state["status"] for state in states(database_url, ids)} == {"approved"}

        def reconcile_results() -> list[Any]:
            job_ids = redis.zrange("rq:cron_job:moderation.reconcile:jobs", 0, -1)
            jobs = Job.fetch_many([job_id.decode() for job_id in job_ids], connection=redis)
            return [job.return_value() for job in jobs if job is not None and job.is_finished]

        results = wait_until(reconcile_results, "a finished reconcile job")
        assert all(set(result) == {"requeued", "surges_ended"} for result in results)
    finally:
        service.stop("scheduler")
        stop_workers(service)


def test_nothing_stays_pending_after_a_worker_is_killed_mid_batch(
    service: LiveService, database_url: str, redis_url: str
) -> None:
    stop_workers(service)
    ids = [post(service, SLOW_TEXT + f" {n}") for n in range(4)]
    start_worker(service, "worker-victim", redis_url)
    wait_until(in_progress(database_url, ids), "a batch to be in progress")
    service.stop("worker-victim", signal.SIGKILL)
    left = [state for state in states(database_url, ids) if state["status"] == "pending"]
    assert left, "the batch was still being scored when the worker died"
    assert all(state["claimed_by"] for state in left), "a killed worker leaves its claims"

    try:
        start_worker(service, "worker-rescuer", redis_url)
        wait_until(lambda: all_decided(database_url, ids), "every comment to be decided", 180)
        decided = states(database_url, ids)
        assert {state["status"] for state in decided} == {"held"}
        assert all(state["claimed_by"] is None or state["status"] != "pending" for state in decided)
    finally:
        stop_workers(service)


def test_sigterm_lets_a_worker_finish_its_batch_before_it_exits(
    service: LiveService, database_url: str, redis_url: str
) -> None:
    stop_workers(service)
    ids = [post(service, SLOW_TEXT + f" {n}") for n in range(3)]
    worker = start_worker(service, "worker-graceful", redis_url)
    wait_until(in_progress(database_url, ids), "a batch to be in progress")
    assert not all_decided(database_url, ids)

    worker.send_signal(signal.SIGTERM)  # what `docker stop` sends
    assert worker.wait(timeout=90) == 0, service.log_tail("worker-graceful")
    # No other worker runs: the stopping worker decided the whole batch before it exited.
    assert all_decided(database_url, ids), states(database_url, ids)


def test_a_second_sigterm_stops_at_once_and_gives_the_claims_back(
    service: LiveService, database_url: str, redis_url: str
) -> None:
    stop_workers(service)
    ids = [post(service, SLOW_TEXT + f" {n}") for n in range(4)]
    worker = start_worker(service, "worker-impatient", redis_url)
    wait_until(in_progress(database_url, ids), "a batch to be in progress")
    worker.send_signal(signal.SIGTERM)
    time.sleep(1.2)  # RQ ignores a second signal within a second of the first
    worker.send_signal(signal.SIGTERM)  # cold shutdown
    # It exits at once (issue 17: it used to stay up to a minute in RQ's teardown, its
    # heartbeat re-enqueueing the comments whose claims it had given back).
    assert worker.wait(timeout=30) == 0, service.log_tail("worker-impatient")
    assert "cold shut down" in service.log_tail("worker-impatient", lines=200)
    left = [state for state in states(database_url, ids) if state["status"] == "pending"]
    assert left, "the batch was cut short"
    assert all(state["claimed_by"] is None for state in left), "claims are released at once"

    try:
        start_worker(service, "worker-next", redis_url)
        wait_until(lambda: all_decided(database_url, ids), "every comment to be decided", 180)
    finally:
        stop_workers(service)
