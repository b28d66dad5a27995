"""Slow clients cannot starve `moderation serve` (gunicorn with its default workers and threads).

Forty connections send their headers and then their body a byte a second. Meanwhile /healthz is
probed 25 times and must answer 200 within a second each time, and a reader's comment posted at
the same time is accepted. At `server.body_timeout_seconds` every slow connection gets a 408 in
the service's error shape (Google's on the Perspective path) and the server stops reading it.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.support.database import empty_state
from tests.support.live import LiveService
from tests.support.settings import model_files, service_env

pytestmark = pytest.mark.e2e

SLOW_CLIENTS = 40
PROBES = 25
BODY_SECONDS = 10.0  # the default of server.body_timeout_seconds, stated for the test's timing


class SlowClient:
    """One connection that announces a body of `length` bytes and sends it a byte at a time."""

    def __init__(self, port: int, path: str, length: int = 2000) -> None:
        self.path = path
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        head = (
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {length}\r\n\r\n"
        )
        self.sock.sendall(head.encode() + b" ")
        self.opened = time.monotonic()
        self.answered_at: float | None = None
        self.answer = b""

    def dribble(self) -> None:
        """One more byte of the body, while the server still reads."""
        # Once the server has closed the connection, its answer waits to be read.
        with contextlib.suppress(OSError):
            self.sock.send(b" ")

    def ready(self) -> bool:
        """Whether the server has begun to answer (without blocking)."""
        self.sock.setblocking(False)
        try:
            self.sock.recv(1, socket.MSG_PEEK)  # a byte of the answer, or b"" once closed
        except BlockingIOError:
            return False
        except OSError:
            pass
        finally:
            self.sock.setblocking(True)
        return True

    def read_answer(self) -> tuple[int, dict[str, object]]:
        """The status and JSON body of the server's answer (read until it closes)."""
        self.sock.settimeout(BODY_SECONDS + 20)
        chunks = []
        while chunk := self.sock.recv(65536):
            chunks.append(chunk)
        self.sock.close()
        raw = b"".join(chunks)
        head, _, body = raw.partition(b"\r\n\r\n")
        return int(head.split()[1]), json.loads(body)


@pytest.fixture(scope="module")
def server(
    database_url: str,
    redis_url: str,
    tiny_model: tuple[Path, Path],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[LiveService]:
    """`moderation serve` alone, with no --workers: the defaults are what is tested."""
    empty_state(database_url, redis_url)
    live = LiveService(
        service_env(database_url, redis_url, model_files(tiny_model)),
        tmp_path_factory.mktemp("slow-clients"),
    )
    live.log_dir.mkdir(parents=True, exist_ok=True)
    web = live._spawn("web", "serve")
    deadline = time.monotonic() + 60
    while True:
        assert web.poll() is None, live.log_tail("web")
        try:
            if requests.get(live.base_url + "/healthz", timeout=2).status_code == 200:
                break
        except requests.RequestException:
            pass
        assert time.monotonic() < deadline, "serve did not answer /healthz within 60 s"
        time.sleep(0.2)
    try:
        yield live
    finally:
        live.stop()


def probe(base_url: str) -> float:
    """Seconds /healthz took to answer 200 (inf when it did not within 2 s)."""
    started = time.monotonic()
    try:
        answer = requests.get(base_url + "/healthz", timeout=2)
    except requests.RequestException:
        return float("inf")
    assert answer.status_code == 200, answer.text
    return time.monotonic() - started


def test_health_answers_within_a_second_while_forty_clients_dribble_their_bodies(
    server: LiveService,
) -> None:
    paths = ["/v1/articles/slow/comments"] * (SLOW_CLIENTS - 1) + ["/v1alpha1/comments:analyze"]
    clients = [SlowClient(server.port, path) for path in paths]
    stop = threading.Event()

    def dribble() -> None:
        while not stop.wait(1.0):
            for client in clients:
                client.dribble()

    dribbler = threading.Thread(target=dribble, daemon=True)
    dribbler.start()
    try:
        time.sleep(1.0)  # the server has taken every slow connection in by now
        timings = []
        for _ in range(PROBES):
            timings.append(probe(server.base_url))
            time.sleep(0.1)
        try:
            comment = requests.post(
                server.base_url + "/v1/articles/slow/comments",
                json={"author": {"id": "reader-1", "name": "A Reader"}, "text": "Fair point."},
                timeout=5,
            )
            accepted = (comment.status_code, comment.text)
        except requests.RequestException as error:
            accepted = (0, str(error))
        # The probes ran while every slow connection was still being read.
        still_reading = [client for client in clients if not client.ready()]
        elapsed = time.monotonic() - clients[0].opened
    finally:
        stop.set()
    slow = [f"probe {n}: {seconds:.2f} s" for n, seconds in enumerate(timings) if seconds >= 1.0]
    assert not slow, slow
    assert accepted[0] == 202, accepted
    assert len(still_reading) == SLOW_CLIENTS, f"{len(still_reading)} after {elapsed:.1f} s"

    for client in clients:
        status, body = client.read_answer()
        waited = time.monotonic() - client.opened
        assert waited >= BODY_SECONDS - 0.5, f"{client.path} answered after {waited:.1f} s"
        if client.path.startswith("/v1alpha1"):
            error = body["error"]
            assert isinstance(error, dict)
            assert status == error["code"] == 400
            assert "server.body_timeout_seconds" in str(error["message"])
        else:
            assert status == body["code"] == 408, body
            assert body["message"] == (
                "the request body did not arrive within 10 s (server.body_timeout_seconds)"
            )
