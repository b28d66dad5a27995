"""`moderation dev` (what `make run` starts) on a bare machine: SQLite, its own redis-server.

Ctrl-C in a terminal sends SIGINT to the whole foreground process group; SIGTERM comes from a
supervisor. Either way the command stops web, then the worker, then Redis, one line each, with
no tracebacks and nothing left running."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import psutil
import pytest
import requests

from tests.support.live import free_port
from tests.support.settings import ADMIN_TOKEN, MODERATOR_TOKEN

pytestmark = pytest.mark.e2e


def _start(tmp_path: Path, tiny_model: tuple[Path, Path]) -> tuple[subprocess.Popen[str], str]:
    port = free_port()
    env = {
        **os.environ,
        "MODERATION_DATABASE_URL": f"sqlite:///{tmp_path / 'dev.db'}",
        "MODERATION_REDIS_URL": "embedded",
        "MODERATION_SERVER_PORT": str(port),
        "MODERATION_MODEL_CHECKPOINT": str(tiny_model[0]),
        "MODERATION_MODEL_CONFIG_DIR": str(tiny_model[1]),
        "MODERATION_MODEL_THREADS": "1",
        "MODERATION_MODERATOR_TOKENS": MODERATOR_TOKEN,
        "MODERATION_ADMIN_TOKENS": ADMIN_TOKEN,
        "MODERATION_API_KEYS": "dev:dev-perspective-key-0123456789",
        "HF_HUB_OFFLINE": "1",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "moderation.cli", "dev", "--state-dir", str(tmp_path / "var")],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # a process group of its own, as a terminal's foreground job
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()[0]
        try:
            if requests.get(f"{base}/readyz", timeout=5).status_code == 200:
                return process, base
        except requests.RequestException:  # not listening yet, or slow on a loaded machine
            pass
        time.sleep(0.5)
    _kill_tree(process)
    raise AssertionError(f"moderation dev was not ready: {process.communicate()[0]}")


def _kill_tree(process: subprocess.Popen[str]) -> None:
    """Kill `moderation dev` and its children, which run in sessions of their own."""
    try:
        children = psutil.Process(process.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        children = []
    for running in [*children, psutil.Process(process.pid)]:
        with contextlib.suppress(psutil.NoSuchProcess):
            running.kill()


def _stop(process: subprocess.Popen[str], how: Any) -> tuple[str, list[int]]:
    tree = [child.pid for child in psutil.Process(process.pid).children(recursive=True)]
    how(process)
    try:
        output, _ = process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        _kill_tree(process)
        raise
    assert process.returncode == 0, output
    return output, tree


@pytest.mark.parametrize(
    "how",
    [
        pytest.param(lambda process: os.killpg(process.pid, signal.SIGINT), id="ctrl-c"),
        pytest.param(lambda process: process.send_signal(signal.SIGTERM), id="sigterm"),
    ],
)
def test_dev_stops_web_then_worker_then_redis(
    tmp_path: Path, tiny_model: tuple[Path, Path], how: Any
) -> None:
    process, base = _start(tmp_path, tiny_model)
    first = requests.get(f"{base}/readyz", timeout=5).json()
    assert first["ready"]
    output, tree = _stop(process, how)
    lines = [line.strip() for line in output.splitlines() if line.strip().startswith("stopped")]
    assert lines == ["stopped web (exit 0)", "stopped worker (exit 0)", "stopped redis"], output
    assert "Traceback" not in output
    assert tree, "dev started no processes"
    left = [
        pid for pid in tree if psutil.pid_exists(pid) and psutil.Process(pid).status() != "zombie"
    ]
    assert left == []
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{base}/healthz", timeout=2)


def test_dev_prints_where_things_are_and_the_dev_credentials(
    tmp_path: Path, tiny_model: tuple[Path, Path]
) -> None:
    process, base = _start(tmp_path, tiny_model)
    output, _ = _stop(process, lambda running: running.send_signal(signal.SIGTERM))
    for path in ("/v1", "/docs", "/demo", "/review", "/readyz"):
        assert f"{base}{path}" in output
    assert MODERATOR_TOKEN.split(":", 1)[1] in output
    assert ADMIN_TOKEN.split(":", 1)[1] in output
    assert "dev-perspective-key-0123456789" in output
