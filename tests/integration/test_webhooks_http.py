"""One delivery attempt over real HTTP on loopback: timeouts, redirects, capped answers."""

from __future__ import annotations

import http.server
import shutil
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from moderation.webhooks.sender import Sender
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


@pytest.fixture
def tls_receiver(tmp_path: Path) -> Iterator[tuple[Receiver, Path]]:
    """A receiver on https://localhost with a self-signed certificate made for this test."""
    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl command to make a certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    command = "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost"
    names = "subjectAltName=DNS:localhost"
    subprocess.run(
        [*command.split(), "-addext", names, "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )
    receiver = Receiver()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    receiver.server.socket = context.wrap_socket(receiver.server.socket, server_side=True)
    with running(receiver):
        yield receiver, cert


def test_https_checks_the_certificate_against_the_host_name_not_the_dialled_address(
    tls_receiver: tuple[Receiver, Path],
) -> None:
    receiver, cert = tls_receiver
    url = receiver.url.replace("http://127.0.0.1", "https://localhost")
    with sender() as send:
        untrusted = send.post(url, b"{}", {})
        send.session.verify = str(cert)
        trusted = send.post(url, b"{}", {})
    assert not untrusted.ok and untrusted.error and "certificate verify failed" in untrusted.error
    assert trusted.ok, trusted.error
    assert receiver.requests[-1].headers["host"] == url.split("/")[2]


def test_the_host_header_names_the_host_not_the_checked_address() -> None:
    with running(Receiver()) as receiver, sender() as send:
        url = receiver.url.replace("127.0.0.1", "localhost")
        assert send.post(url, b"{}", {}).ok
    assert receiver.requests[0].headers["host"] == url.split("/")[2]
