"""A real HTTP receiver on loopback for webhook tests: scripted answers, every request kept."""

from __future__ import annotations

import dataclasses
import http.server
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


@dataclasses.dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


class Receiver:
    """Answers each POST with the next scripted status (then `default`), recording it first.

    `hold` makes the handler wait (without answering) until `release` is set, to catch a
    delivery in flight. With `echo`, the answer's body is the request's (as some receivers do).
    """

    def __init__(
        self,
        script: list[int] | None = None,
        default: int = 200,
        port: int = 0,
        echo: bool = False,
    ) -> None:
        self.script = list(script or [])
        self.echo = echo
        self.default = default
        self.requests: list[Received] = []
        self.hold = threading.Event()
        self.release = threading.Event()
        self.arrived = threading.Event()
        self.lock = threading.Lock()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                with receiver.lock:
                    receiver.requests.append(
                        Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                    )
                    status = receiver.script.pop(0) if receiver.script else receiver.default
                receiver.arrived.set()
                if receiver.hold.is_set():
                    receiver.release.wait(30)
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                self.end_headers()
                if receiver.echo:
                    self.wfile.write(body)
                else:
                    self.wfile.write(b"ok" if status < 300 else b"nope")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks"

    def bodies(self) -> list[bytes]:
        with self.lock:
            return [request.body for request in self.requests]

    def wait_for(self, count: int, timeout: float = 20.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.requests) >= count:
                    return list(self.requests)
            time.sleep(0.05)
        raise AssertionError(f"receiver got {len(self.requests)} requests, wanted {count}")


@contextmanager
def running(receiver: Receiver) -> Iterator[Receiver]:
    thread = threading.Thread(target=receiver.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        receiver.release.set()
        receiver.server.shutdown()
        receiver.server.server_close()


class RefusedPort:
    """A loopback port that refuses connections and that no other process can take meanwhile:
    a socket bound to it but not listening (the kernel answers a connect with RST). A port that
    was merely free when chosen may be taken by any process a moment later (another test's
    server, a worker's metrics port), and a delivery to it then hangs instead of failing.
    `release()` frees it for the receiver that comes up later on the same port."""

    def __init__(self) -> None:
        self._socket: socket.socket | None = socket.socket()
        self._socket.bind(("127.0.0.1", 0))
        self.port = int(self._socket.getsockname()[1])

    def release(self) -> None:
        if self._socket is not None:
            self._socket.close()
            self._socket = None
