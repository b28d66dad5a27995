"""`moderation webhook-receiver`: a receiver on this machine that prints each event it gets.

For trying webhooks out (the README's tour) and for debugging a subscription: it answers 204,
prints the event's type, id and comment, and checks the Standard Webhooks signature when it is
given the endpoint's secret (the one `POST /v1/webhooks` returned). Not for production: a real
receiver verifies, deduplicates by `webhook-id` and answers fast.
"""

from __future__ import annotations

import hmac
import http.server
import json
import threading
import time
from collections.abc import Callable

from moderation.webhooks.signing import sign

# Older than this (or this far in the future), a signed timestamp is refused, as the
# specification recommends against replays.
TOLERANCE_SECONDS = 300


def signature_valid(secret: str, headers: dict[str, str], body: bytes) -> bool:
    """Whether one of the request's `v1,` signatures is ours for `secret`, and recent."""
    message_id = headers.get("webhook-id", "")
    stamp = headers.get("webhook-timestamp", "")
    if not stamp.isdigit() or abs(time.time() - int(stamp)) > TOLERANCE_SECONDS:
        return False
    expected = sign(secret, message_id, int(stamp), body)
    offered = headers.get("webhook-signature", "").split()
    return any(hmac.compare_digest(expected, value) for value in offered)


def describe(headers: dict[str, str], body: bytes, secret: str | None) -> str:
    """One line about a delivery: event type, id, comment, and whether the signature holds."""
    try:
        event = json.loads(body)
        comment = event.get("data", {}).get("comment", {})
        what = f"{event.get('type')} {event.get('id')} comment {comment.get('id')}"
        what += f" ({comment.get('status')})" if comment.get("status") else ""
    except (ValueError, AttributeError):
        what = f"unreadable body of {len(body)} bytes"
    if secret is None:
        return f"{what}  signature not checked (pass --secret)"
    verdict = "signature ok" if signature_valid(secret, headers, body) else "SIGNATURE INVALID"
    return f"{what}  {verdict}"


def serve(port: int, secret: str | None, emit: Callable[[str], None], count: int = 0) -> None:
    """Answer POSTs on 127.0.0.1:`port`, emitting one line per delivery, until interrupted or,
    with `count`, until that many deliveries came."""
    received = threading.Semaphore(0)

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0") or 0)
            body = self.rfile.read(min(length, 1_000_000))
            headers = {key.lower(): value for key, value in self.headers.items()}
            emit(describe(headers, body, secret))
            self.send_response(204)
            self.end_headers()
            received.release()

        def log_message(self, format: str, *args: object) -> None:
            """Quiet: `describe` says what matters."""

    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    emit(f"listening on http://127.0.0.1:{server.server_address[1]}/")
    if not count:
        try:
            server.serve_forever()
        finally:
            server.server_close()
        return
    threading.Thread(target=server.serve_forever, daemon=True).start()
    for _ in range(count):
        received.acquire()
    server.shutdown()
    server.server_close()
