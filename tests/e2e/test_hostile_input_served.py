"""Oversized and malformed requests through a real gunicorn, over a raw socket: what the WSGI
server hands the app (chunked bodies, percent-encoded NUL) is answered as tests/integration's
test_hostile_input expects from the app alone."""

from __future__ import annotations

import json
import select
import socket
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

pytestmark = pytest.mark.e2e

TEN_MEGABYTES = 10 * 1024 * 1024


def chunked_upload(base_url: str, path: str, body_start: bytes, total: int) -> tuple[int, bytes]:
    """POST `total` bytes (`body_start`, then "x"s) in 64 KiB chunks; stop sending once the
    server answers. Returns the status code and the answer's body."""
    address = urlsplit(base_url)
    with socket.create_connection((address.hostname, address.port), timeout=30) as connection:
        connection.sendall(
            f"POST {path} HTTP/1.1\r\nHost: {address.netloc}\r\n"
            "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
            "Connection: close\r\n\r\n".encode()
        )
        sent = 0
        try:
            while sent < total:
                if select.select([connection], [], [], 0)[0]:
                    break  # the server has answered before the end of the upload
                chunk = (body_start if sent == 0 else b"") + b"x" * 65536
                connection.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                sent += len(chunk)
            else:
                connection.sendall(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # it answered and closed while we were still sending
        answer = b""
        try:
            while data := connection.recv(65536):
                answer += data
        except ConnectionResetError:
            pass  # the rest of our upload made it reset the connection after answering
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 "), answer[:200]
    return int(head.split()[1]), body


def test_a_chunked_10_megabyte_body_is_413(live_service: Any) -> None:
    status, body = chunked_upload(
        live_service.base_url, "/v1/articles/a-1/comments", b'{"text": "', TEN_MEGABYTES
    )
    assert status == 413, body[:300]
    assert "65536 bytes" in json.loads(body)["message"]


def test_a_small_chunked_body_is_read_whole(live_service: Any) -> None:
    comment = {"author": {"id": "r1", "name": "Reader"}, "text": "Sent in chunks."}

    def chunks() -> Any:
        encoded = json.dumps(comment).encode()
        yield encoded[:10]
        yield encoded[10:]

    # requests sends a generator body with Transfer-Encoding: chunked.
    answer = requests.post(
        f"{live_service.base_url}/v1/articles/a-1/comments",
        data=chunks(),
        headers={"Content-Type": "application/json"},
        timeout=10,
    )
    assert answer.status_code == 202, answer.text


def test_a_percent_encoded_nul_and_a_wrong_method_through_gunicorn(live_service: Any) -> None:
    answer = requests.get(
        f"{live_service.base_url}/v1/articles/a-1/comments?cursor=a%00b", timeout=10
    )
    assert answer.status_code == 422 and "query.cursor" in answer.json()["message"]
    answer = requests.put(f"{live_service.base_url}/v1/comments/1", timeout=10)
    assert answer.status_code == 405 and "GET" in answer.headers["Allow"]
