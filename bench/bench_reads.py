"""Reads at newsroom scale: the published thread (uncached, cached in Redis, 304) against the
status lookup, through `moderation serve`, in one run on one machine.

    make bench-reads [BENCH_ARGS="--database-url postgresql+psycopg://... --seconds 8"]

Seeds two articles with 300 and 5,000 published top-level comments, starts the service twice
(the Redis page cache off, then on: `reads.cache_seconds`) and drives it from `--clients`
processes for `--seconds` each: `GET /v1/articles/<id>/comments?limit=50` (a 200 each time, or
with the page's ETag in If-None-Match: a 304) and `GET /v1/comments/<id>`. Prints one JSON line
per measurement, then `thread reads/s: X cached, Y uncached; status reads/s: Z` (for the
300-comment article).
Without --database-url it uses a fresh SQLite file; the database is emptied and migrated first:
never point it at data you keep. Redis is a private embedded redis-server.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests
from cryptography.fernet import Fernet
from sqlalchemy import insert, select, text, update

from bench.bench_public_list import _row
from moderation.comments.models import Comment
from moderation.db.session import make_engine
from moderation.embedded_redis import EmbeddedRedis
from tests.support.database import fresh_schema

ARTICLES = {300: "story-300", 5000: "story-5000"}


def prepare(url: str) -> dict[int, int]:
    """Empty, migrate and seed the database; a comment id per article for the status reads."""
    fresh_schema(url)
    ids = {}
    now = dt.datetime.now(dt.UTC)
    engine = make_engine(url)
    with engine.begin() as connection:
        for count, article in ARTICLES.items():
            connection.execute(insert(Comment), [_row(article, n, now) for n in range(count)])
            ids[count] = int(
                connection.scalar(select(Comment.id).where(Comment.article_id == article)) or 0
            )
        connection.execute(update(Comment).values(root_id=Comment.id))
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE comments"))
    engine.dispose()
    return ids


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serving(url: str, redis_url: str, cache_seconds: float, logs: Path) -> Iterator[str]:
    port = free_port()
    env = {
        **os.environ,
        "MODERATION_DATABASE_URL": url,
        "MODERATION_REDIS_URL": redis_url,
        "MODERATION_SERVER_HOST": "127.0.0.1",
        "MODERATION_SERVER_PORT": str(port),
        "MODERATION_LIMITS_ENABLED": "false",
        "MODERATION_READS_CACHE_SECONDS": str(cache_seconds),
        "MODERATION_LOGGING_LEVEL": "WARNING",
        "MODERATION_WEBHOOKS_SECRET_KEYS": Fernet.generate_key().decode(),
    }
    log = (logs / f"serve-{cache_seconds}.log").open("ab")
    process = subprocess.Popen(
        [sys.executable, "-m", "moderation.cli", "serve"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"moderation serve exited; see {log.name}")
            try:
                if requests.get(base + "/healthz", timeout=2).status_code == 200:
                    break
            except requests.RequestException:  # still starting
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def _client(job: tuple[str, dict[str, str], float, int]) -> list[float]:
    url, headers, seconds, expected = job
    session = requests.Session()
    latencies = []
    end = time.perf_counter() + seconds
    while True:
        started = time.perf_counter()
        if started >= end:
            return latencies
        answer = session.get(url, headers=headers, timeout=10)
        if answer.status_code != expected:
            raise RuntimeError(f"{url}: {answer.status_code}, wanted {expected}")
        latencies.append(time.perf_counter() - started)


def load(
    pool: Any, name: str, url: str, clients: int, seconds: float, **options: Any
) -> dict[str, Any]:
    headers = options.get("headers", {})
    expected = options.get("expected", 200)
    requests.get(url, headers=headers, timeout=10)  # warm: the first render, connections
    results = pool.map(_client, [(url, headers, seconds, expected)] * clients)
    latencies = sorted(value for result in results for value in result)
    report = {
        "measure": name,
        "requests_per_second": round(len(latencies) / seconds, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 2),
        "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 2),
    }
    print(json.dumps(report), flush=True)
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="")
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        url = args.database_url or f"sqlite:///{folder / 'bench.db'}"
        ids = prepare(url)
        redis = EmbeddedRedis(folder / "redis")
        redis_url = redis.start()
        rates: dict[str, float] = {}
        try:
            with multiprocessing.Pool(args.clients) as pool:
                for cache_seconds in (0.0, 5.0):
                    cached = cache_seconds > 0
                    with serving(url, redis_url, cache_seconds, folder) as base:
                        for count, article in ARTICLES.items():
                            thread = f"{base}/v1/articles/{article}/comments?limit=50"
                            kind = "cached" if cached else "uncached"
                            name = f"thread {kind} ({count} comments)"
                            report = load(pool, name, thread, args.clients, args.seconds)
                            rates[f"{kind}-{count}"] = report["requests_per_second"]
                            if cached:
                                etag = requests.get(thread, timeout=10).headers["ETag"]
                                load(
                                    pool,
                                    f"thread 304 ({count} comments)",
                                    thread,
                                    args.clients,
                                    args.seconds,
                                    headers={"If-None-Match": etag},
                                    expected=304,
                                )
                        if cached:
                            status = f"{base}/v1/comments/{ids[300]}"
                            report = load(pool, "status", status, args.clients, args.seconds)
                            rates["status"] = report["requests_per_second"]
        finally:
            redis.stop()
    print(
        f"thread reads/s: {rates['cached-300']:.0f} cached, {rates['uncached-300']:.0f} "
        f"uncached; status reads/s: {rates['status']:.0f}"
    )


if __name__ == "__main__":
    main()
