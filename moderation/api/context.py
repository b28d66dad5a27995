"""The services an app was built with, reachable from request handlers."""

from __future__ import annotations

import dataclasses
from typing import Any

from flask import current_app, g, request


@dataclasses.dataclass(frozen=True)
class AppServices:
    """Everything handlers call: use-case services and the readiness check."""

    comments: Any
    review: Any
    readiness: Any
    settings: Any
    workbench: Any = None
    webhooks: Any = None
    articles: Any = None


def services() -> AppServices:
    found: AppServices = current_app.extensions["moderation"]
    return found


def public_base() -> str:
    """The service's address as readers reach it, ending in "/".

    `server.public_base_url` when set (behind a proxy that rewrites the host), else the
    address of the current request.
    """
    configured: str = current_app.config["MODERATION_SETTINGS"].server.public_base_url
    return configured.rstrip("/") + "/" if configured else request.host_url


def request_id() -> str:
    return str(g.get("request_id") or request.headers.get("X-Request-ID") or "")
