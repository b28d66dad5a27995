"""`create_app(settings)`: the WSGI application, wired from the settings it is given."""

from __future__ import annotations

import functools
import re
import uuid
from typing import Any

from flask import Flask, g, request
from redis import Redis

from moderation import api, logging_setup, web
from moderation.api import cors
from moderation.api import metrics as metrics_api
from moderation.api.context import AppServices
from moderation.config import Settings, load_settings
from moderation.services.articles import ArticleService
from moderation.services.comments import CommentService
from moderation.services.health import readiness
from moderation.services.perspective import build_perspective_services
from moderation.services.queueing import RQWorkQueue, WorkQueue
from moderation.services.review import ReviewService
from moderation.services.telemetry import cluster_collector
from moderation.services.webhook_queue import WebhookQueue, notify_outbox_commits
from moderation.services.webhooks import WebhookService
from moderation.services.workbench import build_workbench
from moderation.services.workers import WorkerRegistry
from moderation.store.session import make_engine, make_session_factory

_REQUEST_ID = re.compile(r"^[\w.:-]{1,100}$")


def create_app(settings: Settings, work_queue: WorkQueue | None = None) -> Flask:
    """Build the app. Connections open lazily, on first use; the schema is not touched here."""
    app = Flask(__name__)
    app.config.update(
        MODERATION_SETTINGS=settings,
        MAX_CONTENT_LENGTH=settings.server.max_request_bytes,
        JSON_SORT_KEYS=False,
        API_TITLE="Comment moderation",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/",
        OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH="/docs",
        OPENAPI_SWAGGER_UI_URL="https://cdn.jsdelivr.net/npm/swagger-ui-dist/",
        API_SPEC_OPTIONS={
            "info": {
                "description": "Take reader comments in, score them in the background, "
                "and let moderators review what is held."
            }
        },
    )
    engine = make_engine(settings.database.url)
    sessions = make_session_factory(engine)
    redis = Redis.from_url(settings.redis.url, socket_timeout=5, socket_connect_timeout=2)
    queue = work_queue or RQWorkQueue(redis, settings.redis.score_queue)
    webhook_queue = WebhookQueue(redis, settings.webhooks.queue)
    notify_outbox_commits(sessions, webhook_queue)
    workers = WorkerRegistry(redis, settings.worker.heartbeat_seconds)
    app.extensions["moderation"] = AppServices(
        comments=CommentService(sessions, queue),
        review=ReviewService(
            sessions, settings.review.undo_seconds, settings.review.hide_threshold
        ),
        readiness=functools.partial(readiness, sessions, redis, workers),
        settings=settings,
        workbench=build_workbench(sessions, redis, settings),
        webhooks=WebhookService(sessions, settings.webhooks, webhook_queue),
        articles=ArticleService(sessions, settings.rules),
    )
    app.extensions["moderation_engine"] = engine
    app.extensions["perspective"] = build_perspective_services(
        settings.perspective, sessions, redis, workers
    )
    app.before_request(_assign_request_id)
    app.after_request(_echo_request_id)
    app.teardown_request(_forget_request_id)
    queue_names = [
        settings.perspective.queue,
        settings.redis.score_queue,
        settings.webhooks.queue,
        settings.review.bulk_queue,
    ]
    metrics_api.init_app(app, cluster_collector(sessions, redis, workers, queue_names))
    api.init_app(app)
    cors.init_app(app)
    web.init_app(app)
    return app


def _assign_request_id() -> None:
    given = request.headers.get("X-Request-ID", "")
    g.request_id = given if _REQUEST_ID.match(given) else uuid.uuid4().hex
    logging_setup.bind(request_id=g.request_id)


def _forget_request_id(error: BaseException | None) -> None:
    # A process serves one request after another: later log lines must not carry this id.
    logging_setup.bind(request_id=None)


def _echo_request_id(response: Any) -> Any:
    response.headers["X-Request-ID"] = g.get("request_id", "")
    return response


def wsgi() -> Flask:
    """Entry point for WSGI servers: `gunicorn 'moderation.app:wsgi()'`, settings from the env."""
    settings = load_settings()
    logging_setup.configure(settings.logging.format, settings.logging.level)
    return create_app(settings)
