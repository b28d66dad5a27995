"""The moderators' workbench at size: queue pages over many comments, and one bulk job.

    python -m bench.bench_review [--comments 100000] [--bulk 10000] [--database-url ...]

Without --database-url it uses a fresh SQLite file; Redis is an embedded server (queue pages do
not touch it). Seeds the comments straight into the database (80% approved, 12% held, 6%
rejected, 2% reported, over 500 articles), then prints JSON: the median and slowest of 15
requests for each kind of queue page, and the wall time of a bulk approval of `--bulk` held
comments run in this process. The database is emptied and migrated first: never point it at
data you keep.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import insert, text

from moderation.comments.models import Comment
from moderation.comments.priority import queue_columns
from moderation.config import load_settings
from moderation.db.session import make_engine, make_session_factory
from moderation.embedded_redis import EmbeddedRedis
from moderation.review.bulk import BulkRequest, BulkService
from moderation.review.queues import QueueFilter
from moderation.secrets import generate_key
from tests.support.database import fresh_schema

TOKEN = "bench:bench-moderator-token-0123"
PAGES = (
    "?queue=held",
    "?queue=held&sort=oldest",
    "?queue=held&article_id=a7",
    "?queue=held&rule_id=links",
    "?queue=held&label=toxicity&min_score=0.9",
    "?queue=approved",
    "?queue=all&sort=newest",
)
STATUSES = ["approved"] * 80 + ["held"] * 12 + ["rejected"] * 6 + ["reported"] * 2


class _NoQueue:
    def enqueue_bulk(self, operation_id: int) -> bool:
        return True  # the bench runs the job itself


def _row(status: str, article: str, now: dt.datetime, rng: random.Random) -> dict[str, Any]:
    score = rng.random()
    rules = [{"kind": "rule", "id": "links", "action": "hold", "spans": []}]
    reasons = (rules if rng.random() < 0.2 else []) + [
        {"kind": "model", "id": "toxicity", "score": score, "action": "hold"}
    ]
    verdict = {"decision": "hold", "reasons": reasons, "scores": {"toxicity": score}}
    created = now - dt.timedelta(minutes=rng.randint(0, 60 * 24 * 14))
    return {
        "article_id": article,
        "author_id": f"u{rng.randint(1, 5000)}",
        "author_name": "Reader",
        "text": "A comment of ordinary length about the article. " * 3,
        "status": status,
        "version": 2,
        "verdict": verdict,
        "created_at": created,
        "updated_at": created,
        "report_weight": 0.0,
        "hidden": False,
        **queue_columns(verdict, created),
    }


def seed(url: str, comments: int, bulk: int) -> None:
    engine = make_engine(url)
    rng = random.Random(7)
    now = dt.datetime.now(dt.UTC)
    with engine.begin() as connection:
        for start in range(0, comments, 10_000):
            rows = [
                _row(rng.choice(STATUSES), f"a{rng.randint(1, 500)}", now, rng)
                for _ in range(min(10_000, comments - start))
            ]
            connection.execute(insert(Comment), rows)
        connection.execute(
            insert(Comment), [_row("held", "bulk-story", now, rng) for _ in range(bulk)]
        )
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE comments"))
    engine.dispose()


def time_pages(url: str, redis_url: str) -> dict[str, dict[str, float]]:
    from moderation.app import create_app

    settings = load_settings(
        environ={},
        overrides={
            "database": {"url": url},
            "redis": {"url": redis_url},
            "auth": {"moderator_tokens": [TOKEN]},
            "webhooks": {"secret_keys": [generate_key()]},
        },
    )
    client = create_app(settings).test_client()
    headers = {"Authorization": "Bearer " + TOKEN.split(":", 1)[1]}
    found: dict[str, dict[str, float]] = {}
    for query in PAGES:
        times, cursor = [], None
        for _ in range(15):
            started = time.perf_counter()
            page = f"/v1/review/queue{query}&limit=50" + (f"&cursor={cursor}" if cursor else "")
            answer = client.get(page, headers=headers)
            times.append((time.perf_counter() - started) * 1000)
            assert answer.status_code == 200, answer.json
            cursor = answer.json["next_cursor"]
        found[query] = {
            "median_ms": round(statistics.median(times), 1),
            "max_ms": round(max(times), 1),
        }
    return found


def time_bulk(url: str) -> dict[str, Any]:
    service = BulkService(make_session_factory(make_engine(url)), _NoQueue())
    operation = service.start(
        BulkRequest(
            moderator="bench",
            action="approve",
            queue="held",
            where=QueueFilter(article_id="bulk-story"),
        )
    )
    started = time.perf_counter()
    result = service.run(operation.id)
    seconds = time.perf_counter() - started
    changed = len(result["changed_ids"])
    return {
        "changed": changed,
        "seconds": round(seconds, 2),
        "per_second": round(changed / seconds),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", type=int, default=100_000)
    parser.add_argument("--bulk", type=int, default=10_000)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        url = args.database_url or f"sqlite:///{Path(scratch) / 'bench.db'}"
        fresh_schema(url)
        started = time.perf_counter()
        seed(url, args.comments, args.bulk)
        seeded = round(time.perf_counter() - started, 1)
        redis = EmbeddedRedis(Path(scratch) / "redis")
        try:
            pages = time_pages(url, redis.start())
        finally:
            redis.stop()
        report = {
            "database": make_engine(url).dialect.name,
            "comments": args.comments + args.bulk,
            "seed_seconds": seeded,
            "queue_pages": pages,
            "bulk_approve": time_bulk(url),
        }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
