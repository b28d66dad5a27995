"""Metrics and logs without a server: names, exposition, JSON lines with the request id."""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

from moderation.config import PROJECT_ROOT
from moderation.observability import logging_setup, metrics


def scrape(*collectors: metrics.Collector) -> dict[str, list[Any]]:
    body, content_type = metrics.exposition(*collectors)
    assert content_type.startswith("text/plain")
    return {family.name: family.samples for family in text_string_to_metric_families(body.decode())}


def test_exposition_parses_and_holds_every_metric_recorded() -> None:
    metrics.record_request("/v1/comments/<int:comment_id>", "GET", 200, 0.01)
    metrics.record_batch(4, 0.2)
    metrics.record_decision("held", "links", 1.5)
    metrics.record_reconcile(2)
    metrics.record_webhook_delivery("delivered")
    metrics.record_surge("started", "held_share")
    families = scrape()
    for name in (
        "moderation_http_requests",
        "moderation_http_request_seconds",
        "moderation_comments_decided",
        "moderation_submit_to_decision_seconds",
        "moderation_scoring_batch_size",
        "moderation_scoring_batch_seconds",
        "moderation_reconcile_requeued_comments",
        "moderation_webhook_deliveries",
        "moderation_surges",
    ):
        assert name in families, name


def test_cluster_values_come_from_their_sources_and_a_failing_one_is_left_out() -> None:
    def broken() -> dict[str, int]:
        raise ConnectionError("redis is away")

    families = scrape(
        metrics.ClusterCollector(
            queue_depths=lambda: {"score": 7, "webhooks": 0},
            workers_alive=broken,
            pending=lambda: (3, 42.0),
        )
    )
    depth = {sample.labels["queue"]: sample.value for sample in families["moderation_queue_depth"]}
    assert depth == {"score": 7, "webhooks": 0}
    assert "moderation_workers_alive" not in families
    assert families["moderation_oldest_pending_seconds"][0].value == 42.0


def test_the_sample_dashboard_only_queries_metrics_that_exist() -> None:
    dashboard = json.loads((PROJECT_ROOT / "docs" / "grafana-dashboard.json").read_text())
    queried = {
        name
        for panel in dashboard["panels"]
        for target in panel["targets"]
        for name in re.findall(r"\bmoderation_\w+", target["expr"])
    }
    families = scrape(
        metrics.ClusterCollector(lambda: {"score": 0}, lambda: {"scoring": 1}, lambda: (0, 0.0))
    )
    exposed = {sample.name for samples in families.values() for sample in samples}
    assert queried
    assert queried <= exposed, queried - exposed


def test_json_lines_carry_the_bound_request_id_and_extras() -> None:
    formatter = logging_setup.JsonFormatter()
    context_filter = logging_setup.ContextFilter()
    with logging_setup.bound(request_id="req-123", comment_id=9):
        record = logging.makeLogRecord(
            {
                "name": "moderation.scoring.jobs",
                "levelname": "INFO",
                "msg": "comment %s held",
                "args": (9,),
                "outcome": "held",
            }
        )
        context_filter.filter(record)
    line = json.loads(formatter.format(record))
    assert line["message"] == "comment 9 held"
    assert line["request_id"] == "req-123"
    assert line["comment_id"] == 9
    assert line["outcome"] == "held"
    assert logging_setup.context() == {}, "the binding ends with the block"
