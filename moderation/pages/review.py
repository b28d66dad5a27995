"""GET /review: the moderators' page. It signs in with a moderator token (kept in the tab's
sessionStorage) and works the review API over HTTP, like any other client of it."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, render_template

# No inline script or style, no other origin: a token typed into this page stays on it.
REVIEW_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)

blp = Blueprint(
    "review_page",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/review/static",
)


@blp.route("/review")
def review_page() -> Any:
    """The review queue, one comment at a time, worked from the keyboard."""
    response = current_app.make_response(render_template("review.html"))
    response.headers["Content-Security-Policy"] = REVIEW_CSP
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"
    return response
