"""What the rate limits cost intake: comments/s posted over HTTP with limits off and on, in one run.

Two `moderation serve` (gunicorn, two processes each, no scoring worker: intake alone) on the
same database and Redis, one with `limits.enabled = false`, one with limits on at rates no post
reaches, so every post is counted at each stage as in production (two windows per address,
two per author, one per site: five counts in Redis) and none is refused. Rounds alternate
between the two, so a machine that gets busier or quieter during the run weighs on both alike;
the medians are compared. Posts come from one address for 500 readers, as bench/run.py's do.

Runs against PostgreSQL/Redis when MODERATION_BENCH_DATABASE_URL / MODERATION_BENCH_REDIS_URL
are set (the database is emptied), else SQLite and an embedded redis-server.
Run: .venv/bin/python -m bench.bench_limits [--help]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

from moderation.webhooks.encryption import generate_key

# Rates as many as the defaults have (config/default.toml), far above what a run posts.
UNREACHED = {
    "MODERATION_LIMITS_COMMENTS_PER_ADDRESS": "100000000/minute;1000000000/hour",
    "MODERATION_LIMITS_COMMENTS_PER_AUTHOR": "100000000/minute;1000000000/hour",
    "MODERATION_LIMITS_COMMENTS_PER_SITE": "100000000/minute",
}


def texts(count: int) -> list[str]:
    from bench.run import load_texts

    try:
        found = load_texts(count)
    except (OSError, SystemExit):
        found = []
    return found or [f"Comment number {n}: a fair point, well made." for n in range(count)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=8, help="rounds per setting, alternating")
    parser.add_argument("--posts", type=int, default=400, help="comments posted per round")
    parser.add_argument("--concurrency", type=int, default=8, help="client threads")
    args = parser.parse_args()

    from redis import Redis

    from bench.run import post_all
    from moderation.embedded_redis import EmbeddedRedis
    from tests.support.database import fresh_schema
    from tests.support.live import LiveService

    folder = Path(tempfile.mkdtemp(prefix="moderation-bench-limits-"))
    database = os.environ.get("MODERATION_BENCH_DATABASE_URL") or f"sqlite:///{folder / 'b.db'}"
    redis_url = os.environ.get("MODERATION_BENCH_REDIS_URL")
    embedded = None
    if not redis_url:
        embedded = EmbeddedRedis(folder / "redis")
        redis_url = embedded.start()
    fresh_schema(database)
    Redis.from_url(redis_url).flushdb()
    common = {
        "MODERATION_DATABASE_URL": database,
        "MODERATION_REDIS_URL": redis_url,
        "MODERATION_WEBHOOKS_SECRET_KEYS": generate_key(),
    }
    services = {
        "off": LiveService({**common, "MODERATION_LIMITS_ENABLED": "false"}, folder / "off"),
        "on": LiveService(
            {**common, "MODERATION_LIMITS_ENABLED": "true", **UNREACHED}, folder / "on"
        ),
    }
    bodies = texts(args.posts)
    rates: dict[str, list[float]] = {name: [] for name in services}
    try:
        for service in services.values():
            service.start_web()
        for name, service in services.items():  # warm-up: imports, connections, first queries
            post_all(service.base_url, bodies[:50], args.concurrency, authors=f"warm-{name}")
        for number in range(args.rounds):
            order = ["off", "on"] if number % 2 == 0 else ["on", "off"]
            for name in order:
                started = time.perf_counter()
                post_all(services[name].base_url, bodies, args.concurrency, f"r{number}{name}")
                rates[name].append(len(bodies) / (time.perf_counter() - started))
    finally:
        for service in services.values():
            service.stop()
        if embedded:
            embedded.stop()
    off, on = statistics.median(rates["off"]), statistics.median(rates["on"])
    print(
        json.dumps(
            {
                "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores",
                "database": database.split(":", 1)[0],
                "rounds": args.rounds,
                "posts_per_round": args.posts,
                "concurrency": args.concurrency,
                "intake_per_s_limits_off": [round(rate, 1) for rate in rates["off"]],
                "intake_per_s_limits_on": [round(rate, 1) for rate in rates["on"]],
                "median_off": round(off, 1),
                "median_on": round(on, 1),
                "cost_percent": round(100 * (1 - on / off), 1),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
