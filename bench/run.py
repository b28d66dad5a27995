"""`make bench`: the raw model against the whole service, measured in one run on one machine.

(a) raw model: comments/s of the loaded scorer alone at several batch sizes (our length-bucketed
    batches), in one process with every core's threads and in one single-threaded process per
    worker (the service's layout), plus detoxify's own `predict` for comparison; the best of
    all of them is the raw figure;
(b) the service: N comments posted over HTTP to gunicorn, scored by real worker processes (one
    per core, one torch thread each, by default), until all are decided: intake requests/s and
    latency, comments/s end to end, and the CPU each role used per comment;
(c) steady load at half of (b)'s capacity: submit-to-decision p50/p99;
(d) resident memory of a worker;
(e) the scoring tier alone, draining a stored backlog.
The model runs in ONNX Runtime with int8 weights throughout (decision 0028); the baseline, the
default (torch in float), is measured in the same run: its raw model, and (b) against it.
Ends with `service/raw ratio: <number>` (service comments/s over the raw model's best) and,
last, `cpu ms per decided comment: X (baseline Y)`: the CPU of every process of the service
(web, workers, PostgreSQL, Redis; not the load generator) per decided comment.

Runs against PostgreSQL/Redis when MODERATION_BENCH_DATABASE_URL / MODERATION_BENCH_REDIS_URL
are set, else SQLite and an embedded redis-server. Options: python -m bench.run --help.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from moderation.config import PROJECT_ROOT, load_settings
from moderation.secrets import generate_key

SHARED = PROJECT_ROOT.parent / "shared"
DATA = SHARED / "data" / "jigsaw_wiki_dev.csv"
MODEL = SHARED / "models" / "minilm-toxicity"


def load_texts(limit: int, max_chars: int = 1000) -> list[str]:
    """Comments from the dev set, trimmed to news-comment length (most are shorter)."""
    if not DATA.exists():
        sys.exit(f"bench needs {DATA} (../shared/data); it is absent")
    with DATA.open(newline="", encoding="utf-8") as handle:
        texts = [row["text"][:max_chars] for row in csv.DictReader(handle)]
    return texts[:limit]


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


# The configuration that `cpu ms per decided comment` is compared with: the default, torch in
# float; and the one measured against it, ONNX Runtime with int8 weights (decision 0028).
BASELINE_MODEL: dict[str, Any] = {"runtime": "torch", "quantize": "none"}
CANDIDATE_MODEL: dict[str, Any] = {"runtime": "onnx", "quantize": "int8"}  # --screen adds one


def model_environment(model: dict[str, Any]) -> dict[str, str]:
    """The same model settings as the service's environment variables."""
    return {f"MODERATION_MODEL_{key.upper()}": str(value) for key, value in model.items()}


def model_env(threads: int) -> dict[str, str]:
    env = {"MODERATION_MODEL_THREADS": str(threads)}
    if (MODEL / "model.ckpt").is_file():
        env["MODERATION_MODEL_CHECKPOINT"] = str(MODEL / "model.ckpt")
        env["MODERATION_MODEL_CONFIG_DIR"] = str(MODEL / "config")
    return env


def _warm_scorer(texts: list[str], threads: int, **options: Any) -> Any:
    """The scorer loaded with these model settings, after one warm-up call."""
    from moderation.pipeline.model import load_scorer

    settings = load_settings(
        overrides={"model": {"threads": threads, **options}},
        environ={**os.environ, **model_env(threads)},
    )
    scorer = load_scorer(settings.model)
    scorer.score(texts[:8])
    return scorer


def _score_all(scorer: Any, texts: list[str], batch: int) -> tuple[float, float]:
    """Score `texts` in batches of `batch`: (wall seconds, CPU seconds of this process)."""
    cpu = time.process_time()
    started = time.perf_counter()
    for start in range(0, len(texts), batch):
        scorer.score(texts[start : start + batch])
    return time.perf_counter() - started, time.process_time() - cpu


def bench_raw(texts: list[str], threads: int, batches: list[int], **options: Any) -> dict[str, Any]:
    """Comments/s of the scorer alone, per batch size, after one warm-up call.

    `options` are model settings to try (quantize="int8", runtime="onnx").
    """
    scorer = _warm_scorer(texts, threads, **options)
    results: dict[str, Any] = {"model": scorer.description, "threads": threads}
    for batch in batches:
        wall, cpu = _score_all(scorer, texts, batch)
        results[f"batch_{batch}"] = round(len(texts) / wall, 1)
        results[f"cpu_ms_per_comment_batch_{batch}"] = round(1000 * cpu / len(texts), 2)
    return results


