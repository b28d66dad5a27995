"""One delivery attempt over real HTTP on loopback: timeouts, redirects, capped answers."""

from __future__ import annotations

import http.server
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from moderation.webhooks.delivery import Sender
from tests.support.receiver import Receiver, running


class _Answers(http.server.BaseHTTPRequestHandler):
    """GET-free test server: /redirect answers 302, /big a 1 MB body, /slow-body drips."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if self.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", "http://169.254.169.254/latest/meta-data/")
            self.end_headers()
        elif self.path == "/big":
            self.send_response(200)
            self.send_header("Content-Length", str(1 << 20))
            self.end_headers()
            self.wfile.write(b"x" * (1 << 20))
        elif self.path == "/slow-body":
            self.send_response(200)
            self.send_header("Content-Length", "100")
            self.end_headers()
            self.wfile.write(b"a")
            self.wfile.flush()
            time.sleep(3)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Answers)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    httpd.server_close()


def sender(timeout: float = 2.0) -> Sender:
    return Sender(timeout=timeout, max_response_bytes=64, allow_private=True)


def test_a_redirect_is_a_failed_attempt_and_is_not_followed(server: str) -> None:
    with sender() as send:
        result = send.post(server + "/redirect", b"{}", {})
    assert not result.ok and result.status_code == 302
    assert result.error == "redirect to http://169.254.169.254/latest/meta-data/ not followed"


def test_only_the_first_bytes_of_an_answer_are_read(server: str) -> None:
    with sender() as send:
        result = send.post(server + "/big", b"{}", {})
    assert result.ok and result.response_body == "x" * 64


def test_a_receiver_that_does_not_answer_in_time_is_a_timeout() -> None:
    receiver = Receiver()
    receiver.hold.set()
    with running(receiver), sender(timeout=0.5) as send:
        started = time.monotonic()
        result = send.post(receiver.url, b"{}", {})
    assert not result.ok and result.status_code is None
    assert result.error is not None and result.error.startswith("timeout after 0.5s")
    assert time.monotonic() - started < 2


def test_a_body_that_stalls_is_cut_off_but_the_2xx_status_counts(server: str) -> None:
    with sender(timeout=0.5) as send:
        started = time.monotonic()
        result = send.post(server + "/slow-body", b"{}", {})
    assert time.monotonic() - started < 2
    assert result.ok and result.status_code == 200
    assert result.response_body is not None and "unreadable" in result.response_body


def test_a_refused_connection_is_a_failed_attempt() -> None:
    from tests.support.live import free_port

    with sender() as send:
        result = send.post(f"http://127.0.0.1:{free_port()}/", b"{}", {})
    assert not result.ok and result.status_code is None and result.error
