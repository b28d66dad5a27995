"""Perspective-compatible analyze: capacity, then p50/p99 at half of it, alone and under load.

(a) capacity: closed loop, `--concurrency` clients posting analyze calls for `--seconds`:
    answered calls per second (200s), and how many were turned away with 503;
(b) half of (a)'s rate, open loop (calls sent on a fixed schedule, whatever came back):
    p50/p99/max latency and non-200 answers;
(c) the same while `--comments` comments posted to /v1 intake are being scored by the same
    worker(s): the mixed load a newsroom sees.

Starts its own service (gunicorn + `--workers` scoring workers, SQLite and an embedded Redis)
unless `--base-url` and `--key` point at a running one. Texts from ../shared/data.
Run: .venv/bin/python -m bench.bench_perspective [--help]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import requests

from moderation.config import PROJECT_ROOT
from moderation.secrets import generate_key

SHARED = PROJECT_ROOT.parent / "shared"
DATA = SHARED / "data" / "jigsaw_wiki_dev.csv"
MODEL = SHARED / "models" / "minilm-toxicity"
KEY = "bench-key-0123456789abcdef0123"


def load_texts(limit: int, max_chars: int) -> list[str]:
    if not DATA.exists():
        sys.exit(f"the benchmark needs {DATA}; it is absent")
    with DATA.open(newline="", encoding="utf-8") as handle:
        texts = [row["text"][:max_chars] for row in csv.DictReader(handle) if row["text"].strip()]
    return texts[:limit]


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


class Service:
    """gunicorn and scoring workers on a fresh SQLite database and an embedded Redis."""

    def __init__(self, args: argparse.Namespace) -> None:
        from moderation.db.migrate import upgrade
        from moderation.embedded_redis import EmbeddedRedis
        from tests.support.live import LiveService

        folder = Path(tempfile.mkdtemp(prefix="perspective-bench-"))
        self.embedded = EmbeddedRedis(folder / "redis")
        redis_url = self.embedded.start()
        database = f"sqlite:///{folder / 'bench.db'}"
        upgrade(database)
        env = {
            "MODERATION_DATABASE_URL": database,
            "MODERATION_REDIS_URL": redis_url,
            "MODERATION_API_KEYS": f"bench:{KEY}:100000",
            # Capacity from one address: no limit per address or site.
            "MODERATION_LIMITS_ENABLED": "false",
            "MODERATION_WEBHOOKS_SECRET_KEYS": generate_key(),
            "MODERATION_MODEL_THREADS": str(args.threads),
            "MODERATION_PERSPECTIVE_BATCH_SIZE": str(args.batch_size),
            # Analyze calls wait on a reply: threads let one web process hold many of them.
            "GUNICORN_CMD_ARGS": f"--threads {args.web_threads}",
            "MODERATION_PERSPECTIVE_WORKER_LANE": "true" if args.lane else "false",
        }
        if (MODEL / "model.ckpt").is_file():
            env["MODERATION_MODEL_CHECKPOINT"] = str(MODEL / "model.ckpt")
            env["MODERATION_MODEL_CONFIG_DIR"] = str(MODEL / "config")
        self.live = LiveService(env, folder / "logs")
        self.web_workers = args.web_workers
        self.scoring_workers = args.workers
        self.base_url = self.live.base_url

    def start(self) -> Service:
        self.live.log_dir.mkdir(parents=True, exist_ok=True)
        self.live._spawn("web", "serve", "--workers", str(self.web_workers))
        for number in range(self.scoring_workers):
            self.live._spawn(f"worker{number}", "worker")
        try:
            self.live.wait_ready(180)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        self.live.stop()
        self.embedded.stop()


class Caller:
    """Posts analyze calls; one HTTP session per thread."""

    def __init__(self, base_url: str, key: str, texts: list[str]) -> None:
        self.url = f"{base_url}/v1alpha1/comments:analyze?key={key}"
        self.texts = texts
        self.local = threading.local()
        self.counter = 0
        self.lock = threading.Lock()

    def call(self) -> tuple[int, float]:
        with self.lock:
            self.counter += 1
            text = self.texts[self.counter % len(self.texts)]
        session = getattr(self.local, "session", None)
        if session is None:
            session = self.local.session = requests.Session()
        body = {
            "comment": {"text": text},
            "requestedAttributes": {"TOXICITY": {}},
            "languages": ["en"],
            "doNotStore": True,
        }
        started = time.perf_counter()
        try:
            status = session.post(self.url, json=body, timeout=10).status_code
        except requests.RequestException:
            status = 0
        return status, time.perf_counter() - started


def closed_loop(caller: Caller, concurrency: int, seconds: float) -> dict[str, Any]:
    stop_at = time.perf_counter() + seconds
    results: list[tuple[int, float]] = []

    def client() -> None:
        while time.perf_counter() < stop_at:
            results.append(caller.call())
            if results[-1][0] != 200:
                time.sleep(0.1)  # a turned-away client backs off instead of spinning on 503s

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    ok = [latency for status, latency in results if status == 200]
    return {
        "concurrency": concurrency,
        "answered_per_s": round(len(ok) / elapsed, 1),
        "unavailable_503": sum(1 for status, _ in results if status == 503),
        "other_errors": sum(1 for status, _ in results if status not in (200, 503)),
        "p50_ms": round(percentile(ok, 0.5) * 1000, 1),
        "p99_ms": round(percentile(ok, 0.99) * 1000, 1),
    }


def open_loop(caller: Caller, rate: float, seconds: float) -> dict[str, Any]:
    """Send `rate` calls per second on a fixed schedule; latency counts from the scheduled time."""
    count = max(1, int(rate * seconds))
    interval = 1.0 / rate
    results: list[tuple[int, float]] = []

    def one(scheduled: float) -> None:
        delay = scheduled - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        status, _ = caller.call()
        results.append((status, time.perf_counter() - scheduled))

    start = time.perf_counter() + 0.2
    with ThreadPoolExecutor(max_workers=64) as pool:
        for number in range(count):
            pool.submit(one, start + number * interval)
    ok = [latency for status, latency in results if status == 200]
    return {
        "rate_per_s": round(rate, 1),
        "calls": count,
        "ok": len(ok),
        "unavailable_503": sum(1 for status, _ in results if status == 503),
        "other_errors": sum(1 for status, _ in results if status not in (200, 503)),
        "p50_ms": round(percentile(ok, 0.5) * 1000, 1),
        "p99_ms": round(percentile(ok, 0.99) * 1000, 1),
        "max_ms": round(max(ok, default=float("nan")) * 1000, 1),
        "mean_ms": round(statistics.fmean(ok) * 1000, 1) if ok else None,
    }


def raw_model(texts: list[str], threads: int, seconds: float) -> dict[str, Any]:
    """The loaded scorer alone, in this process: texts per second one at a time and in 16s."""
    from moderation.config import load_settings
    from moderation.pipeline.model import load_scorer

    environ = {"MODERATION_MODEL_THREADS": str(threads)}
    if (MODEL / "model.ckpt").is_file():
        environ["MODERATION_MODEL_CHECKPOINT"] = str(MODEL / "model.ckpt")
        environ["MODERATION_MODEL_CONFIG_DIR"] = str(MODEL / "config")
    scorer = load_scorer(load_settings(environ=environ).model)
    scorer.score(texts[:4])
    rates = {}
    for batch in (1, 16):
        done, started = 0, time.perf_counter()
        while time.perf_counter() - started < seconds / 2:
            scorer.score(texts[done % len(texts) : done % len(texts) + batch])
            done += batch
        rates[f"batch_{batch}_per_s"] = round(done / (time.perf_counter() - started), 1)
    return rates


def post_comments(base_url: str, texts: list[str]) -> float:
    """Queue comments for background scoring; return how long the posting took."""
    started = time.perf_counter()

    def one(index: int) -> None:
        requests.post(
            f"{base_url}/v1/articles/bench/comments",
            json={"author": {"id": f"r{index}", "name": "R"}, "text": texts[index % len(texts)]},
            timeout=10,
        )

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(one, range(len(texts))))
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--base-url", help="a running service (else one is started)")
    parser.add_argument("--key", default=KEY)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--comments", type=int, default=400)
    parser.add_argument("--max-chars", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=1, help="torch threads per worker")
    parser.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        help="scoring worker processes (default: 1 per core)",
    )
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--web-threads", type=int, default=16)
    parser.add_argument(
        "--batch-size", type=int, default=64, help="comments per worker batch (the default, 64)"
    )
    parser.add_argument("--lane", action="store_true", help="workers with analyze lanes")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    texts = load_texts(2000, args.max_chars)
    raw = raw_model(texts, args.threads, args.seconds)
    service = None if args.base_url else Service(args).start()
    base_url = args.base_url or (service.base_url if service else "")
    report: dict[str, Any] = {
        "setup": {
            key: getattr(args, key)
            for key in ("threads", "workers", "web_workers", "web_threads", "batch_size", "lane")
        }
        | {"cpus": os.cpu_count(), "texts_mean_chars": round(statistics.fmean(map(len, texts)))},
        "raw_model": raw,
    }
    try:
        caller = Caller(base_url, args.key, texts)
        # Warm-up (the model's first calls, the language identifier, connections): until ten
        # calls in a row are answered, for at most a minute.
        in_a_row, give_up = 0, time.perf_counter() + 60
        while in_a_row < 10 and time.perf_counter() < give_up:
            in_a_row = in_a_row + 1 if caller.call()[0] == 200 else 0
        capacity = closed_loop(caller, args.concurrency, args.seconds)
        report["capacity"] = capacity
        if not capacity["answered_per_s"]:
            statuses = {caller.call()[0] for _ in range(3)}
            log_tail = service.live.log_tail("web") if service else ""
            sys.exit(f"no analyze call was answered (status {statuses}): {report}\n{log_tail}")
        half = capacity["answered_per_s"] / 2
        report["service_over_raw_batch_1"] = round(
            capacity["answered_per_s"] / raw["batch_1_per_s"], 2
        )
        report["half_capacity_alone"] = open_loop(caller, half, args.seconds)
        posted: list[float] = []
        poster = threading.Thread(
            target=lambda: posted.append(post_comments(base_url, texts[: args.comments]))
        )
        poster.start()
        mixed = open_loop(caller, half, args.seconds)
        poster.join()
        report["half_capacity_with_scoring"] = dict(
            mixed, background_comments=args.comments, posting_s=round(posted[0], 1)
        )
        if service:
            report["worker_rss_mib"] = {
                name: _rss_mib(process.pid)
                for name, process in service.live.processes.items()
                if name.startswith("worker")
            }
    finally:
        if service:
            service.stop()
    print(json.dumps(report, indent=2))


def _rss_mib(pid: int) -> float | None:
    """Resident memory of a process (the worker holds two copies of the model with its lane)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return None


if __name__ == "__main__":
    main()