def _raw_share(
    texts: list[str],
    threads: int,
    batch: int,
    barrier: Any,
    results: Any,
    options: dict[str, Any],
) -> None:
    """One process of `bench_raw_processes`: load, wait for the others, score its share."""
    scorer = _warm_scorer(texts, threads, **options)
    barrier.wait()
    results.put(_score_all(scorer, texts, batch))


def bench_raw_processes(
    texts: list[str], processes: int, threads: int, batch: int, **options: Any
) -> dict[str, Any]:
    """The scorer alone in several processes at once (as several workers run): comments/s.

    Each process scores an equal share of the texts; the rate is all texts over the slowest
    process's time.
    """
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(processes)
    results = context.Queue()
    shares = [texts[number::processes] for number in range(processes)]
    children = [
        context.Process(target=_raw_share, args=(share, threads, batch, barrier, results, options))
        for share in shares
    ]
    for child in children:
        child.start()
    timings = [results.get(timeout=600) for _ in children]
    for child in children:
        child.join()
    return {
        "layout": f"{processes} processes x {threads} threads",
        f"batch_{batch}": round(len(texts) / max(wall for wall, _ in timings), 1),
        f"cpu_ms_per_comment_batch_{batch}": round(
            1000 * sum(cpu for _, cpu in timings) / len(texts), 2
        ),
    }


def bench_detoxify_predict(texts: list[str], threads: int, batch: int) -> float:
    """detoxify's own predict (pads every batch to its longest text), for comparison."""
    import torch
    from detoxify import Detoxify

    from moderation.pipeline.model import offline_checkpoint

    torch.set_num_threads(threads)
    checkpoint, config = offline_checkpoint(str(MODEL / "model.ckpt"), str(MODEL / "config"))
    model = Detoxify(checkpoint=str(checkpoint), huggingface_config_path=str(config))
    model.predict(texts[:8])
    started = time.perf_counter()
    for start in range(0, len(texts), batch):
        model.predict(texts[start : start + batch])
    return round(len(texts) / (time.perf_counter() - started), 1)


class Service:
    """gunicorn + one scoring worker, on a fresh database, for one measurement."""

    def __init__(
        self,
        threads: int,
        batch_size: int,
        web_workers: int,
        workers: int = 1,
        environment: dict[str, str] | None = None,
    ) -> None:
        from moderation.embedded_redis import EmbeddedRedis
        from tests.support.database import fresh_schema
        from tests.support.live import LiveService

        self.folder = Path(tempfile.mkdtemp(prefix="moderation-bench-"))
        database = os.environ.get("MODERATION_BENCH_DATABASE_URL")
        redis_url = os.environ.get("MODERATION_BENCH_REDIS_URL")
        self.embedded = None
        if not redis_url:
            self.embedded = EmbeddedRedis(self.folder / "redis")
            redis_url = self.embedded.start()
        if not database:
            database = f"sqlite:///{self.folder / 'bench.db'}"
        self.database = database
        self.redis_url = redis_url
        fresh_schema(database)
        from redis import Redis

        Redis.from_url(redis_url).flushdb()
        self.live = LiveService(
            {
                "MODERATION_DATABASE_URL": database,
                "MODERATION_REDIS_URL": redis_url,
                "MODERATION_WORKER_BATCH_SIZE": str(batch_size),
                "MODERATION_WEBHOOKS_SECRET_KEYS": generate_key(),
                # One address posts for 500 readers as fast as it can: no rate limits.
                "MODERATION_LIMITS_ENABLED": "false",
                **model_env(threads),
                **(environment or {}),
            },
            self.folder / "logs",
        )
        self.web_workers = web_workers
        self.workers = workers

    def start(self) -> Service:
        self.live.log_dir.mkdir(parents=True, exist_ok=True)
        self.live._spawn("web", "serve", "--workers", str(self.web_workers))
        self.worker = self.live._spawn("worker0", "worker")
        for number in range(1, self.workers):
            self.live._spawn(f"worker{number}", "worker")
        self.live.wait_ready(120)
        return self

    def stop(self) -> None:
        self.live.stop()
        if self.embedded:
            self.embedded.stop()


