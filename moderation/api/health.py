"""Liveness and readiness probes."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify

from moderation.api.context import services

blp = Blueprint("health", __name__)


@blp.get("/healthz")
def healthz() -> Any:
    """The process is up and answering."""
    return jsonify({"status": "ok"})


@blp.get("/readyz")
def readyz() -> Any:
    """Database and Redis reachable, and a worker with a model loaded (or why not)."""
    report = services().readiness()
    response = jsonify(report)
    response.status_code = 200 if report["ready"] else 503
    return response
