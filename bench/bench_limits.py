"""What the rate limits cost intake: comments/s and CPU per comment, limits off and on, one run.

Two `moderation serve` (gunicorn, two processes each, no scoring worker: intake alone) on the
same database and a redis-server of the benchmark's own; one with `limits.enabled = false`, one
with limits on at rates no post reaches, so every post is counted at each stage as in production
(two windows per address, two per author, one per site: five counts) and none is refused. Posts
come from one address for 500 readers, as bench/run.py's do. Rounds alternate between the two,
so a machine that gets busier or quieter during the run weighs on both alike.

Two measures of the cost: intake requests/s (the medians, and the median of each round's on/off
ratio, which cancels slow drifts), and the CPU the service spent per comment (gunicorn's
processes, the redis-server, and the PostgreSQL backends of the benchmark's database, read with
psutil), which other work on a shared machine barely moves: on a machine the service has to
itself, throughput follows CPU per comment.

PostgreSQL when MODERATION_BENCH_DATABASE_URL is set (that database is emptied), else SQLite.
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
from typing import Any

import psutil

from moderation.secrets import generate_key

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


def cpu_seconds(pids: list[int]) -> dict[int, float]:
    """User + system CPU seconds of each process still alive."""
    found = {}
    for pid in pids:
        try:
            times = psutil.Process(pid).cpu_times()
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        found[pid] = times.user + times.system
    return found


class ServiceCpu:
    """The processes that serve intake: gunicorn (master and workers), the redis-server and the
    PostgreSQL backends connected to the benchmark's database."""

    def __init__(self, web_pid: int, redis_pid: int | None, database: str) -> None:
        self.web_pid = web_pid
        self.redis_pid = redis_pid
        self.database = database

    def _backends(self) -> list[int]:
        if not self.database.startswith("postgresql"):
            return []  # SQLite works inside gunicorn's processes
        from sqlalchemy import text

        from moderation.db.session import make_engine

        engine = make_engine(self.database)
        try:
            with engine.connect() as connection:
                rows = connection.execute(
                    text(
                        "SELECT pid FROM pg_stat_activity "
                        "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                    )
                )
                return [int(row[0]) for row in rows]
        finally:
            engine.dispose()

    def roles(self) -> dict[str, list[int]]:
        root = psutil.Process(self.web_pid)
        return {
            "web": [root.pid, *(child.pid for child in root.children(recursive=True))],
            "redis": [self.redis_pid] if self.redis_pid else [],
            "postgres": self._backends(),
        }

    def measure(self, work: Any) -> dict[str, float]:
        """CPU seconds each role spent while `work()` ran (backends that started meanwhile
        counted from zero)."""
        before = {role: cpu_seconds(pids) for role, pids in self.roles().items()}
        work()
        after = {role: cpu_seconds(pids) for role, pids in self.roles().items()}
        return {
            role: sum(seconds - before[role].get(pid, 0.0) for pid, seconds in found.items())
            for role, found in after.items()
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=16, help="rounds per setting, alternating")
    parser.add_argument("--posts", type=int, default=300, help="comments posted per round")
    parser.add_argument("--concurrency", type=int, default=8, help="client threads")
    args = parser.parse_args()

    from bench.run import post_all
    from moderation.embedded_redis import EmbeddedRedis
    from tests.support.database import fresh_schema
    from tests.support.live import LiveService

    folder = Path(tempfile.mkdtemp(prefix="moderation-bench-limits-"))
    database = os.environ.get("MODERATION_BENCH_DATABASE_URL") or f"sqlite:///{folder / 'b.db'}"
    redis = EmbeddedRedis(folder / "redis")
    redis_url = redis.start()
    redis_pid = redis.process.pid if redis.process else None
    fresh_schema(database)
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
    cpu_ms: dict[str, list[float]] = {name: [] for name in services}
    role_ms: dict[str, dict[str, list[float]]] = {name: {} for name in services}
    try:
        for service in services.values():
            service.start_web()
        meters = {
            name: ServiceCpu(service.processes["web"].pid, redis_pid, database)
            for name, service in services.items()
        }
        for name, service in services.items():  # warm-up: imports, connections, first queries
            post_all(service.base_url, bodies[:100], args.concurrency, authors=f"warm-{name}")
        for number in range(args.rounds):
            for name in ["off", "on"] if number % 2 == 0 else ["on", "off"]:
                authors = f"r{number}{name}"
                url = services[name].base_url
                started = time.perf_counter()
                spent = meters[name].measure(
                    lambda url=url, authors=authors: post_all(
                        url, bodies, args.concurrency, authors
                    )
                )
                rates[name].append(len(bodies) / (time.perf_counter() - started))
                cpu_ms[name].append(1000 * sum(spent.values()) / len(bodies))
                for role, seconds in spent.items():
                    role_ms[name].setdefault(role, []).append(1000 * seconds / len(bodies))
    finally:
        for service in services.values():
            service.stop()
        redis.stop()
    off, on = statistics.median(rates["off"]), statistics.median(rates["on"])
    # Each round's two measurements ran back to back: their ratio cancels slower drifts.
    paired = statistics.median(b / a for a, b in zip(rates["off"], rates["on"], strict=True))
    cpu_off, cpu_on = statistics.median(cpu_ms["off"]), statistics.median(cpu_ms["on"])
    print(
        json.dumps(
            {
                "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores",
                "load_average_at_end": [round(value, 1) for value in os.getloadavg()],
                "database": database.split(":", 1)[0],
                "rounds": args.rounds,
                "posts_per_round": args.posts,
                "concurrency": args.concurrency,
                "intake_per_s_limits_off": [round(rate, 1) for rate in rates["off"]],
                "intake_per_s_limits_on": [round(rate, 1) for rate in rates["on"]],
                "median_intake_per_s_off": round(off, 1),
                "median_intake_per_s_on": round(on, 1),
                "throughput_cost_percent": round(100 * (1 - on / off), 1),
                "throughput_cost_percent_paired": round(100 * (1 - paired), 1),
                "service_cpu_ms_per_comment_off": round(cpu_off, 2),
                "service_cpu_ms_per_comment_on": round(cpu_on, 2),
                "cpu_cost_percent": round(100 * (1 - cpu_off / cpu_on), 1),
                "cpu_ms_per_comment_by_role": {
                    name: {role: round(statistics.median(ms), 2) for role, ms in roles.items()}
                    for name, roles in role_ms.items()
                },
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
