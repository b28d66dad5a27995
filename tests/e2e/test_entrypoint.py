"""The image's entry point, run directly (no Docker engine here): each role serves, then stops
cleanly on SIGTERM, as `docker stop` would ask it to."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families
from redis import Redis

from moderation.config import PROJECT_ROOT
from moderation.scoring.registry import WorkerRegistry
from tests.support.live import free_port
from tests.support.settings import MODERATOR_TOKEN, WEBHOOK_KEY, make_settings, model_files
from tests.support.workbench import comment_state

pytestmark = pytest.mark.e2e

ENTRYPOINT = PROJECT_ROOT / "docker" / "entrypoint.sh"


@pytest.fixture
def role_env(
    database_url: str,
    redis_url: str,
    tiny_model: tuple[Path, Path],
    tmp_path: Path,
    clean_state: None,
) -> dict[str, str]:
    """The environment a container would get, pointed at the test database and Redis."""
    checkpoint, config_dir = model_files(tiny_model)
    return {
        **os.environ,
        # The image's virtualenv is on PATH; here, the one running the tests.
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "MODERATION_DATABASE_URL": database_url,
        "MODERATION_REDIS_URL": redis_url,
        "MODERATION_MODEL_CHECKPOINT": str(checkpoint),
        "MODERATION_MODEL_CONFIG_DIR": str(config_dir),
        "MODERATION_MODERATOR_TOKENS": MODERATOR_TOKEN,
        "MODERATION_WEBHOOKS_SECRET_KEYS": WEBHOOK_KEY,
        "MODERATION_MODEL_THREADS": "1",
        "MODERATION_WORKER_HEARTBEAT_SECONDS": "1",
        "MODERATION_SERVER_HOST": "127.0.0.1",
        "MODERATION_SERVER_PORT": str(free_port()),
        "MODERATION_LOGGING_FORMAT": "json",
        "MODERATION_ROLE_FILE": str(tmp_path / "role"),
        "MODERATION_BAKED_MODEL_DIR": str(tmp_path / "no-baked-model"),
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
    }


@pytest.fixture
def run_role(tmp_path: Path) -> Iterator[Callable[..., subprocess.Popen[bytes]]]:
    """Start `docker/entrypoint.sh ROLE` in its own process group; killed at the end if alive."""
    started: list[subprocess.Popen[bytes]] = []

    def start(role: str, env: dict[str, str]) -> subprocess.Popen[bytes]:
        log = open(tmp_path / f"{role}.log", "ab")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen(
            [str(ENTRYPOINT), role],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def log_of(tmp_path: Path, role: str) -> str:
    path = tmp_path / f"{role}.log"
    return path.read_text(errors="replace")[-4000:] if path.exists() else ""


def wait_until(check: Callable[[], Any], what: str, timeout: float = 90.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            found = check()
        except (requests.ConnectionError, requests.Timeout):
            found = None
        if found:
            return found
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what}")


def stop(process: subprocess.Popen[bytes], timeout: float = 30.0) -> int:
    """SIGTERM, as `docker stop` sends to the container's process; its exit status."""
    process.send_signal(signal.SIGTERM)
    return process.wait(timeout=timeout)


