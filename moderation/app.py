"""`create_app(settings)`: the WSGI application, wired from the settings it is given."""

from __future__ import annotations

import re
import uuid
from typing import Any

from flask import Flask, g, request
from flask_smorest import Api
from redis import Redis

from moderation import pages
from moderation.accounts import api as accounts_api
from moderation.accounts.lookup import AccountTokens
from moderation.accounts.service import AccountService
from moderation.articles import api as articles_api
from moderation.articles.service import ArticleService
from moderation.comments import api as comments_api
from moderation.comments.edits import CommentEdits
from moderation.comments.service import CommentService
from moderation.comments.thread_cache import ThreadCache
from moderation.comments.work_queue import WorkQueue
from moderation.config import Settings, load_settings
from moderation.coral import api as coral_api
from moderation.db.session import make_engine, make_session_factory
from moderation.decisions import api as precheck_api
from moderation.decisions.service import DecisionService, warm_in_background
from moderation.dsa import api as dsa_api
from moderation.dsa import review_api as dsa_review_api
from moderation.dsa.appeals import AppealService
from moderation.dsa.notices import NoticeService
from moderation.dsa.statements import StatementService
from moderation.dsa.transparency import TransparencyService
from moderation.observability import logging_setup
from moderation.perspective import api as perspective_api
from moderation.perspective import feedback_api
from moderation.perspective.feedback import FeedbackService
from moderation.perspective.services import build_perspective_services, warm_analyze
from moderation.policies import api as policies_api
from moderation.policies.report import PolicyReports
from moderation.policies.service import PolicyService
from moderation.policies.spot_checks import SpotCheckService
from moderation.privacy import api as privacy_api
from moderation.privacy.service import PrivacyService
from moderation.review.api import audit as audit_api
from moderation.review.api import authors as authors_api
from moderation.review.api import reports as reports_api
from moderation.review.api import review as review_api
from moderation.review.api import stats as stats_api
from moderation.review.service import ReviewService
from moderation.review.workbench import build_workbench
from moderation.scoring.queue import RQWorkQueue
from moderation.scoring.readiness import Readiness
from moderation.scoring.registry import WorkerRegistry
from moderation.scoring.telemetry import cluster_collector
from moderation.sites import api as sites_api
from moderation.sites import commenters_api
from moderation.sites.commenters import CommenterService
from moderation.sites.routing import request_site_origins
from moderation.sites.service import SiteService
from moderation.surge import api as surge_api
from moderation.surge.counters import SurgeCounters
from moderation.surge.service import SurgeService
from moderation.transfer import api as transfer_api
from moderation.transfer.service import TransferService
from moderation.web import (
    auth,
    cors,
    errors,
    health,
    limits,
    openapi,
    prometheus,
    proxy,
    request_checks,
    security,
)
from moderation.web.context import WARMUPS, provide
from moderation.webhooks import api as webhooks_api
from moderation.webhooks import payloads as webhook_payloads
from moderation.webhooks.queue import WebhookQueue, notify_outbox_commits
from moderation.webhooks.subscriptions import WebhookService

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
        OPENAPI_VERSION="3.1.0",
        OPENAPI_URL_PREFIX="/",
        OPENAPI_JSON_PATH="openapi.json",
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
    sites = SiteService(sessions, settings)
    surge = SurgeService(sessions, settings.surge, sites, SurgeCounters(redis))
    workbench = build_workbench(sessions, redis, settings, sites, surge)
    perspective = build_perspective_services(settings.perspective, sessions, redis, workers)
    policies = PolicyService(sessions, settings, sites)
    provide(
        app,
        settings,
        CommentService(sessions, queue),
        CommentEdits(sessions, queue),
        TransferService(sessions, queue, sites),
        ThreadCache(redis, settings.reads.cache_seconds).watch(sessions),
        ReviewService(sessions, workbench.reports.rules, settings.review.undo_seconds, surge),
        Readiness(sessions, redis, workers),
        workbench,
        WebhookService(sessions, settings.webhooks, webhook_queue),
        ArticleService(sessions, settings.rules),
        surge,
        sites,
        CommenterService(redis, settings),
        perspective,
        DecisionService(sessions, sites, settings, perspective.analysis),
        AccountService(sessions, reserved_logins=_environment_names(settings)),
        NoticeService(sessions),
        AppealService(sessions, settings.dsa),
        StatementService(sessions, settings.dsa),
        TransparencyService(sessions),
        PrivacyService(sessions, settings),
        policies,
        PolicyReports(sessions, sites, policies, FeedbackService(sessions).labelled_pairs),
        SpotCheckService(sessions),
    )
    app.extensions["moderation_engine"] = engine
    # Run by gunicorn in each worker process (web/gunicorn_conf.py), never by tests or tools.
    app.extensions[WARMUPS] = [
        lambda: warm_in_background(app),
        lambda: warm_analyze(settings.perspective),
    ]
    app.before_request(_assign_request_id)
    proxy.init_app(app, settings.server)  # bodies read (or timed out) before any other hook
    app.after_request(_echo_request_id)
    app.teardown_request(_forget_request_id)
    queue_names = [
        settings.perspective.queue,
        settings.redis.score_queue,
        settings.webhooks.queue,
        settings.review.bulk_queue,
    ]
    prometheus.init_app(app, cluster_collector(sessions, redis, workers, queue_names))
    register_api(app)
    # People's tokens, next to the environment's: web/auth.py knows only the lookup's shape.
    auth.use_accounts(app, AccountTokens(sessions))
    cors.init_app(app, request_site_origins)
    pages.init_app(app)
    security.init_app(app)
    limits.init_app(app, settings.limits, settings.redis.url)
    return app


def register_api(app: Flask) -> Api:
    """Every feature's blueprints, the error answers and the token check, on one OpenAPI doc."""
    api = Api()
    api.ERROR_SCHEMA = errors.ErrorSchema
    # operationIds, error answers and security schemes for every operation registered below,
    # derived from each view's rule and guards (web/openapi.py): none is written by hand.
    api.init_app(app, spec_kwargs={"extra_plugins": [openapi.ContractPlugin(app)]})
    errors.init_app(app)
    request_checks.init_app(app)
    auth.init_app(app)
    api.register_blueprint(comments_api.blp)
    api.register_blueprint(review_api.blp)
    app.register_blueprint(health.blp)
    api.register_blueprint(feedback_api.blp)
    app.register_blueprint(perspective_api.blp)
    for blueprint in (authors_api.blp, reports_api.blp, audit_api.blp, stats_api.blp):
        api.register_blueprint(blueprint)
    api.register_blueprint(webhooks_api.blp)
    api.register_blueprint(articles_api.blp)
    api.register_blueprint(surge_api.blp)
    api.register_blueprint(sites_api.blp)
    api.register_blueprint(accounts_api.blp)
    api.register_blueprint(commenters_api.blp)
    api.register_blueprint(dsa_api.blp)
    api.register_blueprint(dsa_review_api.blp)
    api.register_blueprint(privacy_api.blp)
    api.register_blueprint(transfer_api.blp)
    api.register_blueprint(precheck_api.blp)
    api.register_blueprint(coral_api.blp)
    api.register_blueprint(policies_api.blp)
    api.register_blueprint(policies_api.spot_blp)
    openapi.describe_webhooks(api.spec, webhook_payloads.event_catalogue())
    openapi.require_answered_fields(api.spec)
    return api


def _environment_names(settings: Settings) -> frozenset[str]:
    """Names of the environment's token holders, which no account may take."""
    return auth.TokenTable(settings.auth.moderator_tokens, settings.auth.admin_tokens).names()


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
