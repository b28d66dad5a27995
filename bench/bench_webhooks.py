"""Webhook delivery cost: events to one healthy receiver on loopback, one delivery job.

    python -m bench.bench_webhooks [--events 300] [--database-url postgresql+psycopg://...]

Without --database-url it uses a fresh SQLite file; Redis is an embedded server. The receiver
runs in its own process, so the CPU figures are the delivering side's alone. Prints JSON:
client CPU and wall time per delivery, fan-out CPU per event, and what the after-commit hook
adds to a commit that writes an outbox event. The database is emptied and migrated first: never
point it at data you keep.
"""

from __future__ import annotations

import argparse
import http.server
import json
import multiprocessing
import tempfile
import time
from pathlib import Path
from typing import Any

from redis import Redis

from moderation.comments.models import Comment
from moderation.comments.transitions import add_event
from moderation.config import load_settings
from moderation.db.session import make_engine, make_session_factory
from moderation.embedded_redis import EmbeddedRedis
from moderation.secrets import generate_key
from moderation.webhooks import jobs as webhook_jobs
from moderation.webhooks.queue import WebhookQueue, notify_outbox_commits
from moderation.webhooks.subscriptions import NewEndpoint, WebhookService
from tests.support.database import fresh_schema
from tests.support.live import free_port


class _Answer204(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as most receivers do

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


def _receive(port: int) -> None:
    http.server.ThreadingHTTPServer(("127.0.0.1", port), _Answer204).serve_forever()


def _commit_ms(sessions: Any, comment_id: int, count: int) -> float:
    started = time.perf_counter()
    for _ in range(count):
        with sessions.begin() as session:
            add_event(session, "comment.approved", session.get(Comment, comment_id))
    return (time.perf_counter() - started) * 1000 / count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=300)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="bench-webhooks-"))
    url = args.database_url or f"sqlite:///{workdir / 'bench.db'}"
    fresh_schema(url)
    redis_server = EmbeddedRedis(workdir / "redis")
    redis_url = redis_server.start()
    port = free_port()
    receiver = multiprocessing.Process(target=_receive, args=(port,), daemon=True)
    receiver.start()
    try:
        settings = load_settings(
            environ={},
            overrides={
                "database": {"url": url},
                "redis": {"url": redis_url},
                "webhooks": {
                    "allow_private": True,
                    "job_seconds": 3600.0,
                    "secret_keys": [generate_key()],
                },
            },
        )
        sessions = make_session_factory(make_engine(url))
        redis = Redis.from_url(redis_url)
        endpoint = WebhookService(sessions, settings.webhooks).create(
            NewEndpoint(url=f"http://127.0.0.1:{port}/hook")
        )
        with sessions.begin() as session:
            comment = Comment(article_id="a", author_id="u", author_name="U", text="Hello.")
            session.add(comment)
        plain_ms = _commit_ms(sessions, comment.id, args.events // 2)
        notify_outbox_commits(sessions, WebhookQueue(redis, settings.webhooks.queue))
        hooked_ms = _commit_ms(sessions, comment.id, args.events - args.events // 2)
        webhook_jobs.install(webhook_jobs.WebhookRuntime.build(settings, sessions, redis))
        cpu, wall = time.process_time(), time.perf_counter()
        webhook_jobs.dispatch_outbox()
        fan_out_cpu = time.process_time() - cpu
        cpu, wall = time.process_time(), time.perf_counter()
        result = webhook_jobs.deliver_endpoint(endpoint.endpoint.id)
        delivery_cpu, delivery_wall = time.process_time() - cpu, time.perf_counter() - wall
    finally:
        receiver.terminate()
        redis_server.stop()
    delivered = result["outcomes"].get("delivered", 0)
    print(
        json.dumps(
            {
                "database": url.split(":", 1)[0],
                "events": args.events,
                "delivered": delivered,
                "delivery_cpu_ms": round(delivery_cpu * 1000 / max(delivered, 1), 2),
                "delivery_wall_ms": round(delivery_wall * 1000 / max(delivered, 1), 2),
                "deliveries_per_second": round(delivered / delivery_wall, 1),
                "fan_out_cpu_ms_per_event": round(fan_out_cpu * 1000 / args.events, 3),
                "commit_ms_without_hook": round(plain_ms, 2),
                "commit_ms_with_hook": round(hooked_ms, 2),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
