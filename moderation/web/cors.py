"""Cross-origin access to the public endpoints, for the widget embedded on newsroom pages.

Only origins listed in `web.allowed_origins` or in the request's site's own origins (sites/)
get CORS headers, and only on the public paths (post a comment, read its status, list an
article's comments, report one, exchange a commenter token, send a DSA notice and read its
status with the reporter's `X-Notice-Secret`, appeal). The widget sends a commenter
session in the `Authorization` header and revalidates pages with `If-None-Match`, so
preflights allow both (and `ETag` is exposed); no cookie is ever sent
(no `Access-Control-Allow-Credentials`). The review API never answers
cross-origin: a moderator's token must not be usable from another site's page.
"""

from __future__ import annotations

from collections.abc import Callable, Collection

from flask import Flask, Response, request

PUBLIC_PREFIXES = (
    "/v1/articles/",
    "/v1/comments/",
    "/v1/commenter-sessions",
    "/v1/sites/",
    "/v1/dsa/notices",
)
# Admin paths under /v1/sites/ that are not public: /v1/sites and /v1/sites/<site> themselves.
_PUBLIC_UNDER_SITES = ("/articles/", "/comments/", "/commenter-sessions")
ALLOWED_METHODS = "GET, POST, OPTIONS"
# An author edits a comment with PATCH on its status path; no other public path takes PATCH
# (an article's settings are the admins', and never answered cross-origin with it).
COMMENT_METHODS = "GET, POST, PATCH, OPTIONS"
# If-None-Match: the widget revalidates the pages it has (a 304 keeps what it shows), so it
# must be allowed and the ETag readable; neither is CORS-safelisted.
ALLOWED_HEADERS = (
    "authorization",
    "content-type",
    "idempotency-key",
    "if-none-match",
    "x-request-id",
    "x-notice-secret",
)
EXPOSED_HEADERS = "ETag, Location, X-Request-ID"
PREFLIGHT_MAX_AGE = "600"


class CorsPolicy:
    """Which origins may call the public endpoints, and the headers that say so."""

    def __init__(
        self,
        allowed_origins: list[str],
        site_origins: Callable[[], Collection[str]] | None = None,
    ) -> None:
        self.any_origin = "*" in allowed_origins
        self.origins = {origin.lower() for origin in allowed_origins if origin != "*"}
        # The request's site's origins, asked only for an origin the settings do not name.
        self.site_origins = site_origins

    def allows(self, origin: str) -> bool:
        if self.any_origin or origin.lower() in self.origins:
            return True
        return self.site_origins is not None and origin.lower() in self.site_origins()

    def apply(self, response: Response) -> Response:
        """Add CORS headers to an answer on a public path; turn a preflight into a 204."""
        if not _is_public(request.path):
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
            response.headers["Access-Control-Allow-Methods"] = (
                COMMENT_METHODS if _is_comment_path(request.path) else ALLOWED_METHODS
            )
            response.headers["Access-Control-Allow-Headers"] = ", ".join(
                name for name in wanted if name in ALLOWED_HEADERS
            ) or ", ".join(ALLOWED_HEADERS)
            response.headers["Access-Control-Max-Age"] = PREFLIGHT_MAX_AGE
        else:
            response.headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
        return response


def _is_public(path: str) -> bool:
    if not path.startswith(PUBLIC_PREFIXES):
        return False
    if path.startswith("/v1/sites/"):
        _, _, rest = path.removeprefix("/v1/sites/").partition("/")
        return ("/" + rest).startswith(_PUBLIC_UNDER_SITES)
    return True


def _is_preflight() -> bool:
    return request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers


def init_app(app: Flask, site_origins: Callable[[], Collection[str]] | None = None) -> None:
    """Answer cross-origin requests from the configured origins on the public endpoints."""
    policy = CorsPolicy(app.config["MODERATION_SETTINGS"].web.allowed_origins, site_origins)
    app.extensions["moderation_cors"] = policy
    app.after_request(policy.apply)


def _is_comment_path(path: str) -> bool:
    """/v1/comments/<id> or /v1/sites/<site>/comments/<id>: where an author edits a comment."""
    parts = path.strip("/").split("/")
    if parts[:2] == ["v1", "sites"]:
        parts = ["v1", *parts[3:]]
    return len(parts) == 3 and parts[1] == "comments"