class Poster:
    """A lean HTTP client for posting comments: http.client, bodies encoded up front.

    The load generator shares the machine's cores with the service, so it should cost as
    little as it can: `requests` spent about 2 ms of CPU per comment here, this about a quarter
    of that. gunicorn's sync workers close each connection, so http.client reconnects.
    """

    def __init__(self, base: str) -> None:
        import http.client
        from urllib.parse import urlsplit

        parts = urlsplit(base)
        self.connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=30)

    def post(self, path: str, body: bytes) -> int:
        self.connection.request(
            "POST", path, body=body, headers={"Content-Type": "application/json"}
        )
        answer = self.connection.getresponse()
        payload = answer.read()
        if answer.status >= 400:
            raise SystemExit(f"POST {path}: {answer.status} {payload[:200]!r}")
        if answer.getheader("Connection", "").lower() == "close":
            self.connection.close()
        return int(json.loads(payload)["id"])


def comment_body(author: str, text: str) -> bytes:
    return json.dumps({"author": {"id": author, "name": "Bench"}, "text": text}).encode()


def post_all(
    base: str, texts: list[str], concurrency: int, authors: str = "reader"
) -> tuple[list[int], list[float]]:
    """Post every text (500 readers take turns); return comment ids and latencies (seconds)."""
    local = threading.local()
    planned = [
        (
            f"/v1/articles/bench-{index % 20}/comments",
            comment_body(f"{authors}-{index % 500}", text),
        )
        for index, text in enumerate(texts)
    ]

    def one(request: tuple[str, bytes]) -> tuple[int, float]:
        poster = getattr(local, "poster", None) or Poster(base)
        local.poster = poster
        started = time.perf_counter()
        comment_id = poster.post(*request)
        return comment_id, time.perf_counter() - started

    with ThreadPoolExecutor(concurrency) as pool:
        results = list(pool.map(one, planned))
    return [r[0] for r in results], [r[1] for r in results]


def wait_decided(database: str, ids: list[int], timeout: float) -> tuple[list[float], float]:
    """Wait until every one of `ids` is decided; their submit-to-decision seconds, the last time.

    Polls with one cheap COUNT on one connection (the benchmark shares the cores it measures),
    then reads the times once. The times come from the rows, so polling adds no error.
    """
    from sqlalchemy import func, select

    from moderation.comments.models import Comment
    from moderation.db.session import make_engine

    engine = make_engine(database)
    first, top = min(ids), max(ids)
    decided = (Comment.id >= first) & (Comment.id <= top) & (Comment.status != "pending")
    try:
        deadline = time.monotonic() + timeout
        count = 0
        with engine.connect() as connection:
            while time.monotonic() < deadline:
                count = (
                    connection.scalar(
                        select(func.count())
                        .select_from(Comment)
                        .where(decided, Comment.id.in_(ids))
                    )
                    or 0
                )
                connection.rollback()  # a fresh snapshot for the next poll
                if count == len(ids):
                    rows = connection.execute(
                        select(Comment.created_at, Comment.decided_at).where(
                            decided, Comment.id.in_(ids)
                        )
                    ).all()
                    latencies = [(done - made).total_seconds() for made, done in rows]
                    return latencies, max(done.timestamp() for _, done in rows)
                time.sleep(0.5)
    finally:
        engine.dispose()
    raise SystemExit(f"only {count} of {len(ids)} decided after {timeout}s")


