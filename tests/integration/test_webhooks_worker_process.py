"""Webhooks with real worker processes (`moderation worker`, `moderation webhook-worker`).

A worker killed (SIGKILL) while a webhook is in flight: after a restart the event is still
delivered. Nothing is lost because the database, not Redis or the dead process, holds the
delivery: its endpoint lease runs out and the new worker's reconcile picks it up.
A retry goes out on time through the RQ scheduler, and the webhook-only worker delivers alone."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from standardwebhooks.webhooks import Webhook

from moderation.config import Settings
from tests.support.receiver import Receiver, running
from tests.support.settings import ADMIN_TOKEN, WEBHOOK_KEY, bearer, model_files
from tests.support.webhooks import post_comment, subscribe, webhook_settings

pytestmark = pytest.mark.e2e


@pytest.fixture
def settings(database_url: str, redis_url: str, tiny_model: tuple[Path, Path]) -> Settings:
    return webhook_settings(database_url, redis_url, tiny_model)


def spawn_worker(
    database_url: str,
    redis_url: str,
    tiny_model: tuple[Path, Path],
    log: Path,
    command: tuple[str, ...] = ("worker",),
    **overrides: str,
) -> subprocess.Popen[bytes]:
    checkpoint, config_dir = model_files(tiny_model)
    env = {
        **os.environ,
        "MODERATION_DATABASE_URL": database_url,
        "MODERATION_REDIS_URL": redis_url,
        "MODERATION_MODEL_CHECKPOINT": str(checkpoint),
        "MODERATION_MODEL_CONFIG_DIR": str(config_dir),
        "MODERATION_MODEL_THREADS": "1",
        "MODERATION_WORKER_HEARTBEAT_SECONDS": "1",
        "MODERATION_WORKER_RECONCILE_AFTER_SECONDS": "2",
        "MODERATION_WEBHOOKS_ALLOW_PRIVATE": "true",
        "MODERATION_WEBHOOKS_SECRET_KEYS": WEBHOOK_KEY,
        "MODERATION_WEBHOOKS_TIMEOUT_SECONDS": "2",  # the lease of a dead worker: 2 * 2 + 5 s
        "MODERATION_WEBHOOKS_RETRY_SCHEDULE": "100ms,100ms",
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        **overrides,
    }
    with open(log, "ab") as output:
        return subprocess.Popen(
            [sys.executable, "-m", "moderation.cli", *command],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def stop(process: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
    if process.poll() is None:
        os.killpg(process.pid, sig)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def test_an_event_in_flight_when_the_worker_is_killed_is_delivered_after_restart(
    client: Any,
    database_url: str,
    redis_url: str,
    tiny_model: tuple[Path, Path],
    tmp_path: Path,
) -> None:
    receiver = Receiver()
    receiver.hold.set()  # the first request gets no answer: the worker is mid-delivery
    with running(receiver):
        endpoint = subscribe(client, receiver.url, event_types=["comment.created"])
        post_comment(client)
        first = spawn_worker(database_url, redis_url, tiny_model, tmp_path / "worker1.log")
        try:
            assert receiver.arrived.wait(90), (tmp_path / "worker1.log").read_text()
        finally:
            stop(first, signal.SIGKILL)
        receiver.hold.clear()
        receiver.release.set()

        second = spawn_worker(database_url, redis_url, tiny_model, tmp_path / "worker2.log")
        try:
            requests = receiver.wait_for(2, timeout=90)
        finally:
            stop(second)

    killed, delivered = requests[0], requests[1]
    assert killed.headers["webhook-id"] == delivered.headers["webhook-id"]
    payload = Webhook(endpoint["secret"]).verify(delivered.body, delivered.headers)
    assert payload["type"] == "comment.created"
    [delivery] = client.get(
        f"/v1/webhooks/{endpoint['id']}/deliveries", headers=bearer(ADMIN_TOKEN)
    ).json["items"]
    assert delivery["status"] == "delivered"
    log = client.get(
        f"/v1/webhooks/{endpoint['id']}/deliveries/{delivery['id']}", headers=bearer(ADMIN_TOKEN)
    ).json["attempt_log"]
    assert [(a["number"], a["succeeded"]) for a in log] == [(1, False), (2, True)]
    assert log[0]["error"].startswith("interrupted") and log[0]["status_code"] is None


def test_the_webhook_worker_delivers_on_its_own(
    client: Any,
    database_url: str,
    redis_url: str,
    tiny_model: tuple[Path, Path],
    tmp_path: Path,
) -> None:
    with running(Receiver()) as receiver:
        endpoint = subscribe(client, receiver.url, event_types=["comment.created"])
        post_comment(client)
        log = tmp_path / "webhook-worker.log"
        worker = spawn_worker(
            database_url, redis_url, tiny_model, log, ("webhook-worker", "--burst")
        )
        try:
            assert worker.wait(timeout=60) == 0, log.read_text()
        finally:
            stop(worker)
    [request] = receiver.requests
    Webhook(endpoint["secret"]).verify(request.body, request.headers)


def test_a_retry_goes_out_on_time_through_the_rq_scheduler(
    client: Any,
    database_url: str,
    redis_url: str,
    tiny_model: tuple[Path, Path],
    tmp_path: Path,
) -> None:
    """Reconcile runs only at start here (every 10 minutes after), so the second attempt can
    only come from the wake-up job the first failure scheduled."""
    with running(Receiver(script=[500])) as receiver:
        endpoint = subscribe(client, receiver.url, event_types=["comment.created"])
        post_comment(client)
        log = tmp_path / "webhook-worker.log"
        worker = spawn_worker(
            database_url,
            redis_url,
            tiny_model,
            log,
            ("webhook-worker",),
            MODERATION_WORKER_RECONCILE_AFTER_SECONDS="1200",
            MODERATION_WEBHOOKS_RETRY_SCHEDULE="2s",
        )
        try:
            first, second = receiver.wait_for(2, timeout=30)
        except AssertionError:
            raise AssertionError(log.read_text()) from None
        finally:
            stop(worker)
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    Webhook(endpoint["secret"]).verify(second.body, second.headers)
