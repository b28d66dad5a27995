"""The running stack outlives a Redis outage without a restart (issue 21).

gunicorn, a scoring worker, a webhook-only worker and the reconcile scheduler run against a
redis-server of this test's own (never the shared test Redis). Redis is stopped while comments
are posted, stays down for several rounds of reconnect attempts, and comes back empty (it keeps
nothing on disk). Every comment is then decided and every event delivered by the same
processes; each said once that Redis was away and once that it was back, with no traceback,
and the container health checks pass again.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from moderation.embedded_redis import EmbeddedRedis
from tests.support.database import empty_state
from tests.support.live import LiveService
from tests.support.receiver import Receiver, running
from tests.support.settings import ADMIN_TOKEN, MODERATOR_TOKEN, WEBHOOK_KEY, bearer
from tests.support.workers import claims, wait_until

pytestmark = pytest.mark.e2e

# Longer than the backoff cap (5 s): every process fails to reconnect several times.
OUTAGE_SECONDS = 12
ROLES = ("worker0", "webhook-worker", "scheduler")


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[EmbeddedRedis]:
    server = EmbeddedRedis(tmp_path / "redis")
    server.start()
    yield server
    server.stop()


def post(service: LiveService, text: str) -> int:
    answer = requests.post(
        f"{service.base_url}/v1/articles/outage/comments",
        json={"author": {"id": f"reader-{uuid.uuid4().hex[:12]}", "name": "R"}, "text": text},
        timeout=60,
    )
    assert answer.status_code == 202, answer.text
    return int(answer.json()["id"])


def delivered(receiver: Receiver) -> set[tuple[str, int]]:
    """(event type, comment id) of every webhook received."""
    found = set()
    for body in receiver.bodies():
        event = json.loads(body)
        found.add((event["type"], int(event["data"]["comment"]["id"])))
    return found


def healthy(service: LiveService, role: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "moderation.cli", "healthcheck", role],
        env=service.env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_every_comment_is_decided_and_every_event_delivered_across_a_redis_outage(
    database_url: str,
    tiny_model: tuple[Path, Path],
    private_redis: EmbeddedRedis,
    tmp_path: Path,
) -> None:
    empty_state(database_url, private_redis.url)
    with running(Receiver()) as receiver:
        service = LiveService(
            {
                "MODERATION_DATABASE_URL": database_url,
                "MODERATION_REDIS_URL": private_redis.url,
                "MODERATION_MODEL_CHECKPOINT": str(tiny_model[0]),
                "MODERATION_MODEL_CONFIG_DIR": str(tiny_model[1]),
                "MODERATION_MODEL_THREADS": "1",
                "MODERATION_WEBHOOKS_SECRET_KEYS": WEBHOOK_KEY,
                "MODERATION_MODERATOR_TOKENS": MODERATOR_TOKEN,
                "MODERATION_ADMIN_TOKENS": ADMIN_TOKEN,
                "MODERATION_WORKER_HEARTBEAT_SECONDS": "1",
                "MODERATION_WORKER_RECONCILE_AFTER_SECONDS": "2",
                "MODERATION_WEBHOOKS_SERVE_IN_WORKER": "false",
                "MODERATION_WEBHOOKS_ALLOW_PRIVATE": "true",
            },
            tmp_path / "logs",
        )
        try:
            service.start(timeout=180)
            service._spawn("webhook-worker", "webhook-worker")
            service._spawn("scheduler", "scheduler")
            hook = requests.post(
                f"{service.base_url}/v1/webhooks",
                json={"url": receiver.url},
                headers=bearer(ADMIN_TOKEN),
                timeout=10,
            )
            assert hook.status_code == 201, hook.text
            before = [post(service, f"Before the outage, comment {n}.") for n in range(3)]
            wanted = {("comment.approved", comment_id) for comment_id in before}
            wait_until(lambda: wanted <= delivered(receiver), "deliveries before the outage")

            private_redis.stop()
            during = [post(service, f"During the outage, comment {n}.") for n in range(5)]
            time.sleep(OUTAGE_SECONDS)
            for role in ROLES:
                assert service.processes[role].poll() is None, service.log_tail(role)
            private_redis.start()  # empty: the queues and every job in them are gone

            ids = before + during

            def decided() -> bool:
                return all(status != "pending" for status, _ in claims(database_url, ids).values())

            wait_until(decided, "every comment to be decided", timeout=120)
            wanted = {(kind, i) for i in ids for kind in ("comment.created", "comment.approved")}
            wait_until(lambda: wanted <= delivered(receiver), "every event delivered", 120)
            # The same processes did it: none exited and none was started again. Each says
            # Redis is back at its next call through (within a backoff, 5 s at most).
            for role in ROLES:
                assert service.processes[role].poll() is None, service.log_tail(role)
                wait_until(
                    lambda role=role: "Redis is reachable again" in service.log_tail(role, 400),
                    f"the {role} to see Redis back",
                    timeout=60,
                )
                log = (service.log_dir / f"{role}.log").read_text(errors="replace")
                assert log.count("Redis is unreachable") == 1, (role, log[-3000:])
                assert log.count("Redis is reachable again") == 1, (role, log[-3000:])
                assert "Traceback" not in log, (role, log[-3000:])
                assert "quitting" not in log, (role, log[-3000:])
            for role in ("worker", "webhook-worker", "scheduler"):
                probe = wait_until(
                    lambda role=role: healthy(service, role).returncode == 0,
                    f"the {role} health check to pass",
                    timeout=60,
                )
                assert probe
            # And each still stops cleanly.
            for role in ROLES:
                service.stop(role)
                assert service.processes[role].returncode == 0, service.log_tail(role)
                assert "Traceback" not in service.log_tail(role, 400), service.log_tail(role)
        finally:
            service.stop()