def cpu_by_role(service: Service) -> dict[str, float]:
    """CPU seconds (user + system) used so far by each role on this machine.

    web: gunicorn and its workers; workers: the scoring processes; postgres and redis: their
    server processes (all of them, so other users of the machine count too); load: this
    benchmark process, which posts the comments.
    """
    import psutil

    def tree(pid: int) -> list[psutil.Process]:
        try:
            root = psutil.Process(pid)
            return [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def seconds(processes: list[psutil.Process]) -> float:
        total = 0.0
        for process in processes:
            try:
                times = process.cpu_times()
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue
            total += times.user + times.system
        return total

    roles: dict[str, list[psutil.Process]] = {"web": [], "workers": [], "postgres": [], "redis": []}
    for name, process in service.live.processes.items():
        roles["web" if name == "web" else "workers"].extend(tree(process.pid))
    for process in psutil.process_iter(["name"]):
        name = process.info["name"] or ""
        if name.startswith("postgres"):
            roles["postgres"].append(process)
        elif name.startswith("redis-server"):
            roles["redis"].append(process)
    result = {role: seconds(processes) for role, processes in roles.items()}
    result["load"] = seconds([psutil.Process()])
    return result


SERVICE_ROLES = ("web", "workers", "postgres", "redis")


def cpu_split(before: dict[str, float], after: dict[str, float], comments: int) -> dict[str, Any]:
    """CPU milliseconds per comment by role between two `cpu_by_role` snapshots.

    "service" adds up the service's own processes (web, workers, PostgreSQL, Redis): what a
    decided comment costs a newsroom. "load" (this benchmark posting) is outside it.
    """
    used = {role: 1000 * (after[role] - before[role]) / comments for role in after}
    return {role: round(value, 2) for role, value in used.items()} | {
        "service": round(sum(used[role] for role in SERVICE_ROLES), 2),
    }


def model_description(service: Service) -> str:
    """How the workers run the model, as the service's own readiness check reports it."""
    import urllib.request

    try:
        with urllib.request.urlopen(service.live.base_url + "/readyz", timeout=10) as answer:
            body = json.loads(answer.read())
    except (OSError, ValueError):
        return "unknown"
    found: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                if key in {"model", "description"} and isinstance(item, str):
                    found.append(item)
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(body)
    return found[0] if found else "unknown"


def rss_mib(pid: int) -> float:
    import psutil

    return round(psutil.Process(pid).memory_info().rss / 2**20, 1)


def bench_service(
    texts: list[str],
    args: argparse.Namespace,
    environment: dict[str, str] | None = None,
    burst_only: bool = False,
) -> dict[str, Any]:
    """(b) to (e) against a service started with `environment` on top of the bench's own.

    `burst_only`: only (b), the burst and what each role spent on it (the baseline's run).
    """
    service = Service(
        args.worker_threads or args.threads,
        args.batch_size,
        args.web_workers,
        args.workers,
        environment,
    ).start()
    try:
        base = service.live.base_url
        post_all(base, texts[:20], 4)  # warm-up: connections, first batches
        wait_decided(service.database, post_all(base, texts[:20], 4)[0], 120)
        cpu_before = cpu_by_role(service)
        started = time.time()
        ids, latencies = post_all(base, texts, args.concurrency)
        intake_seconds = time.time() - started
        decided, last = wait_decided(service.database, ids, 900)
        total_seconds = last - started
        cpu_after = cpu_by_role(service)
        capacity = len(ids) / total_seconds
        result: dict[str, Any] = {
            "comments": len(ids),
            "intake_requests_per_s": round(len(ids) / intake_seconds, 1),
            "intake_p50_ms": round(1000 * percentile(latencies, 0.5), 1),
            "intake_p99_ms": round(1000 * percentile(latencies, 0.99), 1),
            "burst_submit_to_decision_p50_s": round(percentile(decided, 0.5), 2),
            "burst_submit_to_decision_p99_s": round(percentile(decided, 0.99), 2),
            "service_comments_per_s": round(capacity, 1),
            "scoring_workers": f"{args.workers} x {args.worker_threads or args.threads} threads",
            "worker_rss_mib": rss_mib(service.worker.pid),
            # Includes the 0.2 s polling of the database by this benchmark after intake.
            "cpu_ms_per_comment": cpu_split(cpu_before, cpu_after, len(ids)),
            "wall_ms_per_comment_x_cores": round(
                1000 * total_seconds * (os.cpu_count() or 1) / len(ids), 2
            ),
            "model": model_description(service),
        }
        if burst_only:
            return result
        # Steady load at half capacity: one comment every 2/capacity seconds.
        rate = capacity / 2
        count = max(20, int(rate * args.steady_seconds))
        steady_ids: list[int] = []
        poster = Poster(base)
        bodies = [comment_body(f"s{index}", texts[index % len(texts)]) for index in range(count)]
        begin = time.perf_counter()
        for index in range(count):
            target = begin + index / rate
            pause = target - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            steady_ids.append(poster.post("/v1/articles/steady/comments", bodies[index]))
        steady, _ = wait_decided(service.database, steady_ids, 300)
        result.update(
            steady_offered_per_s=round(rate, 1),
            steady_submit_to_decision_p50_ms=round(1000 * percentile(steady, 0.5), 1),
            steady_submit_to_decision_p99_ms=round(1000 * percentile(steady, 0.99), 1),
            worker_rss_mib_after=rss_mib(service.worker.pid),
        )
        drained = bench_drain(service, texts, args.concurrency)
        result.update(drained)
        return result
    finally:
        service.stop()


def bench_drain(service: Service, texts: list[str], concurrency: int) -> dict[str, Any]:
    """(e) The scoring tier alone: a backlog already stored, idle workers handed one job.

    The workers are stopped, the texts are posted (they wait, pending) and their queued jobs
    dropped, the workers are started again and given time to load the model, then one scoring
    job is enqueued and the clock runs to the last decision: how close claims, rules, the model
    and the records come to the raw model when intake does not share the cores.
    """
    from redis import Redis
    from rq import Queue

    from moderation.scoring.queue import RQWorkQueue, wake_key
    from moderation.scoring.registry import PREFIX

    queue_name = load_settings().redis.score_queue
    names = [name for name in service.live.processes if name.startswith("worker")]
    for name in names:
        service.live.stop(name)
    # Other readers than (b)'s: the same texts by the same people would be held as duplicates.
    ids, _ = post_all(service.live.base_url, texts, concurrency, authors="drain-reader")
    redis = Redis.from_url(service.redis_url)
    Queue(queue_name, connection=redis).empty()
    redis.delete(wake_key(queue_name))
    for key in redis.scan_iter(match=PREFIX + "*"):
        redis.delete(key)
    for name in names:
        service.live._spawn(name, "worker")
    deadline = time.monotonic() + 120
    while len(list(redis.scan_iter(match=PREFIX + "*"))) < len(names):
        if time.monotonic() > deadline:
            raise SystemExit("the workers did not start within 120 s")
        time.sleep(0.1)
    time.sleep(3)  # past the first heartbeat: start-up reconcile, RQ registration
    cpu_before = cpu_by_role(service)
    started = time.time()
    RQWorkQueue(redis, queue_name).enqueue_scoring([], coalesce=False)
    _, last = wait_decided(service.database, ids, 900)
    cpu_after = cpu_by_role(service)
    return {
        "drain_comments_per_s": round(len(ids) / (last - started), 1),
        "drain_cpu_ms_per_comment": cpu_split(cpu_before, cpu_after, len(ids)),
    }


def parse_args(cores: int) -> argparse.Namespace:
    """The command line of `make bench`."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", type=int, default=1000, help="comments for (a) and (b)")
    parser.add_argument(
        "--threads", type=int, default=cores, help="torch threads of the one-process raw runs"
    )
    parser.add_argument(
        "--batch-size",
        type=int,
        default=load_settings().worker.batch_size,
        help="worker batch size",
    )
    parser.add_argument("--web-workers", type=int, default=2, help="gunicorn processes")
    parser.add_argument(
        "--workers", type=int, default=cores, help="scoring worker processes (default: 1 per core)"
    )
    parser.add_argument(
        "--worker-threads", type=int, default=1, help="torch threads per scoring worker"
    )
    parser.add_argument("--concurrency", type=int, default=8, help="HTTP clients posting at once")
    parser.add_argument("--steady-seconds", type=float, default=20.0)
    parser.add_argument(
        "--options",
        action="store_true",
        help="also the raw model with torch's int8 and with ONNX Runtime in float",
    )
    parser.add_argument("--skip-service", action="store_true")
    parser.add_argument(
        "--no-baseline",
        dest="baseline",
        action="store_false",
        help="skip the baseline (torch in float) measured in the same run",
    )
    parser.add_argument(
        "--skip-raw", action="store_true", help="service only (no ratio): for profiling runs"
    )
    parser.add_argument(
        "--screen",
        type=Path,
        default=None,
        help="a screening model folder (`moderation model distill`) the measured service uses",
    )
    parser.add_argument(
        "--screen-band", type=float, default=None, help="model.screen_confirm_logits with --screen"
    )
    args = parser.parse_args()
    if args.screen is not None:
        CANDIDATE_MODEL["screen_checkpoint"] = str(args.screen.resolve() / "model.ckpt")
        if args.screen_band is not None:
            CANDIDATE_MODEL["screen_confirm_logits"] = args.screen_band
    return args


def main() -> None:
    cores = os.cpu_count() or 1
    args = parse_args(cores)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")

    texts = load_texts(args.comments)
    report: dict[str, Any] = {"machine": f"{cores} cores", "texts": len(texts)}
    if args.skip_raw:
        report["service"] = bench_service(texts, args)
        print(json.dumps(report, indent=2))
        return
    # The raw model's best, honestly: one process with every core's threads at each batch size,
    # and as many single-threaded processes as the service runs workers (often faster here).
    report["raw"] = bench_raw(texts, args.threads, [1, 8, 16, 32, 64, 128], **CANDIDATE_MODEL)
    print(json.dumps({"raw": report["raw"]}), flush=True)
    layouts = [report["raw"]]
    if args.workers > 1:
        for batch in sorted({1, args.batch_size, 2 * args.batch_size}):
            layouts.append(
                bench_raw_processes(
                    texts, args.workers, args.worker_threads, batch, **CANDIDATE_MODEL
                )
            )
            print(json.dumps({"raw_processes": layouts[-1]}), flush=True)
        report["raw_processes"] = layouts[1:]
    if args.baseline:
        # The baseline's model alone, in the service's layout, at the worker's batch size.
        report["raw_baseline"] = bench_raw_processes(
            texts, args.workers, args.worker_threads, args.batch_size, **BASELINE_MODEL
        )
        print(json.dumps({"raw_baseline": report["raw_baseline"]}), flush=True)
    if (MODEL / "model.ckpt").is_file():
        report["detoxify_predict_batch_32"] = bench_detoxify_predict(texts, args.threads, 32)
        report["detoxify_predict_batch_1"] = bench_detoxify_predict(texts, args.threads, 1)
    if args.options:
        report["raw_torch_int8"] = bench_raw(
            texts, args.threads, [1, args.batch_size], runtime="torch", quantize="int8"
        )
        report["raw_onnx_float"] = bench_raw(
            texts, args.threads, [1, args.batch_size], runtime="onnx", quantize="none"
        )
    best_raw = max(
        value for layout in layouts for key, value in layout.items() if key.startswith("batch_")
    )
    report["raw_best"] = best_raw
    if not args.skip_service:
        if args.baseline:
            # Today's configuration before this one, on the same machine in the same run.
            report["service_baseline"] = bench_service(
                texts, args, model_environment(BASELINE_MODEL), burst_only=True
            )
            print(json.dumps({"service_baseline": report["service_baseline"]}), flush=True)
        report["service"] = bench_service(texts, args, model_environment(CANDIDATE_MODEL))
        predict_best = max(
            report.get("detoxify_predict_batch_1", 0), report.get("detoxify_predict_batch_32", 0)
        )
        if predict_best:
            report["service_over_detoxify_predict"] = round(
                report["service"]["service_comments_per_s"] / predict_best, 3
            )
    if "service" in report:
        report["drain_over_raw"] = round(report["service"]["drain_comments_per_s"] / best_raw, 3)
    print(json.dumps(report, indent=2))
    print_summary(report, best_raw)


def print_summary(report: dict[str, Any], best_raw: float) -> None:
    """The last lines: ratios, comments/s, CPU by role, and the figure the issue measures."""
    if "service" not in report:
        return
    service = report["service"]
    ratio = service["service_comments_per_s"] / best_raw
    print(f"drain/raw ratio (scoring tier alone): {report['drain_over_raw']:.3f}")
    print(f"service/raw ratio: {ratio:.3f}")
    print(f"comments/s end to end: {service['service_comments_per_s']}", end="")
    if "service_baseline" in report:
        print(f" (baseline {report['service_baseline']['service_comments_per_s']})", end="")
    print()
    roles = service["cpu_ms_per_comment"]
    line = f"cpu ms per decided comment: {roles['service']:.2f}"
    if "service_baseline" in report:
        baseline = report["service_baseline"]["cpu_ms_per_comment"]
        print(
            "by role (web / workers / postgres / redis): "
            + " / ".join(f"{roles[r]:.2f}" for r in SERVICE_ROLES)
            + " (baseline "
            + " / ".join(f"{baseline[r]:.2f}" for r in SERVICE_ROLES)
            + ")"
        )
        line += f" (baseline {baseline['service']:.2f})"
    print(line)


if __name__ == "__main__":
    main()
