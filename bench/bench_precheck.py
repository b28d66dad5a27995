"""The widget's pre-check of a draft (the nudge): p50/p99 at half the analyze capacity.

(a) analyze capacity: closed loop, as bench_perspective measures it (Perspective's analyze
    calls, which share the scoring workers' analyze line with the pre-check);
(b) pre-checks of drafts at half of (a)'s rate, open loop (sent on a fixed schedule whatever
    came back): p50/p99/max latency from the scheduled time, and how many answered `unknown`
    (the model did not answer within nudge.deadline_ms: the widget then posts as usual).

Issue 16 asks for a p99 under 300 ms at half the analyze capacity. Starts its own service
(gunicorn + `--workers` scoring workers, SQLite, an embedded Redis) with the default site's
`nudge` on. Texts from ../shared/data.
Run: .venv/bin/python -m bench.bench_precheck [--help]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import requests

from bench.bench_perspective import Caller, Service, closed_loop, load_texts, percentile

ADMIN = "bench-admin-token-0123456789abcdef"


class Prechecker:
    """Posts drafts to the pre-check; one HTTP session per thread."""

    def __init__(self, base_url: str, texts: list[str]) -> None:
        self.url = f"{base_url}/v1/articles/bench/comments:precheck"
        self.texts = texts
        self.local = threading.local()
        self.counter = 0
        self.lock = threading.Lock()

    def call(self) -> tuple[int, str, float]:
        with self.lock:
            self.counter += 1
            number = self.counter
        session = getattr(self.local, "session", None)
        if session is None:
            session = self.local.session = requests.Session()
        body = {
            "text": self.texts[number % len(self.texts)],
            "author": {"id": f"reader-{number % 500}", "name": "Reader"},
        }
        started = time.perf_counter()
        try:
            answer = session.post(self.url, json=body, timeout=10)
            outcome = answer.json().get("outcome") if answer.status_code == 200 else ""
            status = answer.status_code
        except (requests.RequestException, ValueError):
            status, outcome = 0, ""
        return status, str(outcome), time.perf_counter() - started


def open_loop(caller: Prechecker, rate: float, seconds: float) -> dict[str, Any]:
    """`rate` pre-checks per second on a fixed schedule; latency from the scheduled time."""
    count = max(1, int(rate * seconds))
    interval = 1.0 / rate
    results: list[tuple[int, str, float]] = []

    def one(scheduled: float) -> None:
        delay = scheduled - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        status, outcome, _ = caller.call()
        results.append((status, outcome, time.perf_counter() - scheduled))

    start = time.perf_counter() + 0.2
    with ThreadPoolExecutor(max_workers=64) as pool:
        for number in range(count):
            pool.submit(one, start + number * interval)
    ok = [latency for status, _, latency in results if status == 200]
    decided = [latency for status, o, latency in results if status == 200 and o != "unknown"]
    outcomes: dict[str, int] = {}
    for status, outcome, _ in results:
        key = outcome if status == 200 else f"http_{status}"
        outcomes[key] = outcomes.get(key, 0) + 1
    return {
        "rate_per_s": round(rate, 1),
        "calls": count,
        "outcomes": outcomes,
        "p50_ms": round(percentile(ok, 0.5) * 1000, 1),
        "p99_ms": round(percentile(ok, 0.99) * 1000, 1),
        "max_ms": round(max(ok, default=float("nan")) * 1000, 1),
        "mean_ms": round(statistics.fmean(ok) * 1000, 1) if ok else None,
        "p99_decided_ms": round(percentile(decided, 0.99) * 1000, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--max-chars", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=1, help="torch threads per worker")
    parser.add_argument("--workers", type=int, default=1, help="scoring worker processes")
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--web-threads", type=int, default=16)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--deadline-ms", type=int, default=250, help="nudge.deadline_ms")
    args = parser.parse_args()
    args.lane = False
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    texts = load_texts(2000, args.max_chars)
    service = Service(args)
    service.live.env["MODERATION_ADMIN_TOKENS"] = ADMIN
    service.live.env["MODERATION_NUDGE_DEADLINE_MS"] = str(args.deadline_ms)
    service.start()
    report: dict[str, Any] = {
        "setup": {
            key: getattr(args, key)
            for key in ("threads", "workers", "web_workers", "web_threads", "deadline_ms")
        }
        | {"cpus": os.cpu_count(), "texts_mean_chars": round(statistics.fmean(map(len, texts)))},
    }
    try:
        switched = requests.patch(
            f"{service.base_url}/v1/sites/default",
            json={"settings": {"nudge": True}},
            headers={"Authorization": f"Bearer {ADMIN}"},
            timeout=10,
        )
        switched.raise_for_status()
        analyze = Caller(service.base_url, "bench-key-0123456789abcdef0123", texts)
        in_a_row, give_up = 0, time.perf_counter() + 60
        while in_a_row < 10 and time.perf_counter() < give_up:
            in_a_row = in_a_row + 1 if analyze.call()[0] == 200 else 0
        capacity = closed_loop(analyze, args.concurrency, args.seconds)
        report["analyze_capacity"] = capacity
        prechecker = Prechecker(service.base_url, texts)
        # Each web process sees the switch within sites.cache_seconds: wait for ten answers in
        # a row that are pre-checks (not "disabled"), for at most a minute.
        in_a_row, give_up = 0, time.perf_counter() + 60
        while in_a_row < 10 and time.perf_counter() < give_up:
            status, outcome, _ = prechecker.call()
            in_a_row = in_a_row + 1 if status == 200 and outcome else 0
        half = max(1.0, capacity["answered_per_s"] / 2)
        result = open_loop(prechecker, half, args.seconds)
        report["precheck_at_half_capacity"] = result
        report["target_p99_under_300ms"] = result["p99_ms"] < 300
    finally:
        service.stop()
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
