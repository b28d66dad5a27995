"""Prometheus metrics: the definitions, small functions that record them, and the exposition.

Importing this module creates metric objects and nothing else: no server, no thread, no
connection. Web processes expose these at `GET /metrics` (moderation/web/prometheus.py); under
gunicorn, `PROMETHEUS_MULTIPROC_DIR` (set by `moderation serve`) makes every gunicorn process
write its values to files there and a scrape adds them up. Worker processes serve their own
`/metrics` on `worker.metrics_port` (`serve_worker_metrics`), since the counters of scoring live
in the worker that scored.

Cluster-wide values (queue depth, workers alive, comments waiting) are read from Redis and the
database at scrape time by `ClusterCollector`, so every web replica reports the same numbers:
take `max()` of them across replicas, never `sum()`.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    start_http_server,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

log = logging.getLogger(__name__)

HTTP_REQUESTS = Counter(
    "moderation_http_requests",
    "HTTP requests answered, by route (the URL rule, not the path), method and status.",
    ["route", "method", "status"],
)
HTTP_LATENCY = Histogram(
    "moderation_http_request_seconds",
    "Time to answer an HTTP request, by route and method.",
    ["route", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
COMMENTS_DECIDED = Counter(
    "moderation_comments_decided",
    "Comments the scoring workers decided, by outcome and the reason that set it "
    "(a rule id, a model label, model_unavailable, or none when approved).",
    ["outcome", "reason"],
)
DECISION_LATENCY = Histogram(
    "moderation_submit_to_decision_seconds",
    "From a comment's submission to the scoring worker's decision.",
    buckets=(0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 900.0),
)
BATCH_SIZE = Histogram(
    "moderation_scoring_batch_size",
    "Comments scored together by one call of the pipeline (rules, then one model batch).",
    buckets=(1, 2, 4, 8, 16, 32, 64, 128),
)
BATCH_LATENCY = Histogram(
    "moderation_scoring_batch_seconds",
    "Time to score one batch: rules, then the model.",
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
SYNC_DECISIONS = Counter(
    "moderation_sync_decisions",
    "Texts decided at once, storing nothing (decisions/): by caller (coral, precheck) and "
    "outcome (approve, hold, reject, unknown: the model did not answer by the deadline).",
    ["caller", "outcome"],
)
SYNC_DECISION_LATENCY = Histogram(
    "moderation_sync_decision_seconds",
    "Time to decide a text at once: rules, the model on a scoring worker, the verdict.",
    ["caller"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.5, 0.75, 1.0, 2.5),
)
RECONCILED = Counter(
    "moderation_reconcile_requeued_comments",
    "Comments found pending too long and enqueued again by reconcile.",
)
SURGES = Counter(
    "moderation_surges",
    "Article surges (surge protection) started, by what passed its level (held_share, reports), "
    "and ended, by cause (cooled_down, moderator).",
    ["change", "cause"],
)
WEBHOOK_DELIVERIES = Counter(
    "moderation_webhook_deliveries",
    "Webhook delivery attempts, by result (delivered, failed, dead, ...).",
    ["result"],
)


def record_request(route: str, method: str, status: int, seconds: float) -> None:
    """One answered HTTP request."""
    HTTP_REQUESTS.labels(route, method, str(status)).inc()
    HTTP_LATENCY.labels(route, method).observe(seconds)


def record_batch(size: int, seconds: float) -> None:
    """One scored batch of `size` comments."""
    BATCH_SIZE.observe(size)
    BATCH_LATENCY.observe(seconds)


def record_decision(outcome: str, reason: str, waited_seconds: float | None) -> None:
    """One comment decided by a scoring worker, `waited_seconds` after it was submitted."""
    COMMENTS_DECIDED.labels(outcome, reason).inc()
    if waited_seconds is not None and waited_seconds >= 0:
        DECISION_LATENCY.observe(waited_seconds)


def record_reconcile(requeued: int) -> None:
    """A reconcile pass that enqueued `requeued` comments again."""
    RECONCILED.inc(requeued)


def record_surge(change: str, cause: str) -> None:
    """An article's surge `change`d ("started" or "ended"); `cause` is a short fixed word."""
    SURGES.labels(change, cause).inc()


def record_webhook_delivery(result: str) -> None:
    """One webhook delivery attempt; `result` is a short fixed word: delivered, failed, dead."""
    WEBHOOK_DELIVERIES.labels(result).inc()


class ClusterCollector(Collector):
    """Values read at scrape time from shared state: queue depths, workers, waiting comments.

    Each source is a callable so this module needs no Redis or database of its own; one that
    fails is left out of the scrape (and logged), never failing the whole scrape.
    """

    def __init__(
        self,
        queue_depths: Callable[[], Mapping[str, int]],
        workers_alive: Callable[[], Mapping[str, int]],
        pending: Callable[[], tuple[int, float]] | None = None,
    ) -> None:
        self.queue_depths = queue_depths
        self.workers_alive = workers_alive
        self.pending = pending

    def collect(self) -> Iterable[Metric]:
        try:
            depth = GaugeMetricFamily(
                "moderation_queue_depth", "Jobs waiting in each RQ queue.", labels=["queue"]
            )
            for queue, count in self.queue_depths().items():
                depth.add_metric([queue], count)
            yield depth
        except Exception as error:
            log.warning("metrics: queue depth unavailable: %s", error)
        try:
            alive = GaugeMetricFamily(
                "moderation_workers_alive",
                "Worker processes with a fresh heartbeat, by kind (scoring workers by whether "
                "their model is loaded).",
                labels=["kind"],
            )
            for kind, count in self.workers_alive().items():
                alive.add_metric([kind], count)
            yield alive
        except Exception as error:
            log.warning("metrics: workers unavailable: %s", error)
        if self.pending is None:
            return
        try:
            count, oldest = self.pending()
            yield GaugeMetricFamily(
                "moderation_pending_comments", "Comments waiting for a decision.", value=count
            )
            yield GaugeMetricFamily(
                "moderation_oldest_pending_seconds",
                "Age of the oldest comment still waiting for a decision (0 when none).",
                value=oldest,
            )
        except Exception as error:
            log.warning("metrics: pending comments unavailable: %s", error)


def exposition(*collectors: Collector) -> tuple[bytes, str]:
    """The scrape body and its content type: this process (or every gunicorn process) + extras."""
    registry: CollectorRegistry
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    else:
        registry = CollectorRegistry()
        registry.register(_Everything())
    for collector in collectors:
        registry.register(collector)
    return generate_latest(registry), CONTENT_TYPE_LATEST


class _Everything(Collector):
    """The default registry's metrics (this process's own, plus process and platform)."""

    def collect(self) -> Iterable[Metric]:
        return REGISTRY.collect()


def serve_worker_metrics(port: int, address: str = "0.0.0.0") -> Any:
    """Serve this worker process's metrics on `port` in a thread; None when off or taken."""
    if port <= 0:
        return None
    try:
        return start_http_server(port, addr=address)
    except OSError as error:
        log.warning("worker metrics not served on port %s: %s", port, error)
        return None


def mark_process_dead(pid: int) -> None:
    """gunicorn's child_exit hook: drop a dead web process's live gauges (multiprocess mode)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid)  # type: ignore[no-untyped-call]
