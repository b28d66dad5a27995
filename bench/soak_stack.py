"""The stack `make soak` runs and breaks: its own redis-server, `moderation serve`, scoring workers,
a webhook worker, the scheduler, and a webhook receiver, each of which it can stop and start.

A supervisor thread restarts any process that exits, as `restart: unless-stopped` does in
compose; an exit the soak did not cause is written down, to be reported.
"""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import psutil
from redis import Redis
from redis.exceptions import RedisError

from moderation.embedded_redis import redis_server_binary
from moderation.scoring.registry import WorkerRegistry
from tests.support.live import free_port
from tests.support.receiver import Receiver


class RedisServer:
    """A redis-server on a free TCP port with an append-only file, as compose runs it, so it can
    be stopped and started again on the same port and data."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 20.0) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [
                redis_server_binary(),
                *("--port", str(self.port), "--bind", "127.0.0.1"),
                *("--appendonly", "yes", "--save", "", "--dir", str(self.folder)),
                *("--maxmemory-policy", "noeviction"),
                *("--logfile", str(self.folder / "redis.log")),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + timeout
        while not self.answers():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"redis-server did not start; see {self.folder}/redis.log")
            time.sleep(0.05)

    def answers(self) -> bool:
        try:
            return bool(Redis.from_url(self.url, socket_timeout=1).ping())
        except (RedisError, OSError):
            return False

    def stop(self) -> None:
        """What `docker stop` does: SIGTERM (Redis writes its append-only file), then wait."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)


class WebhookReceiver:
    """A receiver on one port that can be taken down and brought back; every request kept."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/hooks"
        self.finished: list[Receiver] = []
        self.current: Receiver | None = None

    def start(self) -> None:
        self.current = Receiver(port=self.port)
        threading.Thread(target=self.current.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self.current is not None:
            self.current.server.shutdown()
            self.current.server.server_close()
            self.finished.append(self.current)
            self.current = None

    def event_ids(self) -> list[str]:
        """The `webhook-id` of every request received, repeats included."""
        receivers = [*self.finished, *([self.current] if self.current else [])]
        return [
            request.headers.get("webhook-id", "")
            for receiver in receivers
            for request in list(receiver.requests)
        ]


@dataclasses.dataclass
class Managed:
    name: str
    args: list[str]
    process: subprocess.Popen[bytes]
    expected_exit: bool = False


@dataclasses.dataclass(frozen=True)
class Exit:
    name: str
    at: float
    returncode: int | None


class Stack:
    """The service's processes, started with one environment, restarted when they exit."""

    def __init__(self, env: dict[str, str], logs: Path, clock: Callable[[], float]) -> None:
        self.env = {**os.environ, **env}
        self.logs = logs
        self.clock = clock
        self.managed: dict[str, Managed] = {}
        self.unexpected: list[Exit] = []
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.supervisor = threading.Thread(target=self._supervise, daemon=True)

    def spawn(self, name: str, *args: str) -> None:
        log = open(self.logs / f"{name}.log", "ab")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen(
            [sys.executable, "-m", "moderation.cli", *args],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        with self.lock:
            self.managed[name] = Managed(name, list(args), process)

    def start_supervising(self) -> None:
        self.supervisor.start()

    def _supervise(self) -> None:
        while not self.stopping.wait(0.5):
            with self.lock:
                ended = [m for m in self.managed.values() if m.process.poll() is not None]
            for managed in ended:
                if not managed.expected_exit:
                    self.unexpected.append(
                        Exit(managed.name, self.clock(), managed.process.returncode)
                    )
                time.sleep(1.0)  # a supervisor's restart delay
                if not self.stopping.is_set():
                    self.spawn(managed.name, *managed.args)

    def pid(self, name: str) -> int:
        with self.lock:
            return self.managed[name].process.pid

    def kill(self, name: str) -> None:
        """kill -9, as a crash or the OOM killer would; the supervisor starts it again."""
        with self.lock:
            managed = self.managed[name]
            managed.expected_exit = True
        os.killpg(managed.process.pid, signal.SIGKILL)

    def kill_web_process(self) -> int:
        """kill -9 one of gunicorn's worker processes (not the arbiter, which replaces it)."""
        children = psutil.Process(self.pid("web")).children()
        victim = children[0].pid
        os.kill(victim, signal.SIGKILL)
        return victim

    def web_processes(self) -> int:
        return len(psutil.Process(self.pid("web")).children())

    def worker_loaded(self, name: str, redis_url: str) -> bool:
        """Whether the scoring worker `name` has a fresh heartbeat with its model loaded."""
        pid = self.pid(name)
        try:
            alive = WorkerRegistry(Redis.from_url(redis_url, socket_timeout=2)).alive()
        except (RedisError, OSError):
            return False
        return any(entry.get("pid") == pid and entry.get("model_loaded") for entry in alive)

    def stop(self) -> None:
        """SIGTERM to every process, SIGKILL to any still running after 30 s."""
        self.stopping.set()
        if self.supervisor.is_alive():
            self.supervisor.join()
        with self.lock:
            processes = [m.process for m in self.managed.values()]
        for process in processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
