"""The web tier's side of a reverse proxy: the client's address behind one, and what a buffering
proxy does for slow clients when `moderation serve` has none in front.

- `server.proxy_hops`: how many proxies in front may be believed about the client's address and
  scheme (`X-Forwarded-For`, `X-Forwarded-Proto`), through werkzeug's `ProxyFix`. 0 trusts none.
- `server.body_timeout_seconds`: a request body must arrive in full within this time, before the
  handler runs, or the client gets 408. gunicorn's threaded workers hand a connection to a thread
  once its headers are in, and the body is read by the app: a client that sends its body a byte a
  second would hold that thread for as long as it likes, and enough of them would leave none for
  anyone else. Each body is read up front here (werkzeug caches it for the handler) while one
  watchdog thread per process stands by to cut the reading side of the socket at the deadline.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import socket
import threading
import time

from flask import Flask, request
from werkzeug.exceptions import ClientDisconnected, RequestTimeout
from werkzeug.middleware.proxy_fix import ProxyFix

from moderation.config import ServerSettings


class SocketDeadlines:
    """Cuts the reading side of a socket whose deadline passed, so a `recv` blocked on it ends.

    Written here because no WSGI server or library bounds the whole time a body takes (nginx's
    `client_body_timeout` and socket timeouts bound the gap between two reads, which a client
    sending a byte a second never exceeds). One daemon thread per process, started on first use,
    never at import (gunicorn forks its workers after loading this module).
    """

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._due: list[tuple[float, int, socket.socket]] = []
        self._watched: set[int] = set()
        self._cut: set[int] = set()
        self._tokens = itertools.count()
        self._thread: threading.Thread | None = None

    def watch(self, sock: socket.socket, seconds: float) -> int:
        """Cut `sock`'s reading side in `seconds` unless `release` comes first; a token."""
        with self._condition:
            token = next(self._tokens)
            heapq.heappush(self._due, (time.monotonic() + seconds, token, sock))
            self._watched.add(token)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="body-deadlines", daemon=True
                )
                self._thread.start()
            self._condition.notify()
        return token

    def release(self, token: int) -> bool:
        """Stop watching; whether the deadline had passed and the socket was cut."""
        with self._condition:
            self._watched.discard(token)
            if token in self._cut:
                self._cut.discard(token)
                return True
            return False

    def _run(self) -> None:
        with self._condition:
            while True:
                now = time.monotonic()
                while self._due and self._due[0][0] <= now:
                    _, token, sock = heapq.heappop(self._due)
                    if token in self._watched:
                        self._watched.discard(token)
                        self._cut.add(token)
                        with contextlib.suppress(OSError):  # the client is gone already
                            sock.shutdown(socket.SHUT_RD)
                wait = self._due[0][0] - now if self._due else None
                self._condition.wait(wait)


def init_app(app: Flask, server: ServerSettings) -> None:
    """Trust `proxy_hops` proxies' forwarded headers; read bodies within the deadline."""
    if server.proxy_hops:
        hops = server.proxy_hops
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    if server.body_timeout_seconds <= 0:
        return
    deadlines = SocketDeadlines()
    seconds = server.body_timeout_seconds

    def read_body_within_deadline() -> None:
        # Only under gunicorn: other servers (the test client) have no socket to hold.
        sock = request.environ.get("gunicorn.socket")
        chunked = "chunked" in request.headers.get("Transfer-Encoding", "").lower()
        if sock is None or not (request.content_length or chunked):
            return
        token = deadlines.watch(sock, seconds)
        try:
            try:
                body = request.get_data(cache=True, parse_form_data=False)
            except ClientDisconnected:
                body = None
            # gunicorn says its input ends where the body does (`wsgi.input_terminated`), so
            # werkzeug takes a body cut short for a whole one: compare with Content-Length.
            whole = body is not None and len(body) >= (request.content_length or 0)
        finally:
            cut = deadlines.release(token)
        if cut and not whole:
            raise RequestTimeout(
                f"the request body did not arrive within {seconds:g} s "
                "(server.body_timeout_seconds)"
            )
        if not whole:
            raise ClientDisconnected()

    app.before_request(read_body_within_deadline)
