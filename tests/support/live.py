"""Real processes for end-to-end and browser tests: gunicorn serving the app, an RQ worker."""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Collection, Iterator
from pathlib import Path
from typing import Any

import requests

from moderation.config import Settings
from tests.support.database import empty_state
from tests.support.settings import model_files, service_env


def _ephemeral_ports() -> tuple[int, int]:
    """The range the kernel picks outgoing connections' local ports from."""
    try:
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
        return int(low), int(high)
    except (OSError, ValueError):
        return 32768, 60999


def free_port(taken: Collection[int] = ()) -> int:
    """A port nothing listens on now, other than `taken` (ports already handed to a process
    that has not bound them yet).

    It lies below the kernel's ephemeral range: a port from that range (what binding port 0
    gives) can be taken by any outgoing connection (to PostgreSQL, to Redis) in the seconds
    before the service binds it, and the service's server then fails to start.
    """
    low, _ = _ephemeral_ports()
    first = max(1024, low - 12000)
    chooser = random.SystemRandom()
    while True:
        port = chooser.randrange(first, low)
        if port in taken:
            continue
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
        return port


class LiveService:
    """The API under gunicorn and one scoring worker, configured by environment variables."""

    def __init__(self, env: dict[str, str], log_dir: Path, workers: int = 1) -> None:
        # Not a port this service's environment already gives one of its processes (the
        # worker's metrics): gunicorn would take it first, and the worker's server would fail.
        self.port = free_port(
            {int(value) for key, value in env.items() if key.endswith("_PORT") and value.isdigit()}
        )
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            **env,
            "MODERATION_SERVER_HOST": "127.0.0.1",
            "MODERATION_SERVER_PORT": str(self.port),
            "HF_HUB_OFFLINE": "1",
            "TRANSFORMERS_OFFLINE": "1",
        }
        self.log_dir = log_dir
        self.worker_count = workers
        self.processes: dict[str, subprocess.Popen[bytes]] = {}

    def _spawn(self, name: str, *args: str) -> subprocess.Popen[bytes]:
        log = open(self.log_dir / f"{name}.log", "ab")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen(
            [sys.executable, "-m", "moderation.cli", *args],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.processes[name] = process
        return process

    def start(self, timeout: float = 90.0) -> LiveService:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self._spawn("web", "serve", "--workers", "2")
        for number in range(self.worker_count):
            self._spawn(f"worker{number}", "worker")
        self.wait_ready(timeout)
        return self

    def start_web(self, timeout: float = 60.0) -> LiveService:
        """gunicorn alone, no scoring worker: ready when /healthz answers (comments stay
        pending), for tests of the web tier."""
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self._spawn("web", "serve", "--workers", "2")
        self.wait_ready(timeout, "/healthz")
        return self

    def start_worker(self, name: str = "worker-extra") -> subprocess.Popen[bytes]:
        return self._spawn(name, "worker")

    def wait_ready(self, timeout: float, path: str = "/readyz") -> None:
        deadline = time.monotonic() + timeout
        last: Any = None
        while time.monotonic() < deadline:
            for name, process in self.processes.items():
                if process.poll() is not None:
                    raise RuntimeError(f"{name} exited: {self.log_tail(name)}")
            try:
                last = requests.get(self.base_url + path, timeout=2)
                if last.status_code == 200:
                    return
            except (requests.ConnectionError, requests.Timeout) as error:  # busy machine
                last = error
            time.sleep(0.25)
        raise RuntimeError(f"service not ready after {timeout}s: {getattr(last, 'text', last)}")

    def log_tail(self, name: str, lines: int = 40) -> str:
        path = self.log_dir / f"{name}.log"
        if not path.exists():
            return ""
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

    def stop(self, name: str | None = None, sig: int = signal.SIGTERM) -> None:
        names = [name] if name else list(self.processes)
        for key in names:
            process = self.processes[key]
            if process.poll() is None:
                os.killpg(process.pid, sig)
        for key in names:
            try:
                self.processes[key].wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.processes[key].pid, signal.SIGKILL)
                self.processes[key].wait()


def wait_for_status(base_url: str, comment_id: int, timeout: float = 60.0) -> dict[str, Any]:
    """Poll the public status until the comment is decided; return the last answer."""
    deadline = time.monotonic() + timeout
    body: dict[str, Any] = {}
    while time.monotonic() < deadline:
        body = requests.get(f"{base_url}/v1/comments/{comment_id}", timeout=5).json()
        if body.get("status") != "pending":
            return body
        time.sleep(0.1)
    raise AssertionError(f"comment {comment_id} still pending after {timeout}s: {body}")


def running_service(
    database_url: str, redis_url: str, tiny_model: tuple[Path, Path], logs: Path, **extra: str
) -> Iterator[LiveService]:
    """Empty state, then gunicorn and one worker (the shared model when present) until closed."""
    empty_state(database_url, redis_url)
    service = LiveService(
        service_env(database_url, redis_url, model_files(tiny_model), **extra), logs
    )
    try:
        yield service.start()
    finally:
        service.stop()


def run_cli(
    env: dict[str, str], *args: str, stdin: str | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """`moderation <args>` in its own process, configured by `env` as in production, its
    output captured as text."""
    return subprocess.run(
        [sys.executable, "-m", "moderation.cli", *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def cli_env(settings: Settings, **extra: str) -> dict[str, str]:
    """This process's environment with `settings`' database and Redis, and `extra`."""
    return {
        **os.environ,
        "MODERATION_DATABASE_URL": settings.database.url,
        "MODERATION_REDIS_URL": settings.redis.url,
        **extra,
    }


def run_model(
    env: dict[str, str], *args: str, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """`moderation model <args>` in its own process, its output captured."""
    return run_cli(env, "model", *args, timeout=timeout)
