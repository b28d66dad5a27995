"""HTTP: flask-smorest blueprints, marshmallow schemas, auth and the mapping of errors."""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api

from moderation.api import (
    articles,
    audit,
    auth,
    authors,
    comments,
    errors,
    feedback,
    health,
    perspective,
    reports,
    review,
    stats,
    webhooks,
)


def init_app(app: Flask) -> Api:
    """Register the API's blueprints, auth and error handlers on `app`."""
    api = Api(app)
    api.spec.components.security_scheme(
        "moderatorToken", {"type": "http", "scheme": "bearer", "description": "moderator token"}
    )
    errors.init_app(app)
    auth.init_app(app)
    api.register_blueprint(comments.blp)
    api.register_blueprint(review.blp)
    app.register_blueprint(health.blp)
    api.register_blueprint(feedback.blp)
    app.register_blueprint(perspective.blp)
    for blueprint in (authors.blp, reports.blp, audit.blp, stats.blp):
        api.register_blueprint(blueprint)
    api.register_blueprint(webhooks.blp)
    api.register_blueprint(articles.blp)
    return api
