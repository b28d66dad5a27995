"""Pages and files for browsers: the embeddable comment widget and the demo article page.

This package reaches the API only over HTTP, as a newsroom's page would: the widget script
calls the public endpoints from the reader's browser.
"""

from __future__ import annotations

from flask import Flask

from moderation.web import pages, review


def init_app(app: Flask) -> None:
    """Register the widget script and, when enabled, the demo page."""
    app.register_blueprint(pages.blp)
    app.register_blueprint(review.blp)