def healthcheck(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """`docker/entrypoint.sh healthcheck`: what the image's HEALTHCHECK runs."""
    return subprocess.run(
        [str(ENTRYPOINT), "healthcheck"], env=env, capture_output=True, text=True, timeout=60
    )


def test_migrate_role_applies_migrations_and_exits(
    role_env: dict[str, str], run_role: Callable[..., subprocess.Popen[bytes]], tmp_path: Path
) -> None:
    process = run_role("migrate", role_env)
    assert process.wait(timeout=120) == 0, log_of(tmp_path, "migrate")
    assert "database at head" in log_of(tmp_path, "migrate")


def test_web_role_serves_and_stops_cleanly_on_sigterm(
    role_env: dict[str, str], run_role: Callable[..., subprocess.Popen[bytes]], tmp_path: Path
) -> None:
    env = {**role_env, "MODERATION_MIGRATE": "1"}
    web = run_role("web", env)
    base = f"http://127.0.0.1:{env['MODERATION_SERVER_PORT']}"

    def healthy() -> bool:
        assert web.poll() is None, log_of(tmp_path, "web")
        return requests.get(base + "/healthz", timeout=2).status_code == 200

    wait_until(healthy, "the web role to answer /healthz")
    assert (tmp_path / "role").read_text().strip() == "web"
    probe = healthcheck(env)
    assert probe.returncode == 0, probe.stdout + probe.stderr

    answer = requests.get(base + "/metrics", timeout=5)
    assert answer.status_code == 200
    names = {family.name for family in text_string_to_metric_families(answer.text)}
    assert {"moderation_http_requests", "moderation_queue_depth"} <= names

    missing = requests.get(
        base + "/v1/comments/999999", headers={"X-Request-ID": "web-test-1"}, timeout=5
    )
    assert missing.status_code == 404

    assert stop(web) == 0, log_of(tmp_path, "web")
    # JSON lines: one per request, with its request id; none after it carries that id.
    text = (tmp_path / "web.log").read_text(errors="replace")
    lines = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    tagged = [line for line in lines if line.get("request_id") == "web-test-1"]
    assert [(line["route"], line["status"]) for line in tagged] == [
        ("/v1/comments/<int:comment_id>", 404)
    ]


def test_worker_role_scores_and_stops_cleanly_on_sigterm(
    role_env: dict[str, str],
    run_role: Callable[..., subprocess.Popen[bytes]],
    tmp_path: Path,
    database_url: str,
    redis_url: str,
    tiny_model: tuple[Path, Path],
) -> None:
    from moderation.app import create_app

    worker = run_role("worker", role_env)
    registry = WorkerRegistry(Redis.from_url(redis_url))

    def registered() -> list[dict[str, Any]]:
        assert worker.poll() is None, log_of(tmp_path, "worker")
        return [entry for entry in registry.alive() if entry.get("model_loaded")]

    wait_until(registered, "the worker's heartbeat with its model loaded")
    probe = healthcheck(role_env)
    assert probe.returncode == 0, probe.stdout + probe.stderr

    client = create_app(
        make_settings(database_url, redis_url, model_files(tiny_model))
    ).test_client()
    posted = client.post(
        "/v1/articles/entrypoint/comments",
        json={"author": {"id": "r1", "name": "R"}, "text": "Thanks for the clear article."},
        headers={"X-Request-ID": "entrypoint-test-1"},
    )
    assert posted.status_code == 202, posted.json
    comment_id = posted.json["id"]
    decided = wait_until(
        lambda: comment_state(database_url, comment_id)["status"] != "pending",
        "the worker to decide the comment",
    )
    assert decided
    assert comment_state(database_url, comment_id)["status"] == "approved"

    assert stop(worker) == 0, log_of(tmp_path, "worker")
    assert not registry.alive(), "a stopped worker removes its heartbeat"
    assert "entrypoint-test-1" in log_of(tmp_path, "worker"), "the request id reaches the job"


def test_webhook_worker_role_is_healthy_and_stops_cleanly_on_sigterm(
    role_env: dict[str, str], run_role: Callable[..., subprocess.Popen[bytes]], tmp_path: Path
) -> None:
    worker = run_role("webhook-worker", role_env)

    def healthy() -> bool:
        assert worker.poll() is None, log_of(tmp_path, "webhook-worker")
        return healthcheck(role_env).returncode == 0

    wait_until(healthy, "the webhook worker to report itself")
    assert stop(worker) == 0, log_of(tmp_path, "webhook-worker")


def test_fetch_model_bakes_a_checkpoint_folder_that_loads_offline(
    role_env: dict[str, str], tiny_model: tuple[Path, Path], tmp_path: Path
) -> None:
    checkpoint, _ = tiny_model
    env = {
        key: value
        for key, value in role_env.items()
        if key not in {"MODERATION_MODEL_CHECKPOINT", "MODERATION_MODEL_CONFIG_DIR"}
    }
    done = subprocess.run(
        [
            str(PROJECT_ROOT / "docker" / "fetch-model.sh"),
            str(checkpoint.parent),
            str(tmp_path / "m"),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert (tmp_path / "m" / "model.ckpt").is_file()
    assert (tmp_path / "m" / "config" / "config.json").is_file()
    assert '"labels"' in done.stdout
