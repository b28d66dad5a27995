"""GET /widget.js (the embeddable comment widget) and GET /demo (a news article that embeds it)."""

from __future__ import annotations

import functools
import hashlib
import json
import re
from pathlib import Path
from typing import Any

from flask import Blueprint, abort, current_app, render_template, request

from moderation.comments.service import CommentService
from moderation.config import Settings
from moderation.pages.demo import DEMO_ARTICLE_ID, ensure_demo_thread
from moderation.web.context import service

STATIC = Path(__file__).parent / "static"
# The same shape the API accepts for an article id.
_ARTICLE_ID = re.compile(r"^[\w.:~@+-]{1,200}$")
# widget.js carries this line; the served copy has the server's own limits in it, so the
# character counter agrees with what the API accepts.
LIMITS_LINE = 'var LIMITS = {"maxLength": 5000, "maxNameLength": 100};'
# The demo page allows no inline script or style: the widget must work on strict pages too.
DEMO_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)

blp = Blueprint(
    "web",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/web/static",
)


def _settings() -> Settings:
    settings: Settings = current_app.config["MODERATION_SETTINGS"]
    return settings


@functools.lru_cache(maxsize=8)
def widget_source(max_length: int, max_name_length: int, modified: int) -> tuple[bytes, str]:
    """The widget script with these limits written in, and its ETag; `modified` is the file's
    mtime, so an edited widget.js is served without a restart."""
    source = (STATIC / "widget.js").read_text(encoding="utf-8")
    if LIMITS_LINE not in source:
        raise RuntimeError(f"widget.js lost its limits line: {LIMITS_LINE}")
    limits = json.dumps({"maxLength": max_length, "maxNameLength": max_name_length})
    body = source.replace(LIMITS_LINE, f"var LIMITS = {limits};").encode()
    return body, hashlib.sha256(body).hexdigest()[:32]


@blp.route("/widget.js")
def widget_script() -> Any:
    """The comment widget, for `<script src=".../widget.js" data-article-id="..." async>`."""
    comments = _settings().comments
    modified = (STATIC / "widget.js").stat().st_mtime_ns
    body, etag = widget_source(comments.max_length, comments.max_author_name, modified)
    response = current_app.response_class(body, mimetype="text/javascript")
    response.set_etag(etag)
    # Short: a fix to the widget reaches every embedding page within minutes.
    response.cache_control.public = True
    response.cache_control.max_age = 300
    response.headers["X-Content-Type-Options"] = "nosniff"
    # Any site may load the script; it is the API, not the script, that checks origins.
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response.make_conditional(request)


@blp.route("/demo")
def demo() -> Any:
    """A news article page with the widget embedded, as a newsroom would embed it.

    `?article=<id>` shows the comments of another article id (tests use a fresh one each run);
    the demo article itself gets its seeded thread first (pages/demo.py).
    """
    if not _settings().web.demo_page:
        abort(404)
    article_id = request.args.get("article", DEMO_ARTICLE_ID)
    if not _ARTICLE_ID.match(article_id):
        abort(404)
    if article_id == DEMO_ARTICLE_ID:
        ensure_demo_thread(service(CommentService))
    response = current_app.make_response(render_template("demo.html", article_id=article_id))
    response.headers["Content-Security-Policy"] = DEMO_CSP
    return response
