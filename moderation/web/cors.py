"""Cross-origin access to the public endpoints, for the widget embedded on newsroom pages.

Only origins listed in `web.allowed_origins` get CORS headers, and only on the public paths
(post a comment, read its status, list an article's comments). The review API never answers
cross-origin: a moderator's token must not be usable from another site's page.
"""

from __future__ import annotations

from flask import Flask, Response, request

PUBLIC_PREFIXES = ("/v1/articles/", "/v1/comments/")
ALLOWED_METHODS = "GET, POST, OPTIONS"
ALLOWED_HEADERS = ("content-type", "idempotency-key", "x-request-id")
EXPOSED_HEADERS = "Location, X-Request-ID"
PREFLIGHT_MAX_AGE = "600"


class CorsPolicy:
    """Which origins may call the public endpoints, and the headers that say so."""

    def __init__(self, allowed_origins: list[str]) -> None:
        self.any_origin = "*" in allowed_origins
        self.origins = {origin.lower() for origin in allowed_origins if origin != "*"}

    def allows(self, origin: str) -> bool:
        return self.any_origin or origin.lower() in self.origins

    def apply(self, response: Response) -> Response:
        """Add CORS headers to an answer on a public path; turn a preflight into a 204."""
        if not request.path.startswith(PUBLIC_PREFIXES):
            return response
        # Caches must not hand one origin's answer to another.
        response.vary.add("Origin")
        origin = request.headers.get("Origin")
        if not origin or not self.allows(origin):
            return response
        response.headers["Access-Control-Allow-Origin"] = origin
        if _is_preflight():
            requested = request.headers.get("Access-Control-Request-Headers", "")
            wanted = [name.strip().lower() for name in requested.split(",") if name.strip()]
            if response.status_code == 200:
                # Flask's automatic OPTIONS answer; a preflight to an unknown path keeps its 404.
                response.status_code = 204
                response.set_data(b"")
                response.headers.pop("Content-Type", None)
            response.headers["Access-Control-Allow-Methods"] = ALLOWED_METHODS
            response.headers["Access-Control-Allow-Headers"] = ", ".join(
                name for name in wanted if name in ALLOWED_HEADERS
            ) or ", ".join(ALLOWED_HEADERS)
            response.headers["Access-Control-Max-Age"] = PREFLIGHT_MAX_AGE
        else:
            response.headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
        return response


def _is_preflight() -> bool:
    return request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers


def init_app(app: Flask) -> None:
    """Answer cross-origin requests from the configured origins on the public endpoints."""
    policy = CorsPolicy(app.config["MODERATION_SETTINGS"].web.allowed_origins)
    app.extensions["moderation_cors"] = policy
    app.after_request(policy.apply)
