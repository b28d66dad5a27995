"""Pages and files for browsers: the embeddable comment widget, the demo article page and the
moderators' review page.

The scripts reach the API only over HTTP, as a newsroom's page would: the widget calls the
public endpoints from the reader's browser, the review page the review API. The one server-side
call is the demo page's: it seeds its article's thread through the comments core (demo.py).
"""

from __future__ import annotations

from flask import Flask

from moderation.pages import docs, review, widget


def init_app(app: Flask) -> None:
    """Register the widget script, the demo page (when enabled), the review page and /docs."""
    app.register_blueprint(widget.blp)
    app.register_blueprint(review.blp)
    app.register_blueprint(docs.blp)
