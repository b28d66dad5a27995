"""Headers that harden every answer, and the throttle on wrong credentials (web/throttle.py).

- `X-Content-Type-Options: nosniff` and `Referrer-Policy: no-referrer` on every answer.
- A `Content-Security-Policy` on every answer that sets none of its own: nothing may load,
  run or frame it. Pages that need more set their own (`/review`, `/demo`, `/docs` in pages/).
- The client's address that per-address limits count is `request.remote_addr`: the connection's
  peer, or, behind `server.proxy_hops` trusted proxies, the client they name (web/proxy.py).
"""

from __future__ import annotations

from typing import Any

from flask import Flask

from moderation.config import Settings
from moderation.web import throttle

# For answers that are not pages (JSON, scripts) and pages without a policy of their own.
DEFAULT_CSP = "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"


def init_app(app: Flask) -> None:
    """Headers on every answer, and the throttle."""
    settings: Settings = app.config["MODERATION_SETTINGS"]
    throttle.init_app(app, settings.redis.url, settings.web.bad_credentials_per_minute)
    app.after_request(_harden)


def _harden(response: Any) -> Any:
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "no-referrer")
    headers.setdefault("Content-Security-Policy", DEFAULT_CSP)
    return response
