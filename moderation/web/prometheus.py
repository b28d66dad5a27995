"""`GET /metrics` for Prometheus, and the request hooks that count and log every answer."""

from __future__ import annotations

import logging
import time
from typing import Any

from flask import Blueprint, Flask, Response, current_app, g, request

from moderation.observability import metrics
from moderation.observability.metrics import ClusterCollector
from moderation.web.context import loggable_path

blp = Blueprint("metrics", __name__)
log = logging.getLogger("moderation.requests")

# Probes and scrapes arrive every few seconds; their lines go to DEBUG, not INFO.
_QUIET_ROUTES = {"/metrics", "/healthz", "/readyz"}


@blp.get("/metrics")
def scrape() -> Response:
    """This web process's metrics (every gunicorn process's, in multiprocess mode) and the
    cluster's: queue depth per queue, workers alive, comments waiting."""
    collector: ClusterCollector | None = current_app.extensions.get("metrics_collector")
    body, content_type = metrics.exposition(*([collector] if collector else []))
    return Response(body, content_type=content_type)


def _start_timer() -> None:
    g.metrics_started = time.perf_counter()


def _record(response: Any) -> Any:
    started = g.pop("metrics_started", None)
    if started is None:
        return response
    seconds = time.perf_counter() - started
    route = request.url_rule.rule if request.url_rule is not None else "unmatched"
    metrics.record_request(route, request.method, response.status_code, seconds)
    path = loggable_path()
    log.log(
        logging.DEBUG if route in _QUIET_ROUTES else logging.INFO,
        "%s %s %s %.1fms",
        request.method,
        path,
        response.status_code,
        seconds * 1000,
        extra={
            "method": request.method,
            "path": path,
            "route": route,
            "status": response.status_code,
            "duration_ms": round(seconds * 1000, 2),
        },
    )
    return response


def init_app(app: Flask, collector: ClusterCollector | None = None) -> None:
    """Count and time every request, and serve /metrics (with `collector`'s cluster values)."""
    if collector is not None:
        app.extensions["metrics_collector"] = collector
    app.before_request(_start_timer)
    app.after_request(_record)
    app.register_blueprint(blp)
