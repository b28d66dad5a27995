"""Headers that harden every answer, the client's address behind trusted proxies, and the
throttle on wrong credentials (web/throttle.py).

- `X-Content-Type-Options: nosniff` and `Referrer-Policy: no-referrer` on every answer.
- A `Content-Security-Policy` on every answer that sets none of its own: nothing may load,
  run or frame it. Pages that need more set their own (`/review`, `/demo` in pages/), and the
  API docs page (`/docs`, Swagger UI from a CDN) gets one allowing that CDN and its one inline
  script.
- `request.remote_addr` is the client's address: the connection's peer, or with
  `web.trusted_proxies` = N, the address N hops from the end of X-Forwarded-For (werkzeug's
  ProxyFix), so the per-address limits count clients, not proxies, and cannot be dodged by
  writing the header.
"""

from __future__ import annotations

import base64
import hashlib
import re
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, current_app, request
from werkzeug.middleware.proxy_fix import ProxyFix

from moderation.config import Settings
from moderation.web import throttle

# For answers that are not pages (JSON, scripts) and pages without a policy of their own.
DEFAULT_CSP = "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
_INLINE_SCRIPT = re.compile(rb"<script>(.*?)</script>", re.DOTALL)


def init_app(app: Flask) -> None:
    """Headers on every answer, the client address from trusted proxies, the throttle."""
    settings: Settings = app.config["MODERATION_SETTINGS"]
    if settings.web.trusted_proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.web.trusted_proxies)  # type: ignore[method-assign]
    throttle.init_app(app, settings.redis.url, settings.web.bad_credentials_per_minute)
    app.after_request(_harden)


def _harden(response: Any) -> Any:
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "no-referrer")
    if "Content-Security-Policy" not in headers:
        docs_page = (request.endpoint or "").endswith(".openapi_swagger_ui")
        headers["Content-Security-Policy"] = _docs_csp(response) if docs_page else DEFAULT_CSP
    return response


def _docs_csp(response: Any) -> str:
    """Swagger UI's page: scripts and styles from the configured CDN folder, and its inline
    script by hash (hashed as served, so a flask-smorest upgrade that changes the script keeps
    working; the page holds nothing from the request)."""
    cdn = current_app.config.get("OPENAPI_SWAGGER_UI_URL", "")
    parts = urlsplit(cdn)
    origin = f"{parts.scheme}://{parts.netloc}" if parts.netloc else ""
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(script).digest()).decode() + "'"
        for script in _INLINE_SCRIPT.findall(response.get_data())
    )
    return (
        f"default-src 'none'; script-src {cdn} {hashes}; "
        # Swagger UI's components write style attributes.
        f"style-src {cdn} 'unsafe-inline'; img-src 'self' data: {origin}; font-src {origin}; "
        "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )
