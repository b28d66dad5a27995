"""Pages and files for browsers: the embeddable comment widget, the demo article page and the
moderators' review page.

This package reaches the API only over HTTP, as a newsroom's page would: the widget script
calls the public endpoints from the reader's browser, the review page the review API.
"""

from __future__ import annotations

from flask import Flask

from moderation.pages import docs, review, widget


def init_app(app: Flask) -> None:
    """Register the widget script, the demo page (when enabled), the review page and /docs."""
    app.register_blueprint(widget.blp)
    app.register_blueprint(review.blp)
    app.register_blueprint(docs.blp)
