"""Liveness and readiness probes."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify

from moderation.web.context import service

blp = Blueprint("health", __name__)


class ReadinessCheck:
    """What /readyz reports: each check's outcome, and `ready` when every one passed.

    The app provides a subclass (scoring/readiness.py); the web layer knows only this shape.
    """

    def __call__(self) -> dict[str, Any]:
        raise NotImplementedError


@blp.get("/healthz")
def healthz() -> Any:
    """The process is up and answering."""
    return jsonify({"status": "ok"})


@blp.get("/readyz")
def readyz() -> Any:
    """Database and Redis reachable, and a worker with a model loaded (or why not)."""
    report = service(ReadinessCheck)()
    response = jsonify(report)
    response.status_code = 200 if report["ready"] else 503
    return response
